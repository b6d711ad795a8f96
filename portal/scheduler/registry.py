"""What the scheduler runs: a Job per management command, registered by its app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from portal.scheduler.schedules import Schedule


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


# Filled by the apps' jobs.py modules, which PortalConfig.ready() imports.
# Read it as `registry.JOBS` when it is needed (tests swap it for their own).
JOBS: dict[str, Job] = {}


def register(job: Job) -> Job:
    JOBS[job.name] = job
    return job
