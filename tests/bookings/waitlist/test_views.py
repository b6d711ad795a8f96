"""The waiting list's pages: joining, my place, accepting with every API
outcome, declining, leaving, reception's view, e-mail choices, releasing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from time_machine import TimeMachineFixture

from bookings.models import Booking
from bookings.waitlist import line
from bookings.waitlist.models import NoticePreferences, Offer, WaitlistEntry
from portal.models import Site, User
from tests.bookings.factories import make_booking
from tests.bookings.waitlist.factories import make_entry, make_offer, tomorrow_at
from tests.fake_api import FakePetitmonde

pytestmark = pytest.mark.django_db


@pytest.fixture
def booker(login: Callable[[User], Client], employee: User) -> Client:
    return login(employee)


@pytest.fixture
def offer(site: Site, employee: User) -> Offer:
    return make_offer(make_entry(employee.employee, site))


def join_data(site: Site, **more: str) -> dict[str, str]:
    return {
        "site": str(site.pk),
        "date": tomorrow_at(8).date().isoformat(),
        "start": "08:00",
        "end": "10:00",
        "flex_minutes": "60",
        **more,
    }


def test_no_free_charger_offers_to_join_the_line(
    booker: Client, site: Site, fake_api: FakePetitmonde
) -> None:
    fake_api.search_body = {"total": 0, "results": []}
    query = join_data(site)
    query.pop("flex_minutes")
    response = booker.get("/bookings/new/", query)
    page = response.content.decode()
    assert "No charger near the site can be reserved" in page
    assert 'action="/waitlist/join/"' in page
    assert 'name="start" value="08:00"' in page
    assert "Tell me when one frees up" in page


def test_joining_puts_me_in_line_with_my_place(
    booker: Client,
    site: Site,
    employee: User,
    colleague: User,
    third: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    make_booking(third.employee, start=tomorrow_at(7), hours=4)  # bay taken
    make_entry(colleague.employee, site)  # waiting longer

    with django_capture_on_commit_callbacks(execute=True):
        response = booker.post("/waitlist/join/", join_data(site), follow=True)

    entry = WaitlistEntry.objects.get(employee=employee.employee)
    assert (entry.start, entry.end, entry.flex_minutes) == (
        tomorrow_at(8),
        tomorrow_at(10),
        60,
    )
    assert response.redirect_chain == [("/waitlist/", 302)]
    page = response.content.decode()
    assert "You are in line for" in page
    assert "No. 2" in page
    assert not Offer.objects.exists()


def test_joining_with_a_broken_rule_says_why_and_keeps_nothing(
    booker: Client, site: Site
) -> None:
    response = booker.post("/waitlist/join/", join_data(site, end="07:00"))

    assert response.status_code == 400
    assert "The end must be after the start." in response.content.decode()
    assert not WaitlistEntry.objects.exists()


def test_join_is_post_only(booker: Client) -> None:
    assert booker.get("/waitlist/join/").status_code == 405


def test_the_offer_page_shows_the_charger_and_until_when(
    booker: Client, offer: Offer
) -> None:
    page = booker.get(f"/waitlist/offers/{offer.pk}/").content.decode()

    assert "Garage P1, bay 1" in page
    assert "07:15" in page  # kept for 15 minutes from 07:00
    assert f'action="/waitlist/offers/{offer.pk}/accept/"' in page


def test_accepting_books_through_the_normal_flow(
    booker: Client,
    offer: Offer,
    fake_api: FakePetitmonde,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = booker.post(f"/waitlist/offers/{offer.pk}/accept/", follow=True)

    booking = Booking.objects.get()
    assert response.redirect_chain == [(f"/bookings/{booking.pk}/", 302)]
    (create,) = fake_api.calls("create")
    assert create.body is not None
    assert create.body["evse_uid"] == offer.evse_uid
    assert create.body["external_id"] == booking.external_id
    offer.refresh_from_db()
    assert (offer.state, offer.booking) == (Offer.State.ACCEPTED, booking)
    assert offer.entry.state == WaitlistEntry.State.BOOKED
    assert "Booked:" in response.content.decode()
    assert len(mail.outbox) == 1  # the booking's own e-mail

    # A second click finds the booking it made.
    again = booker.post(f"/waitlist/offers/{offer.pk}/accept/", follow=True)
    assert "already taken this offer" in again.content.decode()
    assert len(fake_api.calls("create")) == 1


def test_a_charger_taken_meanwhile_passes_the_offer_on(
    booker: Client,
    offer: Offer,
    colleague: User,
    site: Site,
    fake_api: FakePetitmonde,
    django_capture_on_commit_callbacks: Any,
) -> None:
    make_entry(colleague.employee, site)
    fake_api.fail("create", 409, "EVSE not available for requested time")

    with django_capture_on_commit_callbacks(execute=True):
        response = booker.post(f"/waitlist/offers/{offer.pk}/accept/", follow=True)

    assert response.redirect_chain == [("/waitlist/", 302)]
    assert "That charger was just taken" in response.content.decode()
    offer.refresh_from_db()
    assert offer.state == Offer.State.FAILED
    assert not Booking.objects.exists()
    # The taken time is not offered to the colleague either.
    assert not Offer.objects.open().exists()


def test_a_rule_broken_since_passes_the_offer_on(
    booker: Client,
    offer: Offer,
    employee: User,
    settings: Any,
    fake_api: FakePetitmonde,
) -> None:
    settings.BOOKING_MAX_UPCOMING = 1
    make_booking(employee.employee, start=tomorrow_at(8) + timedelta(days=3))

    response = booker.post(f"/waitlist/offers/{offer.pk}/accept/", follow=True)

    assert "upcoming booking at a time" in response.content.decode()
    offer.refresh_from_db()
    assert offer.state == Offer.State.FAILED
    assert fake_api.calls("create") == []


def test_a_busy_booking_service_keeps_the_offer_open(
    booker: Client, offer: Offer, fake_api: FakePetitmonde
) -> None:
    fake_api.fail("create", 429, "Rate limit exceeded.", retry_after=20)

    response = booker.post(f"/waitlist/offers/{offer.pk}/accept/", follow=True)

    assert response.redirect_chain == [(f"/waitlist/offers/{offer.pk}/", 302)]
    assert "try again in 20 seconds" in response.content.decode()
    offer.refresh_from_db()
    assert offer.state == Offer.State.OPEN
    assert not Booking.objects.exists()


def test_an_unclear_answer_keeps_the_booking_being_checked(
    booker: Client, offer: Offer, fake_api: FakePetitmonde, settings: Any
) -> None:
    settings.BOOKING_LOOKUP_RETRY_SECONDS = 0
    fake_api.fail("create", 502, "Bad gateway", processed=True)

    response = booker.post(f"/waitlist/offers/{offer.pk}/accept/", follow=True)

    booking = Booking.objects.get()
    assert response.redirect_chain == [(f"/bookings/{booking.pk}/", 302)]
    offer.refresh_from_db()
    assert (offer.state, offer.booking) == (Offer.State.ACCEPTED, booking)


def test_an_offer_past_its_time_cannot_be_taken(
    booker: Client,
    offer: Offer,
    fake_api: FakePetitmonde,
    time_machine: TimeMachineFixture,
) -> None:
    time_machine.move_to(offer.expires_at, tick=False)

    response = booker.post(f"/waitlist/offers/{offer.pk}/accept/", follow=True)

    assert "no longer open" in response.content.decode()
    offer.refresh_from_db()
    assert offer.state == Offer.State.EXPIRED
    assert fake_api.calls("create") == []


def test_declining_passes_it_to_the_next(
    booker: Client,
    offer: Offer,
    colleague: User,
    site: Site,
    django_capture_on_commit_callbacks: Any,
) -> None:
    theirs = make_entry(colleague.employee, site)

    with django_capture_on_commit_callbacks(execute=True):
        response = booker.post(f"/waitlist/offers/{offer.pk}/decline/", follow=True)

    assert "Passed on to the next person" in response.content.decode()
    offer.refresh_from_db()
    assert offer.state == Offer.State.DECLINED
    assert Offer.objects.open().get().entry == theirs


def test_leaving_the_line(booker: Client, offer: Offer) -> None:
    response = booker.post(f"/waitlist/{offer.entry_id}/leave/", follow=True)

    assert "You have left the line." in response.content.decode()
    offer.refresh_from_db()
    assert offer.state == Offer.State.WITHDRAWN
    assert offer.entry.state == WaitlistEntry.State.LEFT


def test_reception_sees_the_line_of_its_sites_in_order(
    login: Callable[[User], Client],
    receptionist: User,
    site: Site,
    employee: User,
    colleague: User,
) -> None:
    make_entry(colleague.employee, site)
    make_entry(employee.employee, site)
    line.match_site(site.pk)

    page = login(receptionist).get("/waitlist/sites/").content.decode()

    # Both have charged nothing: the colleague has waited longer.
    assert page.index(colleague.get_full_name()) < page.index(employee.get_full_name())
    assert "has an offer" in page


def test_choosing_my_emails(booker: Client, employee: User) -> None:
    response = booker.post(
        "/waitlist/notices/", {"confirmed": "on", "completed": "on"}, follow=True
    )

    assert "Your choice of e-mails is saved." in response.content.decode()
    assert NoticePreferences.wants(employee, "confirmed")
    assert not NoticePreferences.wants(employee, "remind_before_start")


def test_release_shows_its_cost_against_a_no_shows(
    booker: Client, employee: User
) -> None:
    booking = make_booking(employee.employee, start=tomorrow_at(8))
    make_booking(
        employee.employee,
        start=timezone.now() - timedelta(days=3),
        status="NO_SHOW",
        client_price="7.50",
    )

    page = booker.get(f"/waitlist/release/{booking.pk}/").content.decode()

    assert "cancellation fee" in page
    assert "€7.50 the last time at this charger" in page


def test_release_cancels_in_one_step(
    booker: Client,
    employee: User,
    fake_api: FakePetitmonde,
    django_capture_on_commit_callbacks: Any,
) -> None:
    booking = make_booking(employee.employee, start=tomorrow_at(8), status="PENDING")
    fake_api.load([_remote(booking)])

    with django_capture_on_commit_callbacks(execute=True):
        response = booker.post(f"/waitlist/release/{booking.pk}/confirm/", follow=True)

    booking.refresh_from_db()
    assert booking.status == "CANCELLED"
    assert "Cancelled, free of charge." in response.content.decode()
    (cancel,) = fake_api.calls("cancel")
    assert cancel.body == {"reason": "Released by the driver: not coming"}


def _remote(booking: Booking) -> dict[str, Any]:
    from tests.bookings.factories import remote_of

    return remote_of(booking, status=booking.status)


def test_the_admin_shows_the_quota_this_feature_used(
    login: Callable[[User], Client], admin_user: User
) -> None:
    from bookings.waitlist import quota

    quota.spent("status_refresh", 12)
    quota.spent("rejected_alternatives", 3)

    page = login(admin_user).get("/admin/bookings/quotause/").content.decode()

    assert "API requests: 15 of the 1000 it may use this month" in page
    assert "status_refresh" in page


def test_joining_twice_for_the_same_time_keeps_one_place(
    booker: Client, site: Site, employee: User
) -> None:
    make_entry(employee.employee, site)

    response = booker.post("/waitlist/join/", join_data(site), follow=True)

    assert "already in line for that time" in response.content.decode()
    assert WaitlistEntry.objects.count() == 1
