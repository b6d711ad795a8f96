"""The portal's formats as template filters, built into every template
(TEMPLATES' "builtins"): {{ booking.reservation_start|day }}, {{ price|money }}.

The date and time filters get their value in the current time zone, as
Django's own `date` filter does; use {% timezone site.tzinfo %} for a site's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django import template

from portal import formatting

register = template.Library()


def _when(function: Callable[[Any], str]) -> Callable[[Any], str]:
    def apply(value: date | datetime | time | None) -> str:
        if value in (None, ""):
            return ""
        return str(function(value))

    apply.__name__ = function.__name__
    apply.__doc__ = function.__doc__
    register.filter(function.__name__, apply, expects_localtime=True)
    return apply


for _function in (
    formatting.day,
    formatting.day_month,
    formatting.short_day,
    formatting.clock,
    formatting.moment,
    formatting.day_month_clock,
    formatting.short_moment,
    formatting.month,
):
    _when(_function)


@register.filter
def money(amount: Decimal | None, currency: str = "EUR") -> str:
    return formatting.money(amount, currency or "EUR")


@register.filter
def number(value: Decimal | int | float | None, places: int | None = None) -> str:
    if value is None or value == "":
        return ""
    return formatting.number(value, None if places is None else int(places))
