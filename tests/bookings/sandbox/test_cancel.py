"""POST /bookings/:id/cancel: free before confirmation, the fee after, else 400."""

from __future__ import annotations

from typing import Any

import pytest

from bookings.sandbox.models import Clock, iso
from tests.bookings.sandbox.conftest import Api, ahead

pytestmark = pytest.mark.django_db

NOT_CANCELLABLE = {"error": "Booking cannot be cancelled in current state"}


def cancel(api: Api, booking: dict[str, Any], body: Any = None) -> Any:
    return api.post(f"bookings/{booking['id']}/cancel", body)


def test_requested_booking_is_cancelled_free(api: Api, book) -> None:
    booking = book()
    response = cancel(api, booking, {"reason": "Plans changed"})
    assert response.status_code == 200
    cancelled = response.json()
    assert cancelled["status"] == "CANCELLED"
    assert cancelled["client_price"] == 0
    assert cancelled["cancellation_reason"] == "Plans changed"
    assert cancelled["cpo_reservation_id"] is None
    assert cancelled["status_updated_at"] in (
        booking["created_at"],
        iso(Clock.now()),
    )


def test_pending_booking_is_cancelled_free(api: Api, book, sandbox_clock) -> None:
    booking = book()
    sandbox_clock.advance("2s")
    assert api.get(f"bookings/{booking['id']}").json()["status"] == "PENDING"
    cancelled = cancel(api, booking).json()
    assert (cancelled["status"], cancelled["client_price"]) == ("CANCELLED", 0)


def test_confirmed_booking_costs_the_locations_cancellation_fee(
    api: Api, book, sandbox_clock
) -> None:
    booking = book()
    sandbox_clock.advance("1m")
    confirmed = api.get(f"bookings/{booking['id']}").json()
    assert confirmed["status"] == "CONFIRMED"
    cancelled = cancel(api, booking).json()
    assert cancelled["status"] == "CANCELLED"
    assert cancelled["client_price"] == 2.5  # EnBW Karlsruhe Zirkel's fee
    assert cancelled["cpo_reservation_id"] == confirmed["cpo_reservation_id"]


def test_cancelled_at_records_the_sandbox_time(api: Api, book, sandbox_clock) -> None:
    booking = book(
        reservation_start=ahead(days=2), reservation_end=ahead(days=2, hours=1)
    )
    moved = sandbox_clock.advance("1d")
    cancelled = cancel(api, booking).json()
    assert cancelled["status_updated_at"] >= iso(moved)


def test_without_a_reason_the_client_is_named(api: Api, book) -> None:
    cancelled = api.post(f"bookings/{book()['id']}/cancel", raw="").json()
    assert cancelled["cancellation_reason"] == "Cancelled by client"


@pytest.mark.parametrize(
    ("outcome", "wait", "status"),
    [
        ("ATTENDING", "90m", "ATTENDING"),
        ("ATTENDING", "4h", "COMPLETED"),
        ("EXPIRED", "4h", "EXPIRED"),
        ("NO_SHOW", "90m", "NO_SHOW"),
        ("REJECTED", "1m", "CANCELLED"),
    ],
)
def test_later_states_cannot_be_cancelled(
    api: Api,
    book,
    sandbox_clock,
    sandbox_outcomes,
    outcome: str,
    wait: str,
    status: str,
) -> None:
    sandbox_outcomes.plan(outcome)
    booking = book()
    sandbox_clock.advance(wait)
    before = api.get(f"bookings/{booking['id']}").json()
    assert before["status"] == status
    response = cancel(api, booking)
    assert response.status_code == 400
    assert response.json() == NOT_CANCELLABLE
    assert api.get(f"bookings/{booking['id']}").json() == before


def test_a_cancelled_booking_cannot_be_cancelled_again(api: Api, book) -> None:
    booking = book()
    first = cancel(api, booking).json()
    response = cancel(api, booking)
    assert response.status_code == 400
    assert response.json() == NOT_CANCELLABLE
    assert api.get(f"bookings/{booking['id']}").json() == first


def test_unknown_booking_is_404(api: Api) -> None:
    response = api.post("bookings/6f1c1a52-0000-4000-8000-000000000000/cancel")
    assert response.status_code == 404
    assert response.json() == {"error": "Booking not found"}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("nonsense", "Request body must be a JSON object"),
        ('{"reason": 5}', "Invalid reason: must be a string"),
        ('{"reason": "' + "x" * 501 + '"}', "reason must be at most 500 characters"),
    ],
)
def test_a_bad_body_is_400(api: Api, book, raw: str, message: str) -> None:
    booking = book()
    response = api.post(f"bookings/{booking['id']}/cancel", raw=raw)
    assert response.status_code == 400
    assert response.json() == {"error": message}
    assert api.get(f"bookings/{booking['id']}").json()["status"] == "REQUESTED"
