from __future__ import annotations

import math
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import responses

from bookings.petitmonde import PetitmondeError
from bookings.petitmonde.window import WindowRead, find_booking, read_window
from tests.fake_api import (
    FakePetitmonde,
    FakeTime,
    make_bookings,
    make_client,
)

START = datetime(2026, 1, 1, tzinfo=UTC)
END = datetime(2026, 2, 1, tzinfo=UTC) - timedelta(microseconds=1)
INSTANT = timedelta(microseconds=1)
ORDERS = ["newest", "oldest", "random"]


def spread(n: int, *, seed: int = 1, start: datetime = START, end: datetime = END):
    rng = random.Random(seed)
    seconds = (end - start).total_seconds()
    return [start + timedelta(seconds=rng.random() * seconds) for _ in range(n)]


def read(
    api_mock: responses.RequestsMock,
    bookings: list[dict[str, Any]],
    *,
    order: str = "newest",
    start: datetime = START,
    end: datetime = END,
    **options: Any,
) -> tuple[WindowRead, FakePetitmonde]:
    fake = FakePetitmonde(
        api_mock, time=FakeTime(), order=order, **options.pop("fake", {})
    )
    fake.load(bookings)
    result = read_window(fake.client(), start=start, end=end, **options)
    return result, fake


def ids(bookings: list[dict[str, Any]], status: str | None = None) -> set[str]:
    return {b["id"] for b in bookings if status is None or b["status"] == status}


def assert_read_exactly(result: WindowRead, expected: set[str]) -> None:
    read_ids = [booking.id for booking in result.bookings]
    assert len(read_ids) == len(set(read_ids)), "duplicates"
    assert set(read_ids) == expected


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("n", [0, 1, 99, 100, 101, 5000])
def test_every_booking_of_the_window_is_read_once(
    api_mock: responses.RequestsMock, n: int, order: str
) -> None:
    inside = make_bookings(spread(n), seed=n)
    # Just outside the window: must not be read.
    outside = make_bookings([START - INSTANT, END + INSTANT] * 10, seed=7)

    result, fake = read(api_mock, inside + outside, order=order)

    assert_read_exactly(result, ids(inside))
    assert result.complete
    assert result.requests == len(fake.calls("list"))
    minimum = max(1, math.ceil(n / 100))
    if n < 100:
        assert result.requests == 1
    elif order == "newest":
        assert result.requests <= 1.3 * minimum + 6
    else:
        assert result.requests <= 2 * minimum + 12


def test_every_request_asks_for_a_full_page_within_the_window(
    api_mock: responses.RequestsMock,
) -> None:
    result, fake = read(api_mock, make_bookings(spread(700)))

    assert result.complete
    for query in fake.queries:
        assert query["limit"] == "100"
        assert "status" not in query
        assert datetime.fromisoformat(query["from_date"]) >= START
        assert datetime.fromisoformat(query["from_date"]) <= datetime.fromisoformat(
            query["to_date"]
        )
        assert datetime.fromisoformat(query["to_date"]) <= END
    assert fake.queries[0]["from_date"] == "2026-01-01T00:00:00Z"
    assert fake.queries[0]["to_date"] == "2026-01-31T23:59:59.999999Z"


def test_bookings_come_back_newest_first(api_mock: responses.RequestsMock) -> None:
    bookings = make_bookings(spread(300))

    result, _ = read(api_mock, bookings, order="random")

    times = [booking.created_at for booking in result.bookings]
    assert times == sorted(times, reverse=True)  # type: ignore[type-var]


@pytest.mark.parametrize("order", ORDERS)
def test_bookings_on_the_window_bounds_are_read(
    api_mock: responses.RequestsMock, order: str
) -> None:
    bookings = make_bookings([START] * 3 + [END] * 3 + spread(250))

    result, _ = read(api_mock, bookings, order=order)

    assert_read_exactly(result, ids(bookings))


