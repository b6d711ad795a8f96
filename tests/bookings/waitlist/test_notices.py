"""Every status change told (once, if wanted, in the person's language), and
the reminders before the start and the end."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from time_machine import TimeMachineFixture

from bookings.models import Booking
from bookings.petitmonde.objects import RemoteBooking
from bookings.services import cancel_booking
from bookings.waitlist import notices
from bookings.waitlist.models import NoticePreferences, QuotaUse
from portal.models import User
from tests import tasks as queued
from tests.bookings.factories import make_booking, remote_of
from tests.bookings.waitlist.factories import tomorrow_at
from tests.fake_api import FakePetitmonde

pytestmark = pytest.mark.django_db


def change(booking: Booking, status: str, **fields: Any) -> None:
    booking.record_remote(
        RemoteBooking.from_api(remote_of(booking, status=status, **fields))
    )


def subjects(person: User) -> list[str]:
    return [m.subject for m in mail.outbox if person.email in m.to]


@pytest.fixture
def booking(employee: User) -> Booking:
    return make_booking(employee.employee, start=tomorrow_at(8), status="PENDING")


def test_confirmed_is_told_once(
    booking: Booking, employee: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        change(booking, "CONFIRMED")
    assert notices.status_notice(booking, "confirmed") is False  # a second host

    assert [s.split(":")[0] for s in subjects(employee)] == ["Confirmed"]


def test_a_rejection_names_the_chargers_still_free_and_counts_the_search(
    booking: Booking,
    employee: User,
    fake_api: FakePetitmonde,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        change(booking, "CANCELLED", cancellation_reason="Rejected by CPO")

    (message,) = [m for m in mail.outbox if employee.email in m.to]
    assert message.subject.startswith("Turned down by the operator")
    assert "Still free at that time:" in message.body
    assert "/bookings/new/?site=" in message.body
    assert len(fake_api.searches) == 1
    assert QuotaUse.objects.get().requests == 1


def test_our_own_cancel_is_no_rejection(
    booking: Booking,
    employee: User,
    fake_api: FakePetitmonde,
    django_capture_on_commit_callbacks: Any,
) -> None:
    fake_api.load([remote_of(booking, status="PENDING")])
    with django_capture_on_commit_callbacks(execute=True):
        cancel_booking(booking=booking, by=employee, reason="")

    assert [s.split(":")[0] for s in subjects(employee)] == ["Charging cancelled"]


def test_a_no_show_is_told_with_its_fee(
    booking: Booking, employee: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        change(booking, "NO_SHOW", client_price=7.5)

    (message,) = [m for m in mail.outbox if employee.email in m.to]
    assert message.subject.startswith("Not used")
    assert "The operator charges €7.50 for it." in message.body


def test_completed_is_told_with_the_final_price(
    employee: User, django_capture_on_commit_callbacks: Any
) -> None:
    booking = make_booking(employee.employee, start=tomorrow_at(8), status="ATTENDING")
    with django_capture_on_commit_callbacks(execute=True):
        change(booking, "COMPLETED", client_price=12.34)

    (message,) = [m for m in mail.outbox if employee.email in m.to]
    assert "The final price is €12.34." in message.body


def test_each_kind_can_be_switched_off(
    booking: Booking, employee: User, django_capture_on_commit_callbacks: Any
) -> None:
    NoticePreferences.objects.create(user=employee, confirmed=False)
    with django_capture_on_commit_callbacks(execute=True):
        change(booking, "CONFIRMED")
        change(booking, "NO_SHOW", client_price=5)

    assert [s.split(":")[0] for s in subjects(employee)] == ["Not used"]


def test_notices_are_written_in_the_persons_language(
    booking: Booking, employee: User, django_capture_on_commit_callbacks: Any
) -> None:
    employee.language = "de"
    employee.save()
    with django_capture_on_commit_callbacks(execute=True):
        change(booking, "CONFIRMED")

    (message,) = mail.outbox
    html = message.alternatives[0][0]
    assert '<html lang="de">' in str(html)


def test_reminders_before_start_and_end_with_the_release_link(
    employee: User,
    fake_api: FakePetitmonde,
    time_machine: TimeMachineFixture,
    django_capture_on_commit_callbacks: Any,
) -> None:
    booking = make_booking(employee.employee, start=tomorrow_at(8), status="SUBMITTING")
    with django_capture_on_commit_callbacks(execute=True):
        change(booking, "REQUESTED")
    assert sorted(d.run_after for d in queued.DEFERRED) == [
        tomorrow_at(7, 30),
        tomorrow_at(9, 45),
    ]
    booking.status = "CONFIRMED"
    booking.save()

    time_machine.move_to(tomorrow_at(7, 30), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert queued.run_due() == 1
    (start,) = mail.outbox
    assert start.subject.startswith("Soon: your charging")
    assert f"/waitlist/release/{booking.pk}/" in start.body
    assert "Not coming? Release it" in start.body
    assert "no-show" in start.body

    time_machine.move_to(tomorrow_at(9, 45), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert queued.run_due() == 1
    assert mail.outbox[1].subject.startswith("Time to move your car")


def test_no_reminder_for_a_cancelled_booking_or_when_switched_off(
    employee: User, time_machine: TimeMachineFixture
) -> None:
    cancelled = make_booking(
        employee.employee, start=tomorrow_at(8), status="CANCELLED"
    )
    assert notices.reminder(cancelled, "remind_before_start") is False
    NoticePreferences.objects.create(user=employee, remind_before_end=False)
    live = make_booking(employee.employee, start=tomorrow_at(12), status="CONFIRMED")
    assert notices.reminder(live, "remind_before_end") is False
    assert notices.reminder(live, "remind_before_start") is True
    assert notices.reminder(live, "remind_before_start") is False  # once


def test_release_costs_say_free_before_confirmation(employee: User) -> None:
    pending = make_booking(employee.employee, start=tomorrow_at(8), status="PENDING")
    confirmed = make_booking(
        employee.employee, start=tomorrow_at(8) + timedelta(days=1)
    )
    make_booking(
        employee.employee,
        start=tomorrow_at(8) - timedelta(days=5),
        status="CANCELLED",
        client_price=Decimal("1.00"),
    )

    assert notices.costs_in_words(pending)[0].startswith("Releasing it now is free")
    assert "€1.00 the last time" in notices.costs_in_words(confirmed)[0]


def test_a_status_learned_long_after_the_end_is_not_told(
    employee: User, django_capture_on_commit_callbacks: Any
) -> None:
    old = make_booking(
        employee.employee, start=tomorrow_at(8) - timedelta(days=5), status="CONFIRMED"
    )
    with django_capture_on_commit_callbacks(execute=True):
        change(old, "COMPLETED", client_price=3)

    assert mail.outbox == []
