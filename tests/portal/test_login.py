"""Logging in and out through the portal's own form, and the lockout."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest.mock import patch

import pytest
from django.db.models import F
from django.test import Client
from django.utils import timezone

from portal.models import LoginFailure, User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

HOME = "10.0.0.1"
ELSEWHERE = "10.0.0.2"
LOCKED = "Too many failed attempts for this account from your address."


def log_in(
    client: Client, email: str, password: str, *, ip: str = HOME, next_url: str = ""
) -> str:
    """POST the login form; return where it sent us, or the page it showed."""
    response = client.post(
        "/login/",
        {"username": email, "password": password, "next": next_url},
        REMOTE_ADDR=ip,
    )
    if response.status_code == 302:
        return response["Location"]
    assert response.status_code == 200
    return response.content.decode()


def fail(client: Client, email: str, times: int, *, ip: str = HOME) -> None:
    for _ in range(times):
        log_in(client, email, "not-the-password", ip=ip)


def is_logged_in(client: Client) -> bool:
    return client.get("/").status_code == 200


def test_login_page_shows_the_form(client: Client) -> None:
    response = client.get("/login/")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="username"' in body
    assert 'type="email"' in body
    assert 'name="password"' in body
    assert 'href="/password-reset/"' in body
    assert "Forgot your password?" in body


@pytest.mark.parametrize(
    "typed", ["emp042@example.com", "EMP042@Example.COM", "  Emp042@example.com "]
)
def test_login_with_email_in_any_case(
    client: Client, employee: User, typed: str
) -> None:
    assert log_in(client, typed, PASSWORD) == "/"
    assert int(client.session["_auth_user_id"]) == employee.pk


def test_login_goes_to_the_page_asked_for(client: Client, employee: User) -> None:
    assert log_in(client, employee.email, PASSWORD, next_url="/healthz") == "/healthz"


def test_login_does_not_redirect_to_another_site(
    client: Client, employee: User
) -> None:
    where = log_in(client, employee.email, PASSWORD, next_url="https://evil.example/")
    assert where == "/"


def test_wrong_password_says_so_and_keeps_the_address(
    client: Client, employee: User
) -> None:
    body = log_in(client, employee.email, "not-the-password")
    assert "That e-mail address and password do not match." in body
    assert 'value="emp042@example.com"' in body
    assert not is_logged_in(client)


def test_unknown_address_gets_the_same_message(client: Client, db: None) -> None:
    body = log_in(client, "nobody@example.com", PASSWORD)
    assert "That e-mail address and password do not match." in body


def test_inactive_person_cannot_log_in(client: Client, employee: User) -> None:
    employee.is_active = False
    employee.save()
    body = log_in(client, employee.email, PASSWORD)
    assert "do not match" in body
    assert not is_logged_in(client)


def test_logged_in_person_opening_login_goes_home(
    client: Client, employee: User
) -> None:
    client.force_login(employee)
    response = client.get("/login/")
    assert response.status_code == 302
    assert response["Location"] == "/"


# --- lockout -------------------------------------------------------------------


def test_four_failures_do_not_lock(client: Client, employee: User) -> None:
    fail(client, employee.email, 4)
    assert log_in(client, employee.email, PASSWORD) == "/"


def test_five_failures_lock_for_fifteen_minutes_with_a_message(
    client: Client, employee: User
) -> None:
    fail(client, employee.email, 4)
    body = log_in(client, employee.email, "not-the-password")
    assert LOCKED in body
    assert "Please wait 15 minutes before trying again." in body


def test_right_password_is_refused_while_locked(client: Client, employee: User) -> None:
    fail(client, employee.email, 5)
    body = log_in(client, employee.email, PASSWORD)
    assert LOCKED in body
    assert not is_logged_in(client)


def test_lockout_counts_the_address_in_any_case(client: Client, employee: User) -> None:
    fail(client, "EMP042@example.com", 3)
    fail(client, "emp042@EXAMPLE.com", 2)
    assert LOCKED in log_in(client, employee.email, PASSWORD)


def test_another_address_is_not_locked(client: Client, employee: User) -> None:
    fail(client, employee.email, 5, ip=HOME)
    assert log_in(client, employee.email, PASSWORD, ip=ELSEWHERE) == "/"


PROXY = "10.9.9.9"


def log_in_behind_proxy(client: Client, email: str, password: str, ip: str) -> str:
    """As the login arrives through our reverse proxy, which appends `ip`."""
    response = client.post(
        "/login/",
        {"username": email, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=f"203.0.113.66, {ip}",  # the left part is forged
    )
    return (
        response["Location"]
        if response.status_code == 302
        else (response.content.decode())
    )


def test_behind_the_proxy_a_stranger_cannot_lock_the_owner_out(
    client: Client, employee: User, settings: Any
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(5):
        log_in_behind_proxy(client, employee.email, "guess", ip=ELSEWHERE)
    assert LOCKED in log_in_behind_proxy(client, employee.email, PASSWORD, ELSEWHERE)
    assert log_in_behind_proxy(client, employee.email, PASSWORD, ip=HOME) == "/"


def test_behind_the_proxy_a_forged_header_does_not_dodge_the_lockout(
    client: Client, employee: User, settings: Any
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    for forged in range(5):
        client.post(
            "/login/",
            {"username": employee.email, "password": "guess"},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=f"198.51.100.{forged}, {ELSEWHERE}",
        )
    assert LOCKED in log_in_behind_proxy(client, employee.email, PASSWORD, ELSEWHERE)


def test_without_trusted_proxies_the_header_is_ignored(
    client: Client, employee: User
) -> None:
    for forged in range(5):
        client.post(
            "/login/",
            {"username": employee.email, "password": "guess"},
            REMOTE_ADDR=HOME,
            HTTP_X_FORWARDED_FOR=f"198.51.100.{forged}",
        )
    assert LOCKED in log_in(client, employee.email, PASSWORD, ip=HOME)


def test_another_username_is_not_locked(
    client: Client, employee: User, colleague: User
) -> None:
    fail(client, employee.email, 5)
    assert log_in(client, colleague.email, PASSWORD) == "/"


def test_lockout_ends_after_fifteen_minutes(client: Client, employee: User) -> None:
    fail(client, employee.email, 5)
    now = timezone.now()

    with patch("django.utils.timezone.now", return_value=now + timedelta(minutes=14)):
        body = log_in(client, employee.email, PASSWORD)
    assert LOCKED in body
    assert "Please wait 1 minute before trying again." in body

    later = now + timedelta(minutes=15, seconds=1)
    with patch("django.utils.timezone.now", return_value=later):
        assert log_in(client, employee.email, PASSWORD) == "/"


def test_old_failures_do_not_count(client: Client, employee: User) -> None:
    fail(client, employee.email, 4)
    LoginFailure.objects.update(at=F("at") - timedelta(minutes=16))
    fail(client, employee.email, 1)
    assert log_in(client, employee.email, PASSWORD) == "/"


def test_success_clears_the_failures(client: Client, employee: User) -> None:
    fail(client, employee.email, 4)
    assert log_in(client, employee.email, PASSWORD) == "/"
    assert not LoginFailure.objects.filter(username="emp042@example.com").exists()
    client.post("/logout/")

    fail(client, employee.email, 4)
    assert log_in(client, employee.email, PASSWORD) == "/"


def test_empty_password_does_not_clear_the_failures(
    client: Client, employee: User
) -> None:
    fail(client, employee.email, 4)
    body = log_in(client, employee.email, "")
    assert "This field is required." in body
    fail(client, employee.email, 1)
    assert LOCKED in log_in(client, employee.email, PASSWORD)


def test_success_forgets_failures_older_than_the_window(
    client: Client, employee: User, colleague: User
) -> None:
    fail(client, colleague.email, 2)
    LoginFailure.objects.update(at=F("at") - timedelta(hours=1))
    fail(client, colleague.email, 1)

    log_in(client, employee.email, PASSWORD)

    assert LoginFailure.objects.filter(username="emp043@example.com").count() == 1


# --- logout ------------------------------------------------------------------


def test_logout_needs_post(client: Client, employee: User) -> None:
    client.force_login(employee)
    assert client.get("/logout/").status_code == 405
    assert is_logged_in(client)


def test_logout_logs_out_and_goes_to_login(client: Client, employee: User) -> None:
    client.force_login(employee)
    response = client.post("/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert not is_logged_in(client)


def test_logout_when_already_logged_out_goes_to_login(client: Client) -> None:
    # A second tab: logging out again must not detour through the login page
    # to a GET of the logout URL.
    response = client.post("/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/login/"


def test_logout_button_is_a_form_on_every_page(client: Client, employee: User) -> None:
    client.force_login(employee)
    body = client.get("/").content.decode()
    assert '<form class="logout" method="post" action="/logout/">' in body


# --- the admin's login -----------------------------------------------------------


def test_admin_login_redirects_to_the_portal_login(client: Client, db: None) -> None:
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=%2Fadmin%2F"


def test_admin_login_without_next_redirects_to_login(client: Client, db: None) -> None:
    response = client.get("/admin/login/")
    assert response["Location"] == "/login/"


def test_admin_login_form_cannot_be_posted_to(client: Client, employee: User) -> None:
    # Posting there would log in past the lockout.
    response = client.post(
        "/admin/login/", {"username": employee.email, "password": PASSWORD}
    )
    assert response.status_code == 405
    assert not is_logged_in(client)


def test_logged_out_admin_page_goes_to_portal_login(client: Client, db: None) -> None:
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1] == ("/login/?next=%2Fadmin%2F", 302)
    assert response.status_code == 200


def test_logged_in_non_admin_opening_admin_is_refused_without_a_loop(
    client: Client, employee: User
) -> None:
    client.force_login(employee)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    assert len(response.redirect_chain) == 1
    assert "You cannot open this page" in response.content.decode()


def test_admin_opening_admin_login_goes_to_the_admin(
    client: Client, admin_user: User
) -> None:
    client.force_login(admin_user)
    response = client.get("/admin/login/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_admin_logs_in_through_the_portal_and_reaches_the_admin(
    client: Client, admin_user: User
) -> None:
    where = log_in(client, "ADM001@example.com", PASSWORD, next_url="/admin/")
    assert where == "/admin/"
    assert client.get("/admin/").status_code == 200
