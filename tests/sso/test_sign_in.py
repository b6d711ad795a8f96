"""People, departments and roles from the directory's claims at every sign-in.

Each test signs in through the real test provider (tests/plugins/oidc_provider)
with the Django test client; the browser journey is tests/browser/test_sso_sign_in.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from allauth.socialaccount.internal import statekit
from allauth.socialaccount.models import SocialAccount, SocialToken
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings as SettingsFixture

from portal.models import Department, Employee, Site, User
from portal.roles import Role
from tests.conftest import PASSWORD
from tests.plugins.oidc_provider import Provider

pytestmark = pytest.mark.django_db

SignIn = Callable[[str], HttpResponse]
ADA: dict[str, Any] = {
    "email": "Ada@Example.com",
    "given_name": "Ada",
    "family_name": "Lovelace",
    "employee_id": "e1815",
    "department": "engineering",
    "roles": ["employee", "finance"],
}


def signed_in(client: Client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def test_first_sign_in_creates_the_person_without_keeping_tokens(
    sso: Provider, sign_in: SignIn, client: Client, engineering: Department
) -> None:
    sso.set_person("ada", ADA)

    response = sign_in("ada")

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    ada = signed_in(client)
    assert ada is not None and ada.email == "ada@example.com"
    assert (ada.first_name, ada.last_name) == ("Ada", "Lovelace")
    assert ada.employee.employee_id == "e1815"
    assert ada.employee.department == engineering
    assert ada.group_roles() == {Role.EMPLOYEE, Role.FINANCE}
    assert not ada.has_usable_password()
    assert SocialAccount.objects.get(user=ada).uid == "ada"
    assert not SocialToken.objects.exists()
    # The portal's session, 10 hours, as for a password login.
    assert client.session.get_expiry_age() == 10 * 60 * 60


def test_every_sign_in_updates_the_person_from_the_directory(
    sso: Provider,
    sign_in: SignIn,
    client: Client,
    engineering: Department,
    sales: Department,
) -> None:
    sso.set_person("ada", ADA)
    sign_in("ada")
    client.logout()
    sso.set_person(
        "ada",
        {
            **ADA,
            "family_name": "King",
            "department": "sales",
            "roles": ["employee", "manager"],
            "manages": ["sales", "engineering"],
        },
    )

    sign_in("ada")

    ada = User.objects.get(email="ada@example.com")
    assert ada.last_name == "King"
    assert ada.employee.department == sales
    assert ada.group_roles() == {Role.EMPLOYEE, Role.MANAGER}
    assert set(ada.managed_departments.all()) == {sales, engineering}


def test_a_person_of_the_csv_import_is_found_by_employee_id_and_keeps_the_rest(
    sso: Provider,
    sign_in: SignIn,
    client: Client,
    make_person: Callable[..., User],
    engineering: Department,
    site: Site,
) -> None:
    imported = make_person("e1815", engineering, customer_id="cust_77")
    sso.set_person("ada", ADA)

    sign_in("ada")

    assert signed_in(client) == imported
    employee = Employee.objects.get(user=imported)
    assert employee.customer_id == "cust_77"
    assert employee.home_site == site
    imported.refresh_from_db()
    assert imported.email == "ada@example.com"
    # The directory decides from now on: the portal password is gone.
    assert not imported.has_usable_password()
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("claims", "claim", "value", "problem"),
    [
        ({"department": "Sales/EU"}, "department", "Sales/EU", "lowercase"),
        ({"department": "marketing"}, "department", "marketing", "no department"),
        ({"employee_id": "E-1815"}, "employee_id", "E-1815", "lowercase"),
        ({"employee_id": None}, "employee_id", "", "employee_id is empty"),
        ({"roles": ["employee", "pilot"]}, "roles", "employee pilot", "unknown role"),
        ({"roles": ["manager"]}, "roles", "manager", "manages no department"),
    ],
)
def test_claims_the_staff_import_refuses_show_the_claim_and_create_nothing(
    sso: Provider,
    sign_in: SignIn,
    client: Client,
    engineering: Department,
    claims: dict[str, Any],
    claim: str,
    value: str,
    problem: str,
) -> None:
    sso.set_person("ada", {**ADA, **claims})

    response = sign_in("ada")

    assert response.status_code == 403
    refusal = next(r for r in response.context["refusals"] if r.claim == claim)
    assert refusal.value == value
    assert problem in refusal.message
    assert signed_in(client) is None
    assert not User.objects.exists()
    assert not SocialAccount.objects.exists()
    assert list(Department.objects.all()) == [engineering]


def test_a_new_department_is_created_when_the_setting_allows_it(
    sso: Provider, sign_in: SignIn, client: Client, settings: SettingsFixture
) -> None:
    settings.OIDC_CREATES_DEPARTMENTS = True
    sso.set_person("ada", {**ADA, "department": "research"})

    sign_in("ada")

    ada = signed_in(client)
    assert ada is not None
    assert ada.employee.department.code == "research"
    assert Department.objects.get(code="research").name == "research"


def test_the_role_map_translates_the_directorys_values(
    sso: Provider,
    sign_in: SignIn,
    client: Client,
    settings: SettingsFixture,
    engineering: Department,
) -> None:
    settings.OIDC_ROLE_MAP = "EVPortal.User=employee,EVPortal.Finance=finance"
    settings.OIDC_CLAIM_ROLES = "groups"
    sso.set_person(
        "ada",
        {**ADA, "roles": [], "groups": ["EVPortal.User", "EVPortal.Finance", "Wiki"]},
    )

    sign_in("ada")

    ada = signed_in(client)
    assert ada is not None and ada.group_roles() == {Role.EMPLOYEE, Role.FINANCE}


def test_someone_the_directory_no_longer_lets_in_cannot_get_in(
    sso: Provider,
    sign_in: SignIn,
    client: Client,
    settings: SettingsFixture,
    engineering: Department,
) -> None:
    settings.OIDC_ROLE_MAP = "EVPortal.User=employee"
    sso.set_person("ada", {**ADA, "roles": ["EVPortal.User"]})
    sign_in("ada")
    ada = User.objects.get(email="ada@example.com")
    ada.set_password(PASSWORD)  # say an administrator gave one
    ada.save()
    client.logout()
    sso.set_person("ada", {**ADA, "roles": []})

    response = sign_in("ada")

    assert response.status_code == 403
    assert signed_in(client) is None
    # Nor with a password: the account signs in with the company account.
    login = client.post(
        reverse("login"), {"username": "ada@example.com", "password": PASSWORD}
    )
    assert login.status_code == 200
    assert "company account" in login.content.decode()
    assert signed_in(client) is None


def test_a_nonce_that_differs_is_refused(
    sso: Provider,
    sign_in: SignIn,
    engineering: Department,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sso.set_person("ada", ADA)
    original = statekit.unstash_state

    def another_nonce(*args: Any, **kwargs: Any) -> Any:
        # As if the answer belonged to another request of the same browser.
        state = original(*args, **kwargs)
        if state:
            state["nonce"] = "another"
        return state

    monkeypatch.setattr(statekit, "unstash_state", another_nonce)

    response = sign_in("ada")

    assert response.status_code == 403
    assert response.context["refusals"][0].claim == "nonce"
    assert not User.objects.exists()
