"""One sync run: read a window of the account, write it, follow stragglers.

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

How it writes, and who pays
    See bookings.sync.upsert and bookings.sync.attribution.

Two runs at once
    A lease (portal.Lease) is held for the whole run and renewed before
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

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import cast

from django.conf import settings
from django.db import models
from django.db.models import Min, Q
from django.utils import timezone

from bookings.followup import take_in_late_booking
from bookings.models import Booking, SyncRun
from bookings.petitmonde import PetitmondeClient, PetitmondeError, RemoteBooking
from bookings.petitmonde.window import read_window
from bookings.statuses import BookingStatus
from bookings.sync.attribution import Directory
from bookings.sync.upsert import Counts, upsert
from portal.scheduler.models import HeldLease, Lease

LEASE = "sync_bookings"

LEASE_TTL = timedelta(minutes=5)

CHUNK = timedelta(days=7)

OVERLAP = timedelta(minutes=30)

PAGE = 100

# Sync history older than this is removed as runs are recorded.
HISTORY_KEPT = timedelta(days=62)

# The monthly quota assumed when the API does not say (the documented default).
DOCUMENTED_MONTHLY_QUOTA = 10_000


class SyncAlreadyRunning(Exception):
    """Another sync holds the lease."""


class QuotaShareReached(Exception):
    """The next request would take the sync past its share of the monthly quota."""


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
    share: int = math.floor(settings.SYNC_MAX_QUOTA_SHARE * limit)
    spent: int = SyncRun.objects.requests_since(month_start_utc(now))
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
