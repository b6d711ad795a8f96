"""Scheduled jobs: what runs without a person, and when.

Every job is a management command with a schedule. `manage.py run_jobs --once`
runs the jobs that are due and returns; `--loop` does that every minute. Both
are safe on several portal hosts sharing one database:

- the due time of each job is kept in the database (ScheduledJob), so a run
  missed while no host was up is caught up on the next tick;
- a job runs only while its host holds the job's lease (bookings.Lease), so no
  job ever runs twice at once; a host killed mid-job lets the lease expire
  after the job's `max_runtime` and another host takes over.

Adding a job is one `register(...)` call at the bottom of this module, naming a
management command of any app (this module imports nothing from it, so no
import rule is bent), like the visitor personal-data clean-up below:

    register(Job("purge_visitor_data", "purge_visitor_data", DailyAt(3, 15)))
"""

from __future__ import annotations

import io
import logging
import socket
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import Lease
from bookings.months import Month, report_tz
from reports.models import JobRun, ScheduledJob

logger = logging.getLogger(__name__)

# A failed job is tried again this long after the failure.
RETRY_DELAY = timedelta(minutes=15)
# A job whose due time is longer ago than this is flagged as overdue: no
# scheduler is running, or one is stuck.
OVERDUE_GRACE = timedelta(minutes=30)
# Job history older than this is removed as the scheduler runs.
HISTORY_KEPT = timedelta(days=60)
OUTPUT_KEPT = 20_000  # characters of a run's output stored


class Schedule(Protocol):
    @property
    def catch_up_each(self) -> bool:
        """Whether each missed due time gets its own run (monthly reports),
        or one run catches up all the missed ones (syncs, clean-ups)."""
        ...

    def next_after(self, moment: datetime) -> datetime: ...

    def describe(self) -> str: ...


