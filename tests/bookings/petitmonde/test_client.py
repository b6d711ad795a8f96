from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
import responses
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from bookings.petitmonde import (
    BookingRequest,
    PetitmondeClient,
    PetitmondeError,
    RemoteBooking,
    TokenStrategy,
    format_datetime,
    get_client,
)
from bookings.statuses import BookingStatus
from tests.fake_api import API_KEY, BASE_URL, FakeTime, make_client

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "petitmonde"
BOOKING_ID = "0b5f6a2e-3c1d-4e8f-9a7b-1c2d3e4f5a6b"


def payload(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


@pytest.fixture
def time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def api(time: FakeTime) -> PetitmondeClient:
    return make_client(time)


def booking_request(**changes: Any) -> BookingRequest:
    fields: dict[str, Any] = {
        "location_id": "DE-ENB-E123456",
        "evse_uid": "DE*ENB*E123456*1",
        "reservation_start": datetime(2026, 2, 10, 14, tzinfo=UTC),
        "reservation_end": datetime(2026, 2, 10, 16, tzinfo=UTC),
        "external_id": "engineering-emp042-20260210",
        "token_strategy": TokenStrategy.DRIVER_TOKEN,
        "customer_id": "cust_emp042",
    }
    fields.update(changes)
    return BookingRequest(**fields)


def sent(mock: responses.RequestsMock, n: int = 0) -> requests.PreparedRequest:
    return mock.calls[n].request


def assert_sent_as_client(request: Any) -> None:
    assert request.headers["X-API-Key"] == API_KEY
    assert request.headers["Accept"] == "application/json"
    assert "Authorization" not in request.headers
    assert request.req_kwargs["timeout"] == (3.05, 15.0)


# --- Each endpoint: what is sent and what comes back -------------------------


def test_search_sends_every_parameter_and_reads_locations(
    api: PetitmondeClient, api_mock: responses.RequestsMock
) -> None:
    api_mock.get(f"{BASE_URL}/search", json=payload("search"))

    result = api.search(
        lat=Decimal("49.0094"),
        lng=8.4044,
        radius=10,
        connector_type="IEC_62196_T2_COMBO",
        power_min=50,
        limit=5,
        start_time=datetime(2026, 2, 10, 15, tzinfo=timezone(timedelta(hours=1))),
        end_time=datetime(2026, 2, 10, 17, 30, tzinfo=UTC),
    )

    request = sent(api_mock)
    assert request.method == "GET"
    assert request.url.split("?")[0] == f"{BASE_URL}/search"
    assert request.params == {
        "lat": "49.0094",
        "lng": "8.4044",
        "radius": "10",
        "connector_type": "IEC_62196_T2_COMBO",
        "power_min": "50",
        "limit": "5",
        "start_time": "2026-02-10T14:00:00Z",
        "end_time": "2026-02-10T17:30:00Z",
    }
    assert request.body is None
    assert_sent_as_client(request)
    assert result.total == 2
    first, second = result.results
    assert first.location_id == "DE-ENB-E123456"
    assert first.city == "Karlsruhe"
    assert (first.latitude, first.longitude) == (Decimal("49.0094"), Decimal("8.4044"))
    assert first.distance_km == Decimal("0.3")
    assert first.pricing is not None
    assert first.pricing.estimated_price == Decimal("12.5")
    assert first.pricing.price_per_kwh == Decimal("0.59")
    assert first.evses[0].connectors[0].standard == "IEC_62196_T2_COMBO"
    assert first.evses[0].connectors[0].max_power_kw == Decimal(150)
    assert [e.evse_uid for e in first.bookable_evses] == ["DE*ENB*E123456*1"]
    # Undocumented fields are optional; no reservations means nothing bookable.
    assert second.address is None and second.latitude is None
    assert second.evses[0].connectors == ()
    assert second.bookable_evses == ()


def test_search_sends_only_the_parameters_given(
    api: PetitmondeClient, api_mock: responses.RequestsMock
) -> None:
    api_mock.get(f"{BASE_URL}/search", json={"results": []})

    result = api.search(lat=52.51, lng=13.3889)

    assert sent(api_mock).params == {"lat": "52.51", "lng": "13.3889"}
    assert result.total == 0 and result.results == ()


def test_create_booking_posts_the_request_without_empty_fields(
    api: PetitmondeClient, api_mock: responses.RequestsMock
) -> None:
    api_mock.post(f"{BASE_URL}/bookings", json=payload("booking_requested"), status=202)

    booking = api.create_booking(booking_request())

    request = sent(api_mock)
    assert request.method == "POST"
    assert request.url == f"{BASE_URL}/bookings"
    assert request.headers["Content-Type"] == "application/json"
    assert_sent_as_client(request)
    assert json.loads(request.body) == {
        "location_id": "DE-ENB-E123456",
        "evse_uid": "DE*ENB*E123456*1",
        "reservation_start": "2026-02-10T14:00:00Z",
        "reservation_end": "2026-02-10T16:00:00Z",
        "external_id": "engineering-emp042-20260210",
        "token_strategy": "driver_token",
        "customer_id": "cust_emp042",
    }
    assert booking.id == BOOKING_ID
    assert booking.status == BookingStatus.REQUESTED
    assert booking.known_status is BookingStatus.REQUESTED
    assert booking.client_price == Decimal("18.75")
    assert booking.client_price_currency == "EUR"
    assert booking.reservation_start == datetime(2026, 2, 10, 14, tzinfo=UTC)
    assert booking.cpo_reservation_id is None
    assert booking.token is None
    assert booking.is_cancellable and not booking.is_terminal


def test_create_booking_sends_strategy_fields_and_reads_the_ad_hoc_token(
    api: PetitmondeClient, api_mock: responses.RequestsMock
) -> None:
    api_mock.post(f"{BASE_URL}/bookings", json=payload("booking_ad_hoc"), status=202)

    booking = api.create_booking(
        booking_request(
            location_id="DE-ALG-E456789",
            evse_uid="DE*ALG*E456789*1",
            external_id="visitor-reception-20260210",
            token_strategy=TokenStrategy.AD_HOC,
            customer_id=None,
            connector_id="1",
        )
    )

    body = json.loads(sent(api_mock).body)
    assert body["token_strategy"] == "ad_hoc"
    assert body["connector_id"] == "1"
    assert "customer_id" not in body and "token_uid" not in body
    assert booking.token is not None
    assert booking.token.uid == "04A2B3C4D5E6F7"
    assert booking.token.type == "AD_HOC"
    assert booking.token.valid_until == datetime(2026, 2, 10, 11, tzinfo=UTC)


def test_get_booking_reads_every_field(
    api: PetitmondeClient, api_mock: responses.RequestsMock
) -> None:
    api_mock.get(f"{BASE_URL}/bookings/{BOOKING_ID}", json=payload("booking_confirmed"))

    booking = api.get_booking(BOOKING_ID)

    assert sent(api_mock).method == "GET"
    assert_sent_as_client(sent(api_mock))
    assert booking == RemoteBooking(
        id=BOOKING_ID,
        status="CONFIRMED",
        status_updated_at=datetime(2026, 2, 9, 10, 0, 7, 250000, tzinfo=UTC),
        created_at=datetime(2026, 2, 9, 10, tzinfo=UTC),
        location_id="DE-ENB-E123456",
        location_name="EnBW Karlsruhe Kaiserstraße",
        location_city="Karlsruhe",
        evse_uid="DE*ENB*E123456*1",
        connector_id="1",
        reservation_start=datetime(2026, 2, 10, 14, tzinfo=UTC),
        reservation_end=datetime(2026, 2, 10, 16, tzinfo=UTC),
        external_id="engineering-emp042-20260210",
        token_strategy="driver_token",
        customer_id="cust_emp042",
        cpo_reservation_id="ENB-RES-778812",
        client_price=Decimal("18.75"),
        client_price_currency="EUR",
    )


def test_booking_id_is_escaped_in_the_path(
    api: PetitmondeClient, api_mock: responses.RequestsMock
) -> None:
    api_mock.get(
        f"{BASE_URL}/bookings/..%2Fusage%3Fx", json={"id": "x", "status": "PENDING"}
    )

    api.get_booking("../usage?x")

    assert sent(api_mock).path_url == "/api/v1/client/bookings/..%2Fusage%3Fx"


def test_list_bookings_sends_the_filters_and_reads_every_item(
    api: PetitmondeClient, api_mock: responses.RequestsMock
) -> None:
    api_mock.get(f"{BASE_URL}/bookings", json=payload("bookings_completed"))

    bookings = api.list_bookings(
        status=BookingStatus.COMPLETED,
        from_date=datetime(2026, 2, 1, tzinfo=UTC),
        to_date=datetime(2026, 2, 28, 23, 59, 59, 999000, tzinfo=UTC),
        limit=100,
    )

    request = sent(api_mock)
    assert request.method == "GET"
    assert request.params == {
        "status": "COMPLETED",
        "from_date": "2026-02-01T00:00:00Z",
        "to_date": "2026-02-28T23:59:59.999Z",
        "limit": "100",
    }
    assert_sent_as_client(request)
    assert [b.external_id for b in bookings] == [
        "engineering-emp042-20260227",
        "sales-emp077-20260212",
        "fleet-import-7731",
    ]
    assert [b.client_price for b in bookings] == [
        Decimal("21.4"),
        Decimal("9.05"),
        Decimal("14"),
    ]
    assert bookings[0].energy_kwh == Decimal("31.7")
    assert bookings[1].created_at == datetime(
        2026, 2, 11, 17, 2, 31, 500000, tzinfo=UTC
    )
    assert bookings[2].location_name is None


def test_list_bookings_without_filters_sends_no_query(
    api: PetitmondeClient, api_mock: responses.RequestsMock
) -> None:
    api_mock.get(f"{BASE_URL}/bookings", json={"bookings": []})

    assert api.list_bookings() == []
    assert sent(api_mock).url == f"{BASE_URL}/bookings"


def test_cancel_booking_posts_the_reason(
    api: PetitmondeClient, api_mock: responses.RequestsMock
) -> None:
    api_mock.post(
        f"{BASE_URL}/bookings/{BOOKING_ID}/cancel", json=payload("booking_cancelled")
    )

    booking = api.cancel_booking(BOOKING_ID, reason="Plans changed")

    request = sent(api_mock)
    assert request.method == "POST"
    assert_sent_as_client(request)
    assert json.loads(request.body) == {"reason": "Plans changed"}
    assert booking.status == BookingStatus.CANCELLED
    assert booking.is_terminal and not booking.is_cancellable
    assert booking.client_price == Decimal("5.00")
    assert booking.cancellation_reason == "Plans changed"


def test_cancel_booking_without_reason_sends_an_empty_object(
    api: PetitmondeClient, api_mock: responses.RequestsMock
) -> None:
    api_mock.post(
        f"{BASE_URL}/bookings/{BOOKING_ID}/cancel", json=payload("booking_cancelled")
    )

    api.cancel_booking(BOOKING_ID)

    assert json.loads(sent(api_mock).body) == {}


def test_usage_reads_both_limits_and_keeps_the_quota_in_stats(
    api: PetitmondeClient, api_mock: responses.RequestsMock
) -> None:
    api_mock.get(f"{BASE_URL}/usage", json=payload("usage"))

    usage = api.usage()

    assert_sent_as_client(sent(api_mock))
    assert usage.rate_limit is not None and usage.monthly_quota is not None
    assert usage.rate_limit.remaining == 87
    assert usage.rate_limit.period == "minute"
    assert usage.rate_limit.reset_at == datetime(2026, 2, 9, 10, 1, tzinfo=UTC)
    assert usage.monthly_quota.used == 1234
    assert usage.monthly_quota.remaining == 8766
    assert api.stats.monthly_quota == usage.monthly_quota
    assert api.stats.requests == 1


def test_usage_without_quota_object_is_read(
    api: PetitmondeClient, api_mock: responses.RequestsMock
) -> None:
    api_mock.get(
        f"{BASE_URL}/usage",
        json={"rate_limit": {"limit": 100, "remaining": 87, "period": "minute"}},
    )

    usage = api.usage()

    assert usage.monthly_quota is None
    assert usage.rate_limit is not None and usage.rate_limit.reset_at is None
    assert api.stats.monthly_quota is None


# --- Errors --------------------------------------------------------------------

CALLS: dict[str, tuple[str, str, Callable[[PetitmondeClient], object]]] = {
    "search": ("GET", "/search", lambda api: api.search(lat=49.0, lng=8.4)),
    "create": ("POST", "/bookings", lambda api: api.create_booking(booking_request())),
    "get": ("GET", f"/bookings/{BOOKING_ID}", lambda api: api.get_booking(BOOKING_ID)),
    "list": ("GET", "/bookings", lambda api: api.list_bookings(limit=100)),
    "cancel": (
        "POST",
        f"/bookings/{BOOKING_ID}/cancel",
        lambda api: api.cancel_booking(BOOKING_ID),
    ),
    "usage": ("GET", "/usage", lambda api: api.usage()),
}
DOCUMENTED_ERRORS = {
    400: "Invalid latitude: must be between -90 and 90",
    401: "Invalid or missing API key",
    403: "Account suspended",
    404: "Booking not found",
    409: "EVSE not available for requested time",
    429: "Rate limit exceeded. Retry after 45 seconds.",
    500: "Internal server error",
}


@pytest.mark.parametrize("status", DOCUMENTED_ERRORS)
@pytest.mark.parametrize("call", CALLS)
def test_documented_error_carries_status_and_the_apis_message(
    time: FakeTime, api_mock: responses.RequestsMock, call: str, status: int
) -> None:
    method, path, do = CALLS[call]
    # Without retries, so that a read meets the error exactly once.
    api = make_client(time, max_retries=0)
    headers = {"Retry-After": "45"} if status == 429 else {}
    api_mock.add(
        method,
        BASE_URL + path,
        json={"error": DOCUMENTED_ERRORS[status]},
        status=status,
        headers=headers,
    )

    with pytest.raises(PetitmondeError) as caught:
        do(api)

    error = caught.value
    assert error.status == status
    assert error.message == DOCUMENTED_ERRORS[status]
    assert error.ambiguous is (status == 500)
    assert error.rate_limited is (status == 429)
    assert error.retry_after == (45 if status == 429 else None)
    assert error.not_found is (status == 404)
    assert error.conflict is (status == 409)
    assert error.auth_failed is (status in (401, 403))
    assert str(error) == f"Petitmonde API {status}: {DOCUMENTED_ERRORS[status]}"
    assert len(api_mock.calls) == 1


@pytest.mark.parametrize("call", CALLS)
def test_success_answer_that_is_not_json_is_an_ambiguous_error(
    api: PetitmondeClient, api_mock: responses.RequestsMock, call: str
) -> None:
    method, path, do = CALLS[call]
    api_mock.add(method, BASE_URL + path, body="<html>Welcome</html>", status=200)

    with pytest.raises(PetitmondeError) as caught:
        do(api)

    assert caught.value.status == 200
    assert caught.value.ambiguous  # a create may have happened
    assert "not JSON" in caught.value.message


def test_error_page_that_is_not_json_gets_a_plain_message(
    api: PetitmondeClient, api_mock: responses.RequestsMock
) -> None:
    api_mock.get(
        f"{BASE_URL}/bookings/{BOOKING_ID}", body="<h1>Not Found</h1>", status=404
    )

    with pytest.raises(PetitmondeError) as caught:
        api.get_booking(BOOKING_ID)

    assert caught.value.status == 404
    assert caught.value.message == "The API answered with HTTP status 404."
    assert not caught.value.ambiguous


@pytest.mark.parametrize("body", [{"detail": "nope"}, ["error"], {"error": 42}])
def test_error_json_without_an_error_text_gets_a_plain_message(
    api: PetitmondeClient, api_mock: responses.RequestsMock, body: object
) -> None:
    api_mock.post(f"{BASE_URL}/bookings", json=body, status=400)

    with pytest.raises(PetitmondeError) as caught:
        api.create_booking(booking_request())

    assert caught.value.message == "The API answered with HTTP status 400."


@pytest.mark.parametrize(
    ("failure", "message"),
    [
        (requests.ConnectTimeout(), "The API did not answer in time."),
        (requests.ReadTimeout(), "The API did not answer in time."),
        (requests.ConnectionError("refused"), "Could not connect to the API."),
    ],
)
@pytest.mark.parametrize("call", CALLS)
def test_no_answer_is_an_ambiguous_error_without_status(
    time: FakeTime,
    api_mock: responses.RequestsMock,
    call: str,
    failure: Exception,
    message: str,
) -> None:
    method, path, do = CALLS[call]
    api = make_client(time, max_retries=0)
    api_mock.add(method, BASE_URL + path, body=failure)

    with pytest.raises(PetitmondeError) as caught:
        do(api)

    assert caught.value.status is None
    assert caught.value.ambiguous
    assert caught.value.message == message
    assert str(caught.value) == f"Petitmonde API: {message}"


def test_redirect_is_not_followed(
    api: PetitmondeClient, api_mock: responses.RequestsMock
) -> None:
    # Following it would send the key to whatever host the Location names.
    api_mock.get(
        f"{BASE_URL}/usage",
        status=302,
        headers={"Location": "https://elsewhere.test/steal"},
    )

    with pytest.raises(PetitmondeError) as caught:
        api.usage()

    assert caught.value.status == 302
    assert len(api_mock.calls) == 1


# --- Parsing what comes back ---------------------------------------------------


def test_booking_with_only_id_and_status_is_read(
    api: PetitmondeClient, api_mock: responses.RequestsMock
) -> None:
    api_mock.get(f"{BASE_URL}/bookings/b1", json={"id": "b1", "status": "PENDING"})

    booking = api.get_booking("b1")

    assert booking == RemoteBooking(id="b1", status="PENDING")


def test_unknown_status_is_kept_as_sent(
    api: PetitmondeClient, api_mock: responses.RequestsMock
) -> None:
    api_mock.get(
        f"{BASE_URL}/bookings/b1",
        json={"id": "b1", "status": "ON_HOLD", "surprise": {"new": "field"}},
    )

    booking = api.get_booking("b1")

    assert booking.status == "ON_HOLD"
    assert booking.known_status is None
    assert not booking.is_terminal and not booking.is_cancellable


def test_numeric_connector_id_is_read_as_text(
    api: PetitmondeClient, api_mock: responses.RequestsMock
) -> None:
    api_mock.get(
        f"{BASE_URL}/bookings/b1",
        json={"id": "b1", "status": "PENDING", "connector_id": 1},
    )

    assert api.get_booking("b1").connector_id == "1"


def test_time_without_offset_is_read_as_utc(
    api: PetitmondeClient, api_mock: responses.RequestsMock
) -> None:
    api_mock.get(
        f"{BASE_URL}/bookings/b1",
        json={"id": "b1", "status": "PENDING", "created_at": "2026-02-09T10:00:00"},
    )

    assert api.get_booking("b1").created_at == datetime(2026, 2, 9, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    "booking",
    [
        {"status": "PENDING"},
        {"id": "", "status": "PENDING"},
        {"id": "b1"},
        {"id": {"nested": 1}, "status": "PENDING"},
        {"id": "b1", "status": "PENDING", "client_price": "lots"},
        {"id": "b1", "status": "PENDING", "client_price": True},
        {"id": "b1", "status": "PENDING", "client_price": "NaN"},
        {"id": "b1", "status": "PENDING", "created_at": "yesterday"},
        {"id": "b1", "status": "PENDING", "created_at": 1760000000},
        {"id": "b1", "status": "PENDING", "token": {"type": "AD_HOC"}},
        {"id": "b1", "status": "PENDING", "token": "04A2B3C4"},
        ["b1", "PENDING"],
    ],
)
def test_malformed_booking_is_an_error_not_a_crash(
    api: PetitmondeClient, api_mock: responses.RequestsMock, booking: object
) -> None:
    api_mock.get(f"{BASE_URL}/bookings/b1", json=booking)

    with pytest.raises(PetitmondeError) as caught:
        api.get_booking("b1")

    assert caught.value.status == 200
    assert "malformed" in caught.value.message


@pytest.mark.parametrize(
    "body",
    [
        {"bookings": [{"id": "b1", "status": "PENDING"}, {"status": "PENDING"}]},
        {"bookings": {"id": "b1"}},
        {"items": []},
        [],
    ],
)
def test_malformed_list_is_an_error(
    api: PetitmondeClient, api_mock: responses.RequestsMock, body: object
) -> None:
    api_mock.get(f"{BASE_URL}/bookings", json=body)

    with pytest.raises(PetitmondeError, match="malformed"):
        api.list_bookings()


@pytest.mark.parametrize(
    "body",
    [
        {"results": [{"name": "no id"}]},
        {"results": {}},
        {"total": "two", "results": []},
        {"results": [{"location_id": "L", "supports_reservation": "yes"}]},
        {"results": [{"location_id": "L", "evses": [{"status": "AVAILABLE"}]}]},
        {"results": [{"location_id": "L", "coordinates": [49, 8]}]},
    ],
)
def test_malformed_search_result_is_an_error(
    api: PetitmondeClient, api_mock: responses.RequestsMock, body: object
) -> None:
    api_mock.get(f"{BASE_URL}/search", json=body)

    with pytest.raises(PetitmondeError, match="malformed"):
        api.search(lat=49, lng=8)


def test_format_datetime_sends_utc_with_z_and_fractions_only_when_needed() -> None:
    berlin = timezone(timedelta(hours=1))
    assert format_datetime(datetime(2026, 2, 10, 15, tzinfo=berlin)) == (
        "2026-02-10T14:00:00Z"
    )
    assert format_datetime(datetime(2026, 2, 10, 14, 0, 0, 120000, tzinfo=UTC)) == (
        "2026-02-10T14:00:00.12Z"
    )
    assert format_datetime(datetime(2026, 2, 10, 14, 0, 0, 1, tzinfo=UTC)) == (
        "2026-02-10T14:00:00.000001Z"
    )


def test_naive_datetime_is_refused_before_anything_is_sent(
    api: PetitmondeClient, api_mock: responses.RequestsMock
) -> None:
    with pytest.raises(ValueError, match="aware"):
        api.list_bookings(from_date=datetime(2026, 2, 1))
    with pytest.raises(ValueError, match="aware"):
        api.create_booking(booking_request(reservation_end=datetime(2026, 2, 10, 16)))

    assert len(api_mock.calls) == 0


@pytest.mark.parametrize("limit", [0, -1, 101, 1000])
def test_a_limit_out_of_range_is_refused_before_anything_is_sent(
    api: PetitmondeClient, api_mock: responses.RequestsMock, limit: int
) -> None:
    with pytest.raises(ValueError, match="limit must be 1 to 100"):
        api.list_bookings(limit=limit)
    with pytest.raises(ValueError, match="limit must be 1 to 100"):
        api.search(lat=49.0, lng=8.4, limit=limit)

    assert len(api_mock.calls) == 0


# --- Retries -------------------------------------------------------------------


@pytest.mark.parametrize("status", [502, 503, 504])
@pytest.mark.parametrize("call", ["search", "get", "list", "usage"])
def test_read_is_retried_with_growing_waits_after_a_gateway_error(
    api: PetitmondeClient,
    time: FakeTime,
    api_mock: responses.RequestsMock,
    call: str,
    status: int,
) -> None:
    method, path, do = CALLS[call]
    answer = payload("usage") if call == "usage" else payload("booking_confirmed")
    if call == "search":
        answer = payload("search")
    if call == "list":
        answer = payload("bookings_completed")
    api_mock.add(method, BASE_URL + path, status=status, body="Bad gateway")
    api_mock.add(method, BASE_URL + path, status=status, json={"error": "busy"})
    api_mock.add(method, BASE_URL + path, json=answer)

    do(api)

    assert len(api_mock.calls) == 3
    assert time.sleeps == [0.5, 1.0]
    assert api.stats.retries == 2
    assert api.stats.requests == 3


@pytest.mark.parametrize(
    "failure", [requests.ConnectionError("reset"), requests.ReadTimeout()]
)
def test_read_is_retried_when_no_answer_came(
    api: PetitmondeClient,
    time: FakeTime,
    api_mock: responses.RequestsMock,
    failure: Exception,
) -> None:
    api_mock.get(f"{BASE_URL}/bookings/{BOOKING_ID}", body=failure)
    api_mock.get(f"{BASE_URL}/bookings/{BOOKING_ID}", json=payload("booking_confirmed"))

    assert api.get_booking(BOOKING_ID).status == "CONFIRMED"
    assert time.sleeps == [0.5]


def test_backoff_jitter_shortens_the_wait_by_at_most_half(
    time: FakeTime, api_mock: responses.RequestsMock
) -> None:
    api = make_client(time, jitter=lambda: 0.0)
    for _ in range(3):
        api_mock.get(f"{BASE_URL}/usage", status=503)
    api_mock.get(f"{BASE_URL}/usage", json=payload("usage"))

    api.usage()

    assert time.sleeps == [0.25, 0.5, 1.0]


def test_read_gives_up_after_the_configured_retries(
    api: PetitmondeClient, time: FakeTime, api_mock: responses.RequestsMock
) -> None:
    api_mock.get(f"{BASE_URL}/usage", status=503, json={"error": "Down for a while"})

    with pytest.raises(PetitmondeError) as caught:
        api.usage()

    assert len(api_mock.calls) == 4  # the first try and three retries
    assert time.sleeps == [0.5, 1.0, 2.0]
    assert caught.value.status == 503
    assert caught.value.message == "Down for a while"


@pytest.mark.parametrize("status", [400, 401, 403, 404, 500])
def test_read_is_not_retried_after_other_errors(
    api: PetitmondeClient, time: FakeTime, api_mock: responses.RequestsMock, status: int
) -> None:
    api_mock.get(f"{BASE_URL}/bookings", status=status, json={"error": "no"})

    with pytest.raises(PetitmondeError):
        api.list_bookings()

    assert len(api_mock.calls) == 1
    assert time.sleeps == []


def test_read_waits_as_long_as_retry_after_says(
    api: PetitmondeClient, time: FakeTime, api_mock: responses.RequestsMock
) -> None:
    api_mock.get(
        f"{BASE_URL}/bookings",
        status=429,
        headers={"Retry-After": "7"},
        json={"error": "Rate limit exceeded. Retry after 7 seconds."},
    )
    api_mock.get(f"{BASE_URL}/bookings", json=payload("bookings_completed"))

    assert len(api.list_bookings()) == 3
    assert time.sleeps == [7.0]
    assert api.stats.rate_limited == 1


def test_retry_after_as_http_date_is_honoured(
    api: PetitmondeClient, time: FakeTime, api_mock: responses.RequestsMock
) -> None:
    api_mock.get(
        f"{BASE_URL}/usage",
        status=429,
        headers={
            "Retry-After": "Mon, 09 Feb 2026 10:00:30 GMT",
            "Date": "Mon, 09 Feb 2026 10:00:10 GMT",
        },
    )
    api_mock.get(f"{BASE_URL}/usage", json=payload("usage"))

    api.usage()

    assert time.sleeps == [20.0]


def test_read_gives_up_at_once_when_retry_after_is_over_the_cap(
    api: PetitmondeClient, time: FakeTime, api_mock: responses.RequestsMock
) -> None:
    api_mock.get(
        f"{BASE_URL}/search",
        status=429,
        headers={"Retry-After": "3600"},
        json={"error": "Monthly quota exceeded"},
    )

    with pytest.raises(PetitmondeError) as caught:
        api.search(lat=49, lng=8)

    assert len(api_mock.calls) == 1
    assert time.sleeps == []
    assert caught.value.rate_limited
    assert caught.value.retry_after == 3600
    assert not caught.value.ambiguous


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 502, "body": "Bad gateway"},
        {"status": 503, "json": {"error": "Unavailable"}},
        {"status": 504, "body": ""},
        {"status": 429, "headers": {"Retry-After": "1"}, "json": {"error": "slow"}},
        {"body": requests.ReadTimeout()},
        {"body": requests.ConnectionError()},
    ],
)
@pytest.mark.parametrize("call", ["create", "cancel"])
def test_create_and_cancel_are_never_retried(
    api: PetitmondeClient,
    time: FakeTime,
    api_mock: responses.RequestsMock,
    call: str,
    failure: dict[str, Any],
) -> None:
    method, path, do = CALLS[call]
    api_mock.add(method, BASE_URL + path, **failure)
    api_mock.add(method, BASE_URL + path, json=payload("booking_requested"))

    with pytest.raises(PetitmondeError):
        do(api)

    assert len(api_mock.calls) == 1
    assert time.sleeps == []
    assert api.stats.retries == 0


