"""The fake API of tests/fake_api.py answers as Part B1 says, via the real client."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import requests
import responses

from bookings.petitmonde import (
    BookingRequest,
    PetitmondeClient,
    PetitmondeError,
    get_client,
)
from tests.fake_api import API_KEY, BASE_URL, START, FakePetitmonde, FakeTime

AT = datetime(2026, 2, 1, 9, tzinfo=UTC)


@pytest.fixture
def fake(api_mock: responses.RequestsMock) -> FakePetitmonde:
    return FakePetitmonde(api_mock, time=FakeTime())


@pytest.fixture
def client(fake: FakePetitmonde) -> PetitmondeClient:
    return fake.client(max_retries=0)


def request(**fields: str) -> BookingRequest:
    start = START + timedelta(days=1)
    values = {
        "location_id": "DE-ENB-E700101",
        "evse_uid": "DE*ENB*E700101*1",
        "reservation_start": start,
        "reservation_end": start + timedelta(hours=2),
        "external_id": "engineering-emp042-20260210",
        "token_strategy": "driver_token",
        "customer_id": "cust_emp042",
    }
    return BookingRequest(**(values | fields))  # type: ignore[arg-type]


def test_a_create_makes_the_whole_booking_from_what_was_sent(
    fake: FakePetitmonde, client: PetitmondeClient
) -> None:
    made = client.create_booking(request())

    assert made.status == "REQUESTED"
    assert made.created_at == START  # the fake's clock
    assert made.location_name == "Karlsruhe HQ – Garage P1"  # from search_body
    assert made.external_id == "engineering-emp042-20260210"
    assert made.token is None
    assert fake.created == [request().to_api()]
    assert client.get_booking(made.id) == made


def test_an_ad_hoc_create_has_a_token_numbered_by_the_creates_sent(
    client: PetitmondeClient,
) -> None:
    client.create_booking(request())
    made = client.create_booking(
        request(token_strategy="ad_hoc", customer_id=None)  # type: ignore[arg-type]
    )
    assert made.token is not None
    assert made.token.uid == "04A2B3C4D5E602"
    assert made.token.valid_until == made.reservation_end


@pytest.mark.parametrize(
    ("status", "price"),
    [("REQUESTED", 0), ("PENDING", 0), ("CONFIRMED", Decimal("2.5"))],
)
def test_a_cancel_costs_what_part_b1_says(
    fake: FakePetitmonde, client: PetitmondeClient, status: str, price: Decimal
) -> None:
    booking = fake.add(AT, status=status)

    cancelled = client.cancel_booking(booking["id"], reason="Plans changed")

    assert (cancelled.status, cancelled.client_price) == ("CANCELLED", price)
    assert fake.cancelled == [booking["id"]]
    assert fake.calls("cancel")[0].body == {"reason": "Plans changed"}


@pytest.mark.parametrize(
    ("booking_id", "status", "message"),
    [
        ("known", 400, "Booking cannot be cancelled in current state"),
        ("unknown", 404, "Booking not found"),
    ],
)
def test_a_cancel_is_refused_once_ended_or_unknown(
    fake: FakePetitmonde,
    client: PetitmondeClient,
    booking_id: str,
    status: int,
    message: str,
) -> None:
    fake.add(AT, id="known", status="COMPLETED")

    with pytest.raises(PetitmondeError) as refused:
        client.cancel_booking(booking_id)

    assert (refused.value.status, refused.value.message) == (status, message)
    assert fake.cancelled == []


def test_the_list_is_inclusive_on_created_at_newest_first_with_one_status(
    fake: FakePetitmonde, client: PetitmondeClient
) -> None:
    before, first, last, after = (
        fake.add(AT + timedelta(minutes=n), status=s)["id"]
        for n, s in enumerate(["COMPLETED", "COMPLETED", "EXPIRED", "COMPLETED"])
    )
    window = {
        "from_date": AT + timedelta(minutes=1),
        "to_date": AT + timedelta(minutes=2),
    }

    assert [b.id for b in client.list_bookings(**window)] == [last, first]
    assert [b.id for b in client.list_bookings(status="EXPIRED")] == [last]
    assert [b.id for b in client.list_bookings(limit=1)] == [after]
    assert fake.queries[0] == {
        "from_date": "2026-02-01T09:01:00Z",
        "to_date": "2026-02-01T09:02:00Z",
    }
    assert before not in {b.id for b in client.list_bookings(**window)}


def test_a_limit_out_of_range_is_a_400(fake: FakePetitmonde) -> None:
    # The client never sends one (B2), so ask past it.
    answer = requests.get(f"{BASE_URL}/bookings", params={"limit": 101}, timeout=1)
    assert answer.status_code == 400


def test_a_failure_aims_at_the_nth_call_or_stands_until_cleared(
    fake: FakePetitmonde, client: PetitmondeClient
) -> None:
    booking = fake.add(AT)["id"]
    fake.fail("get", 503, "Service unavailable", call=2)

    client.get_booking(booking)
    with pytest.raises(PetitmondeError, match="Service unavailable"):
        client.get_booking(booking)
    client.get_booking(booking)

    fake.fail("get", 401, "Invalid or missing API key")
    for _ in range(2):
        with pytest.raises(PetitmondeError, match="Invalid"):
            client.get_booking(booking)
    fake.clear_failures("get")
    assert client.get_booking(booking).id == booking
    assert len(fake.calls("get")) == 6


def test_a_processed_failure_makes_the_booking_all_the_same(
    fake: FakePetitmonde, client: PetitmondeClient
) -> None:
    fake.fail("create", 500, call=1, processed=True)

    with pytest.raises(PetitmondeError) as failed:
        client.create_booking(request())

    assert failed.value.ambiguous
    [held] = fake.bookings.values()
    assert held["external_id"] == "engineering-emp042-20260210"


def test_a_failure_can_raise_instead_of_answering(
    fake: FakePetitmonde, client: PetitmondeClient
) -> None:
    fake.fail("list", raises=requests.ConnectionError("network down"))

    with pytest.raises(PetitmondeError) as failed:
        client.list_bookings()

    assert failed.value.status is None
    assert fake.used == 0  # no answer: nothing counted


def test_past_the_monthly_quota_every_request_is_a_429(
    api_mock: responses.RequestsMock,
) -> None:
    fake = FakePetitmonde(api_mock, time=FakeTime(), quota=2)
    client = fake.client(max_retries=0)

    usage = client.usage()
    assert usage.monthly_quota is not None
    assert (usage.monthly_quota.used, usage.monthly_quota.remaining) == (1, 1)
    client.list_bookings()
    with pytest.raises(PetitmondeError, match="Monthly quota exceeded") as refused:
        client.list_bookings()

    assert refused.value.status == 429
    # 9 February 10:00 to 1 March: 19 days and 14 hours.
    assert refused.value.retry_after == 19 * 86400 + 14 * 3600


def test_the_rate_limit_is_sliding_with_its_headers_and_the_client_paces(
    api_mock: responses.RequestsMock,
) -> None:
    time = FakeTime()
    fake = FakePetitmonde(api_mock, time=time, rate_limit=2, latency=0.5)
    client = fake.client()

    for _ in range(3):
        client.list_bookings()

    assert time.sleeps == [59.5]  # until the first request leaves the window
    assert client.stats.rate_limit == 2
    assert client.stats.rate_limited == 0
    # A caller that does not pace meets the 429.
    fake.client().list_bookings()
    over = requests.get(f"{BASE_URL}/bookings", timeout=1)
    assert over.status_code == 429
    assert over.headers["X-RateLimit-Remaining"] == "0"
    assert int(over.headers["Retry-After"]) >= 1


def test_the_fixture_points_the_portals_client_at_the_fake(
    fake_api: FakePetitmonde,
) -> None:
    result = get_client().search(lat=49.0094, lng=8.4044)

    assert [place.location_id for place in result.results][:1] == ["DE-ENB-E700102"]
    [sent] = fake_api.searches
    assert sent.headers["x-api-key"] == API_KEY
    assert sent.query == {"lat": "49.0094", "lng": "8.4044"}
