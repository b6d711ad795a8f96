"""Booking statuses: the API's eight, in words people understand.

Shared by the API client (which parses them) and the Booking model (which
stores them), so the two cannot disagree on what is terminal or cancellable.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class BookingStatus(models.TextChoices):
    # Local only: the create request is on its way, or its outcome is being
    # checked. Never sent by the API.
    SUBMITTING = "SUBMITTING", _("being checked")
    REQUESTED = "REQUESTED", _("requested")
    PENDING = "PENDING", _("waiting for the operator")
    CONFIRMED = "CONFIRMED", _("confirmed")
    ATTENDING = "ATTENDING", _("charging")
    COMPLETED = "COMPLETED", _("completed")
    CANCELLED = "CANCELLED", _("cancelled")
    EXPIRED = "EXPIRED", _("expired")
    NO_SHOW = "NO_SHOW", _("no-show")
    # Local only: a create whose outcome stayed unknown, given up once no
    # create could still be on its way and the API had no such booking. The
    # row keeps its external_id, so that reference is never sent again and a
    # booking the API makes after all is recognised (see bookings.followup).
    NOT_BOOKED = "NOT_BOOKED", _("not booked")


# The statuses only the portal uses: never sent by the API, never reported.
LOCAL_ONLY = frozenset({BookingStatus.SUBMITTING, BookingStatus.NOT_BOOKED})
API_STATUSES = frozenset(s for s in BookingStatus if s not in LOCAL_ONLY)
TERMINAL = frozenset(
    {
        BookingStatus.COMPLETED,
        BookingStatus.CANCELLED,
        BookingStatus.EXPIRED,
        BookingStatus.NO_SHOW,
        BookingStatus.NOT_BOOKED,
    }
)
UNFINISHED = frozenset(
    {
        BookingStatus.REQUESTED,
        BookingStatus.PENDING,
        BookingStatus.CONFIRMED,
        BookingStatus.ATTENDING,
    }
)
# What the API's cancel endpoint accepts (Part A §4.5): free before
# confirmation, the operator's fee after.
CANCELLABLE = frozenset(
    {BookingStatus.REQUESTED, BookingStatus.PENDING, BookingStatus.CONFIRMED}
)
FREE_CANCELLATION = frozenset({BookingStatus.REQUESTED, BookingStatus.PENDING})

# A symbol next to each status word, so status never depends on colour.
SYMBOLS: dict[str, str] = {
    BookingStatus.SUBMITTING: "…",
    BookingStatus.REQUESTED: "…",
    BookingStatus.PENDING: "…",
    BookingStatus.CONFIRMED: "✓",
    BookingStatus.ATTENDING: "⚡",
    BookingStatus.COMPLETED: "✓",
    BookingStatus.CANCELLED: "✕",
    BookingStatus.EXPIRED: "✕",
    BookingStatus.NO_SHOW: "✕",
    BookingStatus.NOT_BOOKED: "✕",
}
# CSS class per status: the colour only repeats what word and symbol say.
TONES: dict[str, str] = {
    BookingStatus.SUBMITTING: "wait",
    BookingStatus.REQUESTED: "wait",
    BookingStatus.PENDING: "wait",
    BookingStatus.CONFIRMED: "ok",
    BookingStatus.ATTENDING: "ok",
    BookingStatus.COMPLETED: "ok",
    BookingStatus.CANCELLED: "bad",
    BookingStatus.EXPIRED: "bad",
    BookingStatus.NO_SHOW: "bad",
    BookingStatus.NOT_BOOKED: "bad",
}
