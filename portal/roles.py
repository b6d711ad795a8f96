"""The portal's roles. Each role is a Django group with a fixed set of permissions.

A person may hold several roles. Views ask for permissions (``user.has_perm``),
never for group names, so an admin can also build custom groups.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    EMPLOYEE = "employee", _("Employee")
    RECEPTIONIST = "receptionist", _("Receptionist")
    MANAGER = "manager", _("Manager")
    FINANCE = "finance", _("Finance")
    ADMIN = "admin", _("Admin")


# Group name for each role, as created by the data migration.
GROUP_NAMES: dict[str, str] = {
    Role.EMPLOYEE: "Employee",
    Role.RECEPTIONIST: "Receptionist",
    Role.MANAGER: "Manager",
    Role.FINANCE: "Finance",
    Role.ADMIN: "Admin",
}

# Custom permissions, all declared on portal.User.
BOOK_CHARGING = "portal.book_charging"
BOOK_VISITORS = "portal.book_visitor_charging"
VIEW_DEPARTMENT_REPORTS = "portal.view_department_reports"
VIEW_ALL_REPORTS = "portal.view_all_reports"
ASSIGN_BOOKINGS = "portal.assign_bookings"

# What each role may do. Migration 0002 created the groups from a copy of
# this table; ensure_role_groups() keeps them there.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.EMPLOYEE: [BOOK_CHARGING],
    Role.RECEPTIONIST: [BOOK_VISITORS],
    Role.MANAGER: [VIEW_DEPARTMENT_REPORTS],
    Role.FINANCE: [VIEW_ALL_REPORTS, ASSIGN_BOOKINGS],
    Role.ADMIN: [
        BOOK_VISITORS,
        VIEW_ALL_REPORTS,
        ASSIGN_BOOKINGS,
        "portal.add_user",
        "portal.change_user",
        "portal.view_user",
        *(
            f"portal.{action}_{model}"
            for model in ("department", "employee", "site", "sitecharger")
            for action in ("add", "change", "delete", "view")
        ),
        "auth.view_group",
        # The scheduled jobs' health, their runs, the sync's runs and the
        # monthly report deliveries; "change" lets an admin run a job now.
        "portal.view_scheduledjob",
        "portal.change_scheduledjob",
        "portal.view_jobrun",
        "reports.view_reportdelivery",
        "bookings.view_syncrun",
        # The waiting list, its offers and the API quota it used; the tasks.
        "bookings.view_waitlistentry",
        "bookings.view_offer",
        "bookings.view_quotause",
        "django_tasks_database.view_dbtaskresult",
    ],
}


def ensure_role_groups(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Create any missing role group and give it any missing permission.

    Runs after every migrate and flush (post_migrate), so the roles come back
    when a test database is emptied or someone deletes a group. Permissions
    an admin added to a group are kept.
    """
    from django.contrib.auth.models import Group, Permission

    for role, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.using(using).get_or_create(
            name=GROUP_NAMES[role]
        )
        for perm in perms:
            app_label, codename = perm.split(".")
            permission = (
                Permission.objects.using(using)
                .filter(content_type__app_label=app_label, codename=codename)
                .first()
            )
            if permission is not None:
                group.permissions.add(permission)