# --- Pacing from the rate-limit headers ------------------------------------------


def rate_headers(remaining: int, reset: datetime) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": "100",
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": format_datetime(reset),
    }


def test_no_request_is_sent_before_the_reset_when_none_is_left(
    api: PetitmondeClient, time: FakeTime, api_mock: responses.RequestsMock
) -> None:
    reset = time.now() + timedelta(seconds=12)
    api_mock.get(
        f"{BASE_URL}/usage", json=payload("usage"), headers=rate_headers(0, reset)
    )
    api_mock.get(f"{BASE_URL}/search", json={"results": []})

    api.usage()
    assert time.sleeps == []
    api.search(lat=49, lng=8)

    assert time.sleeps == [12.0]
    assert api.stats.paced == 1
    assert api.stats.rate_remaining == 0
    assert api.stats.rate_limit == 100
    assert api.stats.rate_reset_at == reset


def test_pacing_also_holds_back_create(
    api: PetitmondeClient, time: FakeTime, api_mock: responses.RequestsMock
) -> None:
    reset = time.now() + timedelta(seconds=3)
    api_mock.get(
        f"{BASE_URL}/bookings", json={"bookings": []}, headers=rate_headers(0, reset)
    )
    api_mock.post(f"{BASE_URL}/bookings", json=payload("booking_requested"))

    api.list_bookings()
    api.create_booking(booking_request())

    assert time.sleeps == [3.0]


