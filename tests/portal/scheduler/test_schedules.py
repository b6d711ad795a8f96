"""When a job is due: intervals, daily and monthly wall-clock times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from portal.scheduler.schedules import DailyAt, Every, MonthlyAt


def test_interval_setting_is_read_when_needed(settings: Any) -> None:
    settings.SYNC_INTERVAL_MINUTES = 5
    schedule = Every(setting="SYNC_INTERVAL_MINUTES")
    start = datetime(2026, 3, 1, tzinfo=UTC)
    assert schedule.next_after(start) == start + timedelta(minutes=5)


def test_daily_schedule_follows_local_time_across_daylight_saving() -> None:
    schedule = DailyAt(2, 30)
    # The night before the clocks go forward in Berlin (29 March 2026).
    first = schedule.next_after(datetime(2026, 3, 28, 12, tzinfo=UTC))
    second = schedule.next_after(first)
    assert first == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 02:30 CET...
    assert second - first == timedelta(hours=23)


def test_monthly_schedule_is_the_first_at_six_local() -> None:
    due = MonthlyAt(day=1, hour=6).next_after(datetime(2026, 3, 1, 5, tzinfo=UTC))
    assert due == datetime(2026, 4, 1, 4, tzinfo=UTC)  # 06:00 CEST


def test_monthly_schedule_turns_the_year() -> None:
    due = MonthlyAt(day=1, hour=6).next_after(datetime(2026, 12, 1, 5, tzinfo=UTC))
    assert due == datetime(2027, 1, 1, 5, tzinfo=UTC)  # 06:00 CET
