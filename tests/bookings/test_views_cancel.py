"""Cancelling: the terms first, then the API, with care for unclear answers."""

from __future__ import annotations

import json
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
from portal.models import User
from tests.bookings.factories import make_booking, remote_of
from tests.fake_api import BASE_URL

pytestmark = pytest.mark.django_db


@pytest.fixture
def mine(login: Callable[[User], Client], employee: User, api_settings: Any) -> Client:
    return login(employee)


def booking_of(employee: User, status: str) -> Booking:
    return make_booking(
        employee.employee, start=timezone.now() + timedelta(days=2), status=status
    )


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("REQUESTED", "so cancelling it is free."),
        ("PENDING", "so cancelling it is free."),
        ("CONFIRMED", "may cost the operator's cancellation fee"),
        ("ATTENDING", "can no longer be cancelled (its status: charging)."),
        ("CANCELLED", "This booking is already cancelled."),
        ("SUBMITTING", "still being checked with the booking service"),
    ],
)
def test_the_terms_come_first(
    mine: Client, employee: User, status: str, expected: str
) -> None:
    booking = booking_of(employee, status)

    response = mine.get(f"/bookings/{booking.pk}/cancel/")

    page = response.content.decode()
    assert expected in page
    has_form = "Why are you cancelling?" in page
    assert has_form is (status in ("REQUESTED", "PENDING", "CONFIRMED"))


