"""Durations, booking windows and connectors in words, in the active language.

Shared by messages built in Python (policy refusals) and by templates (the
`booking_tags` filters), so a price reads the same everywhere.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils.translation import gettext_lazy, ngettext

from portal import formatting

# The documented "common" connector types (Part A §7.1), in people's words.
CONNECTOR_TYPES = [
    ("IEC_62196_T2", gettext_lazy("Type 2 (AC)")),
    ("IEC_62196_T2_COMBO", gettext_lazy("CCS / Type 2 Combo (DC)")),
    ("CHADEMO", gettext_lazy("CHAdeMO (DC)")),
    ("IEC_62196_T1_COMBO", gettext_lazy("CCS / Type 1 Combo (DC)")),
    ("TESLA_S", gettext_lazy("Tesla Supercharger")),
]


def format_duration(span: timedelta) -> str:
    """“4 hours”, “30 minutes”, “1 hour 30 minutes”."""
    minutes = max(0, int(span.total_seconds() // 60))
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours})
    if minutes or not hours:
        parts.append(
            ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
        )
    return " ".join(parts)


def format_window(start: datetime, end: datetime, tzinfo: Any) -> str:
    """E.g. “Tue 10 Mar 2026, 08:00 to 10:00 CET” (with a dash), at the site."""
    start = start.astimezone(tzinfo)
    end = end.astimezone(tzinfo)
    first = formatting.clock(start)
    if end.date() == start.date():
        last = formatting.clock(end)
    else:
        last = formatting.moment(end)
    return f"{formatting.day(start)}, {first}–{last} {start.tzname()}"


def format_connector(code: str | None) -> str:
    """A connector standard in words; codes we have no words for as they are."""
    if not code:
        return ""
    return str(dict(CONNECTOR_TYPES).get(code, code))
