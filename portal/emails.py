"""E-mails as subject/text/html template triplets under templates/emails/."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from portal.tasks import deliver_email, message_to_json

logger = logging.getLogger(__name__)

# (filename, content, mimetype)
Attachment = tuple[str, bytes | str, str]


def build_email(
    *,
    template: str,
    context: Mapping[str, Any],
    to: Sequence[str],
    attachments: Sequence[Attachment] = (),
    language: str | None = None,
) -> EmailMultiAlternatives:
    """Render emails/<template>_subject.txt, <template>.txt and <template>.html,
    in `language` when given (the recipient's: see portal.i18n.language_of),
    else in the active language."""
    if language:
        with translation.override(language):
            return build_email(
                template=template, context=context, to=to, attachments=attachments
            )
    context = {"base_url": settings.PORTAL_BASE_URL.rstrip("/"), **context}
    subject = render_to_string(f"emails/{template}_subject.txt", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string(f"emails/{template}.txt", context),
        to=list(to),
    )
    message.attach_alternative(
        render_to_string(f"emails/{template}.html", context), "text/html"
    )
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    return message


def _addressed(
    template: str,
    context: Mapping[str, Any],
    to: Sequence[str],
    attachments: Sequence[Attachment],
    language: str | None,
) -> EmailMultiAlternatives | None:
    """The message to the non-empty addresses of `to`; None when there are none."""
    recipients = [address for address in to if address]
    if not recipients:
        return None
    return build_email(
        template=template,
        context=context,
        to=recipients,
        attachments=attachments,
        language=language,
    )


def send_email(
    *,
    template: str,
    context: Mapping[str, Any],
    to: Sequence[str],
    attachments: Sequence[Attachment] = (),
    language: str | None = None,
) -> bool:
    """Send now. A mail server failure is logged, never shown as a crash.

    Returns whether the mail server took the message, for a person who asked
    for it to be sent.
    """
    message = _addressed(template, context, to, attachments, language)
    if message is None:
        return False
    try:
        message.send()
    except Exception:
        # Mail is a courtesy here: the booking stands whether or not the
        # server took the message, so log it for the admin and go on.
        logger.exception("Could not send the %s e-mail to %s", template, message.to)
        return False
    return True


def send_email_on_commit(
    *,
    template: str,
    context: Mapping[str, Any],
    to: Sequence[str],
    attachments: Sequence[Attachment] = (),
    language: str | None = None,
) -> None:
    """Send once the current transaction has committed (never for a rollback).

    The message is rendered then, in `language`, and queued as a task
    (portal.tasks.deliver_email): the request does not wait for the mail
    server. Should the queue itself fail, it is sent at once instead.
    """

    def queue() -> None:
        message = _addressed(template, context, to, attachments, language)
        if message is None:
            return
        try:
            deliver_email.enqueue(message_to_json(message))
        except Exception:
            logger.exception("Could not queue the %s e-mail; sending it now", template)
            try:
                message.send()
            except Exception:
                logger.exception(
                    "Could not send the %s e-mail to %s", template, message.to
                )

    transaction.on_commit(queue)
