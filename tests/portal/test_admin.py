"""The Django admin as the Admin role uses it (a group, not a superuser)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from portal.models import Department, Employee, Site, SiteCharger, User
from portal.roles import GROUP_NAMES, Role

pytestmark = pytest.mark.django_db

MODELS = ["department", "employee", "site", "user"]


@pytest.fixture
def admin_client(login: Callable[[User], Client], admin_user: User) -> Client:
    assert not admin_user.is_superuser  # the role, not a superuser
    assert admin_user.is_staff
    return login(admin_user)


def form_errors(response: Any) -> str:
    """Every error the admin shows on a form and its inlines, as one text."""
    assert response.status_code == 200, "the form was accepted"
    errors = [str(response.context["adminform"].form.errors)]
    for inline in response.context["inline_admin_formsets"]:
        errors.extend(str(e) for e in inline.formset.errors)
    return " ".join(errors)


def test_admin_group_has_the_permissions_the_role_needs() -> None:
    group = Group.objects.get(name=GROUP_NAMES[Role.ADMIN])
    held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
    needed = {
        f"portal.{action}_{model}"
        for model in ("department", "employee", "site", "sitecharger")
        for action in ("add", "change", "delete", "view")
    } | {
        # People and their roles: roles are groups assigned on the user.
        "portal.add_user",
        "portal.change_user",
        "portal.view_user",
        "auth.view_group",
    }
    assert needed <= held
    # Accounts are deactivated, never deleted: bookings point at them.
    assert "portal.delete_user" not in held


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("page", ["", "add/"])
def test_admin_opens_changelist_and_add_page(
    admin_client: Client, employee: User, model: str, page: str
) -> None:
    response = admin_client.get(f"/admin/portal/{model}/{page}")
    assert response.status_code == 200


def test_admin_index_lists_the_organisation(admin_client: Client) -> None:
    body = admin_client.get("/admin/").content.decode()
    for label in ("Departments", "Employees", "Sites", "Users", "Groups"):
        assert f">{label}<" in body


def test_admin_opens_change_pages(
    admin_client: Client, employee: User, site: Site, engineering: Department
) -> None:
    for url in (
        f"/admin/portal/department/{engineering.pk}/change/",
        f"/admin/portal/employee/{employee.employee.pk}/change/",
        f"/admin/portal/site/{site.pk}/change/",
        f"/admin/portal/user/{employee.pk}/change/",
    ):
        assert admin_client.get(url).status_code == 200, url


def test_site_page_edits_its_chargers_inline(admin_client: Client, site: Site) -> None:
    body = admin_client.get(f"/admin/portal/site/{site.pk}/change/").content.decode()
    assert 'name="chargers-TOTAL_FORMS"' in body
    assert "DE*ENB*E700101*1" in body


@pytest.mark.parametrize("persona", ["employee", "receptionist", "manager", "finance"])
@pytest.mark.parametrize("url", ["/admin/", "/admin/portal/department/"])
def test_non_admin_is_refused(
    login: Callable[[User], Client],
    request: pytest.FixtureRequest,
    persona: str,
    url: str,
) -> None:
    client = login(request.getfixturevalue(persona))
    response = client.get(url, follow=True)
    assert response.status_code == 403
    assert "You cannot open this page" in response.content.decode()


# --- creating and validating -----------------------------------------------------


def department_data(**changes: str) -> dict[str, Any]:
    return {
        "code": "logistics",
        "name": "Logistics",
        "monthly_budget": "300.00",
        "default_monthly_cap": "",
        **changes,
    }


def test_admin_creates_a_department(admin_client: Client, manager: User) -> None:
    data = department_data(managers=[str(manager.pk)])
    response = admin_client.post("/admin/portal/department/add/", data)
    assert response.status_code == 302
    logistics = Department.objects.get(code="logistics")
    assert logistics.monthly_budget == Decimal("300.00")
    assert list(logistics.managers.all()) == [manager]


@pytest.mark.parametrize("code", ["Logistics", "log-istics", "lögistics", "log istics"])
def test_department_code_mistakes_get_our_message(
    admin_client: Client, code: str
) -> None:
    response = admin_client.post(
        "/admin/portal/department/add/", department_data(code=code)
    )
    assert (
        "Use lowercase letters (a–z) and digits only: no spaces, capitals, "
        "hyphens or accents." in form_errors(response)
    )
    assert not Department.objects.filter(name="Logistics").exists()


def test_visitor_department_code_is_reserved(admin_client: Client) -> None:
    response = admin_client.post(
        "/admin/portal/department/add/", department_data(code="visitor")
    )
    assert "“visitor” is reserved for visitor bookings" in form_errors(response)
    assert not Department.objects.filter(code="visitor").exists()


@pytest.mark.parametrize("field", ["monthly_budget", "default_monthly_cap"])
def test_negative_money_is_refused_with_a_message(
    admin_client: Client, field: str
) -> None:
    response = admin_client.post(
        "/admin/portal/department/add/", department_data(**{field: "-5"})
    )
    assert "Ensure this value is greater than or equal to 0.00." in form_errors(
        response
    )
    assert not Department.objects.filter(code="logistics").exists()


def test_duplicate_department_code_is_explained(
    admin_client: Client, engineering: Department
) -> None:
    response = admin_client.post(
        "/admin/portal/department/add/", department_data(code="engineering")
    )
    assert "Department with this Code already exists." in form_errors(response)


def site_data(**changes: str) -> dict[str, Any]:
    return {
        "name": "Munich Office",
        "address": "Leopoldstraße 1",
        "postal_code": "80802",
        "city": "Munich",
        "latitude": "48.1600",
        "longitude": "11.5850",
        "time_zone": "Europe/Berlin",
        "chargers-TOTAL_FORMS": "1",
        "chargers-INITIAL_FORMS": "0",
        "chargers-MIN_NUM_FORMS": "0",
        "chargers-MAX_NUM_FORMS": "1000",
        "chargers-0-kind": "visitor",
        "chargers-0-location_id": "DE-ION-E700301",
        "chargers-0-evse_uid": "DE*ION*E700301*1",
        "chargers-0-label": "Visitor bay 1",
        **changes,
    }


def test_admin_creates_a_site_with_a_charger(admin_client: Client) -> None:
    response = admin_client.post("/admin/portal/site/add/", site_data())
    assert response.status_code == 302
    site = Site.objects.get(name="Munich Office")
    charger = SiteCharger.objects.get(site=site)
    assert charger.kind == SiteCharger.Kind.VISITOR
    assert charger.evse_uid == "DE*ION*E700301*1"


def test_unknown_time_zone_gets_our_message(admin_client: Client) -> None:
    response = admin_client.post(
        "/admin/portal/site/add/", site_data(time_zone="Mars/Olympus")
    )
    assert "“Mars/Olympus” is not a time zone name such as Europe/Berlin." in (
        form_errors(response)
    )
    assert not Site.objects.filter(name="Munich Office").exists()


def test_latitude_out_of_range_is_refused(admin_client: Client) -> None:
    response = admin_client.post("/admin/portal/site/add/", site_data(latitude="91"))
    assert "Ensure this value is less than or equal to 90." in form_errors(response)


def test_same_charger_twice_at_a_site_is_refused(admin_client: Client) -> None:
    data = site_data(
        **{
            "chargers-TOTAL_FORMS": "2",
            "chargers-1-kind": "visitor",
            "chargers-1-location_id": "DE-ION-E700301",
            "chargers-1-evse_uid": "DE*ION*E700301*1",
            "chargers-1-label": "Visitor bay 1 again",
        }
    )
    response = admin_client.post("/admin/portal/site/add/", data)
    assert response.status_code == 200
    assert not Site.objects.filter(name="Munich Office").exists()


def test_admin_creates_an_employee(
    admin_client: Client, engineering: Department, site: Site
) -> None:
    person = User.objects.create_user("new.person@example.com")
    response = admin_client.post(
        "/admin/portal/employee/add/",
        {
            "user": str(person.pk),
            "employee_id": "emp100",
            "department": str(engineering.pk),
            "customer_id": "cust_emp100",
            "token_id": "",
            "monthly_cap": "",
            "home_site": str(site.pk),
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert Employee.objects.get(employee_id="emp100").user == person


def test_employee_id_mistake_gets_our_message(
    admin_client: Client, engineering: Department
) -> None:
    person = User.objects.create_user("new.person@example.com")
    response = admin_client.post(
        "/admin/portal/employee/add/",
        {
            "user": str(person.pk),
            "employee_id": "EMP-100",
            "department": str(engineering.pk),
            "is_active": "on",
        },
    )
    assert "Use lowercase letters (a–z) and digits only" in form_errors(response)


# --- people and roles ------------------------------------------------------------


def user_data(user: User, **changes: Any) -> dict[str, Any]:
    """The change form of a user with an employee record, as the admin sends it."""
    employee = user.employee
    return {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "is_active": "on",
        "groups": [str(g.pk) for g in user.groups.all()],
        "reception_sites": [],
        "date_joined_0": "2026-01-05",
        "date_joined_1": "09:00:00",
        "last_login_0": "",
        "last_login_1": "",
        "employee-TOTAL_FORMS": "1",
        "employee-INITIAL_FORMS": "1",
        "employee-MIN_NUM_FORMS": "0",
        "employee-MAX_NUM_FORMS": "1",
        "employee-0-id": str(employee.pk),
        "employee-0-user": str(user.pk),
        "employee-0-employee_id": employee.employee_id,
        "employee-0-department": str(employee.department_id),
        "employee-0-customer_id": employee.customer_id,
        "employee-0-token_id": employee.token_id,
        "employee-0-monthly_cap": "",
        "employee-0-home_site": str(employee.home_site_id or ""),
        "employee-0-is_active": "on",
        **changes,
    }


def group(role: str) -> str:
    return str(Group.objects.get(name=GROUP_NAMES[role]).pk)


def test_admin_gives_roles_and_the_staff_flag_follows(
    admin_client: Client, employee: User
) -> None:
    url = f"/admin/portal/user/{employee.pk}/change/"
    data = user_data(employee, groups=[group(Role.EMPLOYEE), group(Role.ADMIN)])

    response = admin_client.post(url, data)

    assert response.status_code == 302
    employee = User.objects.get(pk=employee.pk)
    assert employee.roles == {Role.EMPLOYEE, Role.ADMIN}
    assert employee.is_staff  # may now open the admin

    admin_client.post(url, user_data(employee, groups=[group(Role.RECEPTIONIST)]))

    employee = User.objects.get(pk=employee.pk)
    assert employee.roles == {Role.RECEPTIONIST}
    assert not employee.is_staff


def test_admin_role_cannot_make_a_superuser(
    admin_client: Client, employee: User
) -> None:
    url = f"/admin/portal/user/{employee.pk}/change/"
    response = admin_client.post(url, user_data(employee, is_superuser="on"))
    assert response.status_code == 302
    employee.refresh_from_db()
    assert not employee.is_superuser


def test_superuser_can_make_a_superuser(client: Client, employee: User) -> None:
    root = User.objects.create_superuser("root@example.com", "a-long-password-9")
    client.force_login(root)
    url = f"/admin/portal/user/{employee.pk}/change/"
    response = client.post(url, user_data(employee, is_superuser="on"))
    assert response.status_code == 302
    employee.refresh_from_db()
    assert employee.is_superuser


def add_user_data(**changes: str) -> dict[str, Any]:
    return {
        "email": "New.Person@Example.com",
        "first_name": "New",
        "last_name": "Person",
        "employee-TOTAL_FORMS": "0",
        "employee-INITIAL_FORMS": "0",
        "employee-MIN_NUM_FORMS": "0",
        "employee-MAX_NUM_FORMS": "1",
        **changes,
    }


def test_admin_adds_a_user_with_a_password(admin_client: Client) -> None:
    response = admin_client.post(
        "/admin/portal/user/add/",
        add_user_data(
            usable_password="true",
            password1="three green charging cables",
            password2="three green charging cables",
        ),
    )
    assert response.status_code == 302
    person = User.objects.get(email="new.person@example.com")
    assert person.check_password("three green charging cables")


def test_admin_adds_a_user_who_sets_the_password_by_reset_link(
    admin_client: Client,
) -> None:
    response = admin_client.post(
        "/admin/portal/user/add/", add_user_data(usable_password="false")
    )
    assert response.status_code == 302
    assert not User.objects.get(email="new.person@example.com").has_usable_password()


def test_short_password_in_the_admin_is_refused(admin_client: Client) -> None:
    response = admin_client.post(
        "/admin/portal/user/add/",
        add_user_data(
            usable_password="true", password1="Xq7!mzR2pLw", password2="Xq7!mzR2pLw"
        ),
    )
    assert "at least 12 characters" in form_errors(response)
    assert not User.objects.filter(email="new.person@example.com").exists()
