"""Every endpoint through the real client, and every field of every answer typed.

Each test compares the client's typed object with the JSON of the very answer it
was read from (recorded on the client's session), both ways: nothing the sandbox
sends is dropped, and nothing the client reads is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import requests

from bookings.petitmonde import BookingRequest, PetitmondeClient
from bookings.sandbox.models import Booking
from tests.bookings.contract.conftest import EVSE, LOCATION, ahead, assert_read_whole

pytestmark = pytest.mark.contract

Request = Callable[..., BookingRequest]


def test_search_reads_every_field(
    petitmonde: PetitmondeClient, answers: list[requests.Response]
) -> None:
    start = ahead(hours=2)
    found = petitmonde.search(
        lat=Decimal("49.0094"),
        lng=Decimal("8.4044"),
        radius=25,
        connector_type="IEC_62196_T2_COMBO",
        power_min=50,
        limit=5,
        start_time=start,
        end_time=start + timedelta(hours=2),
    )
    assert_read_whole(found, answers[-1].json(), "search")
    assert found.results, "Karlsruhe has fast chargers in the sandbox"
    assert found.total >= len(found.results)
    sent = answers[-1].request.url
    assert "connector_type=IEC_62196_T2_COMBO" in sent and "power_min=50" in sent
    for location in found.results:
        for evse in location.evses:
            assert any(
                c.standard == "IEC_62196_T2_COMBO"
                and c.max_power_kw is not None
                and c.max_power_kw >= 50
                for c in evse.connectors
            )


def test_create_reads_every_field(
    petitmonde: PetitmondeClient,
    answers: list[requests.Response],
    booking_request: Request,
) -> None:
    request = booking_request(connector_id="1")
    booking = petitmonde.create_booking(request)
    assert answers[-1].status_code == 202
    assert_read_whole(booking, answers[-1].json(), "created booking")
    assert (booking.status, booking.external_id, booking.customer_id) == (
        "REQUESTED",
        "engineering-emp042-20260210",
        "cust_emp042",
    )
    assert (booking.location_id, booking.evse_uid, booking.connector_id) == (
        LOCATION,
        EVSE,
        "1",
    )
    assert booking.reservation_start == request.reservation_start
    assert booking.reservation_end == request.reservation_end
    # The estimate: 2 h at 22 kW = 44 kWh at 0.49 EUR plus the 1.50 fee.
    assert booking.client_price == Decimal("23.06")
    assert booking.client_price_currency == "EUR"


@pytest.mark.parametrize(
    "fields",
    [
        {"token_strategy": "ad_hoc", "customer_id": None},
        {
            "token_strategy": "group_token",
            "customer_id": None,
            "fleet_group_id": "group_delivery_team",
        },
        {"token_strategy": "pipelet", "customer_id": None, "token_uid": "04A2B3C4"},
        {"token_strategy": "driver_token", "customer_id": None, "token_id": "tok_7"},
    ],
    ids=["ad_hoc", "group_token", "pipelet", "driver_token_id"],
)
def test_every_token_strategy_is_read_whole(
    petitmonde: PetitmondeClient,
    answers: list[requests.Response],
    booking_request: Request,
    fields: dict[str, str | None],
) -> None:
    booking = petitmonde.create_booking(booking_request(**fields))
    assert_read_whole(booking, answers[-1].json(), "created booking")
    assert booking.token_strategy == fields["token_strategy"]


def test_get_reads_a_completed_booking_whole(
    petitmonde: PetitmondeClient,
    answers: list[requests.Response],
    booking_request: Request,
    sandbox_clock,
    sandbox_outcomes,
) -> None:
    sandbox_outcomes.plan("ATTENDING")
    created = petitmonde.create_booking(booking_request())
    sandbox_clock.advance("4h")
    booking = petitmonde.get_booking(created.id)
    assert_read_whole(booking, answers[-1].json(), "booking")
    assert booking.status == "COMPLETED"
    assert booking.cpo_reservation_id and booking.energy_kwh


def test_list_reads_every_item_whole(
    petitmonde: PetitmondeClient,
    answers: list[requests.Response],
    booking_request: Request,
) -> None:
    petitmonde.create_booking(booking_request(token_strategy="ad_hoc"))
    petitmonde.create_booking(booking_request(evse_uid="DE*ENB*E123456*2"))
    listed = petitmonde.list_bookings(limit=10)
    assert_read_whole(listed, answers[-1].json()["bookings"], "bookings")
    assert len(listed) == 2


def test_cancel_reads_the_cancelled_booking_whole(
    petitmonde: PetitmondeClient,
    answers: list[requests.Response],
    booking_request: Request,
) -> None:
    created = petitmonde.create_booking(booking_request())
    cancelled = petitmonde.cancel_booking(created.id, reason="Plans changed")
    assert_read_whole(cancelled, answers[-1].json(), "cancelled booking")
    assert answers[-1].request.body == b'{"reason": "Plans changed"}'
    assert (cancelled.status, cancelled.cancellation_reason) == (
        "CANCELLED",
        "Plans changed",
    )


def test_usage_reads_both_limits_whole(
    petitmonde: PetitmondeClient, answers: list[requests.Response]
) -> None:
    usage = petitmonde.usage()
    assert_read_whole(usage, answers[-1].json(), "usage")
    assert usage.rate_limit is not None and usage.monthly_quota is not None
    assert (usage.rate_limit.limit, usage.rate_limit.period) == (100, "minute")
    assert usage.monthly_quota.limit == 10000
    assert petitmonde.stats.monthly_quota == usage.monthly_quota


def test_the_rate_limit_headers_are_read(
    petitmonde: PetitmondeClient, answers: list[requests.Response]
) -> None:
    petitmonde.usage()
    headers = answers[-1].headers
    assert petitmonde.stats.rate_limit == int(headers["X-RateLimit-Limit"]) == 100
    assert petitmonde.stats.rate_remaining == int(headers["X-RateLimit-Remaining"])
    reset = headers["X-RateLimit-Reset"]
    assert reset.endswith("Z")
    assert petitmonde.stats.rate_reset_at == datetime.fromisoformat(reset)


def test_times_are_sent_in_utc_with_fractions_only_when_there_are_some(
    petitmonde: PetitmondeClient,
    answers: list[requests.Response],
    booking_request: Request,
) -> None:
    start = ahead(hours=1)
    booking = petitmonde.create_booking(booking_request(reservation_start=start))
    sent = answers[-1].request.body
    assert start.strftime('"%Y-%m-%dT%H:%M:%SZ"').encode() in sent
    since = booking.created_at
    petitmonde.list_bookings(from_date=since, to_date=since + timedelta(microseconds=5))
    query = answers[-1].request.url
    assert since.strftime("from_date=%Y-%m-%dT%H%%3A%M%%3A%SZ") in query
    assert since.strftime("to_date=%Y-%m-%dT%H%%3A%M%%3A%S.000005Z") in query
    assert len(answers[-1].json()["bookings"]) == 1


def test_the_sandbox_keeps_what_the_client_sent(
    petitmonde: PetitmondeClient, booking_request: Request
) -> None:
    request = booking_request(connector_id="2", evse_uid="DE*ENB*E123456*4")
    booking = petitmonde.create_booking(request)
    stored = Booking.objects.get(pk=booking.id)
    assert (stored.evse.evse_uid, stored.connector_id) == ("DE*ENB*E123456*4", "2")
    assert stored.reservation_start == request.reservation_start
    assert stored.customer_id == "cust_emp042"