def test_pacing_uses_the_servers_clock_when_it_sends_one(
    api: PetitmondeClient, time: FakeTime, api_mock: responses.RequestsMock
) -> None:
    # Our clock is 10:00:00; the server says it is 10:00:50 and resets at 10:01.
    headers = rate_headers(0, datetime(2026, 2, 9, 10, 1, tzinfo=UTC))
    headers["Date"] = "Mon, 09 Feb 2026 10:00:50 GMT"
    api_mock.get(f"{BASE_URL}/usage", json=payload("usage"), headers=headers)

    api.usage()
    api.usage()

    assert time.sleeps == [10.0]


def test_no_wait_while_requests_are_left(
    api: PetitmondeClient, time: FakeTime, api_mock: responses.RequestsMock
) -> None:
    reset = time.now() + timedelta(seconds=40)
    api_mock.get(
        f"{BASE_URL}/usage", json=payload("usage"), headers=rate_headers(1, reset)
    )

    api.usage()
    api.usage()

    assert time.sleeps == []
    assert api.stats.rate_remaining == 1


def test_a_reserve_leaves_requests_for_others(
    time: FakeTime, api_mock: responses.RequestsMock
) -> None:
    api = make_client(time, rate_reserve=10)
    reset = time.now() + timedelta(seconds=5)
    api_mock.get(
        f"{BASE_URL}/usage", json=payload("usage"), headers=rate_headers(10, reset)
    )

    api.usage()
    api.usage()

    assert time.sleeps == [5.0]


