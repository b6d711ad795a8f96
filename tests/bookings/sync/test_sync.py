"""The sync against a fake API with exact control over time, data and quota."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import requests
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.models import Booking, SyncRun, Visit
from bookings.sync.run import CHUNK, LEASE, SyncAlreadyRunning, sync_bookings
from bookings.sync.upsert import BATCH
from portal.models import Department, Site, User
from portal.scheduler.models import Lease
from tests.fake_api import FakePetitmonde

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


def run(fake_api: FakePetitmonde, **options: Any) -> Any:
    client = fake_api.client(max_retries=0)
    return sync_bookings(client=client, now=options.pop("now", NOW), **options)


def snapshot() -> set[tuple[Any, ...]]:
    """Everything about the bookings that the sync decides."""
    return set(
        Booking.objects.values_list(
            "api_id",
            "status",
            "client_price",
            "external_id",
            "attribution",
            "employee_id",
            "department_id",
            "visit_id",
            "reservation_start",
            "energy_kwh",
        )
    )


def days_ago(n: float) -> datetime:
    return NOW - timedelta(days=n)


def test_first_run_creates_every_booking_with_every_end_state(
    fake_api: FakePetitmonde, employee: User
) -> None:
    for i, status in enumerate(
        ["COMPLETED", "CANCELLED", "EXPIRED", "NO_SHOW", "CONFIRMED", "ATTENDING"]
    ):
        fake_api.add(
            days_ago(i + 1), status=status, external_id=f"engineering-emp042-2026031{i}"
        )
    result = run(fake_api)
    assert result.counts.created == 6
    assert result.complete
    assert set(Booking.objects.values_list("status", flat=True)) == {
        "COMPLETED",
        "CANCELLED",
        "EXPIRED",
        "NO_SHOW",
        "CONFIRMED",
        "ATTENDING",
    }
    booking = Booking.objects.get(status="COMPLETED")
    assert booking.origin == Booking.Origin.API
    assert booking.client_price == Decimal("12.34")
    assert booking.energy_kwh == Decimal("20.500")
    assert booking.employee == employee.employee
    assert booking.department.code == "engineering"
    assert booking.attribution == Booking.Attribution.EXTERNAL_ID
    assert booking.site is not None  # its charger belongs to the Karlsruhe site
    run_row = SyncRun.objects.get()
    assert run_row.outcome == SyncRun.Outcome.COMPLETE
    assert run_row.created == 6
    assert run_row.requests == result.requests >= 2  # usage + at least one list


@pytest.mark.parametrize(
    "external_id",
    [
        "",  # none at all
        "pool-car-7",  # another tool's convention
        "Engineering-emp042-20260310",  # capitals: not ours
        "marketing-emp042-20260310",  # unknown department
        "engineering-emp999-20260310",  # unknown employee
        "engineering-emp042-20261310",  # no such date
        "visitor-reception-20260310",  # a visitor, but no portal visit matches
    ],
)
def test_non_conforming_or_unknown_references_stay_unattributed(
    fake_api: FakePetitmonde, employee: User, external_id: str
) -> None:
    fake_api.add(days_ago(10), external_id=external_id)
    result = run(fake_api)
    booking = Booking.objects.get()
    assert booking.attribution == Booking.Attribution.NONE
    assert booking.department is None
    assert booking.employee is None
    assert result.counts.unattributed == 1


def test_a_visitor_reference_is_never_attached_to_a_portal_visit(
    fake_api: FakePetitmonde, employee: User, site: Site, engineering: Department
) -> None:
    # Another tool's (or the demo history's) visitor booking at the same site,
    # the same day and an overlapping time as a visit reception booked: that
    # is a guess, and a guess must not put it on the pass, cancel it with the
    # visit or charge the host.
    start = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    visit = Visit.objects.create(
        site=site,
        host=employee.employee,
        host_department=engineering,
        visitor_name="Vera",
        arrival=start - timedelta(hours=1),
        departure=start + timedelta(hours=6),
    )
    fake_api.add(
        days_ago(11),
        external_id="visitor-reception-20260310",
        reservation_start=start,
        evse_uid="DE*ENB*E700102*1",  # the site's visitor charger
        status="CONFIRMED",
    )
    result = run(fake_api)
    booking = Booking.objects.get()
    assert booking.visit is None
    assert booking.department is None
    assert booking.attribution == Booking.Attribution.NONE
    assert result.counts.unattributed == 1
    assert list(Booking.objects.unattributed()) == [booking]  # waits for finance
    assert not visit.bookings.exists()


def test_a_synced_booking_cannot_be_attached_to_a_visit(
    site: Site, employee: User, engineering: Department
) -> None:
    from django.db import IntegrityError, transaction

    visit = Visit.objects.create(
        site=site,
        host=employee.employee,
        host_department=engineering,
        arrival=NOW,
        departure=NOW + timedelta(hours=2),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(
            api_id="found",
            origin=Booking.Origin.API,
            visit=visit,
            location_id="L",
            evse_uid="E",
            reservation_start=NOW,
            reservation_end=NOW + timedelta(hours=1),
            status="CONFIRMED",
        )


def test_a_second_run_changes_nothing(fake_api: FakePetitmonde, employee: User) -> None:
    for i in range(30):
        fake_api.add(
            days_ago(i * 2 + 0.5), external_id=f"engineering-emp042-202602{i:02d}"
        )
    run(fake_api)
    before = dict(Booking.objects.values_list("api_id", "updated_at"))
    with CaptureQueriesContext(connection) as queries:
        result = run(fake_api, now=NOW + timedelta(minutes=5))
    assert result.counts.created == result.counts.updated == 0
    assert result.counts.unchanged == 30
    assert dict(Booking.objects.values_list("api_id", "updated_at")) == before
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if "bookings_booking" in q["sql"]
        and q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))
    ]
    assert writes == []


def test_a_change_at_the_api_updates_the_row(
    fake_api: FakePetitmonde, employee: User
) -> None:
    remote = fake_api.add(days_ago(1), status="CONFIRMED", client_price=9.99)
    run(fake_api)
    remote.update(status="COMPLETED", client_price=14.2, energy_kwh=31.0004)
    result = run(fake_api, now=NOW + timedelta(hours=3))
    assert (result.counts.updated, result.counts.unchanged) == (1, 0)
    booking = Booking.objects.get()
    assert booking.status == "COMPLETED"
    assert booking.client_price == Decimal("14.20")
    # Stored to the column's precision, so the next run sees no change.
    assert run(fake_api, now=NOW + timedelta(hours=4)).counts.updated == 0


def test_an_update_keeps_the_creation_time_and_records_the_sync(
    fake_api: FakePetitmonde,
) -> None:
    remote = fake_api.add(days_ago(1), status="CONFIRMED")
    run(fake_api)
    first = Booking.objects.get()
    assert first.last_synced_at == NOW
    remote["status"] = "COMPLETED"
    run(fake_api, now=NOW + timedelta(hours=3))
    booking = Booking.objects.get()
    assert booking.created_at == first.created_at
    assert booking.updated_at > first.updated_at
    assert booking.last_synced_at == NOW + timedelta(hours=3)


def test_text_is_stored_as_sent_and_cut_to_its_column(
    fake_api: FakePetitmonde,
) -> None:
    name = 'Parkhaus "Süd"\tEbene 2\nPlatz \\N; drop table x; -- ' + "x" * 300
    fake_api.add(days_ago(1), location_name=name, cancellation_reason="\\N")
    run(fake_api)
    booking = Booking.objects.get()
    assert booking.location_name == name[:200]
    assert booking.cancellation_reason == "\\N"  # text, not COPY's NULL
    assert run(fake_api, now=NOW + timedelta(hours=1)).counts.unchanged == 1


def test_a_portal_booking_keeps_its_employee(
    fake_api: FakePetitmonde, employee: User, colleague: User
) -> None:
    remote = fake_api.add(
        days_ago(1), status="CONFIRMED", external_id="engineering-emp043-x"
    )
    mine = Booking.objects.create(
        api_id=remote["id"],
        origin=Booking.Origin.PORTAL,
        attribution=Booking.Attribution.PORTAL,
        employee=employee.employee,
        department=employee.employee.department,
        requested_by=employee,
        location_id="DE-ENB-E700101",
        evse_uid="DE*ENB*E700101*1",
        reservation_start=NOW,
        reservation_end=NOW + timedelta(hours=1),
        status="REQUESTED",
        estimated_price=Decimal("11.00"),
    )
    run(fake_api)
    mine.refresh_from_db()
    assert mine.status == "CONFIRMED"
    assert mine.employee == employee.employee
    assert mine.origin == Booking.Origin.PORTAL
    assert mine.requested_by == employee  # not the sync's to change
    assert mine.estimated_price == Decimal("11.00")


def portal_row(
    employee: User, ref: str, remote: dict[str, Any], **fields: Any
) -> Booking:
    """The portal's own booking without an API id, for `remote`'s window."""
    values: dict[str, Any] = {
        "origin": Booking.Origin.PORTAL,
        "attribution": Booking.Attribution.PORTAL,
        "employee": employee.employee,
        "department": employee.employee.department,
        "site": employee.employee.home_site,
        "external_id": ref,
        "location_id": "DE-ENB-E700101",
        "evse_uid": remote["evse_uid"],
        "reservation_start": datetime.fromisoformat(remote["reservation_start"]),
        "reservation_end": datetime.fromisoformat(remote["reservation_end"]),
        "token_strategy": "driver_token",
    }
    return Booking.objects.create(**(values | fields))


def test_a_portal_booking_still_being_sent_is_completed_not_duplicated(
    fake_api: FakePetitmonde, employee: User, django_capture_on_commit_callbacks: Any
) -> None:
    ref = "engineering-emp042-20260321"
    remote = fake_api.add(days_ago(0.1), status="PENDING", external_id=ref)
    sending = portal_row(employee, ref, remote)
    with django_capture_on_commit_callbacks(execute=True):
        run(fake_api)
    assert Booking.objects.count() == 1
    sending.refresh_from_db()
    assert sending.api_id == remote["id"]
    assert sending.status == "PENDING"
    # The person was told they would get the confirmation if it was made.
    from django.core import mail

    assert [m.to for m in mail.outbox] == [[employee.email]]


@pytest.mark.parametrize(
    "elsewhere",
    [
        {"evse_uid": "DE*ENB*E700101*2"},
        {"reservation_start": NOW + timedelta(hours=2)},
    ],
)
def test_a_booking_with_our_reference_for_another_window_is_not_taken_for_ours(
    fake_api: FakePetitmonde, employee: User, elsewhere: dict[str, Any]
) -> None:
    ref = "engineering-emp042-20260321"
    remote = fake_api.add(days_ago(0.1), status="PENDING", external_id=ref)
    ours = portal_row(employee, ref, dict(remote))
    if "reservation_start" in elsewhere:
        start = elsewhere["reservation_start"]
        remote["reservation_start"] = start.strftime("%Y-%m-%dT%H:%M:%SZ")
        remote["reservation_end"] = (start + timedelta(hours=2)).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        )
    else:
        remote.update(elsewhere)
    run(fake_api)
    ours.refresh_from_db()
    assert (ours.api_id, ours.status) == (None, "SUBMITTING")
    other = Booking.objects.get(api_id=remote["id"])
    assert other.origin == Booking.Origin.API
    assert not other.is_cancellable  # not the portal's: it never acts on it


def test_a_booking_made_after_the_portal_gave_up_is_adopted_when_nothing_else_stands(
    fake_api: FakePetitmonde, employee: User, django_capture_on_commit_callbacks: Any
) -> None:
    ref = "engineering-emp042-20260321"
    remote = fake_api.add(days_ago(0.1), status="REQUESTED", external_id=ref)
    given_up = portal_row(employee, ref, remote, status="NOT_BOOKED")
    with django_capture_on_commit_callbacks(execute=True):
        result = run(fake_api)
    assert Booking.objects.count() == 1  # never a second row for it
    given_up.refresh_from_db()
    assert (given_up.api_id, given_up.status) == (remote["id"], "REQUESTED")
    assert given_up.origin == Booking.Origin.PORTAL
    assert (result.late_adopted, result.late_cancelled) == (1, 0)
    from django.core import mail

    assert [m.to for m in mail.outbox] == [[employee.email]]
    assert run(fake_api, now=NOW + timedelta(minutes=5)).counts.unchanged == 1


def test_a_booking_made_after_the_portal_gave_up_is_cancelled_when_rebooked(
    fake_api: FakePetitmonde, employee: User
) -> None:
    ref = "engineering-emp042-20260321"
    remote = fake_api.add(days_ago(0.1), status="PENDING", external_id=ref)
    given_up = portal_row(employee, ref, remote, status="NOT_BOOKED")
    # The person booked again after being told nothing was booked.
    retry = fake_api.add(days_ago(0.05), status="CONFIRMED", external_id=ref + "-2")
    portal_row(employee, ref + "-2", retry, api_id=retry["id"], status="CONFIRMED")

    result = run(fake_api)

    given_up.refresh_from_db()
    assert (given_up.api_id, given_up.status) == (remote["id"], "CANCELLED")
    assert fake_api.bookings[remote["id"]]["status"] == "CANCELLED"
    assert fake_api.cancelled == [remote["id"]]
    assert (result.late_adopted, result.late_cancelled) == (0, 1)
    assert Booking.objects.count() == 2
    assert Booking.objects.live().count() == 1  # one a day, as the rule says


def test_finance_assignment_survives_later_syncs(
    fake_api: FakePetitmonde, finance: User, sales: Department
) -> None:
    remote = fake_api.add(days_ago(3), external_id="pool-car-7", status="CONFIRMED")
    run(fake_api)
    Booking.objects.get().assign(department=sales, employee=None, by=finance)
    remote["status"] = "COMPLETED"
    result = run(fake_api, now=NOW + timedelta(hours=1))
    booking = Booking.objects.get()
    assert booking.status == "COMPLETED"
    assert booking.attribution == Booking.Attribution.MANUAL
    assert booking.department == sales
    assert result.counts.unattributed == 0


def test_an_unattributed_booking_is_attributed_once_its_person_exists(
    fake_api: FakePetitmonde,
    make_person: Callable[..., User],
    engineering: Department,
) -> None:
    fake_api.add(days_ago(3), external_id="engineering-emp100-20260317")
    run(fake_api)
    assert Booking.objects.get().attribution == Booking.Attribution.NONE
    person = make_person("emp100", engineering)
    run(fake_api, now=NOW + timedelta(hours=1))
    assert Booking.objects.get().employee == person.employee


def test_more_than_a_page_in_a_month_is_read_completely(
    fake_api: FakePetitmonde,
) -> None:
    for i in range(260):
        fake_api.add(days_ago(1 + i / 100))  # 260 bookings in under three days
    result = run(fake_api)
    assert Booking.objects.count() == 260
    assert result.counts.fetched == 260
    assert result.complete


def test_a_booking_on_a_chunk_boundary_is_written_once(
    fake_api: FakePetitmonde,
) -> None:
    fake_api.add(NOW - CHUNK)  # read by both chunks: the bounds are inclusive
    fake_api.add(NOW - CHUNK + timedelta(seconds=1))
    result = run(fake_api)
    assert result.counts.fetched == 2
    assert Booking.objects.count() == 2


def test_many_bookings_are_written_in_batches(fake_api: FakePetitmonde) -> None:
    for i in range(BATCH + 5):
        fake_api.add(days_ago(1 + i / 2000))
    assert run(fake_api).counts.created == BATCH + 5
    assert Booking.objects.count() == BATCH + 5


def test_the_sync_stops_early_at_its_share_of_the_monthly_quota(
    fake_api: FakePetitmonde, settings: Any
) -> None:
    settings.SYNC_MAX_QUOTA_SHARE = 0.30
    fake_api.quota = 20  # a share of 6 requests
    for week in range(12):
        fake_api.add(days_ago(week * 7 + 1))
    result = run(fake_api)
    assert result.requests == 6
    assert not result.complete
    assert "stopped early" in result.stopped
    assert "30%" in result.stopped
    assert Booking.objects.count() == 5  # the newest chunks were kept
    assert SyncRun.objects.get().outcome == SyncRun.Outcome.PARTIAL
    # The month's share is spent: the next run stops before reading anything.
    again = run(fake_api, now=NOW + timedelta(minutes=15))
    assert again.requests == 1  # only /usage
    assert "stopped early" in again.stopped


def test_the_share_is_counted_per_calendar_month(
    fake_api: FakePetitmonde, settings: Any
) -> None:
    SyncRun.objects.create(
        started_at=datetime(2026, 2, 27, tzinfo=UTC),
        window_start=NOW,
        window_end=NOW,
        requests=3000,
    )
    fake_api.add(days_ago(1))
    assert run(fake_api).complete


def test_two_runs_never_write_at_once(fake_api: FakePetitmonde) -> None:
    held = Lease.acquire(LEASE, ttl=timedelta(minutes=5))
    assert held is not None
    with pytest.raises(SyncAlreadyRunning):
        run(fake_api)
    assert fake_api.used == 0


class Killed(BaseException):
    """Stands for kill -9: nothing in the sync catches it."""


def test_a_run_killed_midway_is_completed_by_the_next_one(
    fake_api: FakePetitmonde, employee: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(40):
        fake_api.add(days_ago(i * 2 + 0.5), external_id=f"engineering-emp042-x{i}")
    run(fake_api)
    reference = snapshot()
    Booking.objects.all().delete()
    SyncRun.objects.all().delete()

    fourth = len(fake_api.calls("list")) + 4
    fake_api.fail("list", call=fourth, raises=Killed())
    # A killed process runs no clean-up: its lease stays and its run stays open.
    monkeypatch.setattr("portal.scheduler.models.HeldLease.release", lambda self: None)
    monkeypatch.setattr("bookings.sync.run._record", lambda *args: None)
    with pytest.raises(Killed):
        run(fake_api)
    assert 0 < Booking.objects.count() < 40
    lease = Lease.objects.get(name=LEASE)
    token, space, pid, host = lease.holder.split(":", 3)
    assert (pid, host) == (str(os.getpid()), socket.gethostname())
    # As if its process were gone (the test process itself is alive):
    Lease.objects.filter(name=LEASE).update(holder=f"{token}:{space}:999999999:{host}")
    monkeypatch.undo()
    fake_api.clear_failures()
    result = run(fake_api, now=NOW + timedelta(minutes=1))
    assert result.complete
    assert snapshot() == reference


def test_dry_run_writes_nothing(fake_api: FakePetitmonde) -> None:
    fake_api.add(days_ago(1))
    result = run(fake_api, dry_run=True)
    assert result.counts.created == 1
    assert Booking.objects.count() == 0
    assert SyncRun.objects.count() == 0
    assert not Lease.objects.filter(holder__gt="").exists()


def test_incremental_run_reads_from_the_oldest_unfinished_booking(
    fake_api: FakePetitmonde,
) -> None:
    fake_api.add(days_ago(40), status="COMPLETED")
    open_one = fake_api.add(days_ago(20), status="CONFIRMED")
    run(fake_api)  # complete: the frontier is NOW
    open_one["status"] = "COMPLETED"
    fake_api.add(NOW + timedelta(minutes=10))
    later = NOW + timedelta(minutes=15)
    calls_before = len(fake_api.calls("list"))
    result = run(fake_api, incremental=True, now=later)
    assert result.window_start == datetime.fromisoformat(
        open_one["created_at"].replace("Z", "+00:00")
    )
    assert result.counts.created == 1
    assert result.counts.updated == 1
    assert (
        len(fake_api.calls("list")) - calls_before <= 4
    )  # three weeks, not ninety days


def test_incremental_run_after_nothing_unfinished_reads_only_the_last_minutes(
    fake_api: FakePetitmonde,
) -> None:
    fake_api.add(days_ago(40), status="COMPLETED")
    run(fake_api)
    result = run(fake_api, incremental=True, now=NOW + timedelta(minutes=15))
    assert result.window_start == NOW - timedelta(minutes=30)
    assert result.requests == 2  # usage and one list


def test_unfinished_bookings_older_than_the_window_are_fetched_one_by_one(
    fake_api: FakePetitmonde, settings: Any
) -> None:
    old = fake_api.add(days_ago(120), status="CONFIRMED")
    Booking.objects.create(
        api_id=old["id"],
        origin=Booking.Origin.API,
        location_id="L",
        evse_uid="E",
        reservation_start=NOW,
        reservation_end=NOW + timedelta(hours=1),
        status="CONFIRMED",
        remote_created_at=days_ago(120),
    )
    gone = Booking.objects.create(
        api_id="vanished",
        origin=Booking.Origin.API,
        location_id="L",
        evse_uid="E",
        reservation_start=NOW,
        reservation_end=NOW + timedelta(hours=1),
        status="PENDING",
        remote_created_at=days_ago(100),
    )
    old["status"] = "EXPIRED"
    result = run(fake_api)
    assert Booking.objects.get(api_id=old["id"]).status == "EXPIRED"
    assert result.missing == 1
    gone.refresh_from_db()
    assert gone.status == "PENDING"  # left as it was, and counted


def test_the_api_failing_fails_the_run_and_frees_the_lock(
    fake_api: FakePetitmonde,
) -> None:
    from bookings.petitmonde import PetitmondeError

    fake_api.add(days_ago(1))
    for endpoint in ("list", "get", "create", "cancel"):  # every /bookings URL
        fake_api.fail(endpoint, raises=requests.ConnectionError("network down"))
    with pytest.raises(PetitmondeError):
        run(fake_api)
    assert SyncRun.objects.get().outcome == SyncRun.Outcome.FAILED
    assert Lease.acquire(LEASE, ttl=timedelta(minutes=1)) is not None


def test_a_booking_without_reservation_times_falls_into_its_creation_month(
    fake_api: FakePetitmonde,
) -> None:
    remote = fake_api.add(days_ago(2))
    del remote["reservation_start"]
    del remote["reservation_end"]
    run(fake_api)
    booking = Booking.objects.get()
    assert booking.reservation_start == days_ago(2)
    assert booking.reservation_end > booking.reservation_start
    assert run(fake_api, now=NOW + timedelta(hours=1)).counts.unchanged == 1
