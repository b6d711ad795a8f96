"""The line: its order, offers of freed time, expiry, leaving it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from time_machine import TimeMachineFixture

from bookings.statuses import BookingStatus
from bookings.waitlist import line, tasks
from bookings.waitlist.models import Offer, WaitlistEntry
from portal.models import Site, User
from tests import tasks as queued
from tests.bookings.factories import make_booking, remote_of
from tests.bookings.waitlist.factories import make_entry, make_offer, tomorrow_at

pytestmark = pytest.mark.django_db

BAY = "DE*ENB*E700101*1"


def take_the_bay(person: User, hour: int = 8, hours: float = 2) -> Any:
    return make_booking(person.employee, start=tomorrow_at(hour), hours=hours)


def test_least_charging_this_month_first_then_longest_waiting(
    site: Site, employee: User, colleague: User, third: User
) -> None:
    # The colleague has charged two hours this month; the others nothing.
    make_booking(
        colleague.employee,
        start=timezone.now() - timedelta(days=3),
        status=BookingStatus.COMPLETED,
    )
    first = make_entry(colleague.employee, site)
    second = make_entry(third.employee, site)
    last = make_entry(employee.employee, site)

    order = line.in_fair_order([first, second, last], timezone.now())

    assert order == [second, last, first]
    assert [line.place_of(e) for e in (first, second, last)] == [3, 1, 2]


def test_cancelled_bookings_do_not_count_as_charging(
    site: Site, employee: User, colleague: User
) -> None:
    make_booking(
        colleague.employee,
        start=timezone.now() - timedelta(days=3),
        status=BookingStatus.CANCELLED,
    )
    early = make_entry(colleague.employee, site)
    late = make_entry(employee.employee, site)

    assert line.in_fair_order([late, early], timezone.now()) == [early, late]


def test_people_waiting_for_other_times_do_not_change_my_place(
    site: Site, employee: User, colleague: User
) -> None:
    make_entry(colleague.employee, site, start=tomorrow_at(14))
    mine = make_entry(employee.employee, site, start=tomorrow_at(8))

    assert line.place_of(mine) == 1


def test_nothing_is_offered_while_the_charger_is_taken(
    site: Site, employee: User, colleague: User
) -> None:
    take_the_bay(colleague)
    make_entry(employee.employee, site)

    assert line.match_site(site.pk) == []


def test_a_cancellation_offers_the_time_to_the_first_in_line(
    site: Site,
    employee: User,
    colleague: User,
    third: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    booking = take_the_bay(colleague)
    make_booking(  # the third person has charged this month: second in line
        third.employee,
        start=timezone.now() - timedelta(days=2),
        status=BookingStatus.COMPLETED,
    )
    make_entry(third.employee, site)
    mine = make_entry(employee.employee, site)

    with django_capture_on_commit_callbacks(execute=True):
        booking.record_remote(_remote(booking, "CANCELLED"))

    offer = Offer.objects.get()
    assert offer.entry == mine
    assert (offer.evse_uid, offer.start, offer.end) == (BAY, mine.start, mine.end)
    assert offer.expires_at == timezone.now() + timedelta(minutes=15)
    mine.refresh_from_db()
    assert mine.state == WaitlistEntry.State.OFFERED
    (message,) = [m for m in mail.outbox if employee.email in m.to]
    assert message.subject.startswith("A charger is free for you")
    assert f"/waitlist/offers/{offer.pk}/" in message.body


def _remote(booking: Any, status: str) -> Any:
    from bookings.petitmonde.objects import RemoteBooking

    return RemoteBooking.from_api(remote_of(booking, status=status))


def test_a_no_show_frees_the_rest_of_the_window(
    site: Site,
    employee: User,
    colleague: User,
    time_machine: TimeMachineFixture,
    django_capture_on_commit_callbacks: Any,
) -> None:
    booking = take_the_bay(colleague, hour=9, hours=4)
    wanted = tomorrow_at(11)
    make_entry(employee.employee, site, start=wanted, flex_minutes=0)
    time_machine.move_to(tomorrow_at(9, 20), tick=False)
    assert line.match_site(site.pk) == []

    with django_capture_on_commit_callbacks(execute=True):
        booking.record_remote(_remote(booking, "NO_SHOW"))

    offer = Offer.objects.get()
    assert offer.start == wanted


def test_flexibility_moves_the_offer_to_a_free_time(
    site: Site, employee: User, colleague: User
) -> None:
    take_the_bay(colleague, hour=7, hours=2)  # until 9:00
    make_entry(employee.employee, site, start=tomorrow_at(8), flex_minutes=60)

    (offer,) = line.match_site(site.pk)

    assert (offer.start, offer.end) == (tomorrow_at(9), tomorrow_at(11))


def test_without_flexibility_an_overlap_gets_no_offer(
    site: Site, employee: User, colleague: User
) -> None:
    take_the_bay(colleague, hour=7, hours=2)
    make_entry(employee.employee, site, start=tomorrow_at(8))

    assert line.match_site(site.pk) == []


def test_the_first_in_line_who_may_not_book_is_passed_over(
    site: Site, employee: User, colleague: User, settings: Any
) -> None:
    settings.BOOKING_MAX_UPCOMING = 1
    # The colleague waited longest but already has an upcoming booking.
    make_booking(colleague.employee, start=tomorrow_at(8) + timedelta(days=2))
    make_entry(colleague.employee, site)
    mine = make_entry(employee.employee, site)

    (offer,) = line.match_site(site.pk)

    assert offer.entry == mine


def test_one_time_is_offered_to_one_person(
    site: Site, employee: User, colleague: User
) -> None:
    make_entry(employee.employee, site)
    make_entry(colleague.employee, site)

    offers = line.match_site(site.pk)

    assert len(offers) == 1
    assert line.match_site(site.pk) == []  # the open offer holds the time


def test_an_offer_runs_out_and_passes_to_the_next(
    site: Site,
    employee: User,
    colleague: User,
    time_machine: TimeMachineFixture,
    django_capture_on_commit_callbacks: Any,
) -> None:
    first = make_entry(employee.employee, site)
    second = make_entry(colleague.employee, site)
    with django_capture_on_commit_callbacks(execute=True):
        (offer,) = line.match_site(site.pk)
    assert offer.entry == first
    assert [d.run_after for d in queued.DEFERRED] == [offer.expires_at]

    time_machine.move_to(offer.expires_at - timedelta(seconds=1), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert queued.run_due() == 0
    time_machine.move_to(offer.expires_at, tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert queued.run_due() == 1

    offer.refresh_from_db()
    assert offer.state == Offer.State.EXPIRED
    following = Offer.objects.open().get()
    assert following.entry == second
    first.refresh_from_db()
    assert first.state == WaitlistEntry.State.WAITING  # still in line


def test_an_expiry_queued_twice_acts_once(
    site: Site,
    employee: User,
    colleague: User,
    third: User,
    time_machine: TimeMachineFixture,
    django_capture_on_commit_callbacks: Any,
) -> None:
    make_entry(employee.employee, site)
    make_entry(colleague.employee, site)
    make_entry(third.employee, site)
    (offer,) = line.match_site(site.pk)
    time_machine.move_to(offer.expires_at, tick=False)

    with django_capture_on_commit_callbacks(execute=True):
        # Two hosts each queued the expiry.
        assert tasks.expire_offer.call(offer.pk) is True
        assert tasks.expire_offer.call(offer.pk) is False

    assert Offer.objects.open().count() == 1
    assert Offer.objects.filter(state=Offer.State.EXPIRED).count() == 1


def test_a_person_who_turned_a_time_down_is_not_offered_it_again(
    site: Site, employee: User
) -> None:
    make_entry(employee.employee, site)
    (offer,) = line.match_site(site.pk)
    line.close_offer(offer, Offer.State.DECLINED, now=timezone.now())

    assert line.match_site(site.pk) == []


def test_the_line_lets_go_when_the_time_has_passed(
    site: Site, employee: User, time_machine: TimeMachineFixture
) -> None:
    entry = make_entry(employee.employee, site, start=tomorrow_at(8), flex_minutes=30)
    time_machine.move_to(tomorrow_at(8, 20), tick=False)  # 8:30 is under 15 min away

    line.match_site(site.pk)

    entry.refresh_from_db()
    assert entry.state == WaitlistEntry.State.LAPSED


def test_booking_that_time_another_way_leaves_the_line(
    site: Site, employee: User
) -> None:
    entry = make_entry(employee.employee, site)
    offer = make_offer(entry)
    booking = make_booking(employee.employee, start=tomorrow_at(8, 30))

    line.match_site(site.pk)

    entry.refresh_from_db()
    offer.refresh_from_db()
    assert (entry.state, entry.booking) == (WaitlistEntry.State.BOOKED, booking)
    assert offer.state == Offer.State.WITHDRAWN


def test_the_minute_job_makes_the_offers_a_new_charger_allows(
    site: Site, employee: User, colleague: User
) -> None:
    take_the_bay(colleague)
    make_entry(employee.employee, site)
    assert line.tick().offers == 0

    site.chargers.create(
        kind="workplace",
        location_id="DE-ENB-E700101",
        evse_uid="DE*ENB*E700101*2",
        label="Garage P1, bay 2",
    )

    result = line.tick()
    assert (result.sites, result.offers, result.requests) == (1, 1, 0)
    assert Offer.objects.get().evse_uid == "DE*ENB*E700101*2"
