"""The external_id grammar of Part B3.

Employee bookings: ``{department}-{employee_id}-{yyyymmdd}``, then ``-2``, ``-3`` …
for the same person's further bookings that day. Visitor bookings:
``visitor-reception-{yyyymmdd}`` (then ``-2`` …). Department codes and
employee ids are lowercase letters and digits only, so splitting on "-" is
unambiguous; the department code "visitor" is reserved for the visitor form.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

VISITOR_DEPARTMENT = "visitor"
VISITOR_EMPLOYEE = "reception"

_PATTERN = re.compile(
    r"^(?P<department>[a-z0-9]+)-(?P<employee>[a-z0-9]+)-(?P<day>\d{8})"
    r"(?:-(?P<n>[1-9][0-9]*))?$"
)


@dataclass(frozen=True)
class ExternalId:
    department: str
    employee_id: str
    day: date
    n: int = 1

    @property
    def is_visitor(self) -> bool:
        return (
            self.department == VISITOR_DEPARTMENT
            and self.employee_id == VISITOR_EMPLOYEE
        )

    @property
    def base(self) -> str:
        return f"{self.department}-{self.employee_id}-{self.day:%Y%m%d}"

    def __str__(self) -> str:
        return self.base if self.n == 1 else f"{self.base}-{self.n}"


def parse(value: str | None) -> ExternalId | None:
    """The parts of a conforming external_id, or None for anything else."""
    match = _PATTERN.match(value or "")
    if match is None:
        return None
    digits = match["day"]
    try:
        # Not strptime, which costs seven times as much for the same eight
        # digits: the sync parses every booking it reads.
        day = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:  # no such day
        return None
    n = int(match["n"]) if match["n"] else 1
    if match["n"] and n < 2:  # "-1" is never written: the first has no suffix
        return None
    return ExternalId(match["department"], match["employee"], day, n)


def first_free(
    department: str, employee_id: str, day: date, taken: Iterable[str]
) -> ExternalId:
    """The first external_id for that person and day that is not in `taken`."""
    taken = set(taken)
    n = 1
    while str(candidate := ExternalId(department, employee_id, day, n)) in taken:
        n += 1
    return candidate


def base_for(department: str, employee_id: str, day: date) -> str:
    """The prefix shared by every external_id of that person and day."""
    return ExternalId(department, employee_id, day).base
