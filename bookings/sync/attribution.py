"""Who pays for a booking the sync found on the account.

A booking made through the portal keeps its employee or visit; one finance
assigned by hand keeps that. Any other is attributed from its external_id
when department code and employee id are both known, else it is
unattributed and waits for finance. A visitor reference is never enough:
`visitor-reception-…` says nothing about which visit, and "same site, same
day, overlapping time" is a guess that must not make a booking appear on
a pass, be cancelled with a visit or be charged to a host. Only reception
attaches bookings to visits, when it makes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bookings.external_ids import parse
from bookings.models import Booking
from bookings.petitmonde import RemoteBooking
from portal.models import Department, Employee, SiteCharger

# What a sync may write on an existing row: what the API says, who pays, where.
ATTRIBUTION_FIELDS = ("employee", "visit", "department", "attribution")


@dataclass
class Directory:
    """What attribution looks up, loaded once per run: departments, chargers."""

    departments: dict[str, int]  # code → pk
    site_of_evse: dict[str, int]

    @classmethod
    def load(cls) -> Directory:
        return cls(
            departments=dict(Department.objects.values_list("code", "pk")),
            site_of_evse=dict(SiteCharger.objects.values_list("evse_uid", "site_id")),
        )


@dataclass(frozen=True)
class Attribution:
    """Who pays, as column values (ids: comparing them fetches nothing)."""

    attribution: str = Booking.Attribution.NONE
    employee_id: int | None = None
    visit_id: int | None = None
    department_id: int | None = None

    def values(self) -> dict[str, Any]:
        return {
            "attribution": self.attribution,
            "employee_id": self.employee_id,
            "visit_id": self.visit_id,
            "department_id": self.department_id,
        }


UNATTRIBUTED = Attribution()


class Attributor:
    """Attributes one batch of bookings from their external_ids (few queries).

    Only employee references are attributed: a visitor reference names no
    visit (see the module docstring), so it stays unattributed for finance.
    """

    def __init__(self, directory: Directory, remotes: Sequence[RemoteBooking]):
        self.directory = directory
        self.parsed = {r.id: parse(r.external_id) for r in remotes}
        people = {p.employee_id for p in self.parsed.values() if p and not p.is_visitor}
        self.employees: dict[str, int] = (
            dict(
                Employee.objects.filter(employee_id__in=people).values_list(
                    "employee_id", "pk"
                )
            )
            if people
            else {}
        )

    def attribute(self, remote: RemoteBooking) -> Attribution:
        ref = self.parsed[remote.id]
        if ref is None or ref.is_visitor:
            return UNATTRIBUTED
        department = self.directory.departments.get(ref.department)
        employee = self.employees.get(ref.employee_id)
        if department is None or employee is None:
            return UNATTRIBUTED
        return Attribution(
            Booking.Attribution.EXTERNAL_ID,
            employee_id=employee,
            department_id=department,
        )
