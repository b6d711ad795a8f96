"""POST /bookings/new/confirm/: the rules, what is sent, and every API outcome."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from django.core import mail
from django.test import Client

from bookings.chargers import ChargerOffer
from bookings.forms import search_for_offer
from bookings.models import Booking
from bookings.statuses import BookingStatus
from portal.models import Department, Employee, Site, User
from tests.bookings.factories import echo_created, iso, make_booking, remote_of
from tests.bookings.test_policy import offer_at, tomorrow_at
from tests.fake_api import API_KEY, BASE_URL

pytestmark = pytest.mark.django_db

CONFIRM = "/bookings/new/confirm/"
SEARCH = "site=1&date=2030-01-01&start=08:00&end=10:00&connector_type=&power_min="


@pytest.fixture
def booker(
    login: Callable[[User], Client], employee: User, api_settings: Any
) -> Client:
    return login(employee)


@pytest.fixture
def offer(site: Site) -> ChargerOffer:
    return offer_at(site, tomorrow_at(8))


def form(offer: ChargerOffer, key: uuid.UUID | None = None) -> dict[str, str]:
    return {
        "offer": offer.sign(),
        "search": SEARCH,
        "submission_key": str(key or uuid.uuid4()),
    }


def same_search(url: str) -> bool:
    """The URL is the search page with the search of SEARCH."""
    return url.startswith("/bookings/new/?") and parse_qs(
        urlsplit(url).query, keep_blank_values=True
    ) == parse_qs(SEARCH, keep_blank_values=True)


def posts(api_mock: responses.RequestsMock) -> list[Any]:
    return [c for c in api_mock.calls if c.request.method == "POST"]


def test_confirming_books_with_the_employees_token_and_reference(
    booker: Client,
    offer: ChargerOffer,
    api_mock: responses.RequestsMock,
    django_capture_on_commit_callbacks: Any,
) -> None:
    api_mock.add_callback(responses.POST, f"{BASE_URL}/bookings", echo_created)

    with django_capture_on_commit_callbacks(execute=True):
        response = booker.post(CONFIRM, form(offer), follow=True)

    booking = Booking.objects.get()
    assert response.redirect_chain == [(f"/bookings/{booking.pk}/", 302)]
    sent = posts(api_mock)[0].request
    assert sent.headers["X-API-Key"] == API_KEY
    assert json.loads(sent.body) == {
        "location_id": "DE-ENB-E700101",
        "evse_uid": "DE*ENB*E700101*1",
        "reservation_start": iso(offer.start),
        "reservation_end": iso(offer.end),
        "external_id": f"engineering-emp042-{offer.start:%Y%m%d}",
        "token_strategy": "driver_token",
        "customer_id": "cust_emp042",
    }
    assert booking.status == BookingStatus.REQUESTED
    assert booking.api_id
    assert booking.client_price == Decimal("6.50")
    page = response.content.decode()
    assert "Booked: Karlsruhe HQ – Garage P1" in page
    assert "The operator still has to confirm it" in page
    [email] = mail.outbox
    assert email.to == ["emp042@example.com"]
    assert email.subject.startswith("Charging booked: ")
    assert booking.external_id in email.body
    assert "€6.50" in email.body
    filename, ics, mimetype = email.attachments[0]
    assert filename == f"{booking.external_id}.ics"
    assert mimetype == "text/calendar"
    assert "DTSTART;TZID=Europe/Berlin:" in ics
    assert "https://ev.example.com/bookings/" in ics


def test_the_token_id_is_sent_when_the_person_has_no_customer_id(
    booker: Client,
    employee: User,
    offer: ChargerOffer,
    api_mock: responses.RequestsMock,
) -> None:
    Employee.objects.filter(user=employee).update(customer_id="", token_id="tok_42")
    api_mock.add_callback(responses.POST, f"{BASE_URL}/bookings", echo_created)

    booker.post(CONFIRM, form(offer))

    body = json.loads(posts(api_mock)[0].request.body)
    assert body["token_id"] == "tok_42"
    assert body["token_strategy"] == "driver_token"
    assert "customer_id" not in body


def test_a_double_click_makes_one_booking(
    booker: Client,
    offer: ChargerOffer,
    api_mock: responses.RequestsMock,
    django_capture_on_commit_callbacks: Any,
) -> None:
    api_mock.add_callback(responses.POST, f"{BASE_URL}/bookings", echo_created)
    data = form(offer)

    with django_capture_on_commit_callbacks(execute=True):
        first = booker.post(CONFIRM, data)
        second = booker.post(CONFIRM, data, follow=True)

    booking = Booking.objects.get()
    assert first["Location"] == f"/bookings/{booking.pk}/"
    assert second.redirect_chain == [(f"/bookings/{booking.pk}/", 302)]
    assert "You had already confirmed this booking" in second.content.decode()
    assert len(posts(api_mock)) == 1
    assert len(mail.outbox) == 1


def test_a_taken_charger_shows_the_other_chargers_again(
    booker: Client,
    offer: ChargerOffer,
    api_mock: responses.RequestsMock,
    search_answer: dict[str, Any],
) -> None:
    api_mock.post(
        f"{BASE_URL}/bookings",
        json={"error": "EVSE not available for requested time"},
        status=409,
    )
    api_mock.get(f"{BASE_URL}/search", json=search_answer)
    data = form(offer) | {"search": search_for_offer(offer)}

    response = booker.post(CONFIRM, data, follow=True)

    search = parse_qs(urlsplit(response.redirect_chain[0][0]).query)
    assert search["start"] == ["08:00"]
    assert search["site"] == [str(offer.site_id)]
    page = response.content.decode()
    assert "That charger was just taken for this time." in page
    assert "Here are the chargers still free at that time." in page
    assert not Booking.objects.exists()
    # The search is run again for the same window.
    assert [c.request.method for c in api_mock.calls] == ["POST", "GET"]


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (
            400,
            {"error": "Reservation must start at least 15 minutes from now"},
            "Its explanation: “Reservation must start at least 15 minutes from now.”",
        ),
        (
            400,
            {"error": "Fleet group spending limit exceeded"},
            "monthly spending limit at the booking service is reached",
        ),
        (401, {"error": "Invalid or missing API key"}, "administrator has been told"),
        (403, {"error": "Account suspended"}, "administrator has been told"),
        (
            429,
            {"error": "Rate limit exceeded. Retry after 45 seconds."},
            "Please try again in 45 seconds.",
        ),
        (404, {"error": "EVSE not found"}, "no longer knows that charger"),
    ],
)
def test_a_refusal_is_explained_and_the_summary_shown_again(
    booker: Client,
    offer: ChargerOffer,
    api_mock: responses.RequestsMock,
    caplog: pytest.LogCaptureFixture,
    status: int,
    body: dict[str, str],
    expected: str,
) -> None:
    api_mock.post(
        f"{BASE_URL}/bookings", json=body, status=status, headers={"Retry-After": "45"}
    )

    with caplog.at_level(logging.DEBUG):
        response = booker.post(CONFIRM, form(offer), follow=True)

    assert response.redirect_chain[0][0].startswith("/bookings/new/review/?offer=")
    assert expected in response.content.decode()
    assert b"Confirm the booking" in response.content  # with a fresh form
    assert not Booking.objects.exists()
    assert len(posts(api_mock)) == 1
    assert API_KEY not in caplog.text
    if status in (401, 403):
        assert "Petitmonde refused our credentials" in caplog.text


@pytest.mark.parametrize(
    "failure",
    [
        {"json": {"error": "Internal server error"}, "status": 500},
        {"body": requests.ReadTimeout()},
        {"body": requests.ConnectionError("reset by peer")},
    ],
)
def test_a_booking_made_despite_an_error_is_adopted(
    booker: Client,
    offer: ChargerOffer,
    api_mock: responses.RequestsMock,
    failure: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    api_mock.post(f"{BASE_URL}/bookings", **failure)

    def listing(request: Any) -> tuple[int, dict[str, str], str]:
        # What the API holds: the booking it made, under the reference we sent.
        made = remote_of(Booking.objects.get(), id="api-adopted", status="PENDING")
        return 200, {}, json.dumps({"bookings": [made]})

    api_mock.add_callback(responses.GET, f"{BASE_URL}/bookings", listing)

    with django_capture_on_commit_callbacks(execute=True):
        response = booker.post(CONFIRM, form(offer), follow=True)

    booking = Booking.objects.get()
    assert booking.api_id == "api-adopted"
    assert booking.status == BookingStatus.PENDING
    assert "Booked:" in response.content.decode()
    assert len(posts(api_mock)) == 1  # never sent twice
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("failure", "cause"),
    [
        ({"body": requests.ReadTimeout()}, "did not answer in time"),
        ({"json": {"error": "x"}, "status": 500}, "reported an error of its own"),
        ({"json": {"error": "x"}, "status": 502}, "reported an error of its own"),
        ({"json": {"error": "x"}, "status": 503}, "reported an error of its own"),
    ],
)
def test_an_unclear_create_with_no_booking_found_yet_shows_being_checked(
    booker: Client,
    offer: ChargerOffer,
    api_mock: responses.RequestsMock,
    failure: dict[str, Any],
    cause: str,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # The booking may still be made (a slow create lands after the look-ups):
    # "nothing was booked" would be a guess, and a retry would book twice.
    api_mock.post(f"{BASE_URL}/bookings", **failure)
    api_mock.get(f"{BASE_URL}/bookings", json={"bookings": []})

    with django_capture_on_commit_callbacks(execute=True):
        response = booker.post(CONFIRM, form(offer), follow=True)

    booking = Booking.objects.get()
    assert response.redirect_chain == [(f"/bookings/{booking.pk}/", 302)]
    assert booking.status == BookingStatus.SUBMITTING
    page = response.content.decode()
    assert cause in page
    if "status" in failure:
        assert "did not answer in time" not in page
    assert "nothing was booked" not in page
    assert ">being checked</span>" in page
    assert "nothing is booked twice" in page
    assert mail.outbox == []
    assert len(posts(api_mock)) == 1


def test_the_same_time_cannot_be_booked_again_while_being_checked(
    booker: Client,
    offer: ChargerOffer,
    site: Site,
    api_mock: responses.RequestsMock,
    settings: Any,
) -> None:
    settings.BOOKING_MAX_PER_DAY = 2  # not the one-a-day rule that refuses it
    api_mock.post(f"{BASE_URL}/bookings", body=requests.ReadTimeout())
    api_mock.get(f"{BASE_URL}/bookings", json={"bookings": []})
    booker.post(CONFIRM, form(offer))

    # The retry (a fresh form) overlapping the booking being checked.
    retry = offer_at(site, tomorrow_at(9))
    response = booker.post(CONFIRM, form(retry))

    assert response.status_code == 409
    assert "is still being checked with the booking service" in (
        response.content.decode()
    )
    assert Booking.objects.count() == 1
    assert len(posts(api_mock)) == 1  # nothing sent the second time


def test_a_timeout_that_cannot_be_checked_yet_shows_being_checked(
    booker: Client,
    offer: ChargerOffer,
    api_mock: responses.RequestsMock,
    django_capture_on_commit_callbacks: Any,
) -> None:
    api_mock.post(f"{BASE_URL}/bookings", body=requests.ReadTimeout())
    api_mock.get(f"{BASE_URL}/bookings", json={"error": "Unavailable"}, status=503)

    with django_capture_on_commit_callbacks(execute=True):
        response = booker.post(CONFIRM, form(offer), follow=True)

    booking = Booking.objects.get()
    assert response.redirect_chain == [(f"/bookings/{booking.pk}/", 302)]
    assert booking.status == BookingStatus.SUBMITTING
    page = response.content.decode()
    assert "being checked" in page
    assert "nothing is booked twice" in page
    assert mail.outbox == []
    assert len(posts(api_mock)) == 1


def test_a_rule_broken_at_confirmation_sends_nothing(
    booker: Client,
    employee: User,
    offer: ChargerOffer,
    api_mock: responses.RequestsMock,
) -> None:
    make_booking(employee.employee, start=tomorrow_at(14))

    response = booker.post(CONFIRM, form(offer))

    assert response.status_code == 409
    assert "You can have 1 booking a day" in response.content.decode()
    assert b"Confirm the booking" not in response.content
    assert Booking.objects.count() == 1
    assert len(api_mock.calls) == 0


def test_the_cap_refusal_names_the_numbers(
    booker: Client,
    employee: User,
    site: Site,
    engineering: Department,
    api_mock: responses.RequestsMock,
) -> None:
    engineering.default_monthly_cap = Decimal("10.00")
    engineering.save()
    start = tomorrow_at(8)
    make_booking(
        employee.employee,
        start=start.replace(hour=0),
        status="COMPLETED",
        client_price=Decimal("6.20"),
    )

    response = booker.post(CONFIRM, form(offer_at(site, start)))

    month = f"{start:%B}"
    assert (
        f"You have used €6.20 of your €10.00 cap for {month}; "
        "this booking is estimated at €6.50."
    ) in response.content.decode()
    assert len(api_mock.calls) == 0


def test_a_form_without_its_charger_goes_back_to_the_search(
    booker: Client, api_mock: responses.RequestsMock
) -> None:
    response = booker.post(
        CONFIRM, {"search": SEARCH, "submission_key": str(uuid.uuid4())}, follow=True
    )
    assert same_search(response.redirect_chain[0][0])
    assert len(api_mock.calls) == 0


def test_confirm_only_takes_post(booker: Client) -> None:
    assert booker.get(CONFIRM).status_code == 405


def test_a_second_booking_that_day_after_cancelling_gets_dash_2(
    booker: Client,
    employee: User,
    offer: ChargerOffer,
    api_mock: responses.RequestsMock,
) -> None:
    make_booking(
        employee.employee,
        start=offer.start,
        status="CANCELLED",
        external_id=f"engineering-emp042-{offer.start:%Y%m%d}",
    )
    api_mock.add_callback(responses.POST, f"{BASE_URL}/bookings", echo_created)

    booker.post(CONFIRM, form(offer))

    body = json.loads(posts(api_mock)[0].request.body)
    assert body["external_id"] == f"engineering-emp042-{offer.start:%Y%m%d}-2"
