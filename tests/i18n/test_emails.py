"""Every kind of e-mail, in German and in English, in the recipient's language.

Each is sent the way the portal sends it (not rendered by hand), to a person
whose account says German or English, while the sender's language is the
other one: what arrives must read in the recipient's language alone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import translation
from pytest_django.fixtures import Settings as SettingsFixture

from bookings import notify
from bookings.months import Month
from bookings.reception import passes, visits
from portal.models import User
from reports.emails import send_monthly_reports
from tests.bookings.factories import make_booking
from tests.bookings.reception.visit_factory import make_visit
from tests.i18n.reading import page_text, wrong_language

OTHER = {"de": "en", "en": "de"}
DATA = ("Visitor parking, bay 1", "Karlsruhe HQ – Visitor parking", "ACME GmbH")


def read(message: mail.EmailMessage) -> str:
    """Subject, text and HTML of a message, as its reader sees them."""
    parts = [message.subject, str(message.body)]
    for content, mimetype in getattr(message, "alternatives", []):
        if mimetype == "text/html":
            parts.append(page_text(str(content)))
    return "\n".join(parts)


def assert_reads_in(message: mail.EmailMessage, language: str) -> None:
    problems = wrong_language(read(message), language, DATA)
    assert problems == [], f"{message.subject!r} in {language}: {problems}"


@pytest.fixture
def send_as_other(
    django_capture_on_commit_callbacks: Any,
) -> Callable[[str, Callable[[], Any]], list[mail.EmailMessage]]:
    """Run `send` with the other language active; the messages it sent."""

    def run(language: str, send: Callable[[], Any]) -> list[mail.EmailMessage]:
        mail.outbox.clear()
        with (
            translation.override(OTHER[language]),
            django_capture_on_commit_callbacks(execute=True),
        ):
            send()
        return list(mail.outbox)

    return run


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["de", "en"])
def test_booking_e_mails_follow_the_person(
    language: str, employee: User, send_as_other: Any
) -> None:
    employee.language = language
    employee.save()
    booking = make_booking(employee.employee, api_id="b-1")
    [made] = send_as_other(language, lambda: notify.booking_made(booking))
    [cancelled] = send_as_other(
        language, lambda: notify.booking_cancelled(booking, free=True)
    )
    for message in (made, cancelled):
        assert_reads_in(message, language)
        [(_name, calendar, _type)] = message.attachments
        assert ("Ladepunkt:" in calendar) == (language == "de")
        assert ("Charger:" in calendar) == (language == "en")


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["de", "en"])
def test_the_host_hears_in_their_language(
    language: str, site: Any, employee: User, receptionist: User, send_as_other: Any
) -> None:
    employee.language = language
    employee.save()
    visit = make_visit(site=site, host=employee, created_by=receptionist)
    bookings = list(visit.bookings.all())
    for template in ("visitor_booked", "visitor_cancelled"):
        [message] = send_as_other(
            language,
            lambda t=template: visits._tell_host(visit, template=t, bookings=bookings),
        )
        assert message.to == [employee.email]
        assert_reads_in(message, language)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["de", "en"])
def test_the_visitors_pass_is_in_the_language_reception_chose(
    language: str, site: Any, employee: User, receptionist: User, send_as_other: Any
) -> None:
    visit = make_visit(site=site, host=employee, language=language)
    [message] = send_as_other(language, lambda: passes.send_pass(visit=visit))
    text = read(message)
    other_line = {
        "de": "Your charging at Karlsruhe HQ",
        "en": "Ihr Laden am Standort Karlsruhe HQ",
    }[language]
    # The short line in the other language, and otherwise only this one.
    assert other_line in text
    assert_reads_in_but(message, language, other_line)


def assert_reads_in_but(message: mail.EmailMessage, language: str, line: str) -> None:
    text = "\n".join(
        part for part in read(message).splitlines() if not part.startswith(line)
    )
    assert wrong_language(text, language, DATA) == []


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["de", "en"])
def test_the_monthly_report_job_writes_in_each_managers_language(
    language: str, manager: User, settings: SettingsFixture
) -> None:
    """Sent by the job, with no request: the manager's choice, else the site's."""
    settings.REPORT_RECIPIENTS = []
    manager.language = language
    manager.save()
    mail.outbox.clear()
    with translation.override(OTHER[language]):
        send_monthly_reports(month=Month.of(date(2026, 11, 1)))
    [message] = mail.outbox
    assert_reads_in(message, language)
    # The CSV attachments: headers in the reader's language, values not.
    header = message.attachments[0][1].splitlines()[0]
    assert ("Buchungen" in header) == (language == "de")
    assert ("Bookings" in header) == (language == "en")


@pytest.mark.django_db
def test_someone_who_never_chose_reads_the_sites_language(
    manager: User, settings: SettingsFixture
) -> None:
    settings.REPORT_RECIPIENTS = []
    settings.LANGUAGE_CODE = "de"
    mail.outbox.clear()
    send_monthly_reports(month=Month.of(date(2026, 11, 1)))
    [message] = mail.outbox
    assert_reads_in(message, "de")


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["de", "en"])
def test_the_password_reset_e_mail_is_in_the_pages_language(
    language: str, client: Client, employee: User
) -> None:
    mail.outbox.clear()
    client.post(
        "/password-reset/", {"email": employee.email}, HTTP_ACCEPT_LANGUAGE=language
    )
    [message] = mail.outbox
    assert_reads_in(message, language)
