"""The company's booking rules for employees, and the one place they are enforced.

Rules about the window (how soon, how long, how far ahead) come from the
BOOKING_* settings, each overridable per site (Site.booking_*), because they
belong to the place: its operators' limits and how scarce its chargers are.
Rules about the person (bookings a day, upcoming bookings, the monthly cap)
are company-wide: a person's bookings span sites, and the cap is set per
department or person.

This module only judges: it returns problems and never writes. Forms call the
checks to show problems early; `services.create_booking` asks again inside the
transaction that writes the booking, with the employee's row locked, so two
bookings made at the same moment cannot together break a rule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bookings import money
from bookings.chargers import ChargerOffer
from bookings.formatting import format_duration, format_window
from bookings.models import Booking
from bookings.money import ZERO
from bookings.months import Month
from bookings.statuses import BookingStatus
from portal import formatting
from portal.models import Employee, Site

# Rule names, for tests and for telling which form field a problem belongs to.
INACTIVE = "inactive"
NO_IDENTITY = "no_identity"
LEAD = "lead"
DURATION = "duration"
HORIZON = "horizon"
UNSETTLED = "unsettled"
PER_DAY = "per_day"
UPCOMING = "upcoming"
CAP = "cap"
NO_SHOWS = "no_shows"
FORM = "form"


@dataclass(frozen=True)
class Rules:
    """The rules that apply to a booking at one site."""

    min_lead: timedelta
    min_duration: timedelta
    max_duration: timedelta
    max_days_ahead: int
    max_per_day: int
    max_upcoming: int

    @classmethod
    def company(cls) -> Rules:
        return cls(
            min_lead=timedelta(minutes=settings.BOOKING_MIN_LEAD_MINUTES),
            min_duration=timedelta(minutes=settings.BOOKING_MIN_MINUTES),
            max_duration=timedelta(minutes=settings.BOOKING_MAX_MINUTES),
            max_days_ahead=settings.BOOKING_MAX_DAYS_AHEAD,
            max_per_day=settings.BOOKING_MAX_PER_DAY,
            max_upcoming=settings.BOOKING_MAX_UPCOMING,
        )

    @classmethod
    def for_site(cls, site: Site | None) -> Rules:
        rules = cls.company()
        if site is None:
            return rules

        def minutes(value: int | None, default: timedelta) -> timedelta:
            return default if value is None else timedelta(minutes=value)

        return cls(
            min_lead=minutes(site.booking_min_lead_minutes, rules.min_lead),
            min_duration=minutes(site.booking_min_minutes, rules.min_duration),
            max_duration=minutes(site.booking_max_minutes, rules.max_duration),
            max_days_ahead=site.booking_max_days_ahead or rules.max_days_ahead,
            max_per_day=rules.max_per_day,
            max_upcoming=rules.max_upcoming,
        )

    def describe(self) -> list[str]:
        """The rules in words, for the page where people choose."""
        return [
            _("Start at least %(lead)s from now.")
            % {"lead": format_duration(self.min_lead)},
            _("Book from %(shortest)s to %(longest)s at a time.")
            % {
                "shortest": format_duration(self.min_duration),
                "longest": format_duration(self.max_duration),
            },
            ngettext(
                "Book at most %(days)d day ahead.",
                "Book at most %(days)d days ahead.",
                self.max_days_ahead,
            )
            % {"days": self.max_days_ahead},
            ngettext(
                "One booking a day.",
                "At most %(count)d bookings a day.",
                self.max_per_day,
            )
            % {"count": self.max_per_day},
            ngettext(
                "At most %(count)d upcoming booking at a time.",
                "At most %(count)d upcoming bookings at a time.",
                self.max_upcoming,
            )
            % {"count": self.max_upcoming},
        ]


def sites_with_own_rules() -> list[tuple[Site, list[str]]]:
    """Sites whose rules differ from the company's, with their rules in words."""
    company = Rules.company()
    overridden = Site.objects.filter(
        Q(booking_min_lead_minutes__isnull=False)
        | Q(booking_min_minutes__isnull=False)
        | Q(booking_max_minutes__isnull=False)
        | Q(booking_max_days_ahead__isnull=False)
    )
    result = []
    for site in overridden:
        rules = Rules.for_site(site)
        if rules != company:
            own = [r for r in rules.describe() if r not in company.describe()]
            result.append((site, own))
    return result


@dataclass(frozen=True)
class Problem:
    """One broken rule, in words that name the rule and the numbers."""

    rule: str
    message: str

    def __str__(self) -> str:
        return self.message


# --- the checks -----------------------------------------------------------------


def account_problems(employee: Employee) -> list[Problem]:
    """What stops this person from booking at all."""
    if not employee.is_active or not employee.user.is_active:
        return [
            Problem(
                INACTIVE,
                _(
                    "Your employee record is inactive, so you cannot book "
                    "charging. Ask an administrator if this is a mistake."
                ),
            )
        ]
    if not employee.can_book:
        return [
            Problem(
                NO_IDENTITY,
                _(
                    "You cannot book yet: an administrator must first set your "
                    "Petitmonde customer id or token id, which the charger uses "
                    "to recognise you."
                ),
            )
        ]
    return []


