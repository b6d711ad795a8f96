"""Work outside the request: e-mail delivery, through Django's tasks API.

The backend is the TASKS setting (the portal's own database, run by
`manage.py db_worker`), so it can change without touching this code. A task's
arguments are stored as JSON, so an e-mail is rendered where it is sent from
(in the recipient's language, with the objects at hand) and only the finished
message is queued: a slow or absent mail server no longer holds up a request.

Tasks may run on any host and must be idempotent where running twice would
matter; the database worker hands each queued task to one worker only.
"""

from __future__ import annotations

import base64
import logging
from datetime import timedelta
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.tasks import task
from django.utils import timezone

logger = logging.getLogger(__name__)

# A message the mail server refused is tried again this many times in all,
# later each time.
DELIVERY_ATTEMPTS = 3
RETRY_AFTER = timedelta(minutes=5)


def message_to_json(message: EmailMultiAlternatives) -> dict[str, Any]:
    """A rendered message as JSON for the queue (bytes as base64)."""

    def content(value: bytes | str) -> dict[str, str]:
        if isinstance(value, bytes):
            return {"base64": base64.b64encode(value).decode("ascii")}
        return {"text": value}

    return {
        "subject": message.subject,
        "body": message.body,
        "to": list(message.to),
        "from_email": message.from_email,
        "alternatives": [
            {"content": str(content_), "mimetype": mimetype}
            for content_, mimetype in message.alternatives
        ],
        "attachments": [
            {"filename": a[0], "content": content(a[1]), "mimetype": a[2]}
            for a in message.attachments
            if isinstance(a, tuple)
        ],
    }


def message_from_json(data: dict[str, Any]) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=data["subject"],
        body=data["body"],
        to=data["to"],
        from_email=data.get("from_email"),
    )
    for alt in data["alternatives"]:
        message.attach_alternative(alt["content"], alt["mimetype"])
    for attachment in data["attachments"]:
        stored = attachment["content"]
        value: bytes | str = (
            base64.b64decode(stored["base64"]) if "base64" in stored else stored["text"]
        )
        message.attach(attachment["filename"], value, attachment["mimetype"])
    return message


@task()
def deliver_email(message: dict[str, Any], attempt: int = 1) -> bool:
    """Hand a rendered message to the mail server; try again later if refused.

    The failure is raised as well, so the task's result shows it.
    """
    try:
        message_from_json(message).send()
    except Exception:
        logger.exception(
            "Could not send the e-mail %r to %s (attempt %d of %d)",
            message["subject"],
            message["to"],
            attempt,
            DELIVERY_ATTEMPTS,
        )
        if attempt < DELIVERY_ATTEMPTS and deliver_email.get_backend().supports_defer:
            deliver_email.using(
                run_after=timezone.now() + RETRY_AFTER * attempt
            ).enqueue(message, attempt + 1)
        raise
    return True
