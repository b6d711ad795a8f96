"""Money, durations and windows in words, in the active language.

Shared by messages built in Python (policy refusals) and by templates (the
`booking_tags` filters), so a price reads the same everywhere.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

# The documented "common" connector types (Part A §7.1), in people's words.
CONNECTOR_TYPES = [
    ("IEC_62196_T2", gettext_lazy("Type 2 (AC)")),
    ("IEC_62196_T2_COMBO", gettext_lazy("CCS / Type 2 Combo (DC)")),
    ("CHADEMO", gettext_lazy("CHAdeMO (DC)")),
    ("IEC_62196_T1_COMBO", gettext_lazy("CCS / Type 1 Combo (DC)")),
    ("TESLA_S", gettext_lazy("Tesla Supercharger")),
]


def format_money(amount: Decimal | None, currency: str = "EUR") -> str:
    """€38.20 in English, 38,20 € in German (the translators place the sign)."""
    if amount is None:
        return "—"
    number = formats.number_format(
        amount.quantize(Decimal("0.01")), 2, use_l10n=True, force_grouping=True
    )
    if currency == "EUR":
        return _("€%(amount)s") % {"amount": number}
    return f"{number} {currency}"


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
    day = formats.date_format(start, "D j M Y")
    first = formats.time_format(start, "H:i")
    if end.date() == start.date():
        last = formats.time_format(end, "H:i")
    else:
        last = (
            formats.date_format(end, "D j M Y") + ", " + formats.time_format(end, "H:i")
        )
    return f"{day}, {first}–{last} {start.tzname()}"


def format_connector(code: str | None) -> str:
    """A connector standard in words; codes we have no words for as they are."""
    if not code:
        return ""
    return str(dict(CONNECTOR_TYPES).get(code, code))
