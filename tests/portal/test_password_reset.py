"""Setting a first password, or a new one, by e-mail link."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.db.models import F
from django.test import Client

from portal.models import PasswordResetRequest, User

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "three green charging cables"


@pytest.fixture
def imported(employee: User) -> User:
    """Someone the staff import created: no usable password yet."""
    employee.set_unusable_password()
    employee.save()
    return employee


def ask_for_link(client: Client, email: str) -> None:
    response = client.post("/password-reset/", {"email": email})
    assert response.status_code == 302
    assert response["Location"] == "/password-reset/sent/"


def link_in(message: mail.EmailMessage) -> str:
    found = re.search(r"http://testserver(/password-reset/\S+/\S+/)", message.body)
    assert found, message.body
    return found.group(1)


def test_login_page_links_to_password_reset(client: Client) -> None:
    body = client.get("/login/").content.decode()
    assert '<a href="/password-reset/">Forgot your password?</a>' in body


def test_password_reset_pages_need_no_login(client: Client) -> None:
    for url in ("/password-reset/", "/password-reset/sent/", "/password-reset/done/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Skip to content" in response.content.decode()  # base.html


def test_imported_person_sets_a_first_password_end_to_end(
    client: Client, imported: User
) -> None:
    ask_for_link(client, "Emp042@Example.com")

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["emp042@example.com"]
    assert message.subject == "Set your password for the EV charging portal"
    assert "account emp042@example.com" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    link = link_in(message)
    assert f'href="http://testserver{link}"' in html

    # Django swaps the token for a session and redirects to a token-free URL.
    response = client.get(link, follow=True)
    assert response.status_code == 200
    assert "Choose a new password" in response.content.decode()
    set_password_url = response.redirect_chain[-1][0]

    response = client.post(
        set_password_url,
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == "/password-reset/done/"
    assert "Password saved" in client.get("/password-reset/done/").content.decode()

    response = client.post(
        "/login/", {"username": "emp042@example.com", "password": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_link_works_only_once(client: Client, imported: User) -> None:
    ask_for_link(client, imported.email)
    link = link_in(mail.outbox[0])
    set_password_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(
        set_password_url,
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    body = Client().get(link, follow=True).content.decode()

    assert "This link no longer works" in body
    assert 'href="/password-reset/"' in body


def test_short_new_password_is_refused(client: Client, imported: User) -> None:
    ask_for_link(client, imported.email)
    set_password_url = client.get(link_in(mail.outbox[0]), follow=True).redirect_chain[
        -1
    ][0]

    response = client.post(
        set_password_url,
        {"new_password1": "Xq7!mzR2pLw", "new_password2": "Xq7!mzR2pLw"},
    )

    assert response.status_code == 200
    assert "at least 12 characters" in response.content.decode()
    imported.refresh_from_db()
    assert not imported.has_usable_password()


def test_person_with_a_password_can_reset_it(client: Client, employee: User) -> None:
    ask_for_link(client, employee.email)
    assert len(mail.outbox) == 1


def test_unknown_address_gets_the_same_answer_and_no_mail(
    client: Client, employee: User
) -> None:
    ask_for_link(client, "nobody@example.com")
    assert mail.outbox == []


def test_inactive_person_gets_no_mail(client: Client, imported: User) -> None:
    imported.is_active = False
    imported.save()
    ask_for_link(client, imported.email)
    assert mail.outbox == []


def test_malformed_address_is_explained(client: Client, db: None) -> None:
    response = client.post("/password-reset/", {"email": "not-an-address"})
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert mail.outbox == []


def test_made_up_link_is_refused(client: Client, imported: User) -> None:
    body = client.get("/password-reset/MQ/set-password/", follow=True)
    assert "This link no longer works" in body.content.decode()


# --- limits: per account and per address, silently ------------------------------


def ask_from(client: Client, email: str, ip: str) -> Any:
    response = client.post("/password-reset/", {"email": email}, REMOTE_ADDR=ip)
    assert response.status_code == 302
    assert response["Location"] == "/password-reset/sent/"
    return response


def test_mails_to_one_account_are_limited_from_any_address(
    client: Client, employee: User
) -> None:
    for i in range(13):
        ask_from(client, employee.email, ip=f"10.0.0.{i}")
    assert len(mail.outbox) == 3  # PASSWORD_RESET_MAX_PER_ACCOUNT
    assert {tuple(m.to) for m in mail.outbox} == {(employee.email,)}


def test_the_account_limit_counts_the_address_in_any_case(
    client: Client, employee: User, settings: Any
) -> None:
    settings.PASSWORD_RESET_MAX_PER_ACCOUNT = 1
    ask_from(client, "EMP042@example.com", ip="10.0.0.1")
    ask_from(client, " emp042@EXAMPLE.com", ip="10.0.0.2")
    assert len(mail.outbox) == 1


def test_requests_from_one_address_are_limited(
    client: Client, employee: User, colleague: User, outsider: User, settings: Any
) -> None:
    settings.PASSWORD_RESET_MAX_PER_ADDRESS = 3
    # Unknown addresses count too: the page must not be a free probe.
    ask_from(client, "nobody@example.com", ip="10.0.0.1")
    for person in (employee, colleague, outsider):
        ask_from(client, person.email, ip="10.0.0.1")
    assert [m.to for m in mail.outbox] == [[employee.email], [colleague.email]]
    ask_from(client, outsider.email, ip="10.0.0.2")
    assert mail.outbox[-1].to == [outsider.email]


def test_the_answer_past_the_limit_is_the_same(
    client: Client, employee: User, settings: Any
) -> None:
    settings.PASSWORD_RESET_MAX_PER_ACCOUNT = 1
    sent = ask_from(client, employee.email, ip="10.0.0.1")
    held_back = ask_from(client, employee.email, ip="10.0.0.1")
    unknown = ask_from(client, "nobody@example.com", ip="10.0.0.1")
    assert len(mail.outbox) == 1
    assert sent["Location"] == held_back["Location"] == unknown["Location"]
    page = client.get("/password-reset/sent/").content.decode()
    assert "If an account with that address exists, we have sent it a link" in page


def test_the_limits_end_after_their_window(
    client: Client, employee: User, settings: Any
) -> None:
    settings.PASSWORD_RESET_MAX_PER_ACCOUNT = 1
    ask_from(client, employee.email, ip="10.0.0.1")
    ask_from(client, employee.email, ip="10.0.0.1")
    assert len(mail.outbox) == 1
    PasswordResetRequest.objects.update(at=F("at") - timedelta(minutes=61))
    ask_from(client, employee.email, ip="10.0.0.1")
    assert len(mail.outbox) == 2
    # Requests older than the window are forgotten.
    assert PasswordResetRequest.objects.count() == 1


def test_behind_the_proxy_each_address_has_its_own_limit(
    client: Client, employee: User, colleague: User, settings: Any
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    settings.PASSWORD_RESET_MAX_PER_ADDRESS = 1
    for person, ip in ((employee, "10.0.0.1"), (colleague, "10.0.0.2")):
        client.post(
            "/password-reset/",
            {"email": person.email},
            REMOTE_ADDR="10.9.9.9",
            HTTP_X_FORWARDED_FOR=ip,
        )
    assert len(mail.outbox) == 2
