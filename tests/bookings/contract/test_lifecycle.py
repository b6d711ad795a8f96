"""A booking's life over sandbox time, as the client sees it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest

from bookings.petitmonde import BookingRequest, PetitmondeClient, RemoteBooking
from tests.bookings.contract.conftest import advance_to, ahead

pytestmark = pytest.mark.contract

Request = Callable[..., BookingRequest]
# DE-ENB-E123456: 0.49 EUR a kWh, a 1.50 reservation fee.
PRICE_PER_KWH = Decimal("0.49")
FEE = Decimal("1.50")


def moments(booking: RemoteBooking) -> tuple[str, object]:
    return booking.status, booking.status_updated_at


def test_requested_pending_confirmed_attending_completed(
    petitmonde: PetitmondeClient,
    booking_request: Request,
    sandbox_clock,
    sandbox_outcomes,
) -> None:
    sandbox_outcomes.plan("ATTENDING")
    request = booking_request()
    created = petitmonde.create_booking(request)
    assert created.created_at == created.status_updated_at
    seen = [petitmonde.get_booking(created.id)]
    for span in ("2s", "3s"):  # PETITMONDE_SANDBOX_PENDING_AFTER, _CONFIRM_AFTER
        sandbox_clock.advance(span)
        seen.append(petitmonde.get_booking(created.id))
    advance_to(sandbox_clock, request.reservation_start)
    seen.append(petitmonde.get_booking(created.id))
    sandbox_clock.advance("2h")
    seen.append(petitmonde.get_booking(created.id))

    assert created.created_at is not None
    assert [moments(b) for b in seen] == [
        ("REQUESTED", created.created_at),
        ("PENDING", created.created_at + timedelta(seconds=2)),
        ("CONFIRMED", created.created_at + timedelta(seconds=5)),
        ("ATTENDING", request.reservation_start),
        ("COMPLETED", request.reservation_end),
    ]
    assert [bool(b.cpo_reservation_id) for b in seen] == [0, 0, 1, 1, 1]
    assert [b.energy_kwh is None for b in seen] == [1, 1, 1, 1, 0]
    # The estimate until the end, then energy x price per kWh + reservation fee.
    assert {b.client_price for b in seen[:4]} == {created.client_price}
    completed = seen[-1]
    assert completed.energy_kwh is not None
    assert Decimal(0) < completed.energy_kwh <= Decimal(44)
    assert completed.client_price == (
        completed.energy_kwh * PRICE_PER_KWH + FEE
    ).quantize(Decimal("0.01"))
    assert completed.client_price != created.client_price
    assert completed.is_terminal and not completed.is_cancellable


@pytest.mark.parametrize(
    ("outcome", "at_start", "at_end"),
    [("NO_SHOW", "NO_SHOW", "NO_SHOW"), ("EXPIRED", "CONFIRMED", "EXPIRED")],
)
def test_a_car_that_never_comes_pays_the_reservation_fee(
    petitmonde: PetitmondeClient,
    booking_request: Request,
    sandbox_clock,
    sandbox_outcomes,
    outcome: str,
    at_start: str,
    at_end: str,
) -> None:
    sandbox_outcomes.plan(outcome)
    request = booking_request()
    created = petitmonde.create_booking(request)
    advance_to(sandbox_clock, request.reservation_start)
    started = petitmonde.get_booking(created.id)
    sandbox_clock.advance("2h")
    ended = petitmonde.get_booking(created.id)
    assert (started.status, ended.status) == (at_start, at_end)
    assert ended.client_price == FEE
    assert ended.energy_kwh is None
    assert ended.status_updated_at == (
        request.reservation_start if outcome == "NO_SHOW" else request.reservation_end
    )
    assert ended.is_terminal


def test_the_cpo_rejects_a_booking(
    petitmonde: PetitmondeClient,
    booking_request: Request,
    sandbox_clock,
    sandbox_outcomes,
) -> None:
    sandbox_outcomes.plan("REJECTED")
    created = petitmonde.create_booking(booking_request())
    sandbox_clock.advance("2s")
    assert petitmonde.get_booking(created.id).status == "PENDING"
    sandbox_clock.advance("3s")
    rejected = petitmonde.get_booking(created.id)
    assert (rejected.status, rejected.cancellation_reason) == (
        "CANCELLED",
        "Rejected by CPO",
    )
    assert rejected.client_price == Decimal("0")
    assert rejected.cpo_reservation_id is None
    assert rejected.is_terminal


def test_the_list_follows_the_lifecycle_too(
    petitmonde: PetitmondeClient,
    booking_request: Request,
    sandbox_clock,
    sandbox_outcomes,
) -> None:
    sandbox_outcomes.plan("ATTENDING")
    created = petitmonde.create_booking(
        booking_request(reservation_start=ahead(hours=1))
    )
    assert [b.status for b in petitmonde.list_bookings(status="REQUESTED")] == [
        "REQUESTED"
    ]
    sandbox_clock.advance("4h")
    assert petitmonde.list_bookings(status="REQUESTED") == []
    (completed,) = petitmonde.list_bookings(status="COMPLETED")
    assert completed.id == created.id
    assert completed == petitmonde.get_booking(created.id)
