"""Dates, times, money and numbers as each language writes them: the one
place pages, e-mails, passes, calendar files and report tables take them from.

German: "Mi., 2. Dez. 2026", "09:00", "1.234,50 €". English: "Wed 2 Dec 2026",
"09:00", "€1,234.50". The patterns live in portal/formats/<language>/formats.py
(FORMAT_MODULE_PATH); Django's own English ones are American and never used.

CSV files, form inputs, SVG geometry and data attributes do not come here:
they keep ISO dates and point decimals in every language (reports.tables).

An aware datetime is written in its own time zone: callers move it to the
site's zone first (`value.astimezone(site.tzinfo)`). The template filters
below get values already in the current time zone, like Django's `date`.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

from django.utils import formats
from django.utils.translation import get_language

Day = date | datetime


def _own_format(name: str, default: str) -> str:
    """A pattern Django has no setting for (money), from the same modules."""
    for module in formats.get_format_modules(get_language() or "en"):
        pattern = getattr(module, name, None)
        if isinstance(pattern, str):
            return pattern
    return default


def day(value: Day) -> str:
    """Wed 2 Dec 2026 / Mi., 2. Dez. 2026."""
    return formats.date_format(value, "DATE_FORMAT")


def day_month(value: Day) -> str:
    """Wed 2 Dec / Mi., 2. Dez. (when the year goes without saying)."""
    return formats.date_format(value, "MONTH_DAY_FORMAT")


def short_day(value: Day) -> str:
    """2 Dec 2026 / 02.12.2026, for table cells."""
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def clock(value: datetime | time) -> str:
    """09:00 in both languages."""
    return formats.time_format(value, "TIME_FORMAT")


def moment(value: datetime) -> str:
    """Wed 2 Dec 2026, 09:00 / Mi., 2. Dez. 2026, 09:00."""
    return formats.date_format(value, "DATETIME_FORMAT")


def day_month_clock(value: datetime) -> str:
    """Wed 2 Dec, 09:00 / Mi., 2. Dez., 09:00 (when the year goes without saying)."""
    return f"{day_month(value)}, {clock(value)}"


def short_moment(value: datetime) -> str:
    """2 Dec 2026, 09:00 / 02.12.2026, 09:00, for table cells."""
    return formats.date_format(value, "SHORT_DATETIME_FORMAT")


def month(value: Day) -> str:
    """December 2026 / Dezember 2026."""
    return formats.date_format(value, "YEAR_MONTH_FORMAT")


def month_name(value: Day) -> str:
    """December / Dezember."""
    return formats.date_format(value, "F")


def number(value: Decimal | int | float, places: int | None = None) -> str:
    """1,234.5 / 1.234,5: grouped, with `places` decimals when given."""
    if places is not None:
        # Half up, as people and invoices round (not the banker's half even).
        value = Decimal(value).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    return formats.number_format(value, places, use_l10n=True, force_grouping=True)


def money(amount: Decimal | None, currency: str = "EUR") -> str:
    """€1,234.50 / 1.234,50 € (a dash for no amount). Other currencies than
    the API's EUR are written with their code after the number."""
    if amount is None:
        return "—"
    sign = "-" if amount < 0 else ""
    figure = number(abs(amount), 2)
    if currency == "EUR":
        pattern = _own_format("MONEY_FORMAT", "{sign}€{amount}")
        return pattern.format(sign=sign, amount=figure)
    return f"{sign}{figure}\u00a0{currency}"
