"""The API documentation's examples, made by the real client against the sandbox.

Only the base URL, the key and the dates (moved into the future) differ from the
documented requests; the client must send exactly the documented bodies.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import requests

from bookings.petitmonde import BookingRequest, PetitmondeClient
from bookings.sandbox.models import Clock

pytestmark = pytest.mark.contract

# CORP-REPORT: an employee's booking.
EMPLOYEE_BOOKING = """{
  "location_id": "DE-ENB-E123456",
  "evse_uid": "DE*ENB*E123456*1",
  "reservation_start": "2026-02-10T08:00:00Z",
  "reservation_end": "2026-02-10T10:00:00Z",
  "external_id": "engineering-emp042-20260210",
  "token_strategy": "driver_token",
  "customer_id": "cust_emp042"
}"""
# EMP-ADHOC: a guest's booking with a temporary token.
GUEST_BOOKING = """{
  "location_id": "DE-ENB-E123456",
  "evse_uid": "DE*ENB*E123456*1",
  "reservation_start": "2026-02-10T14:00:00Z",
  "reservation_end": "2026-02-10T16:00:00Z",
  "external_id": "guest-booking-789",
  "token_strategy": "ad_hoc"
}"""


def moved(text: str) -> dict[str, Any]:
    """The documented body with its dates moved a month into the future."""
    day = (Clock.now() + timedelta(days=30)).date()
    return json.loads(
        text.replace("2026-02-10", day.isoformat()).replace(
            "20260210", day.strftime("%Y%m%d")
        )
    )


def as_request(body: dict[str, Any]) -> BookingRequest:
    times = ("reservation_start", "reservation_end")
    return BookingRequest(
        **{k: datetime.fromisoformat(v) if k in times else v for k, v in body.items()}
    )


def test_employee_booking_with_driver_token_and_customer_id(
    petitmonde: PetitmondeClient, answers: list[requests.Response]
) -> None:
    body = moved(EMPLOYEE_BOOKING)
    booking = petitmonde.create_booking(as_request(body))
    assert json.loads(answers[-1].request.body) == body
    assert answers[-1].request.headers["X-API-Key"] == "sandbox"
    assert booking.status == "REQUESTED"
    assert (booking.external_id, booking.customer_id) == (
        body["external_id"],
        "cust_emp042",
    )
    assert booking.client_price_currency == "EUR" and booking.client_price > 0


def test_visitor_booking_with_ad_hoc_gets_its_token(
    petitmonde: PetitmondeClient, answers: list[requests.Response]
) -> None:
    body = moved(GUEST_BOOKING)
    booking = petitmonde.create_booking(as_request(body))
    assert json.loads(answers[-1].request.body) == body
    assert booking.token is not None
    assert booking.token.type == "AD_HOC"
    assert len(booking.token.uid) == 14 and int(booking.token.uid, 16) >= 0
    assert booking.token.valid_from == booking.reservation_start
    assert booking.token.valid_until == booking.reservation_end
    assert booking.customer_id is None


def test_status_poll_then_cancel(
    petitmonde: PetitmondeClient, answers: list[requests.Response], sandbox_clock
) -> None:
    created = petitmonde.create_booking(as_request(moved(EMPLOYEE_BOOKING)))
    polled = petitmonde.get_booking(created.id)
    assert answers[-1].request.path_url.endswith(f"/bookings/{created.id}")
    assert (polled.status, polled.cpo_reservation_id) == ("REQUESTED", None)
    sandbox_clock.advance("10s")
    confirmed = petitmonde.get_booking(created.id)
    assert confirmed.status == "CONFIRMED" and confirmed.cpo_reservation_id
    cancelled = petitmonde.cancel_booking(created.id, reason="Plans changed")
    assert json.loads(answers[-1].request.body) == {"reason": "Plans changed"}
    assert (cancelled.status, cancelled.cancellation_reason) == (
        "CANCELLED",
        "Plans changed",
    )


def test_monthly_report_by_department(
    petitmonde: PetitmondeClient,
    answers: list[requests.Response],
    sandbox_clock,
    sandbox_outcomes,
) -> None:
    sandbox_outcomes.plan("ATTENDING", "ATTENDING")
    mine = petitmonde.create_booking(as_request(moved(EMPLOYEE_BOOKING)))
    sales = moved(EMPLOYEE_BOOKING) | {
        "evse_uid": "DE*ENB*E123456*2",
        "external_id": "sales-emp077-20260210",
        "customer_id": "cust_emp077",
    }
    theirs = petitmonde.create_booking(as_request(sales))
    sandbox_clock.advance("40d")
    assert mine.created_at is not None
    month_start = mine.created_at.replace(day=1, hour=0, minute=0, second=0)
    month_end = (month_start + timedelta(days=32)).replace(day=1) - timedelta(seconds=1)
    completed = petitmonde.list_bookings(
        status="COMPLETED", from_date=month_start, to_date=month_end, limit=100
    )
    query = answers[-1].request.url
    assert "status=COMPLETED" in query and "limit=100" in query
    assert month_start.strftime("from_date=%Y-%m-01T00%%3A00%%3A00Z") in query
    assert month_end.strftime("to_date=%Y-%m-%dT23%%3A59%%3A59Z") in query
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for booking in completed:
        assert booking.external_id and booking.client_price is not None
        totals[booking.external_id.split("-")[0]] += booking.client_price
    final = {b.id: b.client_price for b in completed}
    assert set(final) == {mine.id, theirs.id}
    assert totals == {"engineering": final[mine.id], "sales": final[theirs.id]}


def test_search_near_munich_for_fast_ccs(
    petitmonde: PetitmondeClient, answers: list[requests.Response]
) -> None:
    # EMP guide: Munich, CCS of at least 50 kW within 25 km.
    found = petitmonde.search(
        lat=48.1351,
        lng=11.5820,
        radius=25,
        connector_type="IEC_62196_T2_COMBO",
        power_min=50,
    )
    assert answers[-1].request.url.endswith(
        "/search?lat=48.1351&lng=11.582&radius=25"
        "&connector_type=IEC_62196_T2_COMBO&power_min=50"
    )
    assert "DE-ION-E789012" in [location.location_id for location in found.results]
    distances = [location.distance_km for location in found.results]
    assert distances == sorted(distances)
    bookable = [loc for loc in found.results if loc.bookable_evses]
    assert bookable and all(loc.supports_reservation for loc in bookable)