@dataclass(frozen=True)
class Every:
    """Every N minutes; N may come from a setting, read when it is needed."""

    minutes: int = 0
    setting: str = ""
    catch_up_each: bool = False

    @property
    def interval(self) -> timedelta:
        minutes = getattr(settings, self.setting) if self.setting else self.minutes
        return timedelta(minutes=int(minutes))

    def next_after(self, moment: datetime) -> datetime:
        return moment + self.interval

    def describe(self) -> str:
        return _("every %(minutes)s minutes") % {
            "minutes": int(self.interval.total_seconds() // 60)
        }


def _local(day: date, at: time) -> datetime:
    # In UTC, so that a wall-clock time skipped by daylight saving (02:30 on
    # the last Sunday of March) becomes a real instant (03:30 summer time).
    return datetime.combine(day, at, tzinfo=report_tz()).astimezone(UTC)


@dataclass(frozen=True)
class DailyAt:
    """Every day at a wall-clock time in the portal's time zone."""

    hour: int
    minute: int = 0
    catch_up_each: bool = False

    def next_after(self, moment: datetime) -> datetime:
        day = timezone.localtime(moment, report_tz()).date()
        candidate = _local(day, time(self.hour, self.minute))
        while candidate <= moment:
            day += timedelta(days=1)
            candidate = _local(day, time(self.hour, self.minute))
        return candidate

    def describe(self) -> str:
        return _("daily at %(time)s") % {"time": f"{self.hour:02d}:{self.minute:02d}"}


@dataclass(frozen=True)
class MonthlyAt:
    """On a day of every month at a wall-clock time; each missed month runs."""

    day: int = 1
    hour: int = 6
    catch_up_each: bool = True

    def next_after(self, moment: datetime) -> datetime:
        month = Month.of(moment)
        while True:
            candidate = _local(month.first_day.replace(day=self.day), time(self.hour))
            if candidate > moment:
                return candidate
            month = month.next

    def describe(self) -> str:
        return _("monthly on day %(day)s at %(hour)s:00") % {
            "day": self.day,
            "hour": f"{self.hour:02d}",
        }


def _no_arguments(due: datetime) -> list[str]:
    return []


@dataclass(frozen=True)
class Job:
    name: str
    command: str
    schedule: Schedule
    # The command's arguments for the run due at this time.
    arguments: Callable[[datetime], list[str]] = field(default=_no_arguments)
    # The lease's length: after this long a host that died mid-run is
    # presumed dead and another may run the job.
    max_runtime: timedelta = timedelta(hours=1)


JOBS: dict[str, Job] = {}


def register(job: Job) -> Job:
    JOBS[job.name] = job
    return job


# --- running --------------------------------------------------------------------


def host_name() -> str:
    return socket.gethostname()[:200]


def is_due(row: ScheduledJob, now: datetime) -> bool:
    if row.retry_at is not None:
        return row.retry_at <= now
    return row.next_due_at <= now


def first_due(job: Job, now: datetime) -> datetime:
    """When a job that has never run is first due: interval jobs at once."""
    return now if isinstance(job.schedule, Every) else job.schedule.next_after(now)


def next_due(job: Job, served: datetime, now: datetime) -> datetime:
    nxt = job.schedule.next_after(served)
    if nxt <= now and not job.schedule.catch_up_each:
        nxt = job.schedule.next_after(now)
    return nxt


def ensure_rows() -> dict[str, ScheduledJob]:
    now = timezone.now()
    rows = {}
    for job in JOBS.values():
        rows[job.name], _created = ScheduledJob.objects.get_or_create(
            name=job.name, defaults={"next_due_at": first_due(job, now)}
        )
    return rows


def run_if_due(job: Job, *, now: datetime | None = None) -> JobRun | None:
    """Run the job if it is due and no other host runs it; the run, or None."""
    now = now or timezone.now()
    row = ScheduledJob.objects.get(name=job.name)
    if not is_due(row, now):
        return None
    lease = Lease.acquire(f"job:{job.name}", ttl=job.max_runtime)
    if lease is None:
        return None  # another host is running it
    try:
        row.refresh_from_db()
        if not is_due(row, now):
            return None  # another host has just run it
        return _run(job, row)
    finally:
        lease.release()


def _run(job: Job, row: ScheduledJob) -> JobRun:
    due = row.next_due_at
    host = host_name()
    started = timezone.now()
    # Runs left "running" by a host that died: we hold the lease, so they
    # are not running any more.
    row.runs.filter(outcome=ScheduledJob.Outcome.RUNNING).update(
        outcome=ScheduledJob.Outcome.FAILED,
        error=_("Interrupted: the host running it stopped."),
        finished_at=started,
    )
    run = JobRun.objects.create(job=row, due_at=due, started_at=started, host=host)
    row.last_started_at = started
    row.last_outcome = ScheduledJob.Outcome.RUNNING
    row.last_host = host
    row.save(update_fields=["last_started_at", "last_outcome", "last_host"])

    output = io.StringIO()
    error = ""
    try:
        call_command(job.command, *job.arguments(due), stdout=output, stderr=output)
    except Exception as exc:  # a job's failure is recorded, never fatal here
        logger.exception("Scheduled job %s failed", job.name)
        error = f"{type(exc).__name__}: {exc}\n\n{traceback.format_exc()}"

    finished = timezone.now()
    outcome = ScheduledJob.Outcome.FAILED if error else ScheduledJob.Outcome.OK
    run.finished_at = finished
    run.outcome = outcome
    run.output = output.getvalue()[-OUTPUT_KEPT:]
    run.error = error[-OUTPUT_KEPT:]
    run.save(update_fields=["finished_at", "outcome", "output", "error"])

    row.last_finished_at = finished
    row.last_outcome = outcome
    row.last_error = error[-OUTPUT_KEPT:]
    if error:
        row.retry_at = finished + RETRY_DELAY
    else:
        row.retry_at = None
        row.next_due_at = next_due(job, due, finished)
    row.save(
        update_fields=[
            "last_finished_at",
            "last_outcome",
            "last_error",
            "retry_at",
            "next_due_at",
        ]
    )
    return run


def tick(*, log: Callable[[str], None] = lambda line: None) -> list[JobRun]:
    """One pass of the scheduler: run every due job once."""
    ensure_rows()
    runs = []
    for job in JOBS.values():
        run = run_if_due(job)
        if run is not None:
            log(f"{job.name}: {run.get_outcome_display()}")
            runs.append(run)
    JobRun.objects.filter(started_at__lt=timezone.now() - HISTORY_KEPT).delete()
    return runs


# --- the jobs ---------------------------------------------------------------------


def _previous_month(due: datetime) -> list[str]:
    return ["--month", str(Month.of(due).previous)]


register(
    Job(
        "sync_bookings",
        "sync_bookings",
        Every(setting="SYNC_INTERVAL_MINUTES"),
        arguments=lambda due: ["--incremental"],
        max_runtime=timedelta(minutes=30),
    )
)
register(Job("sync_bookings_full", "sync_bookings", DailyAt(2, 30)))
register(
    Job(
        "monthly_reports",
        "send_monthly_reports",
        MonthlyAt(day=1, hour=6),
        arguments=_previous_month,
    )
)
# Bookings left "being checked" by an unclear answer, when no page settled them,
# and cancellations the portal still owes.
register(
    Job(
        "settle_bookings",
        "settle_bookings",
        Every(minutes=5),
        max_runtime=timedelta(minutes=10),
    )
)
# The visitors' personal data, VISITOR_DATA_RETENTION_DAYS after their visit.
register(Job("purge_visitor_data", "purge_visitor_data", DailyAt(3, 15)))
