"""Finishing what an unclear API answer left open, without anybody watching.

The booking pages do this for the bookings they show; the scheduled
`settle_bookings` job does it for the rest, so a booking left "being sent"
(or a called-off visit's booking that could not be cancelled at the time)
is settled even if nobody opens a page.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from bookings import notify
from bookings.models import Booking
from bookings.petitmonde import PetitmondeClient, get_client
from bookings.services import (
    BookingFailed,
    BookingUncertain,
    is_settleable,
    resolve_submitting,
)
from bookings.statuses import CANCELLABLE, BookingStatus
from bookings.visits import refresh_visit_bookings

logger = logging.getLogger(__name__)


@dataclass
class Settled:
    adopted: int = 0
    dropped: int = 0
    still_open: int = 0
    visit_bookings: int = 0


def open_bookings() -> tuple[list[Booking], list[Booking]]:
    """(employees' bookings to settle, visitor bookings to finish)."""
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
    return stale, visitors


def settle_open_bookings(*, client: PetitmondeClient | None = None) -> Settled:
    client = client or get_client()
    stale, visitors = open_bookings()
    result = Settled()
    for booking in stale:
        try:
            resolve_submitting(booking, client=client)
        except BookingFailed:
            result.dropped += 1  # never made; the person sees it gone
        except BookingUncertain:
            result.still_open += 1
        else:
            result.adopted += 1
            notify.booking_made(booking)
    if visitors:
        refresh_visit_bookings(visitors, client=client)
        result.visit_bookings = len(visitors)
    return result
