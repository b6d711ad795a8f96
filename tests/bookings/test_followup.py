"""The scheduled settling of bookings an unclear API answer left open."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
import responses
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from bookings.followup import settle_open_bookings
from bookings.models import Booking
from bookings.petitmonde import PetitmondeClient
from bookings.statuses import BookingStatus
from portal.models import Site, User
from tests.bookings.factories import make_booking, remote_of
from tests.bookings.visit_factory import make_visit
from tests.fake_petitmonde import BASE_URL, FakeTime, make_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def api() -> PetitmondeClient:
    return make_client(FakeTime())


def being_sent(employee: User, *, age: timedelta) -> Booking:
    booking = make_booking(employee.employee, status=BookingStatus.SUBMITTING)
    Booking.objects.filter(pk=booking.pk).update(created_at=timezone.now() - age)
    booking.refresh_from_db()
    return booking


def test_booking_the_api_made_is_adopted_and_its_owner_told(
    api: PetitmondeClient,
    api_mock: responses.RequestsMock,
    employee: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    booking = being_sent(employee, age=timedelta(minutes=3))
    made = remote_of(booking, id="made-after-all", status="CONFIRMED")
    api_mock.get(f"{BASE_URL}/bookings", json={"bookings": [made]})

    with django_capture_on_commit_callbacks(execute=True):
        result = settle_open_bookings(client=api)

    assert result.adopted == 1
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.api_id == "made-after-all"
    assert [m.to for m in mail.outbox] == [[employee.email]]


def test_booking_the_api_never_made_is_dropped_after_one_look(
    api: PetitmondeClient, api_mock: responses.RequestsMock, employee: User
) -> None:
    being_sent(employee, age=timedelta(minutes=3))
    api_mock.get(f"{BASE_URL}/bookings", json={"bookings": []})

    result = settle_open_bookings(client=api)

    assert result.dropped == 1
    assert not Booking.objects.exists()
    # No create can still land that old: the second, delayed look is skipped.
    assert len(api_mock.calls) == 2  # two looks, no pause between them


def test_booking_still_in_flight_is_left_alone(
    api: PetitmondeClient, api_mock: responses.RequestsMock, employee: User
) -> None:
    being_sent(employee, age=timedelta(seconds=3))

    result = settle_open_bookings(client=api)

    assert result.adopted == result.dropped == 0
    assert Booking.objects.get().status == BookingStatus.SUBMITTING
    assert not api_mock.calls


def test_api_still_down_keeps_the_booking_being_sent(
    api: PetitmondeClient, api_mock: responses.RequestsMock, employee: User
) -> None:
    being_sent(employee, age=timedelta(minutes=3))
    api_mock.get(f"{BASE_URL}/bookings", json={"error": "down"}, status=503)

    result = settle_open_bookings(client=api)

    assert result.still_open == 1
    assert Booking.objects.get().status == BookingStatus.SUBMITTING


def test_booking_of_a_called_off_visit_is_cancelled(
    api: PetitmondeClient,
    api_mock: responses.RequestsMock,
    site: Site,
    employee: User,
    receptionist: User,
) -> None:
    visit = make_visit(site=site, host=employee, created_by=receptionist)
    visit.cancelled_at = timezone.now()
    visit.save()
    booking = visit.bookings.get()
    api_mock.get(
        f"{BASE_URL}/bookings/{booking.api_id}",
        json=remote_of(booking, status="CONFIRMED"),
    )
    api_mock.post(
        f"{BASE_URL}/bookings/{booking.api_id}/cancel",
        json=remote_of(booking, status="CANCELLED"),
    )
    booking.last_synced_at = None
    booking.save()

    settle_open_bookings(client=api)

    assert Booking.objects.get().status == BookingStatus.CANCELLED


def test_command_dry_run_lists_and_changes_nothing(employee: User) -> None:
    booking = being_sent(employee, age=timedelta(minutes=3))
    out = io.StringIO()

    call_command("settle_bookings", "--dry-run", verbosity=2, stdout=out)

    assert "Would settle 1 booking(s)" in out.getvalue()
    assert booking.external_id in out.getvalue()
    assert Booking.objects.get().status == BookingStatus.SUBMITTING
