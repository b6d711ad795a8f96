"""GET /bookings: filters on status and created_at, newest first, limit, no paging."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bookings.sandbox.models import Booking, iso
from tests.bookings.sandbox.conftest import Api

pytestmark = pytest.mark.django_db

FEB = datetime(2026, 2, 1, tzinfo=UTC)


def listed(api: Api, **params: object) -> list[dict]:
    response = api.get("bookings", params)
    assert response.status_code == 200, response.content
    return response.json()["bookings"]


def test_the_answer_holds_bookings_and_nothing_else(api: Api, store) -> None:
    store(3)
    body = api.get("bookings").json()
    # No total, offset, cursor or next: exactly what the documentation shows.
    assert list(body) == ["bookings"]
    assert len(body["bookings"]) == 3


def test_newest_first(api: Api, store) -> None:
    for day in (3, 1, 2):
        store(created_at=FEB + timedelta(days=day), external_id=f"day-{day}")
    assert [b["external_id"] for b in listed(api)] == ["day-3", "day-2", "day-1"]


def test_limit_defaults_to_50(api: Api, store) -> None:
    store(55)
    assert len(listed(api)) == 50


def test_limit_allows_100(api: Api, store) -> None:
    store(120)
    assert len(listed(api, limit=100)) == 100
    assert len(listed(api, limit=1)) == 1


@pytest.mark.parametrize("limit", ["101", "0", "-3", "all", "1.5"])
def test_limit_out_of_bounds_is_400(api: Api, limit: str) -> None:
    response = api.get("bookings", {"limit": limit})
    assert response.status_code == 400
    assert response.json() == {
        "error": "Invalid limit: must be a whole number from 1 to 100"
    }


def test_paging_parameters_are_not_a_thing(api: Api, store) -> None:
    store(5)
    everything = listed(api)
    assert listed(api, offset=2, cursor="x", page=2) == everything


def test_status_filter(api: Api, store) -> None:
    store(2, created_at=FEB, outcome=Booking.Outcome.NO_SHOW)
    store(3, created_at=FEB, evse_uid="DE*ENB*E123456*2")
    # All of these windows are long past: the lifecycle has ended them.
    assert len(listed(api, status="COMPLETED")) == 3
    assert len(listed(api, status="NO_SHOW")) == 2
    assert listed(api, status="CONFIRMED") == []


def test_unknown_status_is_400(api: Api) -> None:
    response = api.get("bookings", {"status": "DONE"})
    assert response.status_code == 400
    assert response.json() == {
        "error": "Invalid status: must be one of REQUESTED, PENDING, CONFIRMED, "
        "ATTENDING, COMPLETED, CANCELLED, EXPIRED, NO_SHOW"
    }


def test_dates_filter_created_at_inclusively(api: Api, store) -> None:
    start, end = FEB, datetime(2026, 2, 28, 23, 59, 59, tzinfo=UTC)
    for moment, name in (
        (start - timedelta(seconds=1), "before"),
        (start, "first"),
        (start + timedelta(days=10), "middle"),
        (end, "last"),
        (end + timedelta(seconds=1), "after"),
    ):
        store(created_at=moment, external_id=name)
    found = listed(api, from_date=iso(start), to_date=iso(end))
    assert [b["external_id"] for b in found] == ["last", "middle", "first"]


def test_either_date_alone_works(api: Api, store) -> None:
    store(created_at=FEB, external_id="feb")
    store(created_at=FEB + timedelta(days=40), external_id="march")
    assert [
        b["external_id"] for b in listed(api, from_date="2026-03-01T00:00:00Z")
    ] == ["march"]
    assert [b["external_id"] for b in listed(api, to_date="2026-02-28T23:59:59Z")] == [
        "feb"
    ]


def test_dates_take_offsets_and_fractions(api: Api, store) -> None:
    store(created_at=FEB, external_id="midnight")
    # 00:59:59.999999+01:00 is a microsecond before midnight UTC.
    found = listed(api, to_date="2026-02-01T00:59:59.999999+01:00")
    assert found == []
    found = listed(
        api, from_date="2026-02-01T01:00:00+01:00", to_date="2026-02-01T00:00:00.5Z"
    )
    assert [b["external_id"] for b in found] == ["midnight"]


@pytest.mark.parametrize("param", ["from_date", "to_date"])
def test_bad_dates_are_400(api: Api, param: str) -> None:
    response = api.get("bookings", {param: "February"})
    assert response.status_code == 400
    assert response.json()["error"].startswith(
        f"Invalid {param}: expected ISO 8601 with a time zone"
    )


def test_from_after_to_is_400(api: Api) -> None:
    response = api.get(
        "bookings",
        {"from_date": "2026-03-01T00:00:00Z", "to_date": "2026-02-01T00:00:00Z"},
    )
    assert response.status_code == 400
    assert response.json() == {"error": "from_date must not be after to_date"}


def test_many_bookings_sharing_one_second_are_all_listed(api: Api, store) -> None:
    store(60, created_at=FEB)
    found = listed(api, from_date=iso(FEB), to_date=iso(FEB), limit=100)
    assert len({b["id"] for b in found}) == 60
