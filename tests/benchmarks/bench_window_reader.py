"""Benchmark: reading one month of bookings with the window reader (issue 3).

Prints, per scenario, the list requests used against the minimum ⌈N/100⌉ (and
whether that is within the goal of 1.3 times the minimum plus a few), the seconds it
took and the 429 answers met. Asserts only that every booking was read.

Two transports:

- `test_read_one_month`: the fake API of `tests/fake_api.py` (the sandbox's
  list semantics, newest first or in any order, 100 requests a minute with the
  documented headers, 50 ms per request) on a fake clock: pacing waits
  are simulated, so "API s" is the time the read would take against such a server
  and "wall s" is what the benchmark itself took.
- `test_read_one_month_through_the_sandbox`: the real client against the real
  sandbox over a socket (live_server), with the sandbox's real limit of 100
  requests a minute, on real time. The bookings are written into the sandbox's
  table, which keeps `created_at` in whole seconds and lets the sandbox's own
  lifecycle decide their statuses: its real data shape. Reading 10,000 takes
  over a minute of pacing.
"""

from __future__ import annotations

import math
import random
import time as wall_clock
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import pytest
import responses
from django.core.management import call_command
from pytest_django.fixtures import Settings as SettingsFixture
from pytest_django.live_server_helper import LiveServer

from bookings.petitmonde import PetitmondeClient, get_client
from bookings.petitmonde.window import read_window
from bookings.sandbox.models import Booking, Evse
from tests.fake_api import FakePetitmonde, FakeTime, make_bookings

START = datetime(2026, 1, 1, tzinfo=UTC)
END = datetime(2026, 2, 1, tzinfo=UTC) - timedelta(microseconds=1)
LIMIT = 100
# The goal: at most 1.3 times the minimum number of requests, plus a few.
GOAL_FACTOR = 1.3
GOAL_EXTRA = 3


class Transport(Protocol):
    def load(self, bookings: list[dict[str, Any]]) -> None: ...
    def client(self) -> PetitmondeClient: ...
    def seconds(self) -> float: ...


class FakeTransport:
    def __init__(self, mock: responses.RequestsMock, order: str) -> None:
        self.order = order
        self.time = FakeTime()
        self.fake = FakePetitmonde(
            mock, time=self.time, order=order, rate_limit=100, latency=0.05
        )

    def load(self, bookings: list[dict[str, Any]]) -> None:
        self.fake.load(bookings)

    def client(self) -> PetitmondeClient:
        return self.fake.client()

    def seconds(self) -> float:
        return (self.time.now() - datetime(2026, 2, 9, 10, tzinfo=UTC)).total_seconds()


class SandboxTransport:
    """The real sandbox over live_server, on real time with its real limits."""

    order = "sandbox"

    def __init__(self) -> None:
        self.started = wall_clock.perf_counter()
        self.clients: list[PetitmondeClient] = []

    def load(self, bookings: list[dict[str, Any]]) -> None:
        evses = list(
            Evse.objects.filter(location__location_id="DE-ENB-E123456")
            .select_related("location")
            .prefetch_related("connectors")
        )
        rows = []
        for n, booking in enumerate(bookings):
            created = datetime.fromisoformat(booking["created_at"])
            start = created + timedelta(days=1)
            rows.append(
                Booking.plan(
                    evse=evses[n % len(evses)],
                    start=start,
                    end=start + timedelta(hours=1),
                    created_at=created,  # kept to the second by the sandbox
                    token_strategy="driver_token",
                    booking_id=uuid.UUID(booking["id"]),
                    customer_id="cust_emp042",
                    external_id=booking["external_id"],
                )
            )
        Booking.objects.bulk_create(rows, batch_size=1000)

    def client(self) -> PetitmondeClient:
        self.started = wall_clock.perf_counter()
        self.clients.append(get_client())
        return self.clients[-1]

    def seconds(self) -> float:
        return wall_clock.perf_counter() - self.started


@pytest.fixture
def sandbox(
    live_server: LiveServer, settings: SettingsFixture
) -> Iterator[SandboxTransport]:
    settings.PETITMONDE_API_URL = live_server.url + "/sandbox/api/v1/client"
    settings.PETITMONDE_SANDBOX = True
    settings.PETITMONDE_API_KEY = ""
    call_command("sandbox_seed", verbosity=0)
    transport = SandboxTransport()
    yield transport
    # A kept-alive connection would keep a server thread and its database
    # connection open (PostgreSQL could not drop the test database).
    for client in transport.clients:
        client.session.close()


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


def measure(transport: Transport, shape: str, n: int) -> None:
    bookings = make_bookings(SHAPES[shape](n, random.Random(n)), seed=n)
    transport.load(bookings)
    client = transport.client()

    started = wall_clock.perf_counter()
    result = read_window(client, start=START, end=END, limit=LIMIT)
    wall = wall_clock.perf_counter() - started

    assert result.complete
    assert {b.id for b in result.bookings} == {b["id"] for b in bookings}
    minimum = math.ceil(n / LIMIT)
    within = result.requests <= GOAL_FACTOR * minimum + GOAL_EXTRA
    order = getattr(transport, "order", "")
    print(
        f"\n{shape:>12} {order:>7} N={n:>5}: {result.requests:>4} requests "
        f"(minimum {minimum}, {result.requests / minimum:.2f}x, "
        f"{'within' if within else 'OVER'} goal), "
        f"{client.stats.requests:>4} HTTP, API {transport.seconds():6.1f} s, "
        f"wall {wall:6.2f} s, 429s met {client.stats.rate_limited}, "
        f"paced {client.stats.paced}x"
    )


@pytest.mark.parametrize("n", [1000, 10000])
@pytest.mark.parametrize("shape", SHAPES)
def test_read_one_month(transport: Transport, shape: str, n: int) -> None:
    measure(transport, shape, n)


@pytest.mark.parametrize("n", [1000, 10000])
@pytest.mark.parametrize("shape", SHAPES)
def test_read_one_month_through_the_sandbox(
    sandbox: SandboxTransport, shape: str, n: int
) -> None:
    measure(sandbox, shape, n)
