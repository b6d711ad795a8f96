"""E-mails to the person who charges: a booking made, a booking cancelled.

Both carry the booking's details and its .ics file, and go out after the
current transaction commits (at once when none is open).
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from bookings import ics
from bookings.models import Booking
from portal.emails import send_email_on_commit
from portal.i18n import in_language_of, language_of


def booking_url(booking: Booking) -> str:
    """The booking's page, absolute, for e-mails and calendar entries."""
    base: str = settings.PORTAL_BASE_URL.rstrip("/")
    return base + reverse("bookings:detail", kwargs={"pk": booking.pk})


def booking_made(booking: Booking) -> None:
    _send("booking_made", booking)


def booking_cancelled(booking: Booking, *, free: bool) -> None:
    """`free`: cancelled before the operator confirmed, so nothing is charged
    (whatever the API left in client_price)."""
    _send("booking_cancelled", booking, free=free)


def _send(template: str, booking: Booking, **extra: object) -> None:
    if booking.employee is None:
        return
    person = booking.employee.user
    url = booking_url(booking)
    with in_language_of(person):
        # The calendar file is in the person's language like the message.
        calendar = ics.booking_calendar(booking, url=url)
    send_email_on_commit(
        template=template,
        context={
            "booking": booking,
            "person": person,
            "url": url,
            **extra,
        },
        to=[person.email],
        attachments=[(ics.filename(booking), calendar, "text/calendar")],
        language=language_of(person),
    )
