"""The bookings' scheduled jobs, as bookings/jobs.py registers them."""

from __future__ import annotations

from datetime import UTC, datetime

from portal.scheduler import registry
from portal.scheduler.schedules import DailyAt, Every


def test_bookings_registers_the_sync_the_settling_and_the_clean_up() -> None:
    jobs = registry.JOBS
    assert jobs["purge_visitor_data"].command == "purge_visitor_data"
    assert jobs["sync_bookings"].command == "sync_bookings"
    assert jobs["settle_bookings"].command == "settle_bookings"
    due = datetime(2026, 4, 1, 4, tzinfo=UTC)
    assert jobs["sync_bookings"].arguments(due) == ["--incremental"]
    assert jobs["sync_bookings"].schedule == Every(setting="SYNC_INTERVAL_MINUTES")
    assert jobs["sync_bookings_full"].command == "sync_bookings"
    assert jobs["sync_bookings_full"].arguments(due) == []
    assert jobs["sync_bookings_full"].schedule == DailyAt(2, 30)
