"""The runner: due jobs run once, under their lease, and are scheduled again."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from portal.scheduler import registry as jobs_registry
from portal.scheduler import runner
from portal.scheduler.models import JobRun, Lease, ScheduledJob
from portal.scheduler.registry import Job
from portal.scheduler.schedules import Every, MonthlyAt

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> dict[str, Job]:
    """An empty job registry the test fills."""
    registry: dict[str, Job] = {}
    monkeypatch.setattr(jobs_registry, "JOBS", registry)
    return registry


def add(registry: dict[str, Job], job: Job) -> ScheduledJob:
    registry[job.name] = job
    return runner.ensure_rows()[job.name]


def test_an_interval_job_runs_when_due_and_is_scheduled_again(
    registry: dict[str, Job],
) -> None:
    row = add(registry, Job("check", "check", Every(minutes=15)))
    assert row.next_due_at <= timezone.now()  # due at once the first time
    [run] = runner.tick()
    assert run.outcome == ScheduledJob.Outcome.OK
    assert "no issues" in run.output
    row.refresh_from_db()
    assert row.last_outcome == ScheduledJob.Outcome.OK
    assert row.next_due_at > timezone.now() + timedelta(minutes=14)
    assert runner.tick() == []  # not due again yet


def test_missed_interval_runs_are_caught_up_by_one_run(
    registry: dict[str, Job],
) -> None:
    row = add(registry, Job("check", "check", Every(minutes=15)))
    row.next_due_at = timezone.now() - timedelta(hours=3)
    row.save()
    assert len(runner.tick()) == 1
    assert runner.tick() == []
    row.refresh_from_db()
    assert row.next_due_at > timezone.now()


# On a 1st, after 06:00 in Berlin: that day's run is due as well.
@pytest.mark.time_machine(datetime(2026, 12, 1, 9, 30, tzinfo=UTC))
def test_each_missed_month_gets_its_own_monthly_run(
    registry: dict[str, Job], settings: Any
) -> None:
    settings.REPORT_RECIPIENTS = []
    job = Job(
        "monthly",
        "send_monthly_reports",
        MonthlyAt(day=1, hour=6),
        arguments=lambda due: ["--dry-run", "--month", f"{due:%Y-%m}"],
    )
    row = add(registry, job)
    now = timezone.now()
    # No host ran since mid-October: 1 November and 1 December were missed.
    row.next_due_at = job.schedule.next_after(datetime(2026, 10, 15, tzinfo=UTC))
    row.save()
    runs = []
    for _ in range(4):
        runs += runner.tick()
    assert [run.due_at for run in runs] == [
        datetime(2026, 11, 1, 5, tzinfo=UTC),  # 06:00 CET
        datetime(2026, 12, 1, 5, tzinfo=UTC),
    ]  # then nothing until the next 1st
    assert runs[0].output != runs[1].output
    row.refresh_from_db()
    assert row.next_due_at == datetime(2027, 1, 1, 5, tzinfo=UTC)
    assert row.next_due_at > now


def test_a_failed_job_is_recorded_and_retried_later(registry: dict[str, Job]) -> None:
    row = add(
        registry,
        Job(
            "broken",
            "send_monthly_reports",
            Every(minutes=60),
            arguments=lambda due: ["--month", "never"],
        ),
    )
    due = row.next_due_at
    [run] = runner.tick()
    assert run.outcome == ScheduledJob.Outcome.FAILED
    assert "CommandError" in run.error
    row.refresh_from_db()
    assert row.last_outcome == ScheduledJob.Outcome.FAILED
    assert "--month must look like" in row.last_error
    assert row.next_due_at == due  # the same due time is retried
    assert row.retry_at is not None
    assert runner.tick() == []
    row.retry_at = timezone.now() - timedelta(seconds=1)
    row.save()
    assert len(runner.tick()) == 1


def test_a_job_another_host_is_running_is_left_alone(registry: dict[str, Job]) -> None:
    add(registry, Job("check", "check", Every(minutes=15)))
    assert Lease.acquire("job:check", ttl=timedelta(minutes=5)) is not None
    assert runner.tick() == []


def test_a_host_that_died_mid_run_is_taken_over_after_its_lease(
    registry: dict[str, Job],
) -> None:
    row = add(registry, Job("check", "check", Every(minutes=15)))
    Lease.acquire("job:check", ttl=timedelta(minutes=5))
    JobRun.objects.create(job=row, due_at=row.next_due_at, host="dead-host")
    Lease.objects.filter(name="job:check").update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    [run] = runner.tick()
    assert run.outcome == ScheduledJob.Outcome.OK
    stale = JobRun.objects.get(host="dead-host")
    assert stale.outcome == ScheduledJob.Outcome.FAILED
    assert "Interrupted" in stale.error


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_hosts_ticking_at_once_run_a_job_once(
    registry: dict[str, Job], monkeypatch: pytest.MonkeyPatch
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises everything anyway")
    add(registry, Job("slow", "check", Every(minutes=15)))
    calls = []

    def slow_command(*args: Any, **kwargs: Any) -> None:
        calls.append(args)
        time.sleep(0.5)

    monkeypatch.setattr(runner, "call_command", slow_command)
    barrier = threading.Barrier(3)

    def host() -> None:
        barrier.wait()
        try:
            runner.tick()
        finally:
            connection.close()

    threads = [threading.Thread(target=host) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert JobRun.objects.count() == 1
