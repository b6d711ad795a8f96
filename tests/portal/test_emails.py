from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.db import transaction

from portal.emails import build_email, send_email, send_email_on_commit

CONTEXT: dict[str, Any] = {
    "email": "erika@example.com",
    "protocol": "https",
    "domain": "ev.example.com",
    "uid": "MQ",
    "token": "abc-123",
}


def test_email_has_subject_text_html_and_attachments() -> None:
    message = build_email(
        template="password_reset",
        context=CONTEXT,
        to=["erika@example.com"],
        attachments=[("x.csv", "a,b\n", "text/csv")],
    )
    assert "\n" not in message.subject
    assert "erika@example.com" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "<html" in html
    assert message.attachments[0][0] == "x.csv"


def test_mail_server_failure_is_logged_not_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with mock.patch(
        "django.core.mail.EmailMultiAlternatives.send", side_effect=OSError("down")
    ):
        send_email(template="password_reset", context=CONTEXT, to=["a@example.com"])
    assert "Could not send the password_reset e-mail" in caplog.text


def test_no_recipient_sends_nothing() -> None:
    send_email(template="password_reset", context=CONTEXT, to=["", ""])
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_on_commit_sends_after_commit_and_never_after_rollback() -> None:
    with transaction.atomic():
        send_email_on_commit(template="password_reset", context=CONTEXT, to=["a@x.de"])
        assert mail.outbox == []
    assert len(mail.outbox) == 1

    with transaction.atomic():
        send_email_on_commit(template="password_reset", context=CONTEXT, to=["b@x.de"])
        transaction.set_rollback(True)
    assert len(mail.outbox) == 1
