"""What a booking's change of status sets going: a notice, reminders, offers.

A new charger at a site is offered by the waiting list's job within a minute
(bookings/waitlist/jobs.py), like any free time nobody was told about.

Connected in BookingsConfig.ready(). Each receiver only queues tasks, after
the change has committed, so the sync and the request that learned the
status do not wait for e-mail or matching.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.dispatch import receiver
from django.tasks import task
from django.utils import timezone

from bookings import signals
from bookings.models import Booking
from bookings.signals import status_changed
from bookings.statuses import BookingStatus
from bookings.waitlist import notices, tasks
from bookings.waitlist.models import WaitlistEntry

FREES_TIME = (BookingStatus.CANCELLED, BookingStatus.NO_SHOW, BookingStatus.EXPIRED)


@task()
def status_notice_task(booking_id: int, kind: str) -> bool:
    booking = (
        Booking.objects.filter(pk=booking_id)
        .select_related("employee__user", "site")
        .first()
    )
    return booking is not None and notices.status_notice(booking, kind)


@receiver(status_changed, dispatch_uid="waitlist_status_changed")
def on_status_changed(
    sender: Any, booking: Booking, before: str, **kwargs: Any
) -> None:
    now = timezone.now()
    if booking.made_here and booking.employee_id is not None:
        kind = notices.kind_of_change(
            booking, before, cancelled_here=signals.cancelling_here.get()
        )
        if kind is not None:
            pk = booking.pk
            transaction.on_commit(lambda: status_notice_task.enqueue(pk, kind))
        if before == BookingStatus.SUBMITTING:
            tasks.schedule_reminders(booking)
    if (
        booking.status in FREES_TIME
        and booking.reservation_end > now
        and booking.site_id is not None
        and WaitlistEntry.objects.in_line().filter(site_id=booking.site_id).exists()
    ):
        tasks.match_site_soon(booking.site_id, freed_at=now)
