from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from portal.models import Department, User
from portal.roles import GROUP_NAMES, ROLE_PERMISSIONS, Role, ensure_role_groups

pytestmark = pytest.mark.django_db


def held(role: str) -> set[str]:
    group = Group.objects.get(name=GROUP_NAMES[role])
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}


@pytest.mark.parametrize("role", Role.values)
def test_migrations_create_each_role_group_with_its_permissions(role: str) -> None:
    assert held(role) == set(ROLE_PERMISSIONS[role])


def test_deleted_role_group_comes_back_after_migrate() -> None:
    Group.objects.filter(name=GROUP_NAMES[Role.FINANCE]).delete()

    call_command("migrate", verbosity=0)

    assert held(Role.FINANCE) == set(ROLE_PERMISSIONS[Role.FINANCE])


def test_restoring_keeps_permissions_an_admin_added() -> None:
    group = Group.objects.get(name=GROUP_NAMES[Role.EMPLOYEE])
    extra = Permission.objects.get(codename="view_site")
    group.permissions.add(extra)
    group.permissions.remove(Permission.objects.get(codename="book_charging"))

    ensure_role_groups()

    assert held(Role.EMPLOYEE) == {"portal.book_charging", "portal.view_site"}


def test_permissions_follow_the_role(
    make_person: Callable[..., User], engineering: Department
) -> None:
    finance = make_person("fin002", engineering, roles={Role.FINANCE})
    assert finance.has_perm("portal.view_all_reports")
    assert finance.has_perm("portal.assign_bookings")
    assert not finance.has_perm("portal.book_charging")