@pytest.mark.parametrize("order", ORDERS)
def test_a_window_of_one_instant_is_read(
    api_mock: responses.RequestsMock, order: str
) -> None:
    instant = datetime(2026, 1, 10, 9, tzinfo=UTC)
    bookings = make_bookings([instant] * 40 + [instant + INSTANT] * 5)

    result, _ = read(api_mock, bookings, order=order, start=instant, end=instant)

    assert_read_exactly(result, ids(bookings[:40]))
    assert result.requests == 1


@pytest.mark.parametrize("order", ORDERS)
def test_many_bookings_at_one_instant_are_read_status_by_status(
    api_mock: responses.RequestsMock, order: str
) -> None:
    crowded = datetime(2026, 1, 14, 9, 30, tzinfo=UTC)
    bookings = make_bookings([crowded] * 150 + spread(500), seed=3)
    assert max(Counter(b["status"] for b in bookings[:150]).values()) < 100

    result, fake = read(api_mock, bookings, order=order)

    assert_read_exactly(result, ids(bookings))
    assert result.complete
    statuses = [q["status"] for q in fake.queries if "status" in q]
    assert sorted(statuses) == sorted(set(statuses))  # each status once
    assert len(statuses) == 8
    assert result.requests <= 30


@pytest.mark.parametrize("order", ORDERS)
def test_crowded_instants_next_to_each_other_and_on_the_bounds(
    api_mock: responses.RequestsMock, order: str
) -> None:
    middle = datetime(2026, 1, 20, tzinfo=UTC)
    times = [START] * 120 + [END] * 130 + [middle] * 110 + [middle + INSTANT] * 105
    bookings = make_bookings(times + spread(300), seed=4)

    result, _ = read(api_mock, bookings, order=order)

    assert_read_exactly(result, ids(bookings))
    assert result.complete


def test_one_status_filling_a_page_at_one_instant_is_reported_incomplete(
    api_mock: responses.RequestsMock, caplog: pytest.LogCaptureFixture
) -> None:
    crowded = datetime(2026, 1, 14, 9, 30, tzinfo=UTC)
    same = make_bookings([crowded] * 120)
    for booking in same:
        booking["status"] = "COMPLETED"
    others = make_bookings(spread(200), seed=5)

    result, _ = read(api_mock, same + others)

    assert not result.complete
    assert ids(others) <= {booking.id for booking in result.bookings}
    assert "Petitmonde window read incomplete" in caplog.text
    assert "COMPLETED" in caplog.text


def test_a_crowded_instant_cannot_be_split_under_a_status_filter(
    api_mock: responses.RequestsMock,
) -> None:
    crowded = datetime(2026, 1, 14, 9, 30, tzinfo=UTC)
    same = make_bookings([crowded] * 120)
    for booking in same:
        booking["status"] = "COMPLETED"

    # Another seed: the fake holds bookings by id, and seed 0 again would
    # repeat the ids of `same`.
    others = make_bookings(spread(50), seed=11)

    result, _ = read(api_mock, same + others, status="COMPLETED")

    assert not result.complete


@pytest.mark.parametrize("order", ORDERS)
def test_a_status_filter_reads_every_booking_of_that_status(
    api_mock: responses.RequestsMock, order: str
) -> None:
    bookings = make_bookings(spread(2000), seed=6)

    result, fake = read(api_mock, bookings, order=order, status="COMPLETED")

    assert_read_exactly(result, ids(bookings, "COMPLETED"))
    assert all(query["status"] == "COMPLETED" for query in fake.queries)


@pytest.mark.parametrize("order", ORDERS)
def test_bursts_and_empty_stretches_are_read(
    api_mock: responses.RequestsMock, order: str
) -> None:
    rng = random.Random(8)
    times = []
    for day in (2, 9, 23):  # three bursts of 400 within ten minutes
        burst = datetime(2026, 1, day, 8, tzinfo=UTC)
        times += [burst + timedelta(seconds=rng.random() * 600) for _ in range(400)]
    # Office hours on weekdays of the third week only; the rest is empty.
    for day in range(12, 17):
        opening = datetime(2026, 1, day, 7, tzinfo=UTC)
        times += [opening + timedelta(hours=rng.random() * 10) for _ in range(150)]
    bookings = make_bookings(times, seed=9)

    result, _ = read(api_mock, bookings, order=order)

    assert_read_exactly(result, ids(bookings))
    assert result.complete
    # Sudden changes of density cost requests, more so without newest first.
    factor = 3 if order == "newest" else 6
    assert result.requests <= factor * math.ceil(len(bookings) / 100)


