"""Setting a first password, or a new one, by e-mail link."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from portal.models import User

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