def window_problems(
    rules: Rules, *, start: datetime, end: datetime, tzinfo: Any, now: datetime
) -> list[Problem]:
    """How soon, how long and how far ahead: the rules of the window itself."""
    problems = []
    if start <= now:
        problems.append(Problem(LEAD, _("That start time has already passed.")))
    elif start - now < rules.min_lead:
        problems.append(
            Problem(
                LEAD,
                _(
                    "A booking must start at least %(lead)s from now; this one "
                    "would start in %(left)s."
                )
                % {
                    "lead": format_duration(rules.min_lead),
                    "left": format_duration(start - now),
                },
            )
        )
    # In UTC: aware datetimes of one zone subtract as wall-clock times, which
    # the night the clocks change is an hour off.
    length = end.astimezone(UTC) - start.astimezone(UTC)
    if end <= start:
        problems.append(Problem(DURATION, _("The end must be after the start.")))
    elif not rules.min_duration <= length <= rules.max_duration:
        problems.append(
            Problem(
                DURATION,
                _(
                    "A booking lasts from %(shortest)s to %(longest)s; this one "
                    "would last %(length)s."
                )
                % {
                    "shortest": format_duration(rules.min_duration),
                    "longest": format_duration(rules.max_duration),
                    "length": format_duration(length),
                },
            )
        )
    latest = now + timedelta(days=rules.max_days_ahead)
    if start > latest:
        days = math.ceil((start - now) / timedelta(days=1))
        problems.append(
            _horizon_problem(rules, latest=latest, days=days, tzinfo=tzinfo)
        )
    return problems


def day_problems(
    rules: Rules, *, day: date, tzinfo: Any, now: datetime
) -> list[Problem]:
    """The window rules a local day breaks whatever the times on it.

    Checked before the day becomes instants: every start on a day before today
    has passed, every start on a day after the latest start's is too far ahead,
    and a day such as 0001-01-01 or 9999-12-31 cannot even be moved between
    time zones.
    """
    today = now.astimezone(tzinfo).date()
    latest = now + timedelta(days=rules.max_days_ahead)
    if day < today:
        return [Problem(LEAD, _("That day has already passed."))]
    if day > latest.astimezone(tzinfo).date():
        days = (day - today).days
        return [_horizon_problem(rules, latest=latest, days=days, tzinfo=tzinfo)]
    return []


def _horizon_problem(
    rules: Rules, *, latest: datetime, days: int, tzinfo: Any
) -> Problem:
    return Problem(
        HORIZON,
        ngettext(
            "You can book at most %(max)d day ahead (until %(latest)s); "
            "this booking would start in %(days)d days.",
            "You can book at most %(max)d days ahead (until %(latest)s); "
            "this booking would start in %(days)d days.",
            rules.max_days_ahead,
        )
        % {
            "max": rules.max_days_ahead,
            "latest": formatting.moment(latest.astimezone(tzinfo)),
            "days": days,
        },
    )


def day_bounds(day: date, tzinfo: Any) -> tuple[datetime, datetime]:
    """The first and the first-after-last instant of a local day."""
    first = datetime.combine(day, time(), tzinfo=tzinfo)
    following = datetime.combine(day + timedelta(days=1), time(), tzinfo=tzinfo)
    return first, following


def count_problems(
    employee: Employee,
    *,
    rules: Rules,
    start: datetime,
    end: datetime,
    tzinfo: Any,
    now: datetime,
) -> list[Problem]:
    """Bookings a day and upcoming bookings (cancelled and ended ones do not count).

    A booking still being checked counts like any other (it may exist), and
    one overlapping `start` to `end` refuses the booking on its own: until
    the portal knows whether it was made, that time cannot be booked again.
    """
    problems = []
    day = start.astimezone(tzinfo).date()
    mine = Booking.objects.for_employee(employee)
    checking = mine.filter(
        status=BookingStatus.SUBMITTING,
        reservation_start__lt=end,
        reservation_end__gt=start,
    ).first()
    if checking is not None:
        problems.append(
            Problem(
                UNSETTLED,
                _(
                    "Your booking for %(window)s is still being checked with the "
                    "booking service. You can book this time again once we know "
                    "whether it was made, usually within a few minutes."
                )
                % {
                    "window": format_window(
                        checking.reservation_start,
                        checking.reservation_end,
                        checking.tzinfo,
                    )
                },
            )
        )
    same_day = mine.live().starting_between(*day_bounds(day, tzinfo)).count()
    if same_day >= rules.max_per_day and checking is None:
        problems.append(
            Problem(
                PER_DAY,
                ngettext(
                    "You can have %(max)d booking a day, and you already have "
                    "%(count)d on %(day)s.",
                    "You can have %(max)d bookings a day, and you already have "
                    "%(count)d on %(day)s.",
                    rules.max_per_day,
                )
                % {
                    "max": rules.max_per_day,
                    "count": same_day,
                    "day": formatting.day(day),
                },
            )
        )
    upcoming = mine.upcoming(now).count()
    if upcoming >= rules.max_upcoming:
        problems.append(
            Problem(
                UPCOMING,
                ngettext(
                    "You can have %(max)d upcoming booking at a time, and you "
                    "already have %(count)d. Cancel one, or wait until one has "
                    "ended.",
                    "You can have %(max)d upcoming bookings at a time, and you "
                    "already have %(count)d. Cancel one, or wait until one has "
                    "ended.",
                    rules.max_upcoming,
                )
                % {"max": rules.max_upcoming, "count": upcoming},
            )
        )
    return problems


