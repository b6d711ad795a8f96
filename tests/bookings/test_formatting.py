"""Durations, windows and connectors in words, in the active language."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from bookings.formatting import (
    format_connector,
    format_duration,
    format_window,
)


@pytest.mark.parametrize(
    ("minutes", "words"),
    [(30, "30 minutes"), (60, "1 hour"), (90, "1 hour 30 minutes"), (0, "0 minutes")],
)
def test_durations(minutes: int, words: str) -> None:
    assert format_duration(timedelta(minutes=minutes)) == words


def test_window_in_the_sites_time_zone() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    start = datetime(2026, 3, 10, 7, 0, tzinfo=ZoneInfo("UTC"))
    assert format_window(start, start + timedelta(hours=2), berlin) == (
        "Tue 10 Mar 2026, 08:00–10:00 CET"
    )
    with translation.override("de"):
        assert format_window(start, start + timedelta(hours=26), berlin) == (
            "Di., 10. März 2026, 08:00–Mi., 11. März 2026, 10:00 CET"
        )


def test_connectors_in_words() -> None:
    assert format_connector("IEC_62196_T2_COMBO") == "CCS / Type 2 Combo (DC)"
    assert format_connector("NEMA_5_20") == "NEMA_5_20"
    assert format_connector(None) == ""
