"""Moving the scheduler's models to portal keeps their tables, rows and rights."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from portal.roles import GROUP_NAMES, Role
from portal.scheduler.models import JobRun, Lease, ScheduledJob

# Each app just before the move.
BEFORE = [
    ("portal", "0005_password_reset_request"),
    ("bookings", "0007_not_booked_and_visits_made_here"),
    ("reports", "0001_initial"),
]


@pytest.fixture
def migrate_forward(transactional_db: None) -> Iterator[Callable[[], None]]:
    """Migrate back to before the move; give a function that migrates on.

    The database is brought back to the latest migrations afterwards.
    """
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)

    def forward() -> None:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
        ContentType.objects.clear_cache()

    yield forward
    forward()


def models_before() -> Any:
    return MigrationExecutor(connection).loader.project_state(BEFORE).apps


def test_the_move_keeps_the_tables_and_their_rows(
    migrate_forward: Callable[[], None],
) -> None:
    old = models_before()
    now = timezone.now().replace(microsecond=0)
    job = old.get_model("reports", "ScheduledJob").objects.create(
        name="sync_bookings", next_due_at=now, last_outcome="ok"
    )
    old.get_model("reports", "JobRun").objects.create(
        job=job, due_at=now, outcome="ok", output="done"
    )
    old.get_model("bookings", "Lease").objects.create(
        name="job:sync_bookings", holder="a-host", expires_at=now + timedelta(minutes=5)
    )

    migrate_forward()

    assert ScheduledJob._meta.db_table == "reports_scheduledjob"
    row = ScheduledJob.objects.get(name="sync_bookings")
    assert (row.pk, row.next_due_at, row.last_outcome) == (job.pk, now, "ok")
    [run] = JobRun.objects.all()
    assert (run.job_id, run.output) == (job.pk, "done")
    lease = Lease.objects.get(name="job:sync_bookings")
    assert lease.holder == "a-host"


def test_the_move_keeps_the_permissions_held_on_the_moved_models(
    migrate_forward: Callable[[], None],
) -> None:
    # A database made before the move: the content types are the old apps'.
    moved = [("reports", "scheduledjob"), ("reports", "jobrun"), ("bookings", "lease")]
    for app_label, model in moved:
        ContentType.objects.filter(app_label="portal", model=model).update(
            app_label=app_label
        )
    ContentType.objects.clear_cache()
    admins = Group.objects.get(name=GROUP_NAMES[Role.ADMIN])
    custom = Group.objects.create(name="Job watchers")
    custom.permissions.add(
        admins.permissions.get(
            content_type__app_label="reports", codename="change_scheduledjob"
        )
    )

    migrate_forward()

    held = {
        f"{p.content_type.app_label}.{p.codename}" for p in custom.permissions.all()
    }
    assert held == {"portal.change_scheduledjob"}
    assert not ContentType.objects.filter(app_label="reports", model="scheduledjob")
    assert ContentType.objects.get(app_label="portal", model="lease")
