"""Bookings as the sync leaves them, for the report tests."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bookings.models import Booking, Visit
from portal.models import Department, Employee

BERLIN = ZoneInfo("Europe/Berlin")
_ids = itertools.count(1)


def at(day: str, hour: int = 10) -> datetime:
    """A Berlin wall-clock time, e.g. at("2026-03-05")."""
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=BERLIN)


@pytest.fixture
def book(db: None) -> Callable[..., Booking]:
    """Create a synced booking charged to a department (and maybe a person)."""

    def make(
        start: datetime,
        *,
        department: Department | None = None,
        employee: Employee | None = None,
        visit: Visit | None = None,
        status: str = Booking.Status.COMPLETED,
        price: str | None = "10.00",
        city: str = "Karlsruhe",
        location_id: str = "DE-ENB-E700101",
        location_name: str = "Garage P1",
        external_id: str = "",
        attribution: str | None = None,
    ) -> Booking:
        n = next(_ids)
        if department is None and employee is not None:
            department = employee.department
        if attribution is None:
            attribution = (
                Booking.Attribution.EXTERNAL_ID
                if department
                else Booking.Attribution.NONE
            )
        if visit is not None:
            # Only reception's own bookings belong to a visit (and the
            # portal never gives two of its bookings one reference).
            attribution = Booking.Attribution.PORTAL
            external_id = external_id or f"visitor-reception-20260101-{n + 1}"
        return Booking.objects.create(
            api_id=f"api-{n:06d}",
            origin=Booking.Origin.PORTAL if visit else Booking.Origin.API,
            external_id=external_id,
            employee=employee,
            visit=visit,
            department=department,
            attribution=attribution,
            location_id=location_id,
            location_name=location_name,
            location_city=city,
            evse_uid=location_id.replace("-", "*") + "*1",
            reservation_start=start,
            reservation_end=start + timedelta(hours=2),
            status=status,
            client_price=Decimal(price) if price is not None else None,
        )

    return make
