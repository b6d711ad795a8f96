"""The window reader against the sandbox: every booking of a window, exactly once.

The bookings are written straight into the sandbox's table (fast, any
`created_at`); the sandbox keeps `created_at` in whole seconds, so bookings share
timestamps as they would in the API. Its rate limit is raised so that the reader
never waits here: pacing is the benchmark's business.
"""

from __future__ import annotations

import math
import random
import uuid
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta

import pytest

from bookings.petitmonde import PetitmondeClient
from bookings.petitmonde.window import read_window
from bookings.sandbox.models import Booking, Clock, Evse

pytestmark = pytest.mark.contract

LIMIT = 100
OUTCOMES = ("ATTENDING", "NO_SHOW", "EXPIRED", "REJECTED")


@pytest.fixture
def month(sandbox_url: str, settings) -> tuple[datetime, datetime]:
    """A past month of sandbox time, as whole seconds; no rate limit to speak of."""
    settings.PETITMONDE_SANDBOX_RATE_LIMIT = 100_000
    start = (Clock.now() - timedelta(days=45)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return start, start + timedelta(days=31) - timedelta(seconds=1)


def store(
    times: Iterable[datetime], *, seed: int, outcomes: tuple[str, ...] = OUTCOMES
) -> set[str]:
    """Sandbox bookings created at `times`; their reservations are long past."""
    rng = random.Random(seed)
    evses = list(
        Evse.objects.select_related("location")
        .prefetch_related("connectors")
        .filter(location__location_id__startswith="DE-ENB-E1234")
    )
    bookings = []
    for n, created in enumerate(times):
        start = created + timedelta(days=1)
        bookings.append(
            Booking.plan(
                evse=evses[n % len(evses)],
                start=start,
                end=start + timedelta(hours=1),
                created_at=created,
                token_strategy="driver_token",
                outcome=outcomes[n % len(outcomes)],
                booking_id=uuid.UUID(int=rng.getrandbits(128), version=4),
                customer_id="cust_emp042",
                external_id=f"engineering-emp042-{created:%Y%m%d}",
            )
        )
    Booking.objects.bulk_create(bookings, batch_size=500)
    return {str(booking.id) for booking in bookings}


def uniform(n: int, start: datetime, end: datetime, seed: int = 0) -> list[datetime]:
    rng = random.Random(seed)
    seconds = int((end - start).total_seconds())
    return [start + timedelta(seconds=rng.randint(0, seconds)) for _ in range(n)]


def read(client: PetitmondeClient, start: datetime, end: datetime, **options):
    result = read_window(client, start=start, end=end, limit=LIMIT, **options)
    ids = [booking.id for booking in result.bookings]
    assert len(ids) == len(set(ids)), "read twice"
    created = [booking.created_at for booking in result.bookings]
    assert created == sorted(created, reverse=True)
    return result, set(ids)


@pytest.mark.parametrize("n", [0, 1, 99, 100, 101, 5000])
def test_every_booking_of_a_month_is_read_once(
    petitmonde: PetitmondeClient, month: tuple[datetime, datetime], n: int
) -> None:
    start, end = month
    stored = store(uniform(n, start, end, seed=n), seed=n)
    # Neighbours just outside the window are not read.
    store([start - timedelta(seconds=1), end + timedelta(seconds=1)], seed=10_000)

    result, ids = read(petitmonde, start, end)

    assert result.complete
    assert ids == stored
    # Uniform data: close to the minimum number of requests (the goal).
    minimum = max(1, math.ceil(n / LIMIT))
    assert result.requests <= 1.3 * minimum + 3
    assert petitmonde.stats.requests == result.requests
    assert petitmonde.stats.rate_limited == 0


def test_bookings_on_the_bounds_are_read(
    petitmonde: PetitmondeClient, month: tuple[datetime, datetime]
) -> None:
    start, end = month
    stored = store([start, start, end, end, *uniform(250, start, end)], seed=9)
    result, ids = read(petitmonde, start, end)
    assert result.complete and ids == stored


def test_a_crowded_second_is_read_status_by_status(
    petitmonde: PetitmondeClient, month: tuple[datetime, datetime]
) -> None:
    start, end = month
    crowded = start + timedelta(days=12, hours=9)
    stored = store([crowded] * 150, seed=1)
    stored |= store(uniform(400, start, end, seed=2), seed=2)

    result, ids = read(petitmonde, start, end)

    assert result.complete
    assert ids == stored
    statuses = Counter(b.status for b in result.bookings if b.created_at == crowded)
    assert len(statuses) == 4 and max(statuses.values()) < LIMIT


def test_crowded_seconds_side_by_side_and_on_the_bounds(
    petitmonde: PetitmondeClient, month: tuple[datetime, datetime]
) -> None:
    start, end = month
    middle = start + timedelta(days=15)
    times = [start] * 120 + [middle] * 130 + [middle + timedelta(seconds=1)] * 110
    times += [end] * 105 + [end - timedelta(seconds=1)] * 30
    stored = store(times, seed=3) | store(uniform(300, start, end, seed=4), seed=4)

    result, ids = read(petitmonde, start, end)

    assert result.complete and ids == stored


def test_a_burst_of_shared_seconds_is_read(
    petitmonde: PetitmondeClient, month: tuple[datetime, datetime]
) -> None:
    start, end = month
    burst = start + timedelta(days=20, hours=14)
    times = uniform(2000, burst, burst + timedelta(minutes=5), seed=5)
    times += [burst + timedelta(minutes=7)] * 30  # one second a quarter page full
    stored = store(times, seed=5) | store(uniform(500, start, end, seed=6), seed=6)
    assert max(Counter(times).values()) >= 25

    result, ids = read(petitmonde, start, end)

    assert result.complete and ids == stored


def test_a_status_filter_reads_every_booking_of_that_status(
    petitmonde: PetitmondeClient, month: tuple[datetime, datetime]
) -> None:
    start, end = month
    store(uniform(900, start, end, seed=7), seed=7)
    result, ids = read(petitmonde, start, end, status="NO_SHOW")
    expected = Booking.objects.filter(status="NO_SHOW").values_list("id", flat=True)
    assert result.complete
    assert ids == {str(booking_id) for booking_id in expected}
    assert len(ids) == 225


def test_one_status_filling_a_page_at_one_second_is_reported_incomplete(
    petitmonde: PetitmondeClient, month: tuple[datetime, datetime]
) -> None:
    # The API has no way to page through more than `limit` bookings of one
    # status at one instant: the reader says so instead of looping.
    start, end = month
    crowded = start + timedelta(days=3)
    stored = store([crowded] * 120, seed=10, outcomes=("ATTENDING",))
    stored |= store(uniform(50, start, end, seed=8), seed=8)

    result, ids = read(petitmonde, start, end)

    assert not result.complete
    assert len(stored - ids) == 20
    assert Counter(b.status for b in result.bookings if b.created_at == crowded) == {
        "COMPLETED": LIMIT
    }
