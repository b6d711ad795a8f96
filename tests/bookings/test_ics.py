"""The .ics file: RFC 5545 lines, and a VTIMEZONE that agrees with the IANA data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from bookings import ics
from bookings.models import Booking
from portal.models import Site, User
from tests.bookings.factories import make_booking

ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",  # half an hour of daylight saving
    "America/Santiago",  # changes at midnight
    "Asia/Kolkata",  # no change for decades
    "UTC",
]


def parse_offset(text: str) -> timedelta:
    sign = -1 if text[0] == "-" else 1
    hours, minutes = int(text[1:3]), int(text[3:5])
    seconds = int(text[5:7]) if len(text) > 5 else 0
    return sign * timedelta(hours=hours, minutes=minutes, seconds=seconds)


def onsets(lines: list[str]) -> list[tuple[datetime, timedelta]]:
    """(UTC instant, offset from then on) of each observance, read as a client
    does: DTSTART is a local time in the offset before it (TZOFFSETFROM)."""
    found, current = [], {}
    for line in lines:
        key, _, value = line.partition(":")
        if key in ("BEGIN", "END") and value in ("STANDARD", "DAYLIGHT"):
            if key == "END":
                start = datetime.strptime(current["DTSTART"], "%Y%m%dT%H%M%S")
                before = parse_offset(current["TZOFFSETFROM"])
                instant = (start - before).replace(tzinfo=UTC)
                found.append((instant, parse_offset(current["TZOFFSETTO"])))
            current = {}
        else:
            current[key] = value
    return sorted(found)


def offset_at(table: list[tuple[datetime, timedelta]], instant: datetime) -> timedelta:
    return [offset for onset, offset in table if onset <= instant][-1]


@pytest.mark.parametrize("name", ZONES)
def test_the_vtimezone_gives_the_same_offsets_as_the_iana_data(name: str) -> None:
    zone = ZoneInfo(name)
    start = datetime(2026, 3, 10, 8, tzinfo=UTC)
    table = onsets(ics.vtimezone(zone, name, start, start + timedelta(hours=2)))

    # Every half hour for a year from the booking, and every minute around
    # each change, the file and zoneinfo agree.
    moments = [start + timedelta(minutes=30 * n) for n in range(2 * 24 * 365)]
    for onset, _offset in table:
        moments += [onset + timedelta(minutes=m) for m in range(-90, 91)]
    for moment in moments:
        if moment >= start:
            assert offset_at(table, moment) == moment.astimezone(zone).utcoffset(), (
                moment
            )


def test_berlin_changes_at_two_and_three_in_the_old_offset() -> None:
    zone = ZoneInfo("Europe/Berlin")
    start = datetime(2026, 3, 10, 8, tzinfo=UTC)
    text = "\n".join(ics.vtimezone(zone, "Europe/Berlin", start, start))

    assert "BEGIN:DAYLIGHT\nDTSTART:20260329T020000\nTZOFFSETFROM:+0100\n" in text
    assert "BEGIN:STANDARD\nDTSTART:20261025T030000\nTZOFFSETFROM:+0200\n" in text


def test_long_lines_are_folded_at_75_octets_without_splitting_characters() -> None:
    line = "DESCRIPTION:" + "Kaiserstraße ✓ " * 20
    parts = list(ics.fold(line))

    assert all(len(part.encode()) <= 75 for part in parts)
    assert all(part.startswith(" ") for part in parts[1:])
    assert parts[0] + "".join(p[1:] for p in parts[1:]) == line


def test_text_is_escaped() -> None:
    assert ics.escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


@pytest.mark.django_db
def test_a_booking_as_a_calendar_event(employee: User, site: Site) -> None:
    booking = make_booking(
        employee.employee,
        start=datetime(2026, 7, 1, 6, 0, tzinfo=UTC),
        location_name="Garage; P1, left",
    )
    now = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)

    text = ics.booking_calendar(booking, url="https://ev.example.com/b/1/", now=now)

    assert text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")
    lines = text.split("\r\n")
    unfolded = text.replace("\r\n ", "")
    assert "DTSTART;TZID=Europe/Berlin:20260701T080000" in lines
    assert "DTEND;TZID=Europe/Berlin:20260701T100000" in lines
    assert "DTSTAMP:20260601T120000Z" in lines
    assert f"UID:booking-{booking.pk}@127.0.0.1" in lines
    assert "SUMMARY:EV charging: Garage\\; P1\\, left" in unfolded
    assert "STATUS:CONFIRMED" in lines
    assert f"Reference: {booking.external_id}" in unfolded
    assert "Estimated price: €8.50" in unfolded
    assert all(len(line.encode()) <= 75 for line in lines)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "expected", "sequence"),
    [
        ("REQUESTED", "TENTATIVE", 0),
        ("SUBMITTING", "TENTATIVE", 0),
        ("CONFIRMED", "CONFIRMED", 0),
        ("CANCELLED", "CANCELLED", 1),
    ],
)
def test_the_event_status_follows_the_booking(
    employee: User, status: str, expected: str, sequence: int
) -> None:
    booking: Booking = make_booking(employee.employee, status=status)
    text = ics.booking_calendar(booking, url="https://x/")
    assert f"STATUS:{expected}\r\n" in text
    assert f"SEQUENCE:{sequence}\r\n" in text


@pytest.mark.django_db
def test_a_booking_without_a_site_uses_the_portals_time_zone(
    employee: User, settings: Any
) -> None:
    booking = make_booking(employee.employee, site=None, start=timezone.now())
    assert "DTSTART;TZID=Europe/Berlin:" in ics.booking_calendar(booking, url="x")