def test_a_reset_beyond_the_cap_fails_without_sending(
    api: PetitmondeClient, time: FakeTime, api_mock: responses.RequestsMock
) -> None:
    reset = time.now() + timedelta(minutes=30)
    api_mock.get(
        f"{BASE_URL}/usage", json=payload("usage"), headers=rate_headers(0, reset)
    )

    api.usage()
    with pytest.raises(PetitmondeError) as caught:
        api.usage()

    assert len(api_mock.calls) == 1
    assert caught.value.rate_limited and not caught.value.ambiguous
    assert caught.value.retry_after == 1800
    assert time.sleeps == []


def test_unreadable_rate_headers_are_ignored(
    api: PetitmondeClient, time: FakeTime, api_mock: responses.RequestsMock
) -> None:
    api_mock.get(
        f"{BASE_URL}/usage",
        json=payload("usage"),
        headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "soon"},
    )

    api.usage()
    api.usage()

    assert time.sleeps == []


# --- The key never shows, logs are short ----------------------------------------

LEAKY_FAILURES: list[dict[str, Any]] = [
    {"status": 401, "json": {"error": f"Invalid API key {API_KEY}"}},
    {"status": 403, "json": {"error": "Account suspended"}},
    {"status": 500, "body": f"Traceback ... X-API-Key: {API_KEY}"},
    {"status": 200, "body": "not json"},
    {"status": 200, "json": ["not", "an", "object"]},
    {"status": 429, "headers": {"Retry-After": "999"}, "json": {"error": "slow"}},
    {"body": requests.ReadTimeout()},
    {"body": requests.ConnectionError()},
]


