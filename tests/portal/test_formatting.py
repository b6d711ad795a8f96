"""Each language's dates, times, money and numbers (portal.formatting)."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from portal import formatting

BERLIN = ZoneInfo("Europe/Berlin")
# 09:05 in Berlin on Wednesday 2 December 2026; 08:05 UTC.
MORNING = datetime(2026, 12, 2, 9, 5, tzinfo=BERLIN)
NBSP = "\u00a0"

CASES = [
    # (function, value, German, English)
    (formatting.day, date(2026, 12, 2), "Mi., 2. Dez. 2026", "Wed 2 Dec 2026"),
    (formatting.day, date(2026, 5, 1), "Fr., 1. Mai 2026", "Fri 1 May 2026"),
    (formatting.day, date(2026, 3, 9), "Mo., 9. März 2026", "Mon 9 Mar 2026"),
    (formatting.day_month, date(2026, 12, 2), "Mi., 2. Dez.", "Wed 2 Dec"),
    (formatting.short_day, date(2026, 12, 2), "02.12.2026", "2 Dec 2026"),
    (formatting.clock, MORNING, "09:05", "09:05"),
    (formatting.clock, time(21, 30), "21:30", "21:30"),
    (formatting.moment, MORNING, "Mi., 2. Dez. 2026, 09:05", "Wed 2 Dec 2026, 09:05"),
    (formatting.day_month_clock, MORNING, "Mi., 2. Dez., 09:05", "Wed 2 Dec, 09:05"),
    (formatting.short_moment, MORNING, "02.12.2026, 09:05", "2 Dec 2026, 09:05"),
    (formatting.month, date(2026, 12, 1), "Dezember 2026", "December 2026"),
    (formatting.month_name, date(2026, 3, 1), "März", "March"),
    (formatting.money, Decimal("1234.5"), f"1.234,50{NBSP}€", "€1,234.50"),
    (formatting.money, Decimal("0"), f"0,00{NBSP}€", "€0.00"),
    (formatting.money, Decimal("-17.905"), f"-17,91{NBSP}€", "-€17.91"),
    (formatting.money, Decimal("1234567.891"), f"1.234.567,89{NBSP}€", "€1,234,567.89"),
    (formatting.money, None, "—", "—"),
    (formatting.number, Decimal("1234.5"), "1.234,5", "1,234.5"),
    (formatting.number, 1234567, "1.234.567", "1,234,567"),
]


@pytest.mark.parametrize(("function", "value", "german", "english"), CASES)
def test_each_language_writes_it_its_way(
    function: object, value: object, german: str, english: str
) -> None:
    with translation.override("de"):
        assert function(value) == german  # type: ignore[operator]
    with translation.override("en"):
        assert function(value) == english  # type: ignore[operator]


def test_a_number_with_places() -> None:
    with translation.override("de"):
        assert formatting.number(Decimal("2.25"), 1) == "2,3"
        assert formatting.number(7, 2) == "7,00"


def test_other_currencies_keep_their_code() -> None:
    with translation.override("en"):
        assert formatting.money(Decimal("5"), "CHF") == f"5.00{NBSP}CHF"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("de", f"Mi., 2. Dez. 2026 · 09:05 · Mi., 2. Dez. · 12,50{NBSP}€"),
        ("en", "Wed 2 Dec 2026 · 09:05 · Wed 2 Dec · €12.50"),
    ],
)
def test_the_template_filters_are_built_in(language: str, expected: str) -> None:
    """No {% load %}: every template has them; times in the current zone."""
    template = Template(
        "{{ when|day }} · {{ when|clock }} · {{ when|day_month }} · {{ price|money }}"
    )
    utc = MORNING.astimezone(ZoneInfo("UTC"))
    with translation.override(language), timezone.override(BERLIN):
        text = template.render(Context({"when": utc, "price": Decimal("12.5")}))
    assert text == expected


def test_no_american_dates_in_english() -> None:
    """Django's own English formats give "Dec. 2, 2026" and "12/02/2026"."""
    with translation.override("en"):
        for function in (formatting.day, formatting.short_day, formatting.moment):
            text = function(MORNING)
            assert "/" not in text
            assert "Dec." not in text
            assert "p.m." not in text and "a.m." not in text