def test_cancelling_sends_the_reason_and_says_it_was_free(
    mine: Client,
    employee: User,
    api_mock: responses.RequestsMock,
    django_capture_on_commit_callbacks: Any,
) -> None:
    booking = booking_of(employee, "PENDING")
    api_mock.post(
        f"{BASE_URL}/bookings/{booking.api_id}/cancel",
        json=remote_of(
            booking,
            status="CANCELLED",
            client_price=0,
            cancellation_reason="Plans changed",
        ),
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = mine.post(
            f"/bookings/{booking.pk}/cancel/confirm/",
            {"reason": "Plans changed"},
            follow=True,
        )

    assert json.loads(api_mock.calls[0].request.body) == {"reason": "Plans changed"}
    booking.refresh_from_db()
    assert booking.status == "CANCELLED"
    assert booking.cancelled_by == employee
    assert response.redirect_chain == [(f"/bookings/{booking.pk}/", 302)]
    assert "Cancelled, free of charge." in response.content.decode()
    [email] = mail.outbox
    assert email.subject.startswith("Charging cancelled: ")
    assert "Nothing is charged for it." in email.body
    assert "Reason: Plans changed" in email.body
    assert "STATUS:CANCELLED" in email.attachments[0][1]
    assert "SEQUENCE:1" in email.attachments[0][1]


def test_cancelling_a_confirmed_booking_names_the_fee(
    mine: Client,
    employee: User,
    api_mock: responses.RequestsMock,
    django_capture_on_commit_callbacks: Any,
) -> None:
    booking = booking_of(employee, "CONFIRMED")
    api_mock.post(
        f"{BASE_URL}/bookings/{booking.api_id}/cancel",
        json=remote_of(booking, status="CANCELLED", client_price=2.5),
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = mine.post(f"/bookings/{booking.pk}/cancel/confirm/", follow=True)

    assert "cancellation fee of €2.50" in response.content.decode()
    assert "cancellation fee of €2.50" in mail.outbox[0].body
    assert Booking.objects.get().client_price == Decimal("2.50")


def test_cancelling_twice_is_harmless(
    mine: Client, employee: User, api_mock: responses.RequestsMock
) -> None:
    booking = booking_of(employee, "CANCELLED")

    response = mine.post(f"/bookings/{booking.pk}/cancel/confirm/", follow=True)

    assert "This booking was already cancelled." in response.content.decode()
    assert len(api_mock.calls) == 0


def test_an_unclear_answer_is_checked_by_reading_the_booking_back(
    mine: Client, employee: User, api_mock: responses.RequestsMock
) -> None:
    booking = booking_of(employee, "REQUESTED")
    api_mock.post(
        f"{BASE_URL}/bookings/{booking.api_id}/cancel",
        json={"error": "Internal server error"},
        status=500,
    )
    api_mock.get(
        f"{BASE_URL}/bookings/{booking.api_id}",
        json=remote_of(booking, status="CANCELLED"),
    )

    response = mine.post(f"/bookings/{booking.pk}/cancel/confirm/", follow=True)

    assert Booking.objects.get().status == "CANCELLED"
    assert "Cancelled" in response.content.decode()
    assert [c.request.method for c in api_mock.calls] == ["POST", "GET"]


def test_a_booking_that_started_meanwhile_is_not_cancelled_and_says_why(
    mine: Client, employee: User, api_mock: responses.RequestsMock
) -> None:
    booking = booking_of(employee, "CONFIRMED")
    api_mock.post(
        f"{BASE_URL}/bookings/{booking.api_id}/cancel",
        json={"error": "Booking cannot be cancelled in current state"},
        status=400,
    )
    api_mock.get(
        f"{BASE_URL}/bookings/{booking.api_id}",
        json=remote_of(booking, status="ATTENDING"),
    )

    response = mine.post(f"/bookings/{booking.pk}/cancel/confirm/", follow=True)

    assert "The booking was not cancelled: it is now charging." in (
        response.content.decode()
    )
    assert Booking.objects.get().status == "ATTENDING"


def test_a_cancel_hit_by_a_server_error_says_the_booking_still_stands(
    mine: Client, employee: User, api_mock: responses.RequestsMock
) -> None:
    booking = booking_of(employee, "CONFIRMED")
    api_mock.post(
        f"{BASE_URL}/bookings/{booking.api_id}/cancel",
        json={"error": "Service unavailable"},
        status=503,
    )
    api_mock.get(
        f"{BASE_URL}/bookings/{booking.api_id}",
        json=remote_of(booking, status="CONFIRMED"),
    )

    response = mine.post(f"/bookings/{booking.pk}/cancel/confirm/", follow=True)

    page = response.content.decode()
    assert (
        "The booking service reported an error of its own (HTTP 503). The booking "
        "was not cancelled: it is still confirmed. Please try again in a few minutes."
    ) in page
    assert "it is now confirmed" not in page
    assert "Cancel this booking…" in page  # it can be tried again
    assert Booking.objects.get().status == "CONFIRMED"


def test_a_booking_made_outside_the_portal_offers_no_cancel(
    mine: Client, employee: User, api_mock: responses.RequestsMock
) -> None:
    booking = booking_of(employee, "CONFIRMED")
    Booking.objects.filter(pk=booking.pk).update(
        origin=Booking.Origin.API, attribution=Booking.Attribution.EXTERNAL_ID
    )

    page = mine.get(f"/bookings/{booking.pk}/").content.decode()
    assert "made outside the portal" in page
    assert "Cancel this booking…" not in page
    terms = mine.get(f"/bookings/{booking.pk}/cancel/").content.decode()
    assert "Why are you cancelling?" not in terms

    mine.post(f"/bookings/{booking.pk}/cancel/confirm/", follow=True)
    assert not api_mock.calls
    assert Booking.objects.get().status == "CONFIRMED"


def test_a_cancel_the_api_refuses_is_explained(
    mine: Client, employee: User, api_mock: responses.RequestsMock
) -> None:
    booking = booking_of(employee, "CONFIRMED")
    api_mock.post(
        f"{BASE_URL}/bookings/{booking.api_id}/cancel",
        json={"error": "Rate limit exceeded. Retry after 20 seconds."},
        status=429,
        headers={"Retry-After": "20"},
    )

    response = mine.post(f"/bookings/{booking.pk}/cancel/confirm/", follow=True)

    assert "Please try again in 20 seconds." in response.content.decode()
    assert Booking.objects.get().status == "CONFIRMED"


def test_a_too_long_reason_is_refused_next_to_the_field(
    mine: Client, employee: User, api_mock: responses.RequestsMock
) -> None:
    booking = booking_of(employee, "CONFIRMED")
    reason = "x" * 301

    response = mine.post(f"/bookings/{booking.pk}/cancel/confirm/", {"reason": reason})

    assert response.status_code == 200
    assert 'id="id_reason_error"' in response.content.decode()
    assert response.context["form"]["reason"].value() == reason
    assert len(api_mock.calls) == 0


def test_cancel_confirm_only_takes_post(mine: Client, employee: User) -> None:
    booking = booking_of(employee, "CONFIRMED")
    assert mine.get(f"/bookings/{booking.pk}/cancel/confirm/").status_code == 405
