"""Cancelling in every state, through the client and its one error type."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from bookings.petitmonde import BookingRequest, PetitmondeClient, PetitmondeError
from tests.bookings.contract.conftest import advance_to

pytestmark = pytest.mark.contract

Request = Callable[..., BookingRequest]
CANCELLATION_FEE = Decimal("2.50")  # DE-ENB-E123456's, once CONFIRMED


def booking_in(
    status: str,
    petitmonde: PetitmondeClient,
    booking_request: Request,
    sandbox_clock,
    sandbox_outcomes,
) -> str:
    """A booking brought to `status` through the API and the clock; its id."""
    outcome = {
        "NO_SHOW": "NO_SHOW",
        "EXPIRED": "EXPIRED",
        "CANCELLED": "REJECTED",
    }.get(status, "ATTENDING")
    sandbox_outcomes.plan(outcome)
    request = booking_request()
    booking = petitmonde.create_booking(request)
    if status == "PENDING":
        sandbox_clock.advance("2s")
    elif status in ("CONFIRMED", "CANCELLED"):
        sandbox_clock.advance("5s")
    elif status in ("ATTENDING", "NO_SHOW"):
        advance_to(sandbox_clock, request.reservation_start)
    elif status in ("COMPLETED", "EXPIRED"):
        advance_to(sandbox_clock, request.reservation_end)
    assert petitmonde.get_booking(booking.id).status == status
    return booking.id


@pytest.mark.parametrize(
    ("status", "price"),
    [
        ("REQUESTED", Decimal("0")),
        ("PENDING", Decimal("0")),
        ("CONFIRMED", CANCELLATION_FEE),
    ],
)
def test_cancel_before_the_window(
    petitmonde: PetitmondeClient,
    booking_request: Request,
    sandbox_clock,
    sandbox_outcomes,
    status: str,
    price: Decimal,
) -> None:
    booking_id = booking_in(
        status, petitmonde, booking_request, sandbox_clock, sandbox_outcomes
    )
    cancelled = petitmonde.cancel_booking(booking_id, reason="Meeting moved")
    assert (cancelled.status, cancelled.cancellation_reason) == (
        "CANCELLED",
        "Meeting moved",
    )
    assert cancelled.client_price == price
    assert petitmonde.get_booking(booking_id) == cancelled


def test_cancel_without_a_reason(
    petitmonde: PetitmondeClient, booking_request: Request
) -> None:
    booking = petitmonde.create_booking(booking_request())
    cancelled = petitmonde.cancel_booking(booking.id)
    assert cancelled.status == "CANCELLED"
    assert cancelled.cancellation_reason == "Cancelled by client"


@pytest.mark.parametrize(
    "status", ["ATTENDING", "COMPLETED", "EXPIRED", "NO_SHOW", "CANCELLED"]
)
def test_cancel_is_refused_once_it_is_too_late(
    petitmonde: PetitmondeClient,
    booking_request: Request,
    sandbox_clock,
    sandbox_outcomes,
    status: str,
) -> None:
    booking_id = booking_in(
        status, petitmonde, booking_request, sandbox_clock, sandbox_outcomes
    )
    before = petitmonde.get_booking(booking_id)
    sent = petitmonde.stats.requests
    with pytest.raises(PetitmondeError) as caught:
        petitmonde.cancel_booking(booking_id, reason="Too late")
    error = caught.value
    assert (error.status, error.message) == (
        400,
        "Booking cannot be cancelled in current state",
    )
    assert not error.ambiguous and not error.conflict and not error.not_found
    assert petitmonde.stats.requests == sent + 1  # not retried
    assert petitmonde.get_booking(booking_id) == before


def test_cancel_of_an_unknown_booking_is_404(petitmonde: PetitmondeClient) -> None:
    with pytest.raises(PetitmondeError) as caught:
        petitmonde.cancel_booking("6f1c1a52-0000-4000-8000-000000000000")
    assert (caught.value.status, caught.value.message) == (404, "Booking not found")
    assert caught.value.not_found and not caught.value.ambiguous
