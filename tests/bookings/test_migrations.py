"""The data migration that takes guessed visitor bookings off their visits."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from portal.models import Department, Site, User

BEFORE = ("bookings", "0005_lease_holder_length")
FIXED = ("bookings", "0006_unattach_guessed_visitor_bookings")


@pytest.fixture
def at_migration(transactional_db: None) -> Iterator[Any]:
    """Migrate bookings back to BEFORE; give a function that migrates on.

    The database is brought back to the latest migrations afterwards.
    """
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])

    def migrate(target: tuple[str, str]) -> Any:
        executor.loader.build_graph()
        executor.migrate([target])
        return executor.loader.project_state([target]).apps

    yield migrate
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_synced_bookings_guessed_onto_a_visit_are_taken_off_it(
    at_migration: Any, site: Site, employee: User, engineering: Department
) -> None:
    start = timezone.now().replace(microsecond=0) + timedelta(days=1)
    apps = at_migration(BEFORE)
    # The visit as the migrations before the fix knew it (no later columns).
    visit = apps.get_model("bookings", "Visit").objects.create(
        site_id=site.pk,
        host_id=employee.employee.pk,
        host_department_id=engineering.pk,
        visitor_name="Vera",
        arrival=start,
        departure=start + timedelta(hours=2),
    )
    Booking = apps.get_model("bookings", "Booking")
    common = {
        "location_id": "DE-ENB-E700102",
        "evse_uid": "DE*ENB*E700102*1",
        "reservation_start": start,
        "reservation_end": start + timedelta(hours=1),
        "status": "CONFIRMED",
        "visit_id": visit.pk,
        "department_id": engineering.pk,
    }
    guessed = Booking.objects.create(
        api_id="other-tool",
        origin="api",
        attribution="external_id",
        external_id="visitor-reception-20260310",
        **common,
    )
    assigned = Booking.objects.create(
        api_id="finance-assigned",
        origin="api",
        attribution="manual",
        external_id="visitor-reception-20260310-2",
        **common,
    )
    ours = Booking.objects.create(
        api_id="made-by-reception",
        origin="portal",
        attribution="portal",
        external_id="visitor-reception-20260310-3",
        **common,
    )

    apps = at_migration(FIXED)

    Booking = apps.get_model("bookings", "Booking")
    guessed = Booking.objects.get(pk=guessed.pk)
    assert (guessed.visit_id, guessed.department_id) == (None, None)
    assert guessed.attribution == "none"  # for finance to assign
    assigned = Booking.objects.get(pk=assigned.pk)
    assert assigned.visit_id is None
    assert (assigned.department_id, assigned.attribution) == (engineering.pk, "manual")
    ours = Booking.objects.get(pk=ours.pk)
    assert (ours.visit_id, ours.department_id) == (visit.pk, engineering.pk)
