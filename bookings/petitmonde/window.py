"""Reading every booking of a date window although the list has no pagination,
and finding one booking by its external_id that way (`find_booking`).

`GET /bookings` takes `from_date`, `to_date` (inclusive; on `created_at` in the
sandbox) and `limit`, and nothing to page with. A page with fewer than `limit`
bookings is therefore complete for its window; a full page may have left some out.
`read_window` reads a window by proving it complete piece by piece.

The algorithm
-------------
The window is walked from its end to its start in sub-windows that share their
boundaries (the bounds are inclusive, so a booking on a boundary is read twice and
de-duplicated by id):

1. The first request asks for the whole window. A page that is not full is all
   there is (one request).
2. A sub-window whose page is not full is proven. The next one ends where it
   started and is sized to hold `TARGET` (85 %) of `limit`: close to a full page
   per request, with room for chance. Four forecasters offer a size, and the one
   whose forecasts of the last proven sub-windows were closest is followed:
   - density: bookings per second of the last sub-windows (pooled while the
     traffic is steady, afresh when it changes; an empty sub-window counts as one
     booking, so nights and weekends are crossed in a few growing steps);
   - week, day: the same span a week or a day later, already read, for traffic
     that follows office hours;
   - sample: the bookings of a full page whose order gave nothing away, which
     show where the bookings of its window crowd (step 3).
3. A sub-window whose page is full is shrunk towards its end, with the page as
   guide: when it came newest first (as the sandbox answers), to its newest
   `limit - 1` bookings, which is exact for such an API; otherwise to the newer
   half of its bookings, which halves the count however they are spread, and the
   page becomes a sample for step 2. If a sub-window sized that way is full
   again, the span is halved instead and the page order is no longer trusted, so
   a misleading order costs requests but never correctness or termination. The
   bookings of a full page are kept; they just do not prove anything.
4. An instant that holds a quarter of a full page is read on its own, and later
   sub-windows leave it out (they end a microsecond before it). An instant whose
   page is still full (more than `limit` bookings share one `created_at`) is read
   once per status: the eight documented ones in lifecycle order, plus any other
   status seen on its page. If one status alone still fills a page, or a `status`
   filter leaves nothing to split by, the read is marked incomplete and logged.

Correctness does not depend on the order the API answers in, nor on the
forecasts: the sub-windows cover [start, end] and none of them came back full.
Only the number of requests does (figures in docs/benchmarks.md). Each full page shrinks
its sub-window and each proven one moves the walk towards `start`, so it ends.

Where this departs from B3's wording ("when a page comes back full, split the window
in two and read each half, down to a minimum span"): splitting in two and reading
each half whatever it holds spends about twice the minimum number of requests;
sizing each sub-window from what has been read keeps close to the minimum
⌈N/limit⌉. A full page is still split (step 3), the minimum span is one
microsecond, and below it the split is by status instead of time (step 4).

Assumptions, because the real API documents none of this: `limit` is not above the
API's own maximum (a silently capped page would look complete; the documentation's
own example uses 100, which is `MAX_LIMIT`); the API compares times to the
microsecond (an API that compares whole seconds only is noticed at a crowded instant
and the read is marked incomplete rather than looping); a booking whose status
changes while its crowded instant is read status by status could be missed (the
lifecycle order makes that unlikely), and so could one at a crowded instant with a
status that is neither documented nor on the instant's first page.
"""

from __future__ import annotations

import bisect
import itertools
import logging
import math
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from bookings.petitmonde.client import MAX_LIMIT
from bookings.petitmonde.objects import RemoteBooking
from bookings.statuses import API_STATUSES, BookingStatus

logger = logging.getLogger(__name__)

