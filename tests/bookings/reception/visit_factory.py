"""Visits with their bookings, as reception leaves them, for tests."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from bookings.models import Booking, Visit
from bookings.statuses import BookingStatus
from portal.models import Site, User


def tomorrow_at(hour: int, site: Site) -> datetime:
    day = timezone.localdate(timezone.now(), site.tzinfo) + timedelta(days=1)
    return timezone.make_aware(
        datetime(day.year, day.month, day.day, hour), site.tzinfo
    )


def make_visit(
    *,
    site: Site,
    host: User,
    created_by: User | None = None,
    start: datetime | None = None,
    days: int = 1,
    hours: int = 2,
    status: str = BookingStatus.CONFIRMED,
    **fields: Any,
) -> Visit:
    """A visit with one booked window a day, each with its ad_hoc token."""
    start = start or tomorrow_at(9, site)
    values: dict[str, Any] = {
        "visitor_name": "Jane Visitor",
        "visitor_company": "ACME GmbH",
        "visitor_email": "jane@acme.example",
        "licence_plate": "KA-AB 123",
    }
    values.update(fields)
    visit = Visit.objects.create(
        site=site,
        host=host.employee,
        host_department=host.employee.department,
        arrival=start,
        departure=start + timedelta(days=days - 1, hours=hours),
        created_by=created_by,
        **values,
    )
    for day in range(days):
        begin = start + timedelta(days=day)
        local = timezone.localdate(begin, site.tzinfo)
        Booking.objects.create(
            api_id=str(uuid.uuid4()),
            external_id=f"visitor-reception-{local:%Y%m%d}-{100 + 10 * visit.pk + day}",
            origin=Booking.Origin.PORTAL,
            attribution=Booking.Attribution.PORTAL,
            visit=visit,
            department=visit.host_department,
            requested_by=created_by,
            site=site,
            location_id="DE-ENB-E700102",
            location_name="Karlsruhe HQ – Visitor parking",
            location_address="Kaiserstraße 120",
            location_city="Karlsruhe",
            evse_uid="DE*ENB*E700102*1",
            reservation_start=begin,
            reservation_end=begin + timedelta(hours=hours),
            token_strategy="ad_hoc",
            token_uid=f"04A2B3C4D5E6{day:02d}",
            token_valid_from=begin,
            token_valid_until=begin + timedelta(hours=hours),
            status=status,
            estimated_price=Decimal("6.20"),
            client_price=Decimal("6.20"),
            last_synced_at=timezone.now(),
        )
    return visit
