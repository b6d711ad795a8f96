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
    SUBMITTING = "SUBMITTING", _("being sent")
    REQUESTED = "REQUESTED", _("requested")
    PENDING = "PENDING", _("waiting for the operator")
    CONFIRMED = "CONFIRMED", _("confirmed")
    ATTENDING = "ATTENDING", _("charging")
    COMPLETED = "COMPLETED", _("completed")
    CANCELLED = "CANCELLED", _("cancelled")
    EXPIRED = "EXPIRED", _("expired")
    NO_SHOW = "NO_SHOW", _("no-show")


API_STATUSES = frozenset(s for s in BookingStatus if s != BookingStatus.SUBMITTING)
TERMINAL = frozenset(
    {
        BookingStatus.COMPLETED,
        BookingStatus.CANCELLED,
        BookingStatus.EXPIRED,
        BookingStatus.NO_SHOW,
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
}