def no_shows_this_month(employee: Employee, *, now: datetime) -> int:
    """Bookings of this month the person left unused (no-show or expired)."""
    month = Month.of(now)
    return (
        Booking.objects.for_employee(employee)
        .filter(status__in=(BookingStatus.NO_SHOW, BookingStatus.EXPIRED))
        .starting_between(month.start, month.end)
        .count()
    )


def no_show_problems(
    employee: Employee, *, start: datetime, tzinfo: Any, now: datetime
) -> list[Problem]:
    """After NO_SHOW_LIMIT unused bookings in a month, a person books only
    NO_SHOW_MAX_DAYS_AHEAD days ahead until the month ends."""
    limit = settings.NO_SHOW_LIMIT
    if not limit:
        return []
    days = settings.NO_SHOW_MAX_DAYS_AHEAD
    if start <= now + timedelta(days=days):
        return []
    unused = no_shows_this_month(employee, now=now)
    if unused < limit:
        return []
    month = formatting.month(Month.of(now).first_day)
    # Two whole sentences, each with its own count.
    return [
        Problem(
            NO_SHOWS,
            ngettext(
                "You left %(count)d booking unused this month (no-show or expired).",
                "You left %(count)d bookings unused this month (no-show or expired).",
                unused,
            )
            % {"count": unused}
            + " "
            + ngettext(
                "Until the end of %(month)s you can book at most %(days)d day ahead.",
                "Until the end of %(month)s you can book at most %(days)d days ahead.",
                days,
            )
            % {"month": month, "days": days},
        )
    ]


@dataclass(frozen=True)
class CapUse:
    """A person's cap use (bookings.money) in one month against their cap."""

    cap: Decimal | None  # None: no cap
    used: Decimal
    month: date  # its first day

    @property
    def month_name(self) -> str:
        return formatting.month_name(self.month)

    @property
    def remaining(self) -> Decimal | None:
        return None if self.cap is None else max(ZERO, self.cap - self.used)

    def allows(self, estimate: Decimal | None) -> bool:
        return self.cap is None or self.used + (estimate or ZERO) <= self.cap

    def problems(self, estimate: Decimal | None) -> list[Problem]:
        if self.allows(estimate):
            return []
        assert self.cap is not None
        return [
            Problem(
                CAP,
                _(
                    "You have used %(used)s of your %(cap)s cap for %(month)s; "
                    "this booking is estimated at %(estimate)s."
                )
                % {
                    "used": formatting.money(self.used),
                    "cap": formatting.money(self.cap),
                    "month": self.month_name,
                    "estimate": formatting.money(estimate or ZERO),
                },
            )
        ]


def cap_use(employee: Employee, *, start: datetime) -> CapUse:
    """The cap use (bookings.money) of the month (bookings.months) of `start`."""
    month = Month.of(start)
    used = (
        Booking.objects.for_employee(employee)
        .starting_between(month.start, month.end)
        .aggregate(used=money.cap_use())["used"]
    )
    return CapUse(
        cap=employee.effective_monthly_cap,
        used=(used or ZERO).quantize(Decimal("0.01")),
        month=month.first_day,
    )


def offer_problems(
    employee: Employee, *, offer: ChargerOffer, site: Site
) -> list[Problem]:
    """Every rule that booking this offer would break (none: it may be made)."""
    return problems_for(
        employee,
        site=site,
        start=offer.start,
        end=offer.end,
        estimate=offer.estimated_price,
    )


def problems_for(
    employee: Employee,
    *,
    site: Site,
    start: datetime,
    end: datetime,
    estimate: Decimal | None,
    now: datetime | None = None,
) -> list[Problem]:
    """Every rule this booking would break (none: it may be made)."""
    now = now or timezone.now()
    problems = account_problems(employee)
    if problems:
        return problems
    rules = Rules.for_site(site)
    tzinfo = site.tzinfo
    problems = window_problems(rules, start=start, end=end, tzinfo=tzinfo, now=now)
    problems += no_show_problems(employee, start=start, tzinfo=tzinfo, now=now)
    problems += count_problems(
        employee, rules=rules, start=start, end=end, tzinfo=tzinfo, now=now
    )
    problems += cap_use(employee, start=start).problems(estimate)
    return problems
