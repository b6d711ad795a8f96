"""Bookings for tests and benchmarks, and API booking objects that match them."""

from __future__ import annotations

import itertools
import json
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone
from requests import PreparedRequest

from bookings.models import Booking
from bookings.statuses import BookingStatus
from portal.models import Employee

_numbers = itertools.count(1)


def booking_object(
    employee: Employee,
    *,
    status: str = BookingStatus.CONFIRMED,
    start: datetime | None = None,
    hours: float = 2,
    **fields: Any,
) -> Booking:
    """An unsaved booking of this employee (for bulk_create)."""
    n = next(_numbers)
    start = start or timezone.now().replace(microsecond=0) + timedelta(days=1)
    day = start.astimezone(employee.home_site.tzinfo if employee.home_site else UTC)
    values: dict[str, Any] = {
        "origin": Booking.Origin.PORTAL,
        "attribution": Booking.Attribution.PORTAL,
        "employee": employee,
        "department": employee.department,
        "site": employee.home_site,
        "api_id": None if status == BookingStatus.SUBMITTING else f"api-{n:06d}",
        # A made-up suffix keeps references unique however many are made.
        "external_id": (
            f"{employee.department.code}-{employee.employee_id}-{day:%Y%m%d}-{n + 1}"
        ),
        "location_id": "DE-ENB-E700101",
        "location_name": "Karlsruhe HQ – Garage P1",
        "location_address": "Kaiserstraße 120",
        "location_city": "Karlsruhe",
        "evse_uid": "DE*ENB*E700101*1",
        "reservation_start": start,
        "reservation_end": start + timedelta(hours=hours),
        "token_strategy": "driver_token",
        "customer_id": employee.customer_id,
        "status": status,
        "estimated_price": Decimal("8.50"),
        "last_synced_at": timezone.now(),
    }
    values.update(fields)
    return Booking(**values)


def make_booking(employee: Employee, **fields: Any) -> Booking:
    booking = booking_object(employee, **fields)
    booking.save()
    return booking


def iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def remote_of(booking: Booking, **changes: Any) -> dict[str, Any]:
    """The API's booking object for a local booking (override fields)."""
    data: dict[str, Any] = {
        "id": booking.api_id or "0b5f6a2e-3c1d-4e8f-9a7b-1c2d3e4f5a6b",
        "status": "REQUESTED",
        "status_updated_at": iso(timezone.now()),
        "created_at": iso(booking.created_at or timezone.now()),
        "location_id": booking.location_id,
        "location_name": booking.location_name,
        "location_city": booking.location_city,
        "evse_uid": booking.evse_uid,
        "connector_id": booking.connector_id or None,
        "reservation_start": iso(booking.reservation_start),
        "reservation_end": iso(booking.reservation_end),
        "external_id": booking.external_id,
        "token_strategy": booking.token_strategy,
        "customer_id": booking.customer_id or None,
        "token_id": booking.token_id or None,
        "cpo_reservation_id": None,
        "client_price": float(booking.estimated_price or 0),
        "client_price_currency": "EUR",
    }
    data.update(changes)
    return data


def echo_created(
    request: PreparedRequest, **changes: Any
) -> tuple[int, dict[str, str], str]:
    """A `responses` callback: the API makes whatever it is sent (202)."""
    body = json.loads(request.body or "{}")
    booking = body | {
        "id": str(uuid.uuid4()),
        "status": "REQUESTED",
        "status_updated_at": iso(timezone.now()),
        "created_at": iso(timezone.now()),
        "location_name": "Karlsruhe HQ – Garage P1",
        "location_city": "Karlsruhe",
        "client_price": 6.5,
        "client_price_currency": "EUR",
    }
    return 202, {}, json.dumps(booking | changes)
