"""A booking's month: the one definition, used by the cap and by every report.

A booking belongs to the calendar month of its `reservation_start` in the
portal's time zone (settings.TIME_ZONE, the company's). One zone for all,
rather than each site's own: a month is an accounting period, and finance,
the department budgets and each person's monthly cap must close the same
month at the same instant, whichever site a booking was at. A company whose
sites all lie in its own zone (the usual case) sees no difference; a site
elsewhere still shows its bookings' times in its own zone.

Not a booking's month: the API's monthly request quota counts in UTC calendar
months (bookings.sync.run.month_start_utc), because the API resets it so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from portal import formatting

_PATTERN = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})$")


def report_tz() -> ZoneInfo:
    """The time zone every month is counted in."""
    return ZoneInfo(settings.TIME_ZONE)


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    def __post_init__(self) -> None:
        if not (1 <= self.month <= 12 and 1 <= self.year <= 9998):
            raise ValueError(f"no such month: {self.year}-{self.month}")

    @classmethod
    def of(cls, moment: datetime | date) -> Month:
        """The month a date, or an instant seen in the portal's time zone, is in."""
        if isinstance(moment, datetime):
            moment = timezone.localtime(moment, report_tz())
        return cls(moment.year, moment.month)

    @classmethod
    def current(cls) -> Month:
        return cls.of(timezone.now())

    @classmethod
    def parse(cls, text: str) -> Month | None:
        """`YYYY-MM`, or None for anything else."""
        match = _PATTERN.match(text.strip())
        if match is None:
            return None
        try:
            return cls(int(match["year"]), int(match["month"]))
        except ValueError:
            return None

    def shifted(self, months: int) -> Month:
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    @property
    def previous(self) -> Month:
        return self.shifted(-1)

    @property
    def next(self) -> Month:
        return self.shifted(1)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def start(self) -> datetime:
        """Midnight on the 1st, in the portal's time zone."""
        return datetime(self.year, self.month, 1, tzinfo=report_tz())

    @property
    def end(self) -> datetime:
        """The start of the next month (exclusive)."""
        return self.next.start

    @property
    def label(self) -> str:
        """“November 2026”, in the current language."""
        return formatting.month(self.first_day)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def __contains__(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    @property
    def reportable(self) -> bool:
        """Whether a report may be asked for this month (see EARLIEST)."""
        return EARLIEST <= self <= LATEST


# The months a report may be asked for. Every booking the portal holds lies in
# this century; keeping the picker inside it keeps each month's start, end and
# the twelve months of its trend far from the ends of the calendar, where a
# date typed into an address (0001-01, 9998-12) overflows a time zone.
EARLIEST = Month(2000, 1)
LATEST = Month(2099, 12)
