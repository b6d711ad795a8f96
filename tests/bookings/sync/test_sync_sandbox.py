"""The sync against the real sandbox over a socket, with the demo company's year."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Sum
from pytest_django.live_server_helper import LiveServer

from bookings.models import Booking
from bookings.months import Month
from bookings.sandbox.models import Booking as SandboxBooking
from bookings.sandbox.models import Clock
from reports.figures import MonthlySummary

pytestmark = [pytest.mark.contract, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(live_server: LiveServer, settings: Any) -> None:
    settings.PETITMONDE_SANDBOX = True
    settings.PETITMONDE_API_KEY = ""
    settings.PETITMONDE_API_URL = f"{live_server.url}/sandbox/api/v1/client"
    call_command("seed_demo", verbosity=0)


def sync(*args: str) -> str:
    out = io.StringIO()
    call_command("sync_bookings", "-v", "2", *args, stdout=out)
    return out.getvalue()


def test_the_demo_history_comes_in_whole_and_a_second_run_changes_nothing(
    demo: None,
) -> None:
    output = sync()
    since = Clock.now() - timedelta(days=90)
    remote = SandboxBooking.objects.filter(created_at__gte=since)
    assert Booking.objects.count() == remote.count() > 300
    assert set(Booking.objects.values_list("status", flat=True)) >= {
        "COMPLETED",
        "CANCELLED",
        "EXPIRED",
        "NO_SHOW",
    }
    # Every employee booking of the demo follows the convention; the "other
    # tools" and the visitors (no portal visit behind them) wait for finance.
    attributed = Booking.objects.filter(attribution=Booking.Attribution.EXTERNAL_ID)
    assert attributed.filter(employee__isnull=False).count() > 200
    waiting = set(Booking.objects.unattributed().values_list("external_id", flat=True))
    assert any(ref.startswith("fleet-") for ref in waiting)
    assert any(ref.startswith("visitor-reception-") for ref in waiting)
    # The demo's upcoming bookings the portal made itself are adopted (updated).
    assert re.search(r"fetched \d+, created \d+, updated \d+, unchanged 0", output)
    assert "monthly quota left" in output

    again = sync()
    assert f"created 0, updated 0, unchanged {remote.count()}" in again


def test_the_demo_peoples_upcoming_bookings_are_the_portals_to_cancel(
    demo: None,
) -> None:
    """The demo's story: its people booked their coming charging in the
    portal. The first sync adopts those bookings with the API's id, so a demo
    employee can cancel them; nothing else on the account becomes ours."""
    sync()
    upcoming = SandboxBooking.objects.filter(
        reservation_start__gt=Clock.now(),
        status__in=["REQUESTED", "PENDING", "CONFIRMED"],
    )
    mine = upcoming.filter(external_id__regex=r"^[a-z0-9]+-emp\d{3}-\d{8}")
    assert mine.exists()
    for remote in mine:
        booking = Booking.objects.get(api_id=str(remote.id))
        assert booking.made_here and booking.is_cancellable, remote.external_id
        assert booking.employee is not None
    others = upcoming.exclude(pk__in=mine.values("pk"))
    for remote in others:
        assert not Booking.objects.get(api_id=str(remote.id)).made_here


def test_a_month_of_the_summary_equals_the_sandboxs_own_sum(demo: None) -> None:
    sync()
    month = Month.current().previous
    in_sandbox = SandboxBooking.objects.filter(
        status="COMPLETED",
        reservation_start__gte=month.start,
        reservation_start__lt=month.end,
        created_at__gte=Clock.now() - timedelta(days=90),
    )
    count, amount = MonthlySummary(month).totals
    assert count == in_sandbox.count() > 100  # more than one page of the list
    assert amount == in_sandbox.aggregate(s=Sum("client_price"))["s"].quantize(
        Decimal("0.01")
    )


def test_time_moving_on_is_followed_by_the_incremental_run(
    demo: None, sandbox_clock: Any
) -> None:
    sync()
    unfinished = Booking.objects.unfinished().count()
    assert unfinished > 0
    sandbox_clock.advance("7d")
    output = sync("--incremental")
    assert Booking.objects.unfinished().count() < unfinished
    assert "updated 0," not in output
