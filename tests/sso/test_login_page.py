"""The login page with the company sign-in, OIDC_ONLY and the break-glass address."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, urlparse

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings as SettingsFixture

from portal.models import Department, User
from tests.conftest import PASSWORD
from tests.plugins.oidc_provider import Provider

pytestmark = pytest.mark.django_db

BREAK_GLASS = "/login/break-glass/"


@pytest.fixture
def configured(settings: SettingsFixture) -> None:
    """Configured without talking to a provider: the login page needs none."""
    settings.OIDC_ISSUER = "https://login.example.com/tenant/v2.0"
    settings.OIDC_CLIENT_ID = "portal"


@pytest.fixture
def superuser(db: None) -> User:
    return User.objects.create_superuser("root@example.com", PASSWORD)


def test_without_configuration_the_page_has_the_password_form_only(
    client: Client,
) -> None:
    page = client.get(reverse("login")).content.decode()

    assert "Sign in with" not in page
    assert 'name="password"' in page


def test_the_company_sign_in_comes_first_then_the_password_form(
    configured: None, client: Client, settings: SettingsFixture
) -> None:
    settings.OIDC_BUTTON_LABEL = "Contoso"

    page = client.get(reverse("login")).content.decode()

    assert "Sign in with Contoso" in page
    assert page.index("Sign in with Contoso") < page.index('name="password"')


def test_the_button_label_defaults_to_company_account(
    configured: None, client: Client
) -> None:
    assert (
        "Sign in with Company account" in client.get(reverse("login")).content.decode()
    )


def test_oidc_only_shows_the_company_sign_in_alone(
    configured: None, client: Client, settings: SettingsFixture
) -> None:
    settings.OIDC_ONLY = True

    page = client.get(reverse("login")).content.decode()

    assert "Sign in with Company account" in page
    assert 'name="password"' not in page


def test_oidc_only_takes_no_password_at_the_login_page(
    configured: None, client: Client, settings: SettingsFixture, superuser: User
) -> None:
    settings.OIDC_ONLY = True

    response = client.post(
        reverse("login"), {"username": superuser.email, "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_oidc_only_lets_a_superuser_in_at_the_break_glass_address(
    configured: None, client: Client, settings: SettingsFixture, superuser: User
) -> None:
    settings.OIDC_ONLY = True
    page = client.get(BREAK_GLASS).content.decode()
    assert 'name="password"' in page
    assert f'action="{BREAK_GLASS}"' in page

    response = client.post(
        BREAK_GLASS, {"username": superuser.email, "password": PASSWORD}
    )

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(superuser.pk)


def test_oidc_only_refuses_everybody_else_at_the_break_glass_address(
    configured: None, client: Client, settings: SettingsFixture, employee: User
) -> None:
    settings.OIDC_ONLY = True

    response = client.post(
        BREAK_GLASS, {"username": employee.email, "password": PASSWORD}
    )

    assert response.status_code == 200
    assert "signs in with the company account" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_login_is_unchanged_without_oidc_only(
    configured: None, client: Client, employee: User
) -> None:
    response = client.post(
        reverse("login"), {"username": employee.email, "password": PASSWORD}
    )

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(employee.pk)


def test_logout_after_a_company_sign_in_ends_the_providers_session(
    sso: Provider,
    sign_in: Callable[[str], HttpResponse],
    client: Client,
    engineering: Department,
) -> None:
    sso.set_person(
        "ada",
        {
            "email": "ada@example.com",
            "employee_id": "e1815",
            "department": "engineering",
        },
    )
    sign_in("ada")

    response = client.post(reverse("logout"))

    assert "_auth_user_id" not in client.session
    location = urlparse(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == (
        f"{sso.issuer}/session/end"
    )
    query = parse_qs(location.query)
    assert query["client_id"] == ["portal"]
    assert query["post_logout_redirect_uri"][0].endswith("/login/")
    assert "id_token_hint" not in query


def test_logout_after_a_password_login_stays_here(
    sso: Provider, client: Client, employee: User
) -> None:
    client.force_login(employee)

    response = client.post(reverse("logout"))

    assert response["Location"] == reverse("login")
