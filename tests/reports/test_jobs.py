"""The monthly reports' job, as reports/jobs.py registers it."""

from __future__ import annotations

from datetime import UTC, datetime

from portal.scheduler import registry


def test_the_monthly_reports_are_for_the_month_before() -> None:
    job = registry.JOBS["monthly_reports"]
    assert job.command == "send_monthly_reports"
    due = datetime(2026, 4, 1, 4, tzinfo=UTC)
    assert job.arguments(due) == ["--month", "2026-03"]
