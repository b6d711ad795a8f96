"""The line: who comes first, and freed charger time matched to people.

The order is fair and the same everywhere it is shown: whoever has had the
least charging this month first (booked minutes of bookings that were not
cancelled or never made), then whoever has waited longest.

Matching reads the portal's own tables only, so it costs no API request: the
site's workplace chargers, their live bookings (the sync and the status
refresh keep those true), and the offers already open. A charger somebody
outside the account took meanwhile shows at acceptance as a 409; that offer
then fails and its time is not offered again for an hour.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from bookings import policy
from bookings.models import Booking
from bookings.months import Month
from bookings.statuses import BookingStatus
from bookings.waitlist.models import Offer, WaitlistEntry
from portal.models import Employee, Site, SiteCharger

STEP = timedelta(minutes=5)
# A charger someone outside the account took (a 409 on accepting) is not
# offered again for this long.
TAKEN_ELSEWHERE = timedelta(hours=1)
NOT_CHARGING = (BookingStatus.CANCELLED, BookingStatus.NOT_BOOKED)


def charged_minutes(employees: Iterable[int], now: datetime) -> dict[int, int]:
    """Booked minutes of this month's bookings per employee id (one query)."""
    month = Month.of(now)
    minutes: dict[int, int] = defaultdict(int)
    rows = (
        Booking.objects.filter(employee_id__in=list(employees))
        .starting_between(month.start, month.end)
        .exclude(status__in=NOT_CHARGING)
        .values_list("employee_id", "reservation_start", "reservation_end")
    )
    for employee_id, start, end in rows:
        minutes[employee_id] += int((end - start).total_seconds() // 60)
    return minutes


def in_fair_order(
    entries: Sequence[WaitlistEntry], now: datetime
) -> list[WaitlistEntry]:
    used = charged_minutes({e.employee_id for e in entries}, now)
    return sorted(
        entries, key=lambda e: (used.get(e.employee_id, 0), e.created_at, e.pk)
    )


def competitors(entry: WaitlistEntry) -> list[WaitlistEntry]:
    """Everyone in line at the entry's site whose times overlap its own."""
    return list(
        WaitlistEntry.objects.in_line()
        .filter(site_id=entry.site_id)
        .filter(
            Q(start__lt=entry.latest_end + timedelta(hours=2))
            & Q(end__gt=entry.earliest - timedelta(hours=2))
        )
        .select_related("employee")
    )


def _overlap(entry: WaitlistEntry, other: WaitlistEntry) -> bool:
    return other.earliest < entry.latest_end and other.latest_end > entry.earliest


def place_of(entry: WaitlistEntry, now: datetime | None = None) -> int:
    """The entry's place in line (1: next to get an offer) among those whose
    times overlap its own."""
    now = now or timezone.now()
    rivals = [e for e in competitors(entry) if _overlap(entry, e)]
    if entry not in rivals:
        rivals.append(entry)
    return in_fair_order(rivals, now).index(entry) + 1


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.start < end and start < self.end


def _busy(
    site: Site, chargers: Sequence[SiteCharger], now: datetime
) -> dict[str, list[Window]]:
    """Per EVSE: the times taken by live bookings, open offers, and recent
    failures to book (someone outside the account has it)."""
    uids = [c.evse_uid for c in chargers]
    busy: dict[str, list[Window]] = defaultdict(list)
    for uid, start, end in (
        Booking.objects.live()
        .filter(evse_uid__in=uids, reservation_end__gt=now)
        .values_list("evse_uid", "reservation_start", "reservation_end")
    ):
        busy[uid].append(Window(start, end))
    for uid, start, end in Offer.objects.filter(
        Q(state=Offer.State.OPEN)
        | Q(state=Offer.State.FAILED, closed_at__gte=now - TAKEN_ELSEWHERE),
        evse_uid__in=uids,
        end__gt=now,
    ).values_list("evse_uid", "start", "end"):
        busy[uid].append(Window(start, end))
    return busy


def _candidate_starts(entry: WaitlistEntry, earliest: datetime) -> list[datetime]:
    """The starts the entry would take, nearest the wanted one first."""
    steps = entry.flex_minutes * 60 // int(STEP.total_seconds())
    starts = [entry.start]
    for k in range(1, steps + 1):
        starts += [entry.start - STEP * k, entry.start + STEP * k]
    return [s for s in starts if s >= earliest]


def _turned_down(entry: WaitlistEntry) -> set[tuple[str, datetime]]:
    return set(
        entry.offers.filter(
            state__in=(Offer.State.DECLINED, Offer.State.EXPIRED)
        ).values_list("evse_uid", "start")
    )


def _details(charger: SiteCharger) -> dict[str, object]:
    """What the portal knows of a charger from its last booking there."""
    last = (
        Booking.objects.filter(evse_uid=charger.evse_uid)
        .exclude(location_name="")
        .order_by("-reservation_start")
        .first()
    )
    estimate = None
    if last is not None and last.estimated_price is not None:
        hours = (last.reservation_end - last.reservation_start) / timedelta(hours=1)
        estimate = last.estimated_price / max(1, round(hours * 4)) * 4
    return {
        "name": (last.location_name if last else "") or charger.label,
        "address": last.location_address if last else "",
        "city": last.location_city if last else "",
        "per_hour": estimate,
    }


def match_site(
    site_id: int, *, now: datetime | None = None, freed_at: datetime | None = None
) -> list[Offer]:
    """Offer every free stretch of the site's chargers to the first person in
    line who can take it under the rules. Returns the offers made.

    Runs with the site's row locked, so two hosts matching the same site at
    once make one set of offers.
    """
    from bookings.waitlist import notices, tasks

    now = now or timezone.now()
    made: list[Offer] = []
    with transaction.atomic():
        site = Site.objects.select_for_update().get(pk=site_id)
        tidy_site(site, now=now)
        entries = list(
            WaitlistEntry.objects.filter(
                site=site, state=WaitlistEntry.State.WAITING
            ).select_related("employee__user", "employee__department")
        )
        if not entries:
            return made
        chargers = list(site.chargers.filter(kind=SiteCharger.Kind.WORKPLACE))
        busy = _busy(site, chargers, now)
        rules = policy.Rules.for_site(site)
        earliest = now + rules.min_lead
        details: dict[str, dict[str, object]] = {}
        for entry in in_fair_order(entries, now):
            turned_down = _turned_down(entry)
            offer = None
            for start in _candidate_starts(entry, earliest):
                end = start + entry.duration
                for charger in chargers:
                    uid = charger.evse_uid
                    if (uid, start) in turned_down or any(
                        w.overlaps(start, end) for w in busy[uid]
                    ):
                        continue
                    if policy.problems_for(
                        entry.employee,
                        site=site,
                        start=start,
                        end=end,
                        estimate=None,
                        now=now,
                    ):
                        break  # the rules refuse this time whatever the charger
                    if uid not in details:
                        details[uid] = _details(charger)
                    offer = _offer(
                        entry,
                        charger,
                        details[uid],
                        start,
                        end,
                        now,
                        freed_at,
                        earliest,
                    )
                    break
                if offer is not None:
                    break
            if offer is None:
                continue
            busy[offer.evse_uid].append(Window(offer.start, offer.end))
            made.append(offer)
        for offer in made:
            transaction.on_commit(functools.partial(tasks.schedule_expiry, offer))
            notices.offer_made(offer)
    return made


def _offer(
    entry: WaitlistEntry,
    charger: SiteCharger,
    known: dict[str, object],
    start: datetime,
    end: datetime,
    now: datetime,
    freed_at: datetime | None,
    earliest: datetime,
) -> Offer:
    keep = timedelta(minutes=settings.WAITLIST_OFFER_MINUTES)
    # It must still be bookable when accepted at the last moment.
    expires = min(now + keep, start - (earliest - now))
    per_hour = known["per_hour"]
    estimate = None
    if per_hour is not None:
        hours = Decimal((end - start) / timedelta(hours=1))
        estimate = (Decimal(str(per_hour)) * hours).quantize(Decimal("0.01"))
    offer = Offer.objects.create(
        entry=entry,
        location_id=charger.location_id,
        evse_uid=charger.evse_uid,
        name=str(known["name"]),
        label=charger.label,
        address=str(known["address"]),
        city=str(known["city"]),
        start=start,
        end=end,
        estimated_price=estimate,
        freed_at=freed_at or now,
        created_at=now,
        expires_at=max(expires, now + timedelta(minutes=1)),
    )
    entry.state = WaitlistEntry.State.OFFERED
    entry.save(update_fields=["state", "updated_at"])
    return offer


def tidy_site(site: Site, *, now: datetime) -> None:
    """Run out overdue offers; let go of entries whose time has passed or that
    their person booked another way."""
    overdue = Offer.objects.open().filter(entry__site=site, expires_at__lte=now)
    for offer in overdue:
        close_offer(offer, Offer.State.EXPIRED, now=now)
    rules = policy.Rules.for_site(site)
    for entry in WaitlistEntry.objects.in_line().filter(site=site):
        if entry.start + entry.flex < now + rules.min_lead:
            _leave(entry, WaitlistEntry.State.LAPSED)
            continue
        booked = (
            Booking.objects.for_employee(entry.employee)
            .live()
            .filter(
                reservation_start__lt=entry.latest_end,
                reservation_end__gt=entry.earliest,
            )
            .first()
        )
        if booked is not None:
            entry.booking = booked
            _leave(entry, WaitlistEntry.State.BOOKED)


def _leave(entry: WaitlistEntry, state: str) -> None:
    Offer.objects.open().filter(entry=entry).update(
        state=Offer.State.WITHDRAWN, closed_at=timezone.now()
    )
    entry.state = state
    entry.save(update_fields=["state", "booking", "updated_at"])


def close_offer(offer: Offer, state: str, *, now: datetime, message: str = "") -> bool:
    """Close an open offer (once: a second call finds it closed). The entry
    goes back to waiting, unless it was booked."""
    closed = Offer.objects.filter(pk=offer.pk, state=Offer.State.OPEN).update(
        state=state, closed_at=now, message=message[:500]
    )
    if not closed:
        return False
    offer.state = state
    if state != Offer.State.ACCEPTED:
        WaitlistEntry.objects.filter(
            pk=offer.entry_id, state=WaitlistEntry.State.OFFERED
        ).update(state=WaitlistEntry.State.WAITING, updated_at=now)
    return True


def sites_with_people_waiting() -> list[int]:
    return list(
        WaitlistEntry.objects.in_line().values_list("site_id", flat=True).distinct()
    )


def employee_in_line(employee: Employee) -> list[WaitlistEntry]:
    return list(
        WaitlistEntry.objects.in_line().filter(employee=employee).select_related("site")
    )


@dataclass(frozen=True)
class Tick:
    sites: int
    offers: int
    requests: int


def refresh_where_waiting(site_ids: Sequence[int], now: datetime) -> int:
    """Ask the API about bookings at these sites whose status decides whether
    time frees up (started but not known to be attended, or ending), within
    the feature's share of the quota. Returns the requests spent."""
    from bookings.services import refresh_bookings
    from bookings.waitlist import quota

    due = list(
        Booking.objects.made_here()
        .filter(
            site_id__in=site_ids,
            status__in=(
                BookingStatus.REQUESTED,
                BookingStatus.PENDING,
                BookingStatus.CONFIRMED,
            ),
            reservation_start__lte=now,
            reservation_end__gt=now,
        )
        .select_related("site")
    )
    if not due or not quota.may_spend(2, now):
        return 0
    result = refresh_bookings(due, now=now)
    quota.spent("status_refresh", result.requests, now)
    return result.requests


def tick(now: datetime | None = None) -> Tick:
    now = now or timezone.now()
    site_ids = sites_with_people_waiting()
    requests = refresh_where_waiting(site_ids, now) if site_ids else 0
    offers = 0
    for site_id in site_ids:
        offers += len(match_site(site_id, now=now))
    return Tick(len(site_ids), offers, requests)
