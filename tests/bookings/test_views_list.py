"""/bookings/: upcoming and past, statuses refreshed frugally, constant queries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import responses
from django.core import mail
from django.test import Client
from django.utils import timezone

from bookings.models import Booking
from bookings.statuses import BookingStatus
from portal.models import User
from tests.bookings.factories import booking_object, make_booking, remote_of
from tests.fake_api import FakePetitmonde

pytestmark = pytest.mark.django_db

LIST = "/bookings/"


@pytest.fixture
def mine(login: Callable[[User], Client], employee: User, api_settings: Any) -> Client:
    return login(employee)


def days(n: float) -> Any:
    return timezone.now().replace(microsecond=0) + timedelta(days=n)


def test_upcoming_and_past_with_status_in_words_and_price_labelled(
    mine: Client, employee: User, colleague: User
) -> None:
    person = employee.employee
    make_booking(person, start=days(2), status="CONFIRMED", client_price=Decimal("7"))
    make_booking(
        person, start=days(-3), status="COMPLETED", client_price=Decimal("9.40")
    )
    make_booking(person, start=days(-5), status="CANCELLED", client_price=Decimal(0))
    make_booking(colleague.employee, start=days(3), location_name="Colleague's")

    response = mine.get(LIST)

    page = response.content.decode()
    assert [b.status for b in response.context["upcoming"]] == ["CONFIRMED"]
    past = response.context["past"].bookings
    assert [b.status for b in past] == ["COMPLETED", "CANCELLED"]
    assert 'data-symbol="✓">confirmed</span>' in page
    assert 'data-symbol="✕">cancelled</span>' in page
    assert "€7.00 <span" in page and "(estimate)" in page
    assert "€9.40 <span" in page and "(final)" in page
    assert "Colleague's" not in page
    # Cancel is offered for the confirmed booking only.
    assert page.count("Cancel…") == 1
    assert "Statuses were last checked with the booking service just now" in page


def test_the_past_is_paginated(mine: Client, employee: User) -> None:
    Booking.objects.bulk_create(
        booking_object(employee.employee, start=days(-n - 1), status="COMPLETED")
        for n in range(25)
    )

    first = mine.get(LIST)
    second = mine.get(LIST, {"page": 2})

    assert len(first.context["past"].bookings) == 20
    assert len(second.context["past"].bookings) == 5
    assert 'href="?page=2">Older' in first.content.decode()
    assert 'href="?page=1">Newer' in second.content.decode()
    assert "Older" not in second.content.decode()
    assert mine.get(LIST, {"page": "x"}).context["past"].number == 1


@pytest.mark.parametrize(
    "page",
    ["9" * 30, str(2**63), "1" * 5_000, "1000001", "-5", "0", "²", "\x00", " ", "1e9"],
)
def test_a_page_number_no_history_reaches_shows_the_first_page(
    mine: Client, employee: User, page: str
) -> None:
    make_booking(employee.employee, start=days(-2), status="COMPLETED")

    response = mine.get(LIST, {"page": page})

    assert response.status_code == 200
    assert response.context["past"].number == 1
    assert len(response.context["past"].bookings) == 1


def test_a_page_past_the_last_says_so_and_links_to_the_newest(
    mine: Client, employee: User
) -> None:
    make_booking(employee.employee, start=days(-2), status="COMPLETED")

    html = mine.get(LIST, {"page": 3}).content.decode()

    assert "There are no past bookings on page 3." in html
    assert '<a href="?page=1">Go to the newest</a>' in html
    assert "No past bookings yet." not in html


@pytest.mark.parametrize("count", [2, 120])
def test_queries_do_not_grow_with_the_number_of_bookings(
    mine: Client,
    employee: User,
    count: int,
    django_assert_max_num_queries: Any,
) -> None:
    person = employee.employee
    Booking.objects.bulk_create(
        [
            *(booking_object(person, start=days(n + 1)) for n in range(count // 2)),
            *(
                booking_object(person, start=days(-n - 1), status="COMPLETED")
                for n in range(count // 2)
            ),
        ]
    )

    with django_assert_max_num_queries(12):
        response = mine.get(LIST)

    assert len(response.context["upcoming"]) == min(count // 2, 20)
    more = "You have more upcoming bookings than this; the nearest 20 are shown."
    assert (more in response.content.decode()) is (count // 2 > 20)


def test_statuses_due_to_move_are_refreshed_with_one_request(
    mine: Client,
    employee: User,
    api_mock: responses.RequestsMock,
    fake_api: FakePetitmonde,
) -> None:
    a_minute_ago = timezone.now() - timedelta(minutes=1)
    waiting = [
        make_booking(
            employee.employee,
            start=days(n),
            status="REQUESTED",
            last_synced_at=a_minute_ago,
        )
        for n in (1, 2)
    ]
    fake_api.load(remote_of(b, status="CONFIRMED") for b in waiting)

    response = mine.get(LIST)

    assert len(api_mock.calls) == 1
    assert {b.status for b in Booking.objects.all()} == {"CONFIRMED"}
    assert response.content.decode().count(">confirmed</span>") == 2


def test_fresh_statuses_cost_no_request(
    mine: Client, employee: User, api_mock: responses.RequestsMock
) -> None:
    make_booking(employee.employee, start=days(1), status="REQUESTED")
    mine.get(LIST)
    assert len(api_mock.calls) == 0


def test_a_failed_refresh_keeps_the_statuses_and_says_when_they_were_checked(
    mine: Client, employee: User, fake_api: FakePetitmonde
) -> None:
    an_hour_ago = timezone.now() - timedelta(hours=1)
    make_booking(
        employee.employee, start=days(1), status="PENDING", last_synced_at=an_hour_ago
    )
    fake_api.fail("get", 503, "Unavailable")

    response = mine.get(LIST)

    assert response.status_code == 200
    assert Booking.objects.get().status == "PENDING"
    assert "last checked with the booking service 1\xa0hour ago" in (
        response.content.decode()
    )


def old_submitting(employee: User) -> Booking:
    booking = make_booking(employee.employee, start=days(1), status="SUBMITTING")
    Booking.objects.filter(pk=booking.pk).update(
        created_at=timezone.now() - timedelta(minutes=5)
    )
    booking.refresh_from_db()
    return booking


def test_a_booking_stuck_being_sent_is_adopted_when_the_api_has_it(
    mine: Client,
    employee: User,
    api_mock: responses.RequestsMock,
    fake_api: FakePetitmonde,
    django_capture_on_commit_callbacks: Any,
) -> None:
    booking = old_submitting(employee)
    fake_api.load([remote_of(booking, id="api-found", status="CONFIRMED")])

    with django_capture_on_commit_callbacks(execute=True):
        response = mine.get(LIST)

    booking.refresh_from_db()
    assert (booking.api_id, booking.status) == ("api-found", "CONFIRMED")
    assert ">confirmed</span>" in response.content.decode()
    assert len(mail.outbox) == 1  # the confirmation e-mail it had not had
    assert "status=" not in api_mock.calls[0].request.url  # a window read


def test_a_booking_stuck_being_checked_that_the_api_lacks_is_given_up_and_told(
    mine: Client, employee: User, fake_api: FakePetitmonde
) -> None:
    booking = old_submitting(employee)  # and the fake holds no booking

    response = mine.get(LIST)

    booking.refresh_from_db()
    assert booking.status == BookingStatus.NOT_BOOKED
    page = response.content.decode()
    assert "was not made." in page
    assert "nothing was booked and you can book again" in page
    assert ">not booked</span>" in page  # among the past ones, said in words


def test_a_booking_just_sent_is_left_alone(
    mine: Client, employee: User, api_mock: responses.RequestsMock
) -> None:
    make_booking(employee.employee, start=days(1), status="SUBMITTING")

    response = mine.get(LIST)

    assert len(api_mock.calls) == 0
    assert ">being checked</span>" in response.content.decode()
    assert "nothing is ever booked twice" in response.content.decode()


def test_the_monthly_cap_is_shown(mine: Client, employee: User) -> None:
    response = mine.get(LIST)
    assert "you have used €0.00 of your €40.00 cap." in response.content.decode()


def test_an_empty_list_invites_to_book(mine: Client) -> None:
    page = mine.get(LIST).content.decode()
    assert "You have no upcoming bookings." in page
    assert 'href="/bookings/new/"' in page
