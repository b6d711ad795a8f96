"""GET /bookings/:id: the whole booking, or 404."""

from __future__ import annotations

import pytest

from tests.bookings.sandbox.conftest import Api

pytestmark = pytest.mark.django_db


def test_get_returns_the_booking_as_created(api: Api, book) -> None:
    created = book()
    response = api.get(f"bookings/{created['id']}")
    assert response.status_code == 200
    assert response.json() == created


def test_get_accepts_an_uppercase_id(api: Api, book) -> None:
    created = book()
    assert api.get(f"bookings/{created['id'].upper()}").json()["id"] == created["id"]


@pytest.mark.parametrize(
    "booking_id", ["6f1c1a52-0000-4000-8000-000000000000", "booking-uuid", "42"]
)
def test_unknown_booking_is_404(api: Api, booking_id: str) -> None:
    response = api.get(f"bookings/{booking_id}")
    assert response.status_code == 404
    assert response.json() == {"error": "Booking not found"}
