"""Writing what the API says into the bookings table, in bulk and idempotently.

In batches of BATCH, each in one transaction: the batch's existing rows are
read with `select_for_update` (so a finance assignment cannot slip in
between read and write), compared field by field, and only new and changed
rows are written, in one INSERT … ON CONFLICT (api_id) DO UPDATE. A second
run therefore changes 0 rows, and a run killed at any point is simply
completed by the next one: every write is an idempotent upsert of what the
API says. On PostgreSQL the rows reach that statement by COPY instead of
through bulk_create's model instances, which made up most of the time (see
`_copy_and_upsert`); the statement and its effect are the same.

A portal booking without an API id is recognised by the exact external_id
the portal generated and recorded for that charger and window, never by
the reference alone: one still being checked (SUBMITTING) is completed,
never duplicated; one the portal had given up on (NOT_BOOKED) is a late
arrival, adopted or cancelled at once by bookings.followup after the batch
is written (an API call, so outside its transaction).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from bookings import notify, signals
from bookings.models import REMOTE_FIELDS, Booking, remote_fields
from bookings.petitmonde import RemoteBooking
from bookings.services import same_window
from bookings.statuses import BookingStatus
from bookings.sync.attribution import (
    ATTRIBUTION_FIELDS,
    UNATTRIBUTED,
    Attributor,
    Directory,
)

BATCH = 1000


UPDATE_FIELDS = [f for f in REMOTE_FIELDS if f != "api_id"] + [
    *ATTRIBUTION_FIELDS,
    "site",
    "last_synced_at",
    "updated_at",
]


@dataclass
class Counts:
    fetched: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    unattributed: int = 0
    # Bookings the API made for creates the portal had given up on: (the
    # portal's row, the API's booking), to be taken in after the batch.
    late: list[tuple[int, RemoteBooking]] = field(default_factory=list)

    def add(self, other: Counts) -> None:
        for name in ("fetched", "created", "updated", "unchanged", "unattributed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.late.extend(other.late)


def _keeps_its_attribution(row: dict[str, Any]) -> bool:
    return row["origin"] == Booking.Origin.PORTAL or row["attribution"] in (
        Booking.Attribution.PORTAL,
        Booking.Attribution.MANUAL,
    )


# What is read of an existing row to compare it with the API's view.
COMPARED = (
    "pk",
    "origin",
    *REMOTE_FIELDS,
    "attribution",
    "employee_id",
    "visit_id",
    "department_id",
    "site_id",
)


def upsert_batch(
    remotes: Sequence[RemoteBooking],
    *,
    directory: Directory,
    now: datetime,
    dry_run: bool = False,
) -> Counts:
    """Bring one batch (unique ids) into the database, in one transaction."""
    counts = Counts(fetched=len(remotes))
    with transaction.atomic():
        existing = {
            row["api_id"]: row
            for row in Booking.objects.select_for_update()
            .filter(api_id__in=[r.id for r in remotes])
            .values(*COMPARED)
        }
        # Portal bookings being checked or given up have no API id: the exact
        # external_id they recorded, for their charger and window, finds them.
        refs = [
            r.external_id for r in remotes if r.id not in existing and r.external_id
        ]
        sending = {
            b.external_id: b
            for b in Booking.objects.select_for_update().filter(
                origin=Booking.Origin.PORTAL, api_id__isnull=True, external_id__in=refs
            )
        }
        attributor = Attributor(directory, remotes)
        # Every row to write, as column values (attnames): a new booking's, or
        # an existing row's with its changes.
        rows: list[dict[str, Any]] = []
        adopted: list[Booking] = []
        # (pk, status before) of the rows whose status changed, for the
        # status_changed signal once the batch has committed.
        status_changes: list[tuple[int, str]] = []
        for remote in remotes:
            values = remote_fields(remote)
            site = directory.site_of_evse.get(values.get("evse_uid", ""))
            row = existing.get(remote.id)
            ref = remote.external_id or ""
            ours = sending.get(ref) if row is None else None
            if ours is not None and same_window(ours, remote):
                del sending[ref]
                if ours.status == BookingStatus.NOT_BOOKED:
                    counts.late.append((ours.pk, remote))
                    continue
                for name, value in values.items():
                    setattr(ours, name, value)
                ours.site_id = ours.site_id or site
                ours.last_synced_at = now
                adopted.append(ours)
                counts.updated += 1
                continue
            if row is None:
                who = attributor.attribute(remote)
                rows.append(
                    window_fallback(remote, now)
                    | values
                    | who.values()
                    | {"origin": Booking.Origin.API, "site_id": site}
                )
                counts.created += 1
                counts.unattributed += who is UNATTRIBUTED
                continue
            changes = {k: v for k, v in values.items() if row[k] != v}
            if not _keeps_its_attribution(row):
                payer = attributor.attribute(remote).values()
                changes.update({k: v for k, v in payer.items() if row[k] != v})
            if row["site_id"] is None and site is not None:
                changes["site_id"] = site
            if "status" in changes:
                status_changes.append((row["pk"], row["status"]))
            row.update(changes)
            counts.unattributed += row["attribution"] == Booking.Attribution.NONE
            if not changes:
                counts.unchanged += 1
                continue
            counts.updated += 1
            rows.append(row)
        if dry_run:
            transaction.set_rollback(True)
            return counts
        for booking in adopted:
            booking.save()
            # The person was told they get this e-mail if it was made.
            notify.booking_made(booking)
        if rows:
            _write_rows(rows, now=now)
        if status_changes:
            transaction.on_commit(lambda: _tell_status_changes(status_changes))
    return counts


def _tell_status_changes(changes: list[tuple[int, str]]) -> None:
    before = dict(changes)
    for booking in Booking.objects.filter(pk__in=before).select_related("site"):
        signals.status_changed.send(
            sender=Booking, booking=booking, before=before[booking.pk]
        )


def _write_rows(rows: list[dict[str, Any]], *, now: datetime) -> None:
    """INSERT … ON CONFLICT (api_id) DO UPDATE SET UPDATE_FIELDS, for every row.

    An existing booking is updated in place: only UPDATE_FIELDS are written,
    so what the sync does not own (who booked or cancelled it, the estimate
    shown when booking, the origin, the creation time) stays. A row's `pk`
    is ignored. `now` is the sync's time, kept as `last_synced_at`.
    """
    if connection.vendor == "postgresql":
        _copy_and_upsert(rows, now=now)
        return
    Booking.objects.bulk_create(
        [new_row(row, last_synced_at=now) for row in rows],
        update_conflicts=True,
        unique_fields=["api_id"],
        update_fields=UPDATE_FIELDS,
    )


def _copy_and_upsert(rows: list[dict[str, Any]], *, now: datetime) -> None:
    """_write_rows on PostgreSQL: bulk_create's statement, fed by COPY.

    bulk_create builds and prepares a model instance per row, which took about
    three quarters of the sync's time (the goal is 10,000 bookings a second).
    Here psycopg sends the values as they are, with COPY, into a temporary
    table, and one INSERT … SELECT … ON CONFLICT moves them over. COPY beat one
    INSERT … SELECT FROM unnest(arrays) by about 2 to 1: psycopg quotes every
    array element in Python, and formats COPY rows in C.
    """
    fields, create, copy_in, upsert_from = _copy_statements()
    written_at = timezone.now()  # what auto_now and auto_now_add would set
    stamps = {"created_at": written_at, "updated_at": written_at, "last_synced_at": now}
    filled = [(f.attname, stamps.get(f.attname, f.get_default())) for f in fields]
    with connection.cursor() as cursor:
        # Inside the batch's transaction: a failure rolls its creation back
        # with everything else.
        cursor.execute(create)
        with cursor.cursor.copy(copy_in) as copy:
            for row in rows:
                copy.write_row([row.get(name, value) for name, value in filled])
        cursor.execute(upsert_from)
        cursor.execute(f"DROP TABLE {COPY_TABLE}")


COPY_TABLE = "sync_booking_rows"


@functools.cache
def _copy_statements() -> tuple[list[models.Field[Any, Any]], str, str, str]:
    """The columns written (all but the primary key), the CREATE of the
    temporary table, the COPY into it, the INSERT … ON CONFLICT from it.

    Only names from the model are formatted in; the values travel by COPY.
    """
    quote = connection.ops.quote_name
    fields = [f for f in Booking._meta.concrete_fields if not f.primary_key]
    column = {f.name: quote(str(f.column)) for f in fields}
    names = ", ".join(column.values())
    updates = ", ".join(f"{column[n]} = EXCLUDED.{column[n]}" for n in UPDATE_FIELDS)
    table = quote(Booking._meta.db_table)
    return (
        fields,
        f"CREATE TEMPORARY TABLE {COPY_TABLE} AS "  # noqa: S608
        f"SELECT {names} FROM {table} WITH NO DATA",
        f"COPY {COPY_TABLE} ({names}) FROM STDIN",
        f"INSERT INTO {table} ({names}) SELECT {names} FROM {COPY_TABLE} "  # noqa: S608
        f"ON CONFLICT ({column['api_id']}) DO UPDATE SET {updates}",
    )


def window_fallback(remote: RemoteBooking, now: datetime) -> dict[str, datetime]:
    """A reservation window for a booking the API gives none for.

    Part A documents no reservation times on a booking read back; should the
    real API leave them out, its creation time stands in, so the booking still
    belongs to a month (the reports' unit) instead of failing the whole batch.
    """
    start = remote.reservation_start or remote.created_at or now
    return {
        "reservation_start": start,
        "reservation_end": remote.reservation_end or start + timedelta(minutes=1),
    }


@functools.cache
def _columns() -> list[tuple[str, Any]]:
    """(attname, default) of every Booking column, in the model's order."""
    return [
        (f.attname, None if f.primary_key else f.get_default())
        for f in Booking._meta.concrete_fields
    ]


def new_row(*parts: dict[str, Any], **more: Any) -> Booking:
    """A Booking from column values (attnames), defaults for the rest.

    Built positionally: Django's fast path, about twice as quick as keyword
    arguments, which counts when the sync writes tens of thousands of rows.
    """
    values = {k: v for part in parts for k, v in part.items()} | more
    return Booking(*(values.get(name, default) for name, default in _columns()))


def upsert(
    remotes: Iterable[RemoteBooking],
    *,
    directory: Directory | None = None,
    now: datetime | None = None,
    dry_run: bool = False,
    before_batch: Callable[[], None] = lambda: None,
) -> Counts:
    """Bring bookings into the database in batches; duplicates are read once."""
    directory = directory or Directory.load()
    now = now or timezone.now()
    total = Counts()
    unique = {r.id: r for r in remotes}
    for batch in _batched(list(unique.values()), BATCH):
        before_batch()
        total.add(upsert_batch(batch, directory=directory, now=now, dry_run=dry_run))
    return total


def _batched(
    items: Sequence[RemoteBooking], size: int
) -> Iterator[list[RemoteBooking]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch
