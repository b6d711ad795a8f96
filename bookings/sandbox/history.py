"""About a year of bookings for the demo company, written straight to the sandbox.

So that sync and reports have something real to show on a fresh demo: the demo
employees' bookings with compliant external_ids and every end state, visitor
bookings, a few upcoming ones, and a few booked by "other tools" whose
external_id does not follow the convention.

Deterministic: each day's bookings come from a random generator seeded with
the date, and each booking's id from its day and role, so running it again
adds nothing, and running it a day later adds only the new day.
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction

from bookings.sandbox.models import Booking, Clock, Evse, whole_seconds
from portal import demo
from portal.models import Employee, Site, SiteCharger

NAMESPACE = uuid.UUID("0d6c3a52-7c1e-4d7b-9a51-5e1f0b2a9c11")
HISTORY_DAYS = 365
UPCOMING_DAYS = 4
# Local start hour and length (hours) of the slots people book.
SLOTS = ((7, 2), (9, 2), (11, 2), (13, 2), (15, 2), (17, 2))
BOOKS_ON_A_DAY = 0.27
SECOND_BOOKING = 0.08
TRAVELS = 0.1
FLEET_GROUP = "group_pool_vans"
# A roll of _other_tools that picks the fleet, the manual and the blank one.
SURE_ROLLS = {1: 0.0, 2: 0.05, 3: 0.07}
# What happens to upcoming bookings, in turn: most are confirmed in seconds.
UPCOMING_STORIES = ("stuck", "ok", "ok", "slow", "ok", "ok", "ok", "ok")
Status, Outcome, Strategy = Booking.Status, Booking.Outcome, Booking.TokenStrategy


@dataclass
class HistoryResult:
    added: int = 0
    existing: int = 0

    def __str__(self) -> str:
        return f"{self.added} demo bookings added, {self.existing} already there"


@dataclass
class _Day:
    """One day's generation: its random generator and the slots still free."""

    day: date
    rng: random.Random
    taken: set[tuple[int, int]] = field(default_factory=set)
    visitors: int = 0

    def free_slot(
        self, evses: list[Evse], tz: ZoneInfo
    ) -> tuple[Evse, datetime, datetime] | None:
        options = [
            (evse, hour, length)
            for evse in evses
            for hour, length in SLOTS
            if (evse.pk, hour) not in self.taken
        ]
        if not options:
            return None
        evse, hour, length = self.rng.choice(options)
        self.taken.add((evse.pk, hour))
        start = datetime.combine(self.day, time(hour), tzinfo=tz)
        return evse, start, start + timedelta(hours=length)


class _Generator:
    def __init__(self, now: datetime) -> None:
        self.now = whole_seconds(now)
        self.bookings: list[Booking] = []
        self.upcoming = 0
        evses = {
            evse.evse_uid: evse
            for evse in Evse.objects.select_related("location").prefetch_related(
                "connectors"
            )
        }
        self.workplace: dict[int, list[Evse]] = defaultdict(list)
        self.visitor: dict[int, list[Evse]] = defaultdict(list)
        for charger in SiteCharger.objects.order_by("evse_uid"):
            if charger.evse_uid in evses:
                chargers = (
                    self.workplace
                    if charger.kind == SiteCharger.Kind.WORKPLACE
                    else self.visitor
                )
                chargers[charger.site_id].append(evses[charger.evse_uid])
        self.sites = {site.pk: site for site in Site.objects.all()}
        own = {
            evse.evse_uid
            for chargers in (*self.workplace.values(), *self.visitor.values())
            for evse in chargers
        }
        self.public = [
            evse
            for uid, evse in sorted(evses.items())
            if evse.location.supports_reservation and evse.is_working and uid not in own
        ]
        ids = [p.employee_id for p in demo.people()]
        self.employees = list(
            Employee.objects.filter(employee_id__in=ids)
            .exclude(customer_id="")
            .select_related("department")
            .order_by("employee_id")
        )

    def run(self) -> list[Booking]:
        today = self.now.date()
        for offset in range(-HISTORY_DAYS, UPCOMING_DAYS + 1):
            day = today + timedelta(days=offset)
            self._day(_Day(day, random.Random(f"petitmonde-demo-{day.isoformat()}")))
        return self.bookings

    def _day(self, d: _Day) -> None:
        if d.day.weekday() >= 5 and d.rng.random() > 0.05:
            return
        for employee in self.employees:
            if d.rng.random() < BOOKS_ON_A_DAY:
                self._employee(d, employee, 1)
                if d.rng.random() < SECOND_BOOKING:
                    self._employee(d, employee, 2)
        for site_id in sorted(self.visitor):
            for _ in range(d.rng.choice((0, 0, 1, 1, 2))):
                self._visitor(d, site_id)
        self._other_tools(d)

    def _site_of(self, employee: Employee) -> int | None:
        if employee.home_site_id in self.workplace:
            return employee.home_site_id
        return min(self.workplace, default=None)

    def _employee(self, d: _Day, employee: Employee, n: int) -> None:
        site_id = self._site_of(employee)
        if site_id is None:
            return
        travels = d.rng.random() < TRAVELS
        evses = self.public if travels else self.workplace[site_id]
        slot = d.free_slot(evses, self.sites[site_id].tzinfo)
        if slot is None:
            return
        reference = f"{employee.department.code}-{employee.employee_id}-"
        reference += slot[1].strftime("%Y%m%d") + (f"-{n}" if n > 1 else "")
        self._add(
            d,
            f"employee:{employee.employee_id}:{n}",
            slot,
            Strategy.DRIVER_TOKEN,
            external_id=reference,
            customer_id=employee.customer_id,
        )

    def _visitor(self, d: _Day, site_id: int) -> None:
        slot = d.free_slot(self.visitor[site_id], self.sites[site_id].tzinfo)
        if slot is None:
            return
        d.visitors += 1
        reference = "visitor-reception-" + slot[1].strftime("%Y%m%d")
        if d.visitors > 1:
            reference += f"-{d.visitors}"
        self._add(
            d, f"visitor:{d.visitors}", slot, Strategy.AD_HOC, external_id=reference
        )

    def _other_tools(self, d: _Day) -> None:
        """Bookings made on the same account by tools that ignore the convention."""
        roll = d.rng.random()
        # Each tool books at least once a month, whatever the dice say, so that
        # every demo, begun on any day, has them waiting for finance: on the
        # Tuesday, Wednesday and Thursday of the month's second week.
        if 8 <= d.day.day <= 14:
            roll = SURE_ROLLS.get(d.day.weekday(), roll)
        any_site = min(self.workplace, default=None)
        if roll < 0.04 and self.public:
            van = d.rng.randint(1, 4)
            slot = d.free_slot(self.public, ZoneInfo("Europe/Berlin"))
            if slot:
                self._add(
                    d,
                    "fleet",
                    slot,
                    Strategy.GROUP_TOKEN,
                    external_id=f"fleet-van{van}-{slot[1]:%Y%m%d}",
                    fleet_group_id=FLEET_GROUP,
                )
        elif roll < 0.06 and any_site is not None and self.employees:
            slot = d.free_slot(self.workplace[any_site], self.sites[any_site].tzinfo)
            if slot:
                self._add(
                    d,
                    "manual",
                    slot,
                    Strategy.DRIVER_TOKEN,
                    external_id="ops manual booking",
                    customer_id=d.rng.choice(self.employees).customer_id,
                )
        elif roll < 0.075 and any_site is not None:
            slot = d.free_slot(self.workplace[any_site], self.sites[any_site].tzinfo)
            if slot:
                shared = {"token_id": "tok_ops_shared"}
                self._add(d, "blank", slot, Strategy.DRIVER_TOKEN, **shared)

    def _add(
        self,
        d: _Day,
        role: str,
        slot: tuple[Evse, datetime, datetime],
        strategy: str,
        **fields: Any,
    ) -> None:
        # The booking's own generator: its story must not shift the day's
        # choices, which would otherwise change once the day is past.
        rng = random.Random(f"{d.day.isoformat()}:{role}")
        evse, start, end = slot
        upcoming = end > self.now
        if upcoming:
            earliest = self.now - timedelta(days=5)
            latest = min(self.now, start - timedelta(minutes=15))
            if latest < earliest:
                return
        else:
            earliest, latest = start - timedelta(days=6), start - timedelta(hours=3)
        created = earliest + (latest - earliest) * rng.random()
        if upcoming:
            # Counted, not drawn: a demo always has some of each.
            self.upcoming += 1
            story = UPCOMING_STORIES[self.upcoming % len(UPCOMING_STORIES)]
        else:
            story = _story(rng)
        booking = Booking.plan(
            evse=evse,
            start=start,
            end=end,
            created_at=created,
            token_strategy=strategy,
            # Upcoming ones and client cancellations: the id decides.
            outcome=story if story in Outcome.values else None,
            booking_id=uuid.uuid5(NAMESPACE, f"{d.day.isoformat()}:{role}"),
            **fields,
        )
        _tell(rng, booking, story)
        self.bookings.append(booking)


