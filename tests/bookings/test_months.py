from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bookings.months import Month


def test_parse_reads_year_and_month() -> None:
    assert Month.parse("2026-03") == Month(2026, 3)


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "26-03", "2026-3", "march", ""])
def test_parse_refuses_anything_else(text: str) -> None:
    assert Month.parse(text) is None


def test_a_booking_belongs_to_its_month_in_the_portals_time_zone() -> None:
    # 22:30 UTC on 31 March is already 1 April in Berlin (UTC+2 in summer).
    late = datetime(2026, 3, 31, 22, 30, tzinfo=UTC)
    assert Month.of(late) == Month(2026, 4)
    assert late in Month(2026, 4)
    assert late not in Month(2026, 3)


def test_month_starts_at_local_midnight() -> None:
    assert Month(2026, 1).start == datetime(2025, 12, 31, 23, 0, tzinfo=UTC)
    assert Month(2026, 12).end == Month(2027, 1).start


def test_shifting_crosses_years() -> None:
    assert Month(2026, 1).previous == Month(2025, 12)
    assert Month(2025, 12).next == Month(2026, 1)
    assert Month(2026, 3).shifted(-14) == Month(2025, 1)
    assert str(Month(2026, 3)) == "2026-03"
