"""The booking sync: every booking on the company's API account, in the portal.

What a run reads
    Bookings by creation date (the list endpoint filters on `created_at`), from
    `since` (default: SYNC_WINDOW_DAYS ago) to now, with the window reader of
    Part B3, in chunks of CHUNK newest first: each chunk is written before the
    next is read, so progress shows, and a run stopped early (quota, error,
    kill) has kept everything before.

    An incremental run (the job every SYNC_INTERVAL_MINUTES) starts the window
    later: at the end of the last complete run (less OVERLAP), or at the
    creation of the oldest booking still unfinished, whichever is earlier. That
    is enough because `created_at` never changes and bookings that ended do not
    change either: only new bookings and unfinished ones can differ from what
    we hold, and both are inside that window. A full run every night (and any
    run by hand) still reads the whole window.

    Unfinished bookings created before the window (rare stragglers: booked far
    ahead, or stuck) are fetched one by one with `get_booking`: widening a
    window of weeks for a few old ones would cost far more requests.

How it writes
    In batches of BATCH, each in one transaction: the batch's existing rows are
    read with `select_for_update` (so a finance assignment cannot slip in
    between read and write), compared field by field, and only new and changed
    rows are written, in one INSERT … ON CONFLICT (api_id) DO UPDATE. A second
    run therefore changes 0 rows, and a run killed at any point is simply
    completed by the next one: every write is an idempotent upsert of what the
    API says. On PostgreSQL the rows reach that statement by COPY instead of
    through bulk_create's model instances, which made up most of the time (see
    `_copy_and_upsert`); the statement and its effect are the same.

Who a booking belongs to
    A booking made through the portal keeps its employee or visit; one finance
    assigned by hand keeps that. Any other is attributed from its external_id
    when department code and employee id are both known, else it is
    unattributed and waits for finance. A visitor reference is never enough:
    `visitor-reception-…` says nothing about which visit, and "same site, same
    day, overlapping time" is a guess that must not make a booking appear on
    a pass, be cancelled with a visit or be charged to a host. Only reception
    attaches bookings to visits, when it makes them.

    A portal booking without an API id is recognised by the exact external_id
    the portal generated and recorded for that charger and window, never by
    the reference alone: one still being checked (SUBMITTING) is completed,
    never duplicated; one the portal had given up on (NOT_BOOKED) is a late
    arrival, adopted or cancelled at once by bookings.followup after the batch
    is written (an API call, so outside its transaction).

Two runs at once
    A lease (bookings.Lease) is held for the whole run and renewed before
    every API request, so two runs never write at once on any number of hosts;
    one killed with -9 is taken over at once by a process that can see it is
    gone (same kernel and pid namespace), after LEASE_TTL by any other.

Quota
    The client paces itself from the rate-limit headers. Before the run, `usage`
    tells the monthly quota; the run stops early, saying so, before the sync's
    requests this calendar month (UTC) would exceed SYNC_MAX_QUOTA_SHARE of it
    or the quota itself would run out.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Min, Q
from django.utils import timezone

from bookings import notify
from bookings.external_ids import parse
from bookings.followup import take_in_late_booking
from bookings.models import Booking, HeldLease, Lease, SyncRun, remote_fields
from bookings.petitmonde import PetitmondeClient, PetitmondeError, RemoteBooking
from bookings.services import same_window
from bookings.statuses import BookingStatus
from bookings.window import read_window
from portal.models import Department, Employee, SiteCharger

LEASE = "sync_bookings"
LEASE_TTL = timedelta(minutes=5)
BATCH = 1000
CHUNK = timedelta(days=7)
OVERLAP = timedelta(minutes=30)
PAGE = 100
# Sync history older than this is removed as runs are recorded.
HISTORY_KEPT = timedelta(days=62)
# The monthly quota assumed when the API does not say (the documented default).
DOCUMENTED_MONTHLY_QUOTA = 10_000

# What a sync may write on an existing row: what the API says, who pays, where.
ATTRIBUTION_FIELDS = ("employee", "visit", "department", "attribution")
REMOTE_FIELDS = (
    "api_id",
    "status",
    "status_updated_at",
    "remote_created_at",
    "cpo_reservation_id",
    "client_price",
    "currency",
    "external_id",
    "location_id",
    "location_name",
    "location_city",
    "evse_uid",
    "connector_id",
    "reservation_start",
    "reservation_end",
    "token_strategy",
    "customer_id",
    "token_id",
    "energy_kwh",
    "cancellation_reason",
    "token_uid",
    "token_valid_from",
    "token_valid_until",
)
UPDATE_FIELDS = [f for f in REMOTE_FIELDS if f != "api_id"] + [
    *ATTRIBUTION_FIELDS,
    "site",
    "last_synced_at",
    "updated_at",
]


class SyncAlreadyRunning(Exception):
    """Another sync holds the lease."""


class QuotaShareReached(Exception):
    """The next request would take the sync past its share of the monthly quota."""


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


@dataclass
class SyncResult:
    window_start: datetime
    window_end: datetime
    counts: Counts = field(default_factory=Counts)
    requests: int = 0
    quota_left: int | None = None
    budget: int | None = None
    complete: bool = True
    stopped: str = ""  # why the run stopped early, in words
    missing: int = 0  # unfinished bookings the API no longer knows
    # Late arrivals (see Counts.late): kept, cancelled, cancel still owed.
    late_adopted: int = 0
    late_cancelled: int = 0
    late_open: int = 0


# --- attribution --------------------------------------------------------------


@dataclass
class Directory:
    """What attribution looks up, loaded once per run: departments, chargers."""

    departments: dict[str, int]  # code → pk
    site_of_evse: dict[str, int]

    @classmethod
    def load(cls) -> Directory:
        return cls(
            departments=dict(Department.objects.values_list("code", "pk")),
            site_of_evse=dict(SiteCharger.objects.values_list("evse_uid", "site_id")),
        )


@dataclass(frozen=True)
class Attribution:
    """Who pays, as column values (ids: comparing them fetches nothing)."""

    attribution: str = Booking.Attribution.NONE
    employee_id: int | None = None
    visit_id: int | None = None
    department_id: int | None = None

    def values(self) -> dict[str, Any]:
        return {
            "attribution": self.attribution,
            "employee_id": self.employee_id,
            "visit_id": self.visit_id,
            "department_id": self.department_id,
        }


UNATTRIBUTED = Attribution()


class Attributor:
    """Attributes one batch of bookings from their external_ids (few queries).

    Only employee references are attributed: a visitor reference names no
    visit (see the module docstring), so it stays unattributed for finance.
    """

    def __init__(self, directory: Directory, remotes: Sequence[RemoteBooking]):
        self.directory = directory
        self.parsed = {r.id: parse(r.external_id) for r in remotes}
        people = {p.employee_id for p in self.parsed.values() if p and not p.is_visitor}
        self.employees: dict[str, int] = (
            dict(
                Employee.objects.filter(employee_id__in=people).values_list(
                    "employee_id", "pk"
                )
            )
            if people
            else {}
        )

    def attribute(self, remote: RemoteBooking) -> Attribution:
        ref = self.parsed[remote.id]
        if ref is None or ref.is_visitor:
            return UNATTRIBUTED
        department = self.directory.departments.get(ref.department)
        employee = self.employees.get(ref.employee_id)
        if department is None or employee is None:
            return UNATTRIBUTED
        return Attribution(
            Booking.Attribution.EXTERNAL_ID,
            employee_id=employee,
            department_id=department,
        )


# --- writing ------------------------------------------------------------------


@functools.cache
def _column_shapes() -> dict[str, tuple[str, Any]]:
    """How the Booking columns store what the API sends: decimal places, length."""
    shapes: dict[str, tuple[str, Any]] = {}
    for name in REMOTE_FIELDS:
        field = Booking._meta.get_field(name)
        if isinstance(field, models.DecimalField):
            shapes[name] = ("decimal", Decimal(1).scaleb(-(field.decimal_places or 0)))
        elif isinstance(field, models.CharField) and field.max_length:
            shapes[name] = ("text", field.max_length)
    return shapes


def stored_values(remote: RemoteBooking) -> dict[str, Any]:
    """`remote_fields`, shaped as the columns will hand them back, so that
    comparing them with a stored row is exact (and a second run changes 0)."""
    values = remote_fields(remote)
    for name, (kind, shape) in _column_shapes().items():
        if name in values:
            value = values[name]
            values[name] = (
                value.quantize(shape) if kind == "decimal" else str(value)[:shape]
            )
    return values


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
        for remote in remotes:
            values = stored_values(remote)
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
    return counts


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


# --- reading ------------------------------------------------------------------


class BudgetedClient:
    """The client, refusing a request that would take the sync past its budget.

    The lease is renewed before every request, so a long read keeps it.
    """

    def __init__(
        self, client: PetitmondeClient, *, budget: int, lease: HeldLease | None
    ) -> None:
        self.client = client
        self.budget = budget
        self.lease = lease
        self.start = client.stats.requests

    @property
    def used(self) -> int:
        return self.client.stats.requests - self.start

    def _check(self) -> None:
        if self.used >= self.budget:
            raise QuotaShareReached
        if self.lease is not None and not self.lease.renew():
            raise SyncAlreadyRunning("the sync lease was taken over")

    def list_bookings(
        self,
        *,
        status: str | None = None,
        from_date: datetime | None = None,
        to_date: datetime | None = None,
        limit: int | None = None,
    ) -> list[RemoteBooking]:
        self._check()
        return self.client.list_bookings(
            status=status, from_date=from_date, to_date=to_date, limit=limit
        )

    def get_booking(self, booking_id: str) -> RemoteBooking:
        self._check()
        return self.client.get_booking(booking_id)

    def cancel_booking(self, booking_id: str, *, reason: str | None) -> RemoteBooking:
        self._check()
        return self.client.cancel_booking(booking_id, reason=reason)


def month_start_utc(now: datetime) -> datetime:
    now = now.astimezone(UTC)
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def request_budget(client: PetitmondeClient, now: datetime) -> int:
    """The requests this run may send (this `/usage` call included)."""
    quota = client.usage().monthly_quota
    limit = (quota.limit if quota else None) or DOCUMENTED_MONTHLY_QUOTA
    share = math.floor(settings.SYNC_MAX_QUOTA_SHARE * limit)
    spent = SyncRun.objects.requests_since(month_start_utc(now))
    budget = share - spent
    remaining = quota.remaining if quota else None
    if remaining is not None:
        budget = min(budget, remaining)
    return max(budget, 0)


def live_local_bookings() -> models.QuerySet[Booking]:
    """Bookings the API has and that have not ended: the sync follows them."""
    return (
        Booking.objects.live()
        .exclude(status=BookingStatus.SUBMITTING)
        .filter(api_id__isnull=False)
    )


def window_start(
    *, now: datetime, since: datetime | None, incremental: bool
) -> datetime:
    floor = now - timedelta(days=settings.SYNC_WINDOW_DAYS)
    if since is not None:
        return since
    if not incremental:
        return floor
    last = SyncRun.objects.last_complete()
    if last is None:
        return floor
    start = last.window_end - OVERLAP
    oldest = live_local_bookings().aggregate(oldest=Min("remote_created_at"))["oldest"]
    if oldest is not None:
        start = min(start, oldest)
    return max(start, floor)


def chunks(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """[start, end] in pieces of CHUNK, newest first (bounds shared: inclusive)."""
    pieces = []
    hi = end
    while hi > start:
        lo = max(start, hi - CHUNK)
        pieces.append((lo, hi))
        hi = lo
    return pieces or [(start, end)]


def sync_bookings(
    *,
    client: PetitmondeClient,
    since: datetime | None = None,
    incremental: bool = False,
    dry_run: bool = False,
    now: datetime | None = None,
    progress: Callable[[str], None] = lambda line: None,
) -> SyncResult:
    """One sync run; see the module docstring. Raises SyncAlreadyRunning."""
    now = now or timezone.now()
    lease = None if dry_run else Lease.acquire(LEASE, ttl=LEASE_TTL)
    if not dry_run and lease is None:
        raise SyncAlreadyRunning("another sync is running")
    start = window_start(now=now, since=since, incremental=incremental)
    result = SyncResult(window_start=start, window_end=now)
    run = None
    if not dry_run:
        run = SyncRun.objects.create(
            started_at=now, window_start=start, window_end=now, incremental=incremental
        )
    budgeted = BudgetedClient(client, budget=0, lease=lease)
    outcome = SyncRun.Outcome.FAILED
    try:
        result.budget = request_budget(client, now)
        budgeted.budget = result.budget
        directory = Directory.load()
        _read_and_write(budgeted, result, directory, dry_run, progress, run)
        _refresh_stragglers(budgeted, result, directory, dry_run, progress)
        outcome = (
            SyncRun.Outcome.COMPLETE if result.complete else SyncRun.Outcome.PARTIAL
        )
    except QuotaShareReached:
        result.complete = False
        result.stopped = (
            f"stopped early: the next request would take the sync past "
            f"{settings.SYNC_MAX_QUOTA_SHARE:.0%} of the monthly API quota"
        )
        outcome = SyncRun.Outcome.PARTIAL
    except (PetitmondeError, SyncAlreadyRunning) as error:
        result.complete = False
        result.stopped = f"failed: {error}"
        raise
    finally:
        result.requests = budgeted.used
        quota = client.stats.monthly_quota
        if quota is not None and quota.remaining is not None:
            # Read from /usage at the start; what the run sent after is known.
            result.quota_left = quota.remaining - (result.requests - 1)
        if run is not None:
            _record(run, result, outcome)
        if lease is not None:
            lease.release()
    return result


def _read_and_write(
    client: BudgetedClient,
    result: SyncResult,
    directory: Directory,
    dry_run: bool,
    progress: Callable[[str], None],
    run: SyncRun | None,
) -> None:
    seen: set[str] = set()
    for lo, hi in chunks(result.window_start, result.window_end):
        read = read_window(client, start=lo, end=hi, limit=PAGE)
        fresh = [b for b in read.bookings if b.id not in seen]
        seen.update(b.id for b in fresh)
        counts = upsert(
            fresh, directory=directory, now=result.window_end, dry_run=dry_run
        )
        result.counts.add(counts)
        _take_in_late(client, result, counts, dry_run, progress)
        result.complete &= read.complete
        local = timezone.localtime
        progress(
            f"{local(lo):%Y-%m-%d %H:%M} – {local(hi):%Y-%m-%d %H:%M}: "
            f"{len(read.bookings)} "
            f"bookings in {read.requests} requests; {counts.created} new, "
            f"{counts.updated} changed, {counts.unchanged} unchanged"
            + ("" if read.complete else " (incomplete: see the log)")
        )
        if run is not None:
            result.requests = client.used
            _record(run, result, SyncRun.Outcome.RUNNING)


def _refresh_stragglers(
    client: BudgetedClient,
    result: SyncResult,
    directory: Directory,
    dry_run: bool,
    progress: Callable[[str], None],
) -> None:
    """Unfinished bookings created before the window, fetched one by one."""
    stragglers = [
        api_id
        for api_id in live_local_bookings()
        .filter(
            Q(remote_created_at__lt=result.window_start) | Q(remote_created_at=None)
        )
        .values_list("api_id", flat=True)
        if api_id
    ]
    if not stragglers:
        return
    fetched = []
    for api_id in stragglers:
        try:
            fetched.append(client.get_booking(api_id))
        except PetitmondeError as error:
            if not error.not_found:
                raise
            result.missing += 1
    counts = upsert(
        fetched, directory=directory, now=result.window_end, dry_run=dry_run
    )
    result.counts.add(counts)
    _take_in_late(client, result, counts, dry_run, progress)
    progress(
        f"{len(stragglers)} unfinished bookings from before the window: "
        f"{counts.updated} changed, {result.missing} unknown to the API"
    )


def _take_in_late(
    client: BudgetedClient,
    result: SyncResult,
    counts: Counts,
    dry_run: bool,
    progress: Callable[[str], None],
) -> None:
    """Adopt or cancel the bookings the API made after the portal gave up."""
    if dry_run or not counts.late:
        return
    outcomes = [
        # The budgeted client has the two calls a cancel makes (cancel, get),
        # each counted against the sync's share and renewing the lease.
        take_in_late_booking(pk, remote, client=cast(PetitmondeClient, client))
        for pk, remote in counts.late
    ]
    result.late_adopted += outcomes.count("adopted")
    result.late_cancelled += outcomes.count("cancelled")
    result.late_open += outcomes.count("cancel owed")
    progress(
        f"{len(outcomes)} bookings made after the portal had given up on them: "
        f"{outcomes.count('adopted')} kept, {outcomes.count('cancelled')} "
        f"cancelled, {outcomes.count('cancel owed')} still to cancel"
    )


def _record(run: SyncRun, result: SyncResult, outcome: str) -> None:
    counts = result.counts
    run.outcome = outcome
    run.fetched = counts.fetched
    run.created = counts.created
    run.updated = counts.updated
    run.unchanged = counts.unchanged
    run.unattributed = counts.unattributed
    run.requests = result.requests
    run.quota_left = result.quota_left
    run.message = result.stopped
    if outcome != SyncRun.Outcome.RUNNING:
        run.finished_at = timezone.now()
    run.save()
    if outcome != SyncRun.Outcome.RUNNING:
        SyncRun.objects.filter(started_at__lt=run.started_at - HISTORY_KEPT).delete()
