"""Benchmark: the employee's booking pages with 10,000 bookings in the database.

Prints p50 and p95 (ms) of the portal's own time, wall and CPU, through
Django's test client (middleware, session, queries, templates), for:

- GET /bookings/ (the person's list: upcoming, a page of the past, the cap);
- GET /bookings/new/ (the empty form with the rules) and with results (the
  search answered at once by the fake API of tests/fake_api.py);
- POST /bookings/new/confirm/ (lock, every rule, the external_id, the write,
  the create answered at once by the fake, the e-mail rendered).

API time is excluded: the fake answers without a network. Two spreads of the
10,000 bookings: the person holds 500 of them (40 colleagues the rest), or all
of them. Goal: p95 under 50 ms each. Nothing about time is asserted.
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.template import Template
from django.test import Client
from django.test.utils import _TestState
from django.utils import timezone

from bookings.models import Booking
from portal.models import Department, Employee, Site, User
from tests.bookings.conftest import api_settings
from tests.bookings.factories import booking_object
from tests.bookings.test_policy import offer_at, tomorrow_at
from tests.fake_api import FakePetitmonde

# A fixture of tests/bookings, used here too.
__all__ = ["api_settings"]

TOTAL = 10_000
RUNS = 200
WARM_UP = 10


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]
    return statistics.median(ordered), p95


def measure(action: Callable[[int], Any], runs: int = RUNS) -> tuple[float, ...]:
    """p50 and p95 of wall time, then of CPU time (ms).

    The CPU time of this process leaves out the waits for a core when the
    machine is busy with other work, which the wall time includes.
    """
    for n in range(WARM_UP):
        action(-1 - n)
    wall, cpu = [], []
    for n in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        action(n)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return (*percentiles(wall), *percentiles(cpu))


def fill(person: Employee, colleagues: list[Employee], mine: int) -> None:
    """TOTAL bookings: `mine` of the person's, the rest the colleagues'; two in
    a hundred upcoming, the others over (completed, cancelled, expired)."""
    now = timezone.now().replace(microsecond=0)
    ended = ["COMPLETED", "COMPLETED", "CANCELLED", "EXPIRED", "NO_SHOW"]
    objects = []
    for n in range(TOTAL):
        owner = person if n < mine else colleagues[n % len(colleagues)]
        upcoming = n % 50 == 0
        start = now + timedelta(hours=(n % 300) + 1 if upcoming else -(n + 1) * 3)
        objects.append(
            booking_object(
                owner,
                start=start,
                status="CONFIRMED" if upcoming else ended[n % len(ended)],
                client_price=Decimal("7.30"),
            )
        )
    Booking.objects.bulk_create(objects, batch_size=2000)


@pytest.fixture
def plain_templates(monkeypatch: pytest.MonkeyPatch) -> None:
    """Templates render as in production: the test environment wraps every
    render to record its context for `response.context`, which costs as much
    as the rendering itself."""
    original = _TestState.saved_data.template_render  # type: ignore[attr-defined]
    monkeypatch.setattr(Template, "_render", original)


@pytest.fixture
def world(
    db: None,
    settings: Any,
    make_person: Callable[..., User],
    engineering: Department,
    api_settings: Any,
) -> tuple[User, list[Employee]]:
    # Rules that never refuse, so every submit does the whole job.
    settings.BOOKING_MAX_PER_DAY = 10_000
    settings.BOOKING_MAX_UPCOMING = 100_000
    settings.NO_SHOW_LIMIT = 0  # the demo history's no-shows must not shorten it
    engineering.default_monthly_cap = Decimal("1000000")
    engineering.save()
    person = make_person("emp042", engineering)
    colleagues = [make_person(f"emp{n:03d}", engineering).employee for n in range(40)]
    return person, colleagues


@pytest.mark.parametrize("mine", [500, TOTAL], ids=["500 of them mine", "all mine"])
def bench_booking_pages(
    world: tuple[User, list[Employee]],
    mine: int,
    site: Site,
    fake_api: FakePetitmonde,
    django_capture_on_commit_callbacks: Any,
    plain_templates: None,
) -> None:
    person, colleagues = world
    fill(person.employee, colleagues, mine)
    client = Client()
    client.force_login(person)
    search = {
        "site": site.pk,
        "date": tomorrow_at(8).date().isoformat(),
        "start": "08:00",
        "end": "10:00",
    }

    def get(path: str, data: dict[str, Any] | None = None) -> Callable[[int], Any]:
        def run(n: int) -> None:
            assert client.get(path, data or {}).status_code == 200

        return run

    def submit(n: int) -> None:
        # Spread over the days ahead, as real bookings are.
        start = tomorrow_at(6) + timedelta(days=n % 13, minutes=(n // 13) * 30 % 600)
        data = {
            "offer": offer_at(site, start).sign(),
            "search": "",
            "submission_key": str(uuid.uuid4()),
        }
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post("/bookings/new/confirm/", data).status_code == 302

    figures = {
        "GET /bookings/": measure(get("/bookings/")),
        "GET /bookings/new/ (form)": measure(get("/bookings/new/")),
        "GET /bookings/new/ (results)": measure(get("/bookings/new/", search)),
        "POST /bookings/new/confirm/": measure(submit),
    }

    print(f"\n{TOTAL:,} bookings, {mine:,} of them the person's; {RUNS} runs each")
    print(f"  {'':<30} {'wall p50':>9} {'p95':>7} {'CPU p50':>9} {'p95':>7}  (ms)")
    for name, (p50, p95, cpu50, cpu95) in figures.items():
        print(f"  {name:<30} {p50:>9.1f} {p95:>7.1f} {cpu50:>9.1f} {cpu95:>7.1f}")
