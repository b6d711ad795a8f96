"""The waiting list's tasks: matching a site, running out an offer, reminders.

Each may run on any host, and each checks the state it acts on first, so the
same work queued twice has its effect once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from bookings.models import Booking
from bookings.waitlist.models import Offer


@task()
def match_site_task(site_id: int, freed_at: str | None = None) -> int:
    from bookings.waitlist.line import match_site

    freed = datetime.fromisoformat(freed_at) if freed_at else None
    return len(match_site(site_id, freed_at=freed))


@task()
def expire_offer(offer_id: int) -> bool:
    """Run the offer out if it is still open and its time is up; pass it on."""
    from bookings.waitlist.line import close_offer

    offer = Offer.objects.filter(pk=offer_id).select_related("entry").first()
    now = timezone.now()
    if offer is None or offer.expires_at > now:
        return False
    if not close_offer(offer, Offer.State.EXPIRED, now=now):
        return False
    match_site_soon(offer.entry.site_id, freed_at=now)
    return True


def schedule_expiry(offer: Offer) -> None:
    expire_offer.using(run_after=offer.expires_at).enqueue(offer.pk)


def match_site_soon(site_id: int, *, freed_at: datetime | None = None) -> None:
    """Match the site once the current transaction has committed."""
    stamp = (freed_at or timezone.now()).isoformat()
    transaction.on_commit(lambda: match_site_task.enqueue(site_id, stamp))


@task()
def remind(booking_id: int, kind: str) -> bool:
    from bookings.waitlist import notices

    booking = (
        Booking.objects.filter(pk=booking_id)
        .select_related("employee__user", "site")
        .first()
    )
    if booking is None:
        return False
    return notices.reminder(booking, kind)


def _enqueue_reminder(pk: int, kind: str, when: datetime) -> Callable[[], None]:
    def enqueue() -> None:
        remind.using(run_after=when).enqueue(pk, kind)

    return enqueue


def schedule_reminders(booking: Booking) -> None:
    """Queue the reminders before the start and before the end of a booking."""
    now = timezone.now()
    for kind, minutes, moment in (
        (
            "remind_before_start",
            settings.REMINDER_BEFORE_START_MINUTES,
            booking.reservation_start,
        ),
        (
            "remind_before_end",
            settings.REMINDER_BEFORE_END_MINUTES,
            booking.reservation_end,
        ),
    ):
        if not minutes:
            continue
        when = moment - timedelta(minutes=minutes)
        if when <= now:
            continue
        transaction.on_commit(_enqueue_reminder(booking.pk, kind, when))
