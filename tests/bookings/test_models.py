"""The Booking model: how a booking the portal makes is written."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bookings.models import Booking
from bookings.statuses import BookingStatus
from portal.models import User

pytestmark = pytest.mark.django_db

START = datetime(2026, 2, 10, 8, 0, tzinfo=UTC)


# --- Booking.objects.add_submitting ---------------------------------------------


def _fields(employee: User, **changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "employee": employee.employee,
        "department": employee.employee.department,
        "location_id": "DE-ENB-E700101",
        "evse_uid": "DE*ENB*E700101*1",
        "reservation_start": START,
        "reservation_end": START + timedelta(hours=1),
        "token_strategy": "driver_token",
    }
    fields.update(changes)
    return fields


def test_second_booking_of_the_day_gets_suffix_two(employee: User) -> None:
    day = START.date()
    first, _ = Booking.objects.add_submitting(
        department_code="engineering", person_id="emp042", day=day, **_fields(employee)
    )
    second, created = Booking.objects.add_submitting(
        department_code="engineering", person_id="emp042", day=day, **_fields(employee)
    )
    assert created
    assert first.external_id == f"engineering-emp042-{day:%Y%m%d}"
    assert second.external_id == f"engineering-emp042-{day:%Y%m%d}-2"
    assert second.status == BookingStatus.SUBMITTING
    assert second.origin == Booking.Origin.PORTAL


def test_resubmitted_form_returns_the_booking_it_made(employee: User) -> None:
    key = uuid.uuid4()
    day = START.date()
    first, created = Booking.objects.add_submitting(
        department_code="engineering",
        person_id="emp042",
        day=day,
        **_fields(employee, submission_key=key),
    )
    again, created_again = Booking.objects.add_submitting(
        department_code="engineering",
        person_id="emp042",
        day=day,
        **_fields(employee, submission_key=key),
    )
    assert created and not created_again
    assert again.pk == first.pk
    assert Booking.objects.count() == 1


def test_reference_taken_by_a_synced_booking_is_skipped(employee: User) -> None:
    day = START.date()
    Booking.objects.create(
        **_fields(employee),
        api_id="from-another-tool",
        status=BookingStatus.COMPLETED,
        origin=Booking.Origin.API,
        external_id=f"engineering-emp042-{day:%Y%m%d}",
    )
    booking, _ = Booking.objects.add_submitting(
        department_code="engineering", person_id="emp042", day=day, **_fields(employee)
    )
    assert booking.external_id.endswith("-2")