# Share of `limit` a planned sub-window should hold.
TARGET = 0.85
INSTANT = timedelta(microseconds=1)
# Density pooling: the weight left to earlier sub-windows at each step, and how far
# (as a factor) a count may stray from the expected one and still count as steady.
DECAY = 0.75
STEADY = 2.0
# A sample sizes sub-windows only where one would hold this many of its points.
SAMPLE_MIN_POINTS = 4
PERIODS = {"week": timedelta(days=7), "day": timedelta(days=1)}
# Forecasters in the order they are tried before any has been scored.
FORECASTERS = ("sample", "density", "week", "day")
_EARLIEST = datetime.min.replace(tzinfo=UTC)


class BookingLister(Protocol):
    def list_bookings(
        self,
        *,
        status: str | None = None,
        from_date: datetime | None = None,
        to_date: datetime | None = None,
        limit: int | None = None,
    ) -> list[RemoteBooking]: ...


@dataclass(frozen=True)
class WindowRead:
    """The bookings of a window, newest first, and the list requests it took."""

    bookings: tuple[RemoteBooking, ...]
    requests: int
    complete: bool


def read_window(
    client: BookingLister,
    *,
    start: datetime,
    end: datetime,
    status: str | None = None,
    limit: int = 100,
) -> WindowRead:
    """Read every booking with `created_at` in [start, end] (both inclusive).

    `requests` counts list calls; retries inside the client are in its stats.
    API errors propagate as `PetitmondeError`.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("The window needs aware datetimes.")
    if end < start:
        raise ValueError("The window ends before it starts.")
    if not 2 <= limit <= MAX_LIMIT:
        raise ValueError(f"A page must hold 2 to {MAX_LIMIT} bookings.")
    return _WindowReader(client, status=status, limit=limit).read(start, end)


def find_booking(
    client: BookingLister,
    *,
    external_id: str,
    evse_uid: str,
    start: datetime,
    end: datetime,
    made_from: datetime,
    made_until: datetime,
) -> RemoteBooking | None:
    """The API's booking with this external_id, for exactly this charger and
    window, created between `made_from` and `made_until`; None if there is none.

    The list cannot be asked for an external_id, so the creation window is
    read whole (Part B3). Another tool may have reused the reference: only a
    booking for this charger and this window is the one looked for. A live one
    comes before a cancelled one.
    """
    read = read_window(client, start=made_from, end=made_until)
    matches = [
        remote
        for remote in read.bookings
        if remote.external_id == external_id
        and same_window(remote, evse_uid=evse_uid, start=start, end=end)
    ]
    matches.sort(key=lambda r: r.status == BookingStatus.CANCELLED)
    return matches[0] if matches else None


def same_window(
    remote: RemoteBooking, *, evse_uid: str, start: datetime, end: datetime
) -> bool:
    """Whether the API's booking is for this charger and window.

    What the API leaves out cannot differ (undocumented fields are optional).
    Times are compared to the second, the precision the API keeps.
    """

    def same(ours: datetime, theirs: datetime | None) -> bool:
        return theirs is None or ours.replace(microsecond=0) == theirs.replace(
            microsecond=0
        )

    return (
        remote.evse_uid in (None, evse_uid)
        and same(start, remote.reservation_start)
        and same(end, remote.reservation_end)
    )


@dataclass
class _Sample:
    """The bookings of a full page whose order gave nothing away.

    Sub-windows proven inside its window tell how many bookings each of its points
    stands for; its points then show where the bookings crowd.
    """

    lo: datetime
    points: list[datetime]  # created_at of the page's bookings, ascending
    size: int  # the page's limit: its window holds at least that many
    proven_count: int = 0  # bookings in sub-windows proven inside its window
    proven_points: int = 0  # its points in those sub-windows

    def ratio(self, goal: float) -> float | None:
        """Bookings per point, if fine enough to plan `goal` bookings by.

        Until a proven sub-window holds some of its points, the page's own lower
        bound (`size` bookings for its points) stands in.
        """
        if self.proven_points:
            ratio = self.proven_count / self.proven_points
        else:
            ratio = self.size / len(self.points)
        return ratio if goal / ratio >= SAMPLE_MIN_POINTS else None

    def start_for(self, hi: datetime, goal: float, ratio: float) -> datetime:
        """The start of a sub-window ending at `hi` holding about `goal` bookings."""
        wanted = int(goal / ratio)
        top = bisect.bisect_right(self.points, hi)
        if top - bisect.bisect_left(self.points, self.lo) <= wanted:
            return self.lo
        return self.points[top - wanted]


class _WindowReader:
    def __init__(self, client: BookingLister, *, status: str | None, limit: int):
        self.client = client
        self.status = status
        self.limit = limit
        self.found: dict[str, RemoteBooking] = {}
        self.requests = 0
        self.complete = True
        self.end = _EARLIEST
        # What the forecasters (step 2) learn from proven sub-windows: the
        # density, the samples (outermost first), the times of the bookings read
        # in [proven_from, end], and how far off each forecaster was lately.
        self.density: float | None = None
        self.pooled_count = 0.0
        self.pooled_seconds = 0.0
        self.samples: list[_Sample] = []
        self.proven_from: datetime | None = None
        self.history: list[datetime] = []
        self.history_ids: set[str] = set()
        self.errors: dict[str, float] = {}
        # Whether a newest-first page sizes the next sub-window exactly (step 3).
        self.trust_order = True
        self.sized_by_page = False
        # Instants read on their own, which later sub-windows leave out.
        self.done: set[datetime] = set()
        # Ids read at crowded instants, to notice an API that ignores microseconds.
        self.crowded_ids: set[str] = set()

    def read(self, start: datetime, end: datetime) -> WindowRead:
        self.end = end
        lo, hi = start, end
        while True:
            lo = self.cut(lo, hi)
            page = self.fetch(lo, hi)
            missed, self.sized_by_page = self.sized_by_page, False
            full = len(page) >= self.limit
            if full and lo < hi:
                # Nothing proven: read a smaller sub-window ending at hi.
                if self.ignores_microseconds(hi, page):
                    break
                if missed:
                    self.trust_order = False
                crowded = self.crowded_instant(lo, hi, page)
                if crowded is None:
                    lo = self.shrink(lo, hi, page, missed=missed)
                else:
                    self.read_instant(crowded)  # cut() leaves it out from now on
                    if crowded == hi:
                        hi = self.end_below(hi)
                continue
            # [lo, hi] is read completely (a crowded instant status by status).
            if full:
                self.split_by_status(hi, page)
            else:
                self.learn(lo, hi, page)
            if lo == hi:
                self.done.add(hi)
            if lo == start:
                break
            hi = self.end_below(lo)
            if hi < start:
                break
            lo = self.plan(start, hi)
        bookings = sorted(self.found.values(), key=_sort_key, reverse=True)
        return WindowRead(tuple(bookings), self.requests, self.complete)

    def fetch(
        self, lo: datetime, hi: datetime, status: str | None = None
    ) -> list[RemoteBooking]:
        self.requests += 1
        page = self.client.list_bookings(
            status=status or self.status, from_date=lo, to_date=hi, limit=self.limit
        )
        for booking in page:
            self.found[booking.id] = booking
        return page

    def cut(self, lo: datetime, hi: datetime) -> datetime:
        """Start the sub-window after any instant already read on its own."""
        inside = [instant for instant in self.done if lo <= instant <= hi]
        return max(inside) + INSTANT if inside else lo

    def end_below(self, read_from: datetime) -> datetime:
        """The end of the next sub-window, when [read_from, end] has been read.

        Sub-windows share their boundary instant, except an instant read on its
        own: that one is left out.
        """
        while read_from - INSTANT in self.done:
            read_from -= INSTANT
        return read_from - INSTANT if read_from in self.done else read_from

    # --- Step 2: learning from proven sub-windows and planning the next ---------

    def learn(self, lo: datetime, hi: datetime, page: list[RemoteBooking]) -> None:
        count = len(page)
        for name in FORECASTERS:
            forecast = self.forecast(name, lo, hi)
            if forecast is not None:
                # How far off, as a log ratio, with the older errors fading.
                miss = abs(math.log((count + 1) / (forecast + 1)))
                self.errors[name] = self.errors.get(name, 0.0) / 2 + miss
        for sample in self.samples:
            if sample.lo <= lo:
                sample.proven_count += count
                sample.proven_points += _count(sample.points, lo, hi)
        self.samples = [sample for sample in self.samples if sample.lo < lo]
        for booking in page:
            if booking.created_at and booking.id not in self.history_ids:
                self.history_ids.add(booking.id)
                bisect.insort(self.history, booking.created_at)
        self.proven_from = lo
        self.learn_density(max(count, 1), (hi - lo).total_seconds())

    def learn_density(self, count: int, seconds: float) -> None:
        """Pool the density while steady; an empty sub-window counts as one."""
        if seconds <= 0:
            return
        if self.density is not None and (
            1 / STEADY <= count / (self.density * seconds) <= STEADY
        ):
            self.pooled_count = self.pooled_count * DECAY + count
            self.pooled_seconds = self.pooled_seconds * DECAY + seconds
        else:
            self.pooled_count, self.pooled_seconds = count, seconds
        self.density = self.pooled_count / self.pooled_seconds

    def forecast(self, name: str, lo: datetime, hi: datetime) -> float | None:
        """How many bookings `name` expects in [lo, hi], if it can tell."""
        if name == "sample":
            found = self.sample()
            if found is None:
                return None
            sample, ratio = found
            return _count(sample.points, lo, hi) * ratio
        if name == "density":
            if self.density is None:
                return None
            return self.density * (hi - lo).total_seconds()
        period = PERIODS[name]
        if not self.history_covers(lo + period, hi + period):
            return None
        return _count(self.history, lo + period, hi + period)

    def start_for(self, name: str, hi: datetime, goal: float) -> datetime | None:
        """Where `name` would start a sub-window ending at `hi` to hold `goal`."""
        if name == "sample":
            found = self.sample()
            return None if found is None else found[0].start_for(hi, goal, found[1])
        if name == "density":
            if self.density is None:
                return None
            return hi - timedelta(seconds=goal / self.density)
        period = PERIODS[name]
        shifted = hi + period
        if self.proven_from is None or not self.history_covers(shifted, shifted):
            return None
        top = bisect.bisect_right(self.history, shifted)
        bottom = bisect.bisect_left(self.history, self.proven_from)
        if top - round(goal) < bottom:
            return None
        return self.history[top - round(goal)] - period

    def history_covers(self, lo: datetime, hi: datetime) -> bool:
        return (
            self.proven_from is not None and self.proven_from <= lo and hi <= self.end
        )

    def plan(self, start: datetime, hi: datetime) -> datetime:
        """The start of the next sub-window, which ends at `hi`."""
        goal = TARGET * self.limit
        offers = {
            name: offer
            for name in FORECASTERS
            if (offer := self.start_for(name, hi, goal)) is not None
        }
        if not offers:
            return start
        scored = [name for name in offers if name in self.errors]
        best = (
            min(scored, key=self.errors.__getitem__) if scored else next(iter(offers))
        )
        return min(max(offers[best], start), hi)

    def sample(self) -> tuple[_Sample, float] | None:
        """The finest sample that can size a sub-window, with its ratio."""
        for sample in reversed(self.samples):
            ratio = sample.ratio(TARGET * self.limit)
            if ratio is not None:
                return sample, ratio
        return None

    # --- Steps 3 and 4: full pages --------------------------------------------

    def shrink(
        self, lo: datetime, hi: datetime, page: list[RemoteBooking], *, missed: bool
    ) -> datetime:
        """The start of a smaller sub-window ending at `hi`, after a full page.

        `missed` says the full sub-window was itself sized from a page; then the
        span is halved, which bounds the cost whatever order the API uses.
        """
        middle = lo + (hi - lo) / 2
        if middle <= lo:
            return hi  # a span of one microsecond: read the end instant alone
        times = sorted(
            (b.created_at for b in page if b.created_at and lo <= b.created_at <= hi),
            reverse=True,
        )
        if not times:
            return middle
        exact = self.trust_order and _newest_first(page)
        if not exact:
            self.samples.append(_Sample(lo, sorted(times), self.limit))
        if missed:
            return middle
        # Newest first: its newest limit - 1, exactly. Otherwise the newer half of
        # the sample halves the count, however the bookings are spread in time.
        keep = self.limit - 1 if exact else max(1, len(times) // 2)
        candidate = times[min(keep, len(times)) - 1]
        if sum(1 for t in times if t >= candidate) > keep:
            candidate += INSTANT  # leave out the ties beyond `keep`
        if not lo < candidate <= hi:
            return middle
        self.sized_by_page = True
        return candidate

    def crowded_instant(
        self, lo: datetime, hi: datetime, page: list[RemoteBooking]
    ) -> datetime | None:
        """An instant holding a quarter of a full page, to be read on its own."""
        counts = Counter(
            b.created_at for b in page if b.created_at and lo <= b.created_at <= hi
        )
        if not counts:
            return None
        instant, count = counts.most_common(1)[0]
        return instant if count >= max(2, self.limit // 4) else None

    def read_instant(self, instant: datetime) -> None:
        page = self.fetch(instant, instant)
        if len(page) >= self.limit:
            self.split_by_status(instant, page)
        self.done.add(instant)

    def ignores_microseconds(self, hi: datetime, page: list[RemoteBooking]) -> bool:
        """A full page of nothing but bookings of crowded instants already read.

        Past a crowded instant the next sub-window ends a microsecond earlier; an
        API that compares only whole seconds answers it with the same bookings
        again, and the walk would never get past them.
        """
        if not {booking.id for booking in page} <= self.crowded_ids:
            return False
        self.give_up(
            "the API seems to compare times to the second only (near %s)",
            hi.isoformat(),
        )
        return True

    def split_by_status(self, instant: datetime, page: list[RemoteBooking]) -> None:
        """Read an instant holding a full page once per status."""
        self.crowded_ids.update(booking.id for booking in page)
        if self.status is not None:
            self.give_up(
                "a full page at %s for status %s cannot be split further",
                instant.isoformat(),
                self.status,
            )
            return
        # Lifecycle order: a booking that moves on while we read is met again.
        statuses = [str(s) for s in BookingStatus if s in API_STATUSES]
        statuses += sorted({booking.status for booking in page} - set(statuses))
        still_full = []
        for status in statuses:
            part = self.fetch(instant, instant, status)
            self.crowded_ids.update(booking.id for booking in part)
            if len(part) >= self.limit:
                still_full.append(status)
        if still_full:
            self.give_up(
                "a full page at %s even for status %s",
                instant.isoformat(),
                ", ".join(still_full),
            )

    def give_up(self, why: str, *args: object) -> None:
        logger.warning("Petitmonde window read incomplete: " + why, *args)
        self.complete = False


def _sort_key(booking: RemoteBooking) -> tuple[bool, datetime, str]:
    # Sorted in reverse: bookings without created_at go last, the id breaks ties.
    return (booking.created_at is not None, booking.created_at or _EARLIEST, booking.id)


def _newest_first(page: list[RemoteBooking]) -> bool:
    times = [booking.created_at for booking in page]
    return all(
        a is not None and b is not None and a >= b for a, b in itertools.pairwise(times)
    )


def _count(times: list[datetime], lo: datetime, hi: datetime) -> int:
    """How many of the sorted `times` lie in [lo, hi]."""
    return bisect.bisect_right(times, hi) - bisect.bisect_left(times, lo)
