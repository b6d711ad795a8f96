"""Finishing what an unclear API answer left open, without anybody watching.

The booking pages do this for the bookings they show; the scheduled
`settle_bookings` job does it for the rest, so a booking left "being checked"
(or a cancellation the portal still owes: a called-off visit's window, a late
booking it could not cancel at the time) is settled even if nobody opens a
page. The sync hands over the bookings the API made for creates the portal had
already given up on (`take_in_late_booking`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings import notify
from bookings.models import Booking
from bookings.petitmonde import PetitmondeClient, RemoteBooking, get_client
from bookings.policy import Rules, day_bounds
from bookings.reception.visits import refresh_visit_bookings
from bookings.services import (
    BookingFailed,
    BookingUncertain,
    is_settleable,
    resolve_submitting,
    send_cancel,
)
from bookings.statuses import CANCELLABLE, BookingStatus
from portal.models import Employee

logger = logging.getLogger(__name__)

# Sent to the API with the cancel of a booking that arrived too late.
LATE_CANCEL_REASON = "Made after the portal had given up on it"


@dataclass
class Settled:
    adopted: int = 0
    dropped: int = 0  # given up: the API has no such booking
    still_open: int = 0
    visit_bookings: int = 0
    cancels_owed: int = 0


def open_bookings() -> tuple[list[Booking], list[Booking], list[Booking]]:
    """(employees' bookings to settle, visitor bookings to finish, employees'
    bookings the portal still has to cancel)."""
    now = timezone.now()
    stale = [
        booking
        for booking in Booking.objects.filter(
            status=BookingStatus.SUBMITTING, visit__isnull=True
        ).select_related("employee__user", "site")
        if is_settleable(booking, now)
    ]
    visitors = list(
        Booking.objects.filter(visit__isnull=False)
        .filter(
            Q(status=BookingStatus.SUBMITTING)
            | Q(visit__cancelled_at__isnull=False, status__in=CANCELLABLE)
        )
        .select_related("visit", "site")
    )
    owed = list(
        Booking.objects.made_here()
        .filter(visit__isnull=True, status__in=CANCELLABLE)
        .exclude(uncancelled_reason="")
        .select_related("employee__user", "site")
    )
    return stale, visitors, owed


def settle_open_bookings(*, client: PetitmondeClient | None = None) -> Settled:
    client = client or get_client()
    stale, visitors, owed = open_bookings()
    result = Settled()
    for booking in stale:
        try:
            resolve_submitting(booking, client=client)
        except BookingFailed:
            result.dropped += 1  # given up; the person sees "not booked"
        except BookingUncertain:
            result.still_open += 1
        else:
            result.adopted += 1
            notify.booking_made(booking)
    if visitors:
        refresh_visit_bookings(visitors, client=client)
        result.visit_bookings = len(visitors)
    for booking in owed:
        result.cancels_owed += _cancel_owed(booking, client=client) == "cancel owed"
    return result


# --- late bookings ----------------------------------------------------------------


def has_other_booking_for(booking: Booking) -> bool:
    """Whether its owner has another live booking for that time, so that
    keeping this one would make a second.

    An employee: one overlapping it, or as many on its local day as the
    bookings-a-day rule allows. A visit: it was called off, or another of its
    windows overlaps this one.
    """
    others = Booking.objects.live().exclude(pk=booking.pk)
    overlapping = Q(
        reservation_start__lt=booking.reservation_end,
        reservation_end__gt=booking.reservation_start,
    )
    if booking.visit is not None:
        return (
            booking.visit.is_called_off
            or others.filter(overlapping, visit=booking.visit).exists()
        )
    if booking.employee is None:
        return True  # nobody to keep it for
    mine = others.for_employee(booking.employee)
    day = timezone.localdate(booking.reservation_start, booking.tzinfo)
    same_day = mine.starting_between(*day_bounds(day, booking.tzinfo)).count()
    return (
        mine.filter(overlapping).exists()
        or same_day >= Rules.for_site(booking.site).max_per_day
    )


def take_in_late_booking(
    booking_id: int, remote: RemoteBooking, *, client: PetitmondeClient
) -> str:
    """A booking the API made for a create the portal had given up on.

    It is the portal's own (same external_id, charger and window as the row
    that was given up), so it is never left as a second booking: it is kept
    when its owner has nothing else for that time (the person gets the
    confirmation e-mail), else cancelled at once (free while requested or
    pending). One the API no longer lets us cancel is recorded as it is.
    Returns "adopted", "cancelled", "cancel owed" (the cancel failed: the
    follow-up job tries again), "too late" (it can no longer be cancelled; its
    status is kept) or "" (someone else took it in first).
    """
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update(of=("self",))
            .select_related("visit", "employee__user", "site")
            .filter(pk=booking_id, status=BookingStatus.NOT_BOOKED, api_id=None)
            .first()
        )
        if booking is None:
            return ""
        if booking.employee_id is not None:
            # As create_booking does: a booking made at the same moment waits.
            Employee.objects.select_for_update().filter(pk=booking.employee_id).get()
        keep = not remote.is_cancellable or not has_other_booking_for(booking)
        if not keep:
            booking.uncancelled_reason = _(
                "The booking service made it after the portal had given it up, "
                "and another booking stands for that time."
            )
        booking.record_remote(remote)
        if keep:
            logger.warning("Adopted %s: the API made it after all", booking)
            if not remote.is_terminal:
                notify.booking_made(booking)
            return "adopted"
    logger.warning("Cancelling %s: made after it was given up", booking)
    return _cancel_owed(booking, client=client)


def _cancel_owed(booking: Booking, *, client: PetitmondeClient) -> str:
    """Make a cancellation the portal owes; record why, should it fail."""
    try:
        send_cancel(booking, by=None, reason=LATE_CANCEL_REASON, client=client)
    except BookingFailed as failure:
        logger.warning("Could not cancel %s: %s", booking, failure.detail)
        still_owed = booking.is_cancellable
        booking.uncancelled_reason = failure.detail[:500] if still_owed else ""
        booking.save(update_fields=["uncancelled_reason", "updated_at"])
        # Past cancelling (charging began, or it ended): its status is kept.
        return "cancel owed" if still_owed else "too late"
    booking.uncancelled_reason = ""
    booking.save(update_fields=["uncancelled_reason", "updated_at"])
    return "cancelled"
