"""The Admin role cannot take over an account with more rights than it has.

Every path of the Django admin that touches a person: the list, search and
autocomplete, the change form, the password page, history, delete, bulk
actions, adding a person, the employee record, and the groups themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from portal.models import Department, Employee, User
from portal.roles import GROUP_NAMES, Role
from tests.conftest import PASSWORD
from tests.portal.test_admin import add_user_data, form_errors, group, user_data

pytestmark = pytest.mark.django_db

ROOT_PASSWORD = "the-root-password-42"
TAKEN_OVER = "a-password-of-the-attacker"


@pytest.fixture
def root(db: None) -> User:
    return User.objects.create_superuser("root@example.com", ROOT_PASSWORD)


@pytest.fixture
def admin_client(login: Callable[[User], Client], admin_user: User) -> Client:
    assert not admin_user.is_superuser
    return login(admin_user)


@pytest.fixture
def ops_group(db: None) -> Group:
    """A group a superuser made, with a right the Admin role does not hold."""
    ops = Group.objects.create(name="Operations")
    ops.permissions.add(
        Permission.objects.get(content_type__app_label="portal", codename="delete_user")
    )
    return ops


def password_data(password: str) -> dict[str, str]:
    return {
        "usable_password": "true",
        "password1": password,
        "password2": password,
        "set-password": "Set password",
    }


def assert_untouched(root: User) -> None:
    root.refresh_from_db()
    assert root.is_active
    assert root.is_superuser
    assert root.check_password(ROOT_PASSWORD)
    assert not root.check_password(TAKEN_OVER)


# --- superusers are not there for the Admin role ----------------------------------


def test_superusers_are_not_listed(
    admin_client: Client, root: User, employee: User
) -> None:
    body = admin_client.get("/admin/portal/user/").content.decode()
    assert employee.email in body
    assert root.email not in body
    body = admin_client.get("/admin/portal/user/?q=root").content.decode()
    assert root.email not in body


def test_superusers_are_not_offered_for_an_employee_record(
    admin_client: Client, root: User, employee: User
) -> None:
    response = admin_client.get(
        "/admin/autocomplete/",
        {
            "app_label": "portal",
            "model_name": "employee",
            "field_name": "user",
            "term": "example.com",
        },
    )
    assert response.status_code == 200
    offered = {item["text"] for item in response.json()["results"]}
    assert str(employee) in offered
    assert str(root) not in offered


@pytest.mark.parametrize("page", ["change/", "password/", "history/", "delete/"])
def test_a_superusers_pages_are_not_found(
    admin_client: Client, root: User, page: str
) -> None:
    assert admin_client.get(f"/admin/portal/user/{root.pk}/{page}").status_code == 404


def test_the_password_of_a_superuser_cannot_be_set(
    admin_client: Client, root: User
) -> None:
    response = admin_client.post(
        f"/admin/portal/user/{root.pk}/password/", password_data(TAKEN_OVER)
    )
    assert response.status_code == 404
    assert_untouched(root)
    assert not Client().login(username=root.email, password=TAKEN_OVER)


def test_a_superuser_cannot_be_changed_or_deactivated(
    admin_client: Client, root: User
) -> None:
    data = {
        "email": "mine@example.com",
        "first_name": "",
        "last_name": "",
        "groups": [],
        "reception_sites": [],
        "date_joined_0": "2026-01-05",
        "date_joined_1": "09:00:00",
        "employee-TOTAL_FORMS": "0",
        "employee-INITIAL_FORMS": "0",
        "employee-MIN_NUM_FORMS": "0",
        "employee-MAX_NUM_FORMS": "1",
    }
    response = admin_client.post(f"/admin/portal/user/{root.pk}/change/", data)
    assert response.status_code == 404
    assert_untouched(root)
    assert root.email == "root@example.com"


def test_a_superuser_cannot_be_deleted_or_picked_for_a_bulk_action(
    admin_client: Client, root: User
) -> None:
    response = admin_client.post(
        f"/admin/portal/user/{root.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 404
    admin_client.post(
        "/admin/portal/user/",
        {
            "action": "delete_selected",
            "_selected_action": [str(root.pk)],
            "post": "yes",
        },
    )
    assert_untouched(root)


def test_a_superusers_employee_record_is_read_only(
    admin_client: Client, root: User, engineering: Department
) -> None:
    record = Employee.objects.create(
        user=root, employee_id="root1", department=engineering
    )
    url = f"/admin/portal/employee/{record.pk}/change/"
    assert admin_client.get(url).status_code == 200  # shown, not editable
    response = admin_client.post(
        url,
        {
            "user": str(root.pk),
            "employee_id": "root1",
            "department": str(engineering.pk),
            "customer_id": "cust_attacker",
        },
    )
    assert response.status_code == 403
    assert (
        admin_client.post(
            f"/admin/portal/employee/{record.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    record.refresh_from_db()
    assert record.customer_id == ""


def test_an_employee_record_cannot_be_given_to_a_superuser(
    admin_client: Client, root: User, engineering: Department
) -> None:
    response = admin_client.post(
        "/admin/portal/employee/add/",
        {
            "user": str(root.pk),
            "employee_id": "root1",
            "department": str(engineering.pk),
            "is_active": "on",
        },
    )
    assert "Select a valid choice." in form_errors(response)
    assert not Employee.objects.filter(user=root).exists()


# --- nobody gets more rights than the Admin role may hand out -----------------------


def test_the_admin_role_hands_out_every_portal_role(
    admin_client: Client, employee: User
) -> None:
    every_role = [group(role) for role in GROUP_NAMES]
    response = admin_client.post(
        f"/admin/portal/user/{employee.pk}/change/",
        user_data(employee, groups=every_role),
    )
    assert response.status_code == 302
    assert User.objects.get(pk=employee.pk).roles == set(GROUP_NAMES)


@pytest.mark.parametrize("whom", ["themselves", "someone else"])
def test_a_group_with_rights_the_admin_does_not_hold_cannot_be_given(
    admin_client: Client,
    admin_user: User,
    employee: User,
    ops_group: Group,
    whom: str,
) -> None:
    person = admin_user if whom == "themselves" else employee
    groups = [str(g.pk) for g in person.groups.all()] + [str(ops_group.pk)]
    response = admin_client.post(
        f"/admin/portal/user/{person.pk}/change/", user_data(person, groups=groups)
    )
    assert (
        "You cannot give the group “Operations”: it carries rights you do not hold."
        in form_errors(response)
    )
    assert not person.groups.filter(pk=ops_group.pk).exists()


def test_own_superuser_flag_permissions_and_staff_flag_cannot_be_set(
    admin_client: Client, admin_user: User
) -> None:
    delete_user = Permission.objects.get(codename="delete_user")
    response = admin_client.post(
        f"/admin/portal/user/{admin_user.pk}/change/",
        user_data(
            admin_user,
            is_superuser="on",
            is_staff="on",
            user_permissions=[str(delete_user.pk)],
            groups=[group(Role.ADMIN)],
        ),
    )
    assert response.status_code == 302
    admin_user = User.objects.get(pk=admin_user.pk)
    assert not admin_user.is_superuser
    assert not admin_user.user_permissions.exists()
    assert not admin_user.has_perm("portal.delete_user")


def test_adding_a_person_cannot_make_a_superuser_or_give_groups(
    admin_client: Client, ops_group: Group
) -> None:
    response = admin_client.post(
        "/admin/portal/user/add/",
        add_user_data(
            usable_password="false",
            is_superuser="on",
            is_staff="on",
            groups=[str(ops_group.pk)],  # type: ignore[arg-type]
        ),
    )
    assert response.status_code == 302
    person = User.objects.get(email="new.person@example.com")
    assert not person.is_superuser
    assert not person.is_staff
    assert not person.groups.exists()


@pytest.fixture
def stronger(employee: User, ops_group: Group) -> User:
    """Someone a superuser gave a right the Admin role does not hold."""
    employee.groups.add(ops_group)
    return employee


def test_someone_with_more_rights_is_shown_but_cannot_be_changed(
    admin_client: Client, stronger: User
) -> None:
    url = f"/admin/portal/user/{stronger.pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    data = user_data(stronger, groups=[str(g.pk) for g in stronger.groups.all()])
    assert admin_client.post(url, {**data, "is_active": ""}).status_code == 403
    password_url = f"/admin/portal/user/{stronger.pk}/password/"
    assert admin_client.get(password_url).status_code == 403
    response = admin_client.post(password_url, password_data(TAKEN_OVER))
    assert response.status_code == 403
    stronger.refresh_from_db()
    assert stronger.is_active
    assert stronger.check_password(PASSWORD)


def test_an_inactive_account_with_more_rights_cannot_be_reactivated(
    admin_client: Client, stronger: User
) -> None:
    stronger.is_active = False
    stronger.save()
    data = user_data(stronger, groups=[str(g.pk) for g in stronger.groups.all()])
    response = admin_client.post(f"/admin/portal/user/{stronger.pk}/change/", data)
    assert response.status_code == 403
    stronger.refresh_from_db()
    assert not stronger.is_active


def test_the_admin_role_sets_the_password_of_a_person_it_manages(
    admin_client: Client, employee: User
) -> None:
    response = admin_client.post(
        f"/admin/portal/user/{employee.pk}/password/", password_data(TAKEN_OVER)
    )
    assert response.status_code == 302
    employee.refresh_from_db()
    assert employee.check_password(TAKEN_OVER)


# --- groups themselves ----------------------------------------------------------


def test_groups_can_be_seen_but_not_edited(admin_client: Client) -> None:
    admin_group = Group.objects.get(name=GROUP_NAMES[Role.ADMIN])
    url = f"/admin/auth/group/{admin_group.pk}/change/"
    assert admin_client.get(url).status_code == 200
    every_permission = [str(p.pk) for p in Permission.objects.all()]
    data: dict[str, Any] = {"name": "Admin", "permissions": every_permission}
    assert admin_client.post(url, data).status_code == 403
    assert admin_client.post("/admin/auth/group/add/", data).status_code == 403
    admin_group.refresh_from_db()
    assert admin_group.permissions.count() < len(every_permission)
    assert not Group.objects.filter(name="Admin").exclude(pk=admin_group.pk).exists()


# --- a superuser still may do all of it ------------------------------------------


def test_a_superuser_manages_superusers_and_gives_any_group(
    client: Client, root: User, employee: User, ops_group: Group
) -> None:
    other_root = User.objects.create_superuser("root2@example.com", ROOT_PASSWORD)
    client.force_login(root)
    assert "root2@example.com" in client.get("/admin/portal/user/").content.decode()
    response = client.post(
        f"/admin/portal/user/{other_root.pk}/password/", password_data(TAKEN_OVER)
    )
    assert response.status_code == 302
    response = client.post(
        f"/admin/portal/user/{employee.pk}/change/",
        user_data(employee, groups=[str(ops_group.pk)]),
    )
    assert response.status_code == 302
    assert employee.groups.filter(pk=ops_group.pk).exists()