@pytest.mark.parametrize("failure", LEAKY_FAILURES)
@pytest.mark.parametrize("call", CALLS)
def test_the_key_never_appears_in_errors_or_logs(
    time: FakeTime,
    api_mock: responses.RequestsMock,
    caplog: pytest.LogCaptureFixture,
    call: str,
    failure: dict[str, Any],
) -> None:
    method, path, do = CALLS[call]
    api = make_client(time, max_retries=1)
    api_mock.add(method, BASE_URL + path, **failure)
    caplog.set_level(logging.DEBUG)

    with pytest.raises(PetitmondeError) as caught:
        do(api)

    chain = "".join(traceback.format_exception(caught.value))
    for text in (str(caught.value), repr(caught.value), chain, caplog.text, repr(api)):
        assert API_KEY not in text


def test_a_key_echoed_by_the_api_is_redacted(
    api: PetitmondeClient, api_mock: responses.RequestsMock
) -> None:
    api_mock.get(
        f"{BASE_URL}/usage", status=401, json={"error": f"Invalid API key {API_KEY}"}
    )

    with pytest.raises(PetitmondeError) as caught:
        api.usage()

    assert caught.value.message == "Invalid API key [redacted]"


def test_each_request_logs_one_line_without_query_values(
    api: PetitmondeClient,
    api_mock: responses.RequestsMock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    api_mock.get(f"{BASE_URL}/bookings", json={"bookings": []})
    caplog.set_level(logging.DEBUG, logger="bookings.petitmonde")

    api.list_bookings(status="COMPLETED", from_date=datetime(2026, 2, 1, tzinfo=UTC))

    [record] = caplog.records
    assert record.getMessage().startswith("Petitmonde GET /bookings -> 200 in ")
    assert record.levelno == logging.DEBUG
    assert "2026" not in record.getMessage()
    assert "COMPLETED" not in record.getMessage()


def test_failed_request_logs_a_warning(
    api: PetitmondeClient,
    api_mock: responses.RequestsMock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    api_mock.post(f"{BASE_URL}/bookings", status=409, json={"error": "taken"})

    with pytest.raises(PetitmondeError):
        api.create_booking(booking_request())

    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert record.getMessage().startswith("Petitmonde POST /bookings -> 409 in ")


# --- Built from settings ------------------------------------------------------


@override_settings(
    PETITMONDE_API_URL="https://api.petitmonde.test/api/v1/client/",
    PETITMONDE_API_KEY="live-key",
    PETITMONDE_SANDBOX=False,
    PETITMONDE_CONNECT_TIMEOUT=2.0,
    PETITMONDE_READ_TIMEOUT=9.0,
    PETITMONDE_MAX_RETRIES=1,
    PETITMONDE_RETRY_AFTER_CAP=30.0,
)
def test_get_client_uses_the_settings(api_mock: responses.RequestsMock) -> None:
    api_mock.get(f"{BASE_URL}/usage", json=payload("usage"))

    api = get_client()
    api.usage()

    request = sent(api_mock)
    assert request.headers["X-API-Key"] == "live-key"
    assert request.req_kwargs["timeout"] == (2.0, 9.0)
    assert (api.max_retries, api.retry_after_cap) == (1, 30.0)


@override_settings(
    PETITMONDE_API_KEY="", PETITMONDE_SANDBOX=True, PETITMONDE_SANDBOX_KEY="sandbox"
)
def test_get_client_uses_the_sandbox_key_when_no_key_is_set() -> None:
    assert get_client()._api_key == "sandbox"


@override_settings(
    PETITMONDE_API_KEY="live-key", PETITMONDE_SANDBOX=True, PETITMONDE_SANDBOX_KEY="x"
)
def test_get_client_prefers_the_real_key() -> None:
    assert get_client()._api_key == "live-key"


@override_settings(PETITMONDE_API_KEY="", PETITMONDE_SANDBOX=False)
def test_get_client_without_any_key_is_a_configuration_error() -> None:
    with pytest.raises(ImproperlyConfigured):
        get_client()
