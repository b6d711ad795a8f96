from __future__ import annotations

from datetime import date

import pytest

from bookings import external_ids
from bookings.external_ids import ExternalId


def test_documented_example_parses() -> None:
    parsed = external_ids.parse("engineering-emp042-20260210")
    assert parsed == ExternalId("engineering", "emp042", date(2026, 2, 10), 1)
    assert not parsed.is_visitor


def test_second_booking_of_the_day_has_suffix_two() -> None:
    parsed = external_ids.parse("engineering-emp042-20260210-2")
    assert parsed is not None
    assert parsed.n == 2
    assert parsed.base == "engineering-emp042-20260210"
    assert str(parsed) == "engineering-emp042-20260210-2"


def test_visitor_reference_is_recognised() -> None:
    parsed = external_ids.parse("visitor-reception-20260210-3")
    assert parsed is not None
    assert parsed.is_visitor
    assert parsed.n == 3


@pytest.mark.parametrize(
    "value",
    [
        "",
        None,
        "ops manual booking",
        "fleet-van3",
        "Engineering-emp042-20260210",  # capitals are not ours
        "engineering-emp042-20260230",  # no such day
        "engineering-emp042-2026021",  # seven digits
        "engineering-emp042-20260210-1",  # the first booking has no suffix
        "engineering-emp042-20260210-0",
        "sales-eu-emp042-20260210",  # a hyphen inside the department
        "engineering-emp042-20260210-2-extra",
    ],
)
def test_non_conforming_references_are_not_parsed(value: str | None) -> None:
    assert external_ids.parse(value) is None


def test_first_free_skips_taken_references() -> None:
    day = date(2026, 3, 1)
    taken = {"sales-emp7-20260301", "sales-emp7-20260301-2", "sales-emp8-20260301"}
    assert str(external_ids.first_free("sales", "emp7", day, taken)) == (
        "sales-emp7-20260301-3"
    )
    assert str(external_ids.first_free("sales", "emp9", day, taken)) == (
        "sales-emp9-20260301"
    )


def test_format_and_parse_round_trip() -> None:
    ext = ExternalId("finance", "x1", date(2027, 12, 31), 12)
    assert external_ids.parse(str(ext)) == ext
