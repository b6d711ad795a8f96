"""The scheduled settling of bookings an unclear API answer left open."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import responses
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from bookings.followup import settle_open_bookings, take_in_late_booking
from bookings.models import Booking
from bookings.petitmonde import PetitmondeClient, RemoteBooking
from bookings.statuses import BookingStatus
from portal.models import Site, User
from tests.bookings.factories import make_booking, remote_of
from tests.bookings.reception.visit_factory import make_visit
from tests.fake_api import FakePetitmonde


def tomorrow_morning() -> datetime:
    """08:00 tomorrow at the site: a booking three hours later is on the same
    day whatever the clock says (late in the evening it would not be)."""
    day = timezone.localdate() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, 8, tzinfo=ZoneInfo("Europe/Berlin"))


pytestmark = pytest.mark.django_db


@pytest.fixture
def api(fake_api: FakePetitmonde) -> PetitmondeClient:
    return fake_api.client()


def being_sent(employee: User, *, age: timedelta) -> Booking:
    booking = make_booking(employee.employee, status=BookingStatus.SUBMITTING)
    Booking.objects.filter(pk=booking.pk).update(created_at=timezone.now() - age)
    booking.refresh_from_db()
    return booking


def test_booking_the_api_made_is_adopted_and_its_owner_told(
    api: PetitmondeClient,
    fake_api: FakePetitmonde,
    employee: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    booking = being_sent(employee, age=timedelta(minutes=3))
    made = remote_of(booking, id="made-after-all", status="CONFIRMED")
    fake_api.load([made])

    with django_capture_on_commit_callbacks(execute=True):
        result = settle_open_bookings(client=api)

    assert result.adopted == 1
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.api_id == "made-after-all"
    assert [m.to for m in mail.outbox] == [[employee.email]]


def test_booking_the_api_never_made_is_given_up_after_one_look(
    api: PetitmondeClient, api_mock: responses.RequestsMock, employee: User
) -> None:
    booking = being_sent(employee, age=timedelta(minutes=3))  # the fake has none

    result = settle_open_bookings(client=api)

    assert result.dropped == 1
    # Kept as "not booked", holding its reference: never sent again, and
    # recognised should the API make it after all.
    booking.refresh_from_db()
    assert booking.status == BookingStatus.NOT_BOOKED
    assert booking.api_id is None
    # No create can still land that old: one look, no second one after a pause.
    assert len(api_mock.calls) == 1


def test_booking_still_in_flight_is_left_alone(
    api: PetitmondeClient, api_mock: responses.RequestsMock, employee: User
) -> None:
    being_sent(employee, age=timedelta(seconds=3))

    result = settle_open_bookings(client=api)

    assert result.adopted == result.dropped == 0
    assert Booking.objects.get().status == BookingStatus.SUBMITTING
    assert not api_mock.calls


def test_api_still_down_keeps_the_booking_being_sent(
    api: PetitmondeClient, fake_api: FakePetitmonde, employee: User
) -> None:
    being_sent(employee, age=timedelta(minutes=3))
    fake_api.fail("list", 503, "down")

    result = settle_open_bookings(client=api)

    assert result.still_open == 1
    assert Booking.objects.get().status == BookingStatus.SUBMITTING


def test_booking_of_a_called_off_visit_is_cancelled(
    api: PetitmondeClient,
    fake_api: FakePetitmonde,
    site: Site,
    employee: User,
    receptionist: User,
) -> None:
    visit = make_visit(site=site, host=employee, created_by=receptionist)
    visit.cancelled_at = timezone.now()
    visit.save()
    booking = visit.bookings.get()
    fake_api.load([remote_of(booking, status="CONFIRMED")])
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


# --- bookings the API made after the portal had given up ---------------------------


def given_up(employee: User, **fields: Any) -> Booking:
    return make_booking(
        employee.employee, status=BookingStatus.NOT_BOOKED, api_id=None, **fields
    )


def late(booking: Booking, **changes: Any) -> RemoteBooking:
    return RemoteBooking.from_api(
        remote_of(booking, id="made-late", status="PENDING") | changes
    )


def test_a_late_booking_with_nothing_else_for_its_time_is_kept_and_its_owner_told(
    api: PetitmondeClient,
    api_mock: responses.RequestsMock,
    employee: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    booking = given_up(employee)

    with django_capture_on_commit_callbacks(execute=True):
        outcome = take_in_late_booking(booking.pk, late(booking), client=api)

    assert outcome == "adopted"
    booking.refresh_from_db()
    assert (booking.api_id, booking.status) == ("made-late", BookingStatus.PENDING)
    assert [m.to for m in mail.outbox] == [[employee.email]]
    assert not api_mock.calls  # nothing to cancel


def test_a_late_booking_when_the_person_booked_again_is_cancelled_at_once(
    api: PetitmondeClient,
    api_mock: responses.RequestsMock,
    fake_api: FakePetitmonde,
    employee: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    start = tomorrow_morning()
    booking = given_up(employee, start=start)
    make_booking(employee.employee, start=start + timedelta(hours=3))  # the retry
    fake_api.load([remote_of(booking, id="made-late", status="PENDING")])

    with django_capture_on_commit_callbacks(execute=True):
        outcome = take_in_late_booking(booking.pk, late(booking), client=api)

    assert outcome == "cancelled"
    booking.refresh_from_db()
    assert (booking.api_id, booking.status) == ("made-late", BookingStatus.CANCELLED)
    assert booking.client_price == 0  # free: it was still waiting for the operator
    assert booking.uncancelled_reason == ""
    (cancel,) = api_mock.calls
    assert json.loads(cancel.request.body) == {
        "reason": "Made after the portal had given up on it"
    }
    assert mail.outbox == []  # the person never had it


def test_a_late_booking_overlapping_another_is_cancelled_even_if_more_are_allowed(
    api: PetitmondeClient,
    fake_api: FakePetitmonde,
    employee: User,
    settings: Any,
) -> None:
    settings.BOOKING_MAX_PER_DAY = 3
    start = timezone.now().replace(microsecond=0) + timedelta(days=1)
    booking = given_up(employee, start=start)
    make_booking(employee.employee, start=start + timedelta(hours=1))
    fake_api.load([remote_of(booking, id="made-late", status="PENDING")])

    assert take_in_late_booking(booking.pk, late(booking), client=api) == "cancelled"


def test_a_late_booking_that_cannot_be_cancelled_yet_is_owed_and_cancelled_later(
    api: PetitmondeClient, fake_api: FakePetitmonde, employee: User
) -> None:
    start = tomorrow_morning()
    booking = given_up(employee, start=start)
    make_booking(employee.employee, start=start + timedelta(hours=3))
    fake_api.load([remote_of(booking, id="made-late", status="PENDING")])
    fake_api.fail("cancel", 503, "Service unavailable")

    assert take_in_late_booking(booking.pk, late(booking), client=api) == "cancel owed"

    booking.refresh_from_db()
    assert (booking.api_id, booking.status) == ("made-late", BookingStatus.PENDING)
    assert "HTTP 503" in booking.uncancelled_reason
    assert "still waiting for the operator" in booking.uncancelled_reason

    # The follow-up job makes the cancellation it still owes.
    fake_api.clear_failures("cancel")
    result = settle_open_bookings(client=api)

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert booking.uncancelled_reason == ""
    assert result.cancels_owed == 0


def test_a_late_booking_of_a_visit_is_cancelled_at_once(
    api: PetitmondeClient,
    fake_api: FakePetitmonde,
    site: Site,
    employee: User,
    receptionist: User,
) -> None:
    visit = make_visit(
        site=site,
        host=employee,
        created_by=receptionist,
        status=BookingStatus.NOT_BOOKED,
    )
    visit.cancelled_at = timezone.now()
    visit.save()
    booking = visit.bookings.get()
    Booking.objects.filter(pk=booking.pk).update(api_id=None)
    booking.refresh_from_db()
    fake_api.load([remote_of(booking, id="made-late", status="PENDING")])

    assert take_in_late_booking(booking.pk, late(booking), client=api) == "cancelled"
    assert Booking.objects.get().status == BookingStatus.CANCELLED


def test_a_late_booking_already_ended_is_recorded_as_it_is(
    api: PetitmondeClient, api_mock: responses.RequestsMock, employee: User
) -> None:
    start = tomorrow_morning()
    booking = given_up(employee, start=start)
    make_booking(employee.employee, start=start + timedelta(hours=3))
    rejected = late(booking, status="CANCELLED", cancellation_reason="Rejected by CPO")

    assert take_in_late_booking(booking.pk, rejected, client=api) == "adopted"
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert not api_mock.calls