def _story(rng: random.Random) -> str:
    """A past booking's fate, or one of the stories told by `_tell`."""
    roll = rng.random()
    for share, story in (
        (0.82, Outcome.ATTENDING),
        (0.88, Outcome.NO_SHOW),
        (0.91, Outcome.EXPIRED),
        (0.92, Outcome.REJECTED),
        (0.955, "cancelled_free"),
    ):
        if roll < share:
            return story
    return "cancelled_fee"


def _tell(rng: random.Random, booking: Booking, story: str) -> None:
    """Stories the lifecycle alone does not tell: client cancels, slow CPOs."""
    start, created = booking.reservation_start, booking.created_at
    if story == "slow":  # the CPO is slow to confirm: PENDING for a while
        booking.plan_confirmed_at = max(start - timedelta(hours=1), created)
    elif story == "stuck":  # not even forwarded yet: REQUESTED for a while
        booking.plan_pending_at = max(start - timedelta(hours=2), created)
        booking.plan_confirmed_at = max(start - timedelta(hours=1), created)
    elif story in ("cancelled_free", "cancelled_fee"):
        booking.status = Status.CANCELLED
        booking.cancellation_reason = rng.choice(
            ("Plans changed", "Meeting moved", "Cancelled by client")
        )
        if story == "cancelled_fee":
            booking.cpo_reservation_id = booking.plan_cpo_reservation_id
            booking.client_price = booking.location.cancellation_fee
            earliest = booking.plan_confirmed_at
        else:
            booking.client_price = Decimal("0.00")
            earliest = booking.created_at
            # Cancelled before it was ever forwarded.
            booking.plan_pending_at = booking.plan_confirmed_at = start
        booking.status_updated_at = whole_seconds(
            earliest + (start - earliest) * rng.random()
        )


def _existing(ids: list[uuid.UUID]) -> set[uuid.UUID]:
    found: set[uuid.UUID] = set()
    for i in range(0, len(ids), 500):
        found.update(
            Booking.objects.filter(id__in=ids[i : i + 500]).values_list("id", flat=True)
        )
    return found


@transaction.atomic
def seed_history(*, now: datetime | None = None) -> HistoryResult:
    """Write the demo history that is not there yet; then bring it up to now."""
    now = now or Clock.now()
    generated = _Generator(now).run()
    existing = _existing([booking.id for booking in generated])
    new = [booking for booking in generated if booking.id not in existing]
    # Upcoming ones must not collide with what people booked meanwhile.
    new = [
        booking
        for booking in new
        if booking.reservation_end <= now
        or not Booking.objects.active()
        .filter(evse=booking.evse)
        .overlapping(booking.reservation_start, booking.reservation_end)
        .exists()
    ]
    Booking.objects.bulk_create(new, batch_size=500)
    Booking.objects.advance(now)
    return HistoryResult(added=len(new), existing=len(existing))
