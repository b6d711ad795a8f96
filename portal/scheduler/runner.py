"""Running what is due: one tick runs every due job once, under its lease.

See the package's docstring for how several hosts share the work.
"""

from __future__ import annotations

import io
import logging
import socket
import traceback
from collections.abc import Callable
from datetime import datetime, timedelta

from django.core.management import call_command
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.scheduler import registry
from portal.scheduler.models import JobRun, Lease, ScheduledJob
from portal.scheduler.registry import Job
from portal.scheduler.schedules import Every

logger = logging.getLogger(__name__)

# A failed job is tried again this long after the failure.
RETRY_DELAY = timedelta(minutes=15)
# A job whose due time is longer ago than this is flagged as overdue: no
# scheduler is running, or one is stuck.
OVERDUE_GRACE = timedelta(minutes=30)
# Job history older than this is removed as the scheduler runs.
HISTORY_KEPT = timedelta(days=60)
OUTPUT_KEPT = 20_000  # characters of a run's output stored


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
    for job in registry.JOBS.values():
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
    for job in registry.JOBS.values():
        run = run_if_due(job)
        if run is not None:
            log(f"{job.name}: {run.get_outcome_display()}")
            runs.append(run)
    JobRun.objects.filter(started_at__lt=timezone.now() - HISTORY_KEPT).delete()
    return runs
