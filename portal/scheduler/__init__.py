"""The scheduler: what runs without a person, and when.

Every job is a management command with a schedule. `manage.py run_jobs --once`
runs the jobs that are due and returns; `--loop` does that every minute. Both
are safe on several portal hosts sharing one database:

- the due time of each job is kept in the database (ScheduledJob), so a run
  missed while no host was up is caught up on the next tick;
- a job runs only while its host holds the job's lease (Lease), so no job ever
  runs twice at once; a host killed mid-job lets the lease expire after the
  job's `max_runtime` and another host takes over.

The room: `schedules` says when (Every, DailyAt, MonthlyAt), `registry` what
(Job, register), `runner` runs what is due (tick, run_if_due), `models` holds
ScheduledJob, JobRun and the Lease, `admin` shows them.

The app a command belongs to registers its job in its own `jobs.py`
(`bookings/jobs.py`, `reports/jobs.py`), like the visitor clean-up:

    register(Job("purge_visitor_data", "purge_visitor_data", DailyAt(3, 15)))

PortalConfig.ready() imports every app's `jobs` module, as the admin imports
every `admin.py`: the registry is complete in every process, and portal imports
no app above it. The names below are what those modules import.
"""

from __future__ import annotations

from portal.scheduler.registry import Job, register
from portal.scheduler.schedules import DailyAt, Every, MonthlyAt, Schedule

__all__ = ["DailyAt", "Every", "Job", "MonthlyAt", "Schedule", "register"]