def test_an_api_comparing_whole_seconds_only_is_reported_not_looped(
    api_mock: responses.RequestsMock, caplog: pytest.LogCaptureFixture
) -> None:
    crowded = datetime(2026, 1, 14, 9, 30, tzinfo=UTC)
    bookings = make_bookings([crowded] * 150 + spread(300), seed=10)
    fake = FakePetitmonde(api_mock, time=FakeTime(), whole_seconds=True)
    fake.load(bookings)

    result = read_window(fake.client(), start=START, end=END)

    assert not result.complete
    assert "to the second only" in caplog.text
    assert result.requests < 100


def test_an_api_error_is_raised(api_mock: responses.RequestsMock) -> None:
    fake = FakePetitmonde(api_mock, time=FakeTime())
    fake.fail("list", 400, "Bad limit")

    with pytest.raises(PetitmondeError, match="Bad limit"):
        read_window(fake.client(), start=START, end=END)


@pytest.mark.parametrize(
    ("start", "end", "limit"),
    [
        (datetime(2026, 1, 1), END, 100),
        (START, datetime(2026, 2, 1), 100),
        (END, START, 100),
        (START, END, 1),
        (START, END, 101),  # more than the API's page: never sent
    ],
)
def test_a_window_that_makes_no_sense_is_refused(
    start: datetime, end: datetime, limit: int
) -> None:
    with pytest.raises(ValueError):
        read_window(make_client(FakeTime()), start=start, end=end, limit=limit)


# --- finding one booking by its external_id -----------------------------------


def test_find_booking_takes_only_the_one_for_this_charger_and_window(
    api_mock: responses.RequestsMock,
) -> None:
    window_start = datetime(2026, 2, 10, 8, tzinfo=UTC)
    window = {
        "evse_uid": "DE*ENB*E700101*1",
        "reservation_start": "2026-02-10T08:00:00Z",
        "reservation_end": "2026-02-10T10:00:00Z",
    }
    reused, cancelled, ours, other_day = make_bookings(spread(4), seed=3)
    reused |= window | {"evse_uid": "DE*ENB*E700101*2"}  # another tool's
    cancelled |= window | {"status": "CANCELLED"}
    ours |= window | {"status": "REQUESTED"}
    other_day["external_id"] = "engineering-emp042-20260211"
    for booking in (reused, cancelled, ours):
        booking["external_id"] = "engineering-emp042-20260210"
    fake = FakePetitmonde(api_mock, time=FakeTime())
    fake.load([reused, cancelled, ours, other_day])

    found = find_booking(
        fake.client(),
        external_id="engineering-emp042-20260210",
        evse_uid="DE*ENB*E700101*1",
        start=window_start,
        end=window_start + timedelta(hours=2),
        made_from=START,
        made_until=END,
    )

    assert found is not None
    assert found.id == ours["id"]  # the live one before the cancelled one


def test_find_booking_finds_nothing_for_another_window(
    api_mock: responses.RequestsMock,
) -> None:
    [booking] = make_bookings(spread(1), seed=5)
    booking |= {
        "external_id": "engineering-emp042-20260210",
        "reservation_start": "2026-02-10T08:00:00Z",
        "reservation_end": "2026-02-10T10:00:00Z",
    }
    fake = FakePetitmonde(api_mock, time=FakeTime())
    fake.load([booking])

    found = find_booking(
        fake.client(),
        external_id="engineering-emp042-20260210",
        evse_uid="DE*ENB*E700101*1",
        start=datetime(2026, 2, 10, 9, tzinfo=UTC),  # an hour later
        end=datetime(2026, 2, 10, 11, tzinfo=UTC),
        made_from=START,
        made_until=END,
    )

    assert found is None
