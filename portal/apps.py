from __future__ import annotations

from typing import Any

from django.apps import AppConfig, apps
from django.contrib.auth.management import create_permissions
from django.db import DEFAULT_DB_ALIAS, router
from django.db.models.signals import post_migrate
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        post_migrate.connect(restore_role_groups, sender=self)
        # Each app registers its scheduled jobs in its own jobs.py (see
        # portal.scheduler), as its admin in admin.py; importing them here
        # fills the registry in every process, and portal imports no app.
        autodiscover_modules("jobs")


def restore_role_groups(
    sender: AppConfig, using: str = DEFAULT_DB_ALIAS, **kwargs: Any
) -> None:
    """After migrate or flush: put back role groups that are missing."""
    from django.contrib.auth.models import Group

    from portal.roles import ensure_role_groups

    if not router.allow_migrate_model(using, Group):
        return
    # Django creates permissions in its own post_migrate handler, which may
    # run after this one; the groups need them now (roles also hold other
    # apps' permissions, e.g. the Admin role sees the scheduled jobs).
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    ensure_role_groups(using=using)
