"""pytest fixtures to steer the sandbox from tests: its clock, faults and outcomes.

A plugin module: `pytest_plugins = ["tests.plugins.sandbox"]` in
tests/conftest.py makes the fixtures available to the whole suite. Everything
is kept in the database, so it reaches the live_server thread too.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from bookings.sandbox.models import Booking, Clock, Fault, PlannedOutcome
from bookings.sandbox.spans import parse_span


class SandboxClock:
    """Sandbox time, movable: `sandbox_clock.advance("2h")`."""

    def now(self) -> datetime:
        return Clock.now()

    def advance(self, span: timedelta | str) -> datetime:
        return Clock.advance(parse_span(span) if isinstance(span, str) else span)

    def reset(self) -> None:
        Clock.reset()


class SandboxFaults:
    """`sandbox_faults.add("503", count=2, endpoint="search")`."""

    def add(
        self,
        kind: str,
        *,
        count: int | None = None,
        span: timedelta | str | None = None,
        endpoint: str = "",
        seconds: float | None = None,
        retry_after: int | None = None,
    ) -> Fault:
        until = None
        if span is not None:
            # Faults run on real time, like the rate limits.
            until = timezone.now()
            until += parse_span(span) if isinstance(span, str) else span
        elif count is None:
            count = 1
        return Fault.objects.create(
            kind=Fault.Kind(kind),
            endpoint=endpoint,
            remaining=count,
            until=until,
            seconds=seconds,
            retry_after=retry_after,
        )

    def clear(self) -> None:
        Fault.objects.all().delete()


class SandboxOutcomes:
    """Fix what happens to the next bookings created through the API.

    `sandbox_outcomes.plan("NO_SHOW")`; without it, the booking id decides
    (most cars come).
    """

    def plan(self, *outcomes: str) -> None:
        PlannedOutcome.objects.bulk_create(
            PlannedOutcome(outcome=Booking.Outcome(outcome)) for outcome in outcomes
        )


@pytest.fixture
def sandbox_clock(db: None) -> SandboxClock:
    return SandboxClock()


@pytest.fixture
def sandbox_faults(db: None) -> SandboxFaults:
    return SandboxFaults()


@pytest.fixture
def sandbox_outcomes(db: None) -> SandboxOutcomes:
    return SandboxOutcomes()
