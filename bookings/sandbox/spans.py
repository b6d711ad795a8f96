"""Spans of time written the short way: 30s, 15m, 2h, 1d, 1h30m."""

from __future__ import annotations

import re
from datetime import timedelta

PART = re.compile(r"(\d+)([smhd])")
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_span(text: str) -> timedelta:
    text = text.strip().lower()
    if not text or PART.sub("", text):
        raise ValueError(f"{text!r} is not a span such as 30s, 15m, 2h, 1d or 1h30m")
    span = timedelta()
    for amount, unit in PART.findall(text):
        span += timedelta(**{UNITS[unit]: int(amount)})
    return span
