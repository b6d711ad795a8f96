"""The task backend of the suite: tasks run at once, timed ones when told.

`make run` and production queue tasks in the database for `db_worker`
(portal/settings.py TASKS). Most tests want the effect at once (the e-mail
in the outbox), so this backend runs a task as it is enqueued, like Django's
ImmediateBackend. A task with `run_after` in the future (an offer's expiry, a
reminder) is kept instead, until the test moves the clock and calls
`run_due()`. tests/portal/test_tasks.py runs the real database backend.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.tasks import Task
from django.tasks.backends.immediate import ImmediateBackend
from django.tasks.base import TaskResult, TaskResultStatus
from django.utils import timezone
from django.utils.crypto import get_random_string

BACKEND = "tests.tasks.AtOnceBackend"


@dataclass
class Deferred:
    task: Task[Any, Any]
    args: Any
    kwargs: Any

    @property
    def run_after(self) -> datetime:
        assert self.task.run_after is not None
        return self.task.run_after


DEFERRED: list[Deferred] = []


class AtOnceBackend(ImmediateBackend):
    supports_defer = True

    def enqueue(self, task: Any, args: Any, kwargs: Any) -> TaskResult[Any, Any]:
        if task.run_after is None or task.run_after <= timezone.now():
            return super().enqueue(task.using(run_after=None), args, kwargs)
        self.validate_task(task)
        DEFERRED.append(Deferred(task, list(args), dict(kwargs)))
        return TaskResult(
            task=task,
            id=get_random_string(32),
            status=TaskResultStatus.READY,
            enqueued_at=timezone.now(),
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=list(args),
            kwargs=dict(kwargs),
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )


def run_due() -> int:
    """Run the kept tasks whose time has come (on the moved clock); how many."""
    now = timezone.now()
    due = [d for d in DEFERRED if d.run_after <= now]
    for deferred in due:
        DEFERRED.remove(deferred)
        deferred.task.using(run_after=None).call(*deferred.args, **deferred.kwargs)
    return len(due)
