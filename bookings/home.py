"""The home page's charging and visitor cards (registered in BookingsConfig)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from bookings import policy
from bookings.models import Booking
from portal.models import Site, User
from portal.roles import BOOK_CHARGING, BOOK_VISITORS

NEXT_SHOWN = 3
VISITORS_SHOWN = 8
# How many of a person's latest bookings "book again" looks at.
HABIT_BOOKINGS = 20


@dataclass(frozen=True)
class BookAgain:
    """The person's usual site and time, as a search ready to run."""

    site: Site
    day: date
    start: time
    end: time

    @property
    def url(self) -> str:
        query = urlencode(
            {
                "site": self.site.pk,
                "date": self.day.isoformat(),
                "start": self.start.strftime("%H:%M"),
                "end": self.end.strftime("%H:%M"),
            }
        )
        return f"{reverse('bookings:new')}?{query}"


def book_again(employee: Any, now: datetime) -> BookAgain | None:
    """The site and window the person booked most often lately, on its next day."""
    latest = (
        Booking.objects.for_employee(employee)
        .filter(site__isnull=False, reservation_start__lte=now)
        .select_related("site")
        .order_by("-reservation_start")[:HABIT_BOOKINGS]
    )
    habits: Counter[tuple[Site, time, time]] = Counter()
    for booking in latest:
        if booking.site is None:  # filtered out above; this tells mypy
            continue
        zone = booking.site.tzinfo
        began = timezone.localtime(booking.reservation_start, zone)
        ended = timezone.localtime(booking.reservation_end, zone)
        if began.date() == ended.date():
            habits[(booking.site, began.time(), ended.time())] += 1
    if not habits:
        return None
    (site, start, end), _count = habits.most_common(1)[0]
    local_now = timezone.localtime(now, site.tzinfo)
    day = local_now.date()
    if local_now.time() >= start:
        day += timedelta(days=1)
    return BookAgain(site=site, day=day, start=start, end=end)


def charging_card(user: User, now: datetime) -> dict[str, Any]:
    employee = getattr(user, "employee", None)
    if employee is None or not user.has_perm(BOOK_CHARGING):
        return {}
    upcoming = list(
        Booking.objects.for_employee(employee)
        .upcoming(now)
        .order_by("reservation_start")[: NEXT_SHOWN + 1]
    )
    return {
        "charging": {
            "can_book": employee.can_book,
            "next": upcoming[:NEXT_SHOWN],
            "more": len(upcoming) > NEXT_SHOWN,
            "cap": policy.cap_use(employee, start=now),
            "again": book_again(employee, now) if employee.can_book else None,
        }
    }


def visitors_card(user: User, now: datetime) -> dict[str, Any]:
    if not user.has_perm(BOOK_VISITORS):
        return {}
    today = timezone.localdate(now)
    zone = timezone.get_current_timezone()
    day_start = timezone.make_aware(datetime.combine(today, time.min), zone)
    today_bookings = (
        Booking.objects.for_reception(user)
        .filter(
            reservation_start__lt=day_start + timedelta(days=1),
            reservation_end__gt=day_start,
        )
        .select_related("visit", "visit__site")
        .order_by("reservation_start", "pk")
    )
    rows = list(today_bookings[: VISITORS_SHOWN + 1])
    return {
        "visitors_today": {
            "bookings": rows[:VISITORS_SHOWN],
            "more": len(rows) > VISITORS_SHOWN,
        }
    }
