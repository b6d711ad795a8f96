"""When a job is due: every N minutes, daily or monthly at a wall-clock time.

Wall-clock times are in the portal's time zone (settings.TIME_ZONE).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _


class Schedule(Protocol):
    @property
    def catch_up_each(self) -> bool:
        """Whether each missed due time gets its own run (monthly reports),
        or one run catches up all the missed ones (syncs, clean-ups)."""
        ...

    def next_after(self, moment: datetime) -> datetime: ...

    def describe(self) -> str: ...


@dataclass(frozen=True)
class Every:
    """Every N minutes; N may come from a setting, read when it is needed."""

    minutes: int = 0
    setting: str = ""
    catch_up_each: bool = False

    @property
    def interval(self) -> timedelta:
        minutes = getattr(settings, self.setting) if self.setting else self.minutes
        return timedelta(minutes=int(minutes))

    def next_after(self, moment: datetime) -> datetime:
        return moment + self.interval

    def describe(self) -> str:
        return _("every %(minutes)s minutes") % {
            "minutes": int(self.interval.total_seconds() // 60)
        }


def _portal_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _local(day: date, at: time) -> datetime:
    # In UTC, so that a wall-clock time skipped by daylight saving (02:30 on
    # the last Sunday of March) becomes a real instant (03:30 summer time).
    return datetime.combine(day, at, tzinfo=_portal_tz()).astimezone(UTC)


@dataclass(frozen=True)
class DailyAt:
    """Every day at a wall-clock time in the portal's time zone."""

    hour: int
    minute: int = 0
    catch_up_each: bool = False

    def next_after(self, moment: datetime) -> datetime:
        day = timezone.localtime(moment, _portal_tz()).date()
        candidate = _local(day, time(self.hour, self.minute))
        while candidate <= moment:
            day += timedelta(days=1)
            candidate = _local(day, time(self.hour, self.minute))
        return candidate

    def describe(self) -> str:
        return _("daily at %(time)s") % {"time": f"{self.hour:02d}:{self.minute:02d}"}


@dataclass(frozen=True)
class MonthlyAt:
    """On a day of every month at a wall-clock time; each missed month runs."""

    day: int = 1
    hour: int = 6
    catch_up_each: bool = True

    def next_after(self, moment: datetime) -> datetime:
        # Months are stepped here rather than with reports' Month: the
        # scheduler is below the apps whose jobs it runs, and imports none.
        local = timezone.localtime(moment, _portal_tz())
        year, month = local.year, local.month
        while True:
            candidate = _local(date(year, month, self.day), time(self.hour))
            if candidate > moment:
                return candidate
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)

    def describe(self) -> str:
        return _("monthly on day %(day)s at %(hour)s:00") % {
            "day": self.day,
            "hour": f"{self.hour:02d}",
        }
