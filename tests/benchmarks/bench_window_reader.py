"""Benchmark: reading one month of bookings with the window reader (issue 3).

Prints, per scenario, the list requests used against the minimum ⌈N/100⌉, the
seconds it took and the 429 answers met. Asserts only that every booking was read.

The transport is the `transport` fixture. Here it is the fake list of
`tests/fake_petitmonde.py` (the sandbox's list semantics, newest first, 100
requests a minute with the documented headers, 50 ms per request) on a fake clock:
pacing waits are simulated, so "API s" is the time the read would take against
such a server and "wall s" is what the benchmark itself took. To run it against the
real sandbox, give `transport` the same three methods over `live_server`.
"""

from __future__ import annotations

import math
import random
import time as wall_clock
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import pytest
import responses

from bookings.petitmonde import PetitmondeClient
from bookings.window import read_window
from tests.fake_petitmonde import FakeBookingList, FakeTime, make_bookings, make_client

START = datetime(2026, 1, 1, tzinfo=UTC)
END = datetime(2026, 2, 1, tzinfo=UTC) - timedelta(microseconds=1)
LIMIT = 100


class Transport(Protocol):
    def load(self, bookings: list[dict[str, Any]]) -> None: ...
    def client(self) -> PetitmondeClient: ...
    def seconds(self) -> float: ...


class FakeTransport:
    def __init__(self, mock: responses.RequestsMock, order: str) -> None:
        self.mock = mock
        self.order = order
        self.time = FakeTime()

    def load(self, bookings: list[dict[str, Any]]) -> None:
        FakeBookingList(
            bookings, time=self.time, order=self.order, rate_limit=100, latency=0.05
        ).register(self.mock)

    def client(self) -> PetitmondeClient:
        return make_client(self.time)

    def seconds(self) -> float:
        return (self.time.now() - datetime(2026, 2, 9, 10, tzinfo=UTC)).total_seconds()


@pytest.fixture(params=["newest", "random"])
def transport(
    request: pytest.FixtureRequest, api_mock: responses.RequestsMock
) -> Transport:
    """The sandbox's order (newest first), and an API answering in any order."""
    return FakeTransport(api_mock, request.param)


def uniform(n: int, rng: random.Random) -> list[datetime]:
    seconds = (END - START).total_seconds()
    return [START + timedelta(seconds=rng.random() * seconds) for _ in range(n)]


def office_hours(n: int, rng: random.Random) -> list[datetime]:
    """Weekdays, most bookings made around midday, a few at any hour."""
    weekdays = [
        START + timedelta(days=d)
        for d in range(31)
        if (START + timedelta(days=d)).weekday() < 5
    ]
    times: list[datetime] = []
    while len(times) < n:
        hour = rng.gauss(12.5, 2.5) if rng.random() < 0.9 else rng.random() * 24
        if 0 <= hour < 24:
            times.append(rng.choice(weekdays) + timedelta(hours=hour))
    return times


def bursts(n: int, rng: random.Random) -> list[datetime]:
    """Steady traffic, plus six imports of 5 % of the month within ten minutes."""
    times = uniform(n - 6 * (n // 20), rng)
    for _ in range(6):
        at = uniform(1, rng)[0]
        times += [at + timedelta(seconds=rng.random() * 600) for _ in range(n // 20)]
    return times


SHAPES: dict[str, Callable[[int, random.Random], list[datetime]]] = {
    "uniform": uniform,
    "office hours": office_hours,
    "bursts": bursts,
}


@pytest.mark.parametrize("n", [1000, 10000])
@pytest.mark.parametrize("shape", SHAPES)
def test_read_one_month(transport: Transport, shape: str, n: int) -> None:
    bookings = make_bookings(SHAPES[shape](n, random.Random(n)), seed=n)
    transport.load(bookings)
    client = transport.client()

    started = wall_clock.perf_counter()
    result = read_window(client, start=START, end=END, limit=LIMIT)
    wall = wall_clock.perf_counter() - started

    assert result.complete
    assert {b.id for b in result.bookings} == {b["id"] for b in bookings}
    minimum = math.ceil(n / LIMIT)
    order = getattr(transport, "order", "")
    print(
        f"\n{shape:>12} {order:>6} N={n:>5}: {result.requests:>4} requests "
        f"(minimum {minimum}, {result.requests / minimum:.2f}x), "
        f"{client.stats.requests:>4} HTTP, API {transport.seconds():6.1f} s, "
        f"wall {wall:5.2f} s, 429s met {client.stats.rate_limited}, "
        f"paced {client.stats.paced}x"
    )
