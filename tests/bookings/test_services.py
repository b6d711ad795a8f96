"""The flows that span the API and the database, with the API answers mocked."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import requests
import responses
from django.core import mail
from django.utils import timezone
from requests import PreparedRequest

from bookings import policy, services
from bookings.chargers import ChargerOffer
from bookings.models import Booking
from bookings.petitmonde import PetitmondeClient
from bookings.services import BookingFailed, BookingUncertain
from bookings.statuses import BookingStatus
from portal.models import Employee, Site, User
from tests.bookings.factories import echo_created
from tests.bookings.test_policy import offer_at, tomorrow_at
from tests.fake_api import API_KEY, BASE_URL, FakeTime, make_client

pytestmark = pytest.mark.django_db

START = timezone.now().replace(microsecond=0) + timedelta(days=1)
API_ID = "0b5f6a2e-3c1d-4e8f-9a7b-1c2d3e4f5a6b"


@pytest.fixture
def api() -> PetitmondeClient:
    return make_client(FakeTime())


def remote(**changes: Any) -> dict[str, Any]:
    """A booking object as the API sends it."""
    data: dict[str, Any] = {
        "id": API_ID,
        "status": "REQUESTED",
        "status_updated_at": _iso(timezone.now()),
        "created_at": _iso(timezone.now()),
        "location_id": "DE-ENB-E700101",
        "location_name": "Karlsruhe HQ – Garage P1",
        "location_city": "Karlsruhe",
        "evse_uid": "DE*ENB*E700101*1",
        "connector_id": None,
        "reservation_start": _iso(START),
        "reservation_end": _iso(START + timedelta(hours=2)),
        "external_id": "engineering-emp042-20260210",
        "token_strategy": "driver_token",
        "customer_id": "cust_emp042",
        "cpo_reservation_id": None,
        "client_price": 12.5,
        "client_price_currency": "EUR",
    }
    data.update(changes)
    return data


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def submitting(employee: User) -> Booking:
    return Booking.objects.create(
        origin=Booking.Origin.PORTAL,
        attribution=Booking.Attribution.PORTAL,
        employee=employee.employee,
        department=employee.employee.department,
        requested_by=employee,
        site=employee.employee.home_site,
        submission_key=uuid.uuid4(),
        external_id="engineering-emp042-20260210",
        location_id="DE-ENB-E700101",
        evse_uid="DE*ENB*E700101*1",
        reservation_start=START,
        reservation_end=START + timedelta(hours=2),
        token_strategy="driver_token",
        customer_id="cust_emp042",
        estimated_price=Decimal("12.00"),
    )


@pytest.fixture
def confirmed(submitting: Booking) -> Booking:
    submitting.api_id = API_ID
    submitting.status = BookingStatus.CONFIRMED
    submitting.last_synced_at = timezone.now()
    submitting.save()
    return submitting


def no_sleep(seconds: float) -> None:
    pass


# --- create_booking ----------------------------------------------------------


@pytest.fixture
def makes_bookings(api_mock: responses.RequestsMock) -> None:
    """The API makes whatever it is sent."""
    api_mock.add_callback(responses.POST, f"{BASE_URL}/bookings", echo_created)


def create(
    api: PetitmondeClient,
    employee: User,
    offer: ChargerOffer,
    key: uuid.UUID | None = None,
) -> services.BookingOutcome:
    return services.create_booking(
        employee=employee.employee,
        offer=offer,
        site=Site.objects.get(pk=offer.site_id),
        submission_key=key or uuid.uuid4(),
        requested_by=employee,
        client=api,
    )


def test_create_booking_writes_the_booking_before_sending_it(
    api: PetitmondeClient,
    api_mock: responses.RequestsMock,
    employee: User,
    site: Site,
) -> None:
    written: list[Booking] = []

    def make(request: PreparedRequest) -> tuple[int, dict[str, str], str]:
        written.append(Booking.objects.get())  # the row as it stands when sent
        return echo_created(request)

    api_mock.add_callback(responses.POST, f"{BASE_URL}/bookings", make)
    start = tomorrow_at(8)
    outcome = create(api, employee, offer_at(site, start))

    assert isinstance(outcome, services.Booked)
    [booking] = written
    assert booking.status == BookingStatus.SUBMITTING
    assert booking.external_id == f"engineering-emp042-{start:%Y%m%d}"
    assert booking.token_strategy == "driver_token"
    assert booking.customer_id == "cust_emp042"
    assert booking.token_id == ""
    assert booking.estimated_price == Decimal("6.50")
    assert booking.site == site
    assert booking.department.code == "engineering"
    assert booking.requested_by == employee
    assert booking.location_address == "Kaiserstraße 120"
    assert booking.api_id is None
    assert outcome.booking.pk == booking.pk


def test_the_reference_carries_the_local_date_at_the_site(
    api: PetitmondeClient, makes_bookings: None, employee: User, site: Site
) -> None:
    start = tomorrow_at(0) + timedelta(minutes=30)  # the day before, in UTC
    outcome = create(api, employee, offer_at(site, start))
    assert isinstance(outcome, services.Booked)
    assert outcome.booking.external_id.endswith(f"-{start:%Y%m%d}")
    assert start.astimezone(UTC).date() != start.date()


def test_a_second_booking_that_day_gets_dash_2(
    api: PetitmondeClient, makes_bookings: None, employee: User, site: Site
) -> None:
    made = create(api, employee, offer_at(site, tomorrow_at(8)))
    assert isinstance(made, services.Booked)
    first = made.booking
    first.status = BookingStatus.CANCELLED
    first.api_id = "api-first"
    first.save()

    second = create(api, employee, offer_at(site, tomorrow_at(14)))

    assert isinstance(second, services.Booked)
    assert second.booking.external_id == first.external_id + "-2"


def test_the_same_form_twice_makes_one_booking(
    api: PetitmondeClient,
    api_mock: responses.RequestsMock,
    makes_bookings: None,
    employee: User,
    site: Site,
) -> None:
    key = uuid.uuid4()
    first = create(api, employee, offer_at(site, tomorrow_at(8)), key)
    again = create(api, employee, offer_at(site, tomorrow_at(8)), key)

    assert isinstance(first, services.Booked)
    assert isinstance(again, services.AlreadyConfirmed)
    assert again.booking.pk == first.booking.pk
    assert Booking.objects.count() == 1
    assert len(api_mock.calls) == 1  # sent once


def test_someone_elses_form_key_is_refused(
    api: PetitmondeClient,
    makes_bookings: None,
    employee: User,
    colleague: User,
    site: Site,
) -> None:
    key = uuid.uuid4()
    create(api, colleague, offer_at(site, tomorrow_at(8)), key)

    refused = create(api, employee, offer_at(site, tomorrow_at(8)), key)

    assert isinstance(refused, services.NotAllowed)
    assert [p.rule for p in refused.problems] == [policy.FORM]


def test_a_refused_booking_writes_nothing(
    api: PetitmondeClient,
    api_mock: responses.RequestsMock,
    makes_bookings: None,
    employee: User,
    site: Site,
) -> None:
    create(api, employee, offer_at(site, tomorrow_at(8)))

    refused = create(api, employee, offer_at(site, tomorrow_at(14)))

    assert isinstance(refused, services.NotAllowed)
    assert [p.rule for p in refused.problems] == [policy.PER_DAY]
    assert Booking.objects.count() == 1
    assert len(api_mock.calls) == 1  # and sends nothing


def test_the_token_id_is_sent_when_there_is_no_customer_id(
    api: PetitmondeClient, makes_bookings: None, employee: User, site: Site
) -> None:
    Employee.objects.filter(pk=employee.employee.pk).update(
        customer_id="", token_id="tok_42"
    )
    employee.employee.refresh_from_db()

    outcome = create(api, employee, offer_at(site, tomorrow_at(8)))

    assert isinstance(outcome, services.Booked)
    booking = outcome.booking
    assert (booking.customer_id, booking.token_id) == ("", "tok_42")


def test_an_inactive_employee_cannot_book(
    api: PetitmondeClient, employee: User, site: Site
) -> None:
    Employee.objects.filter(pk=employee.employee.pk).update(is_active=False)

    refused = create(api, employee, offer_at(site, tomorrow_at(8)))

    assert isinstance(refused, services.NotAllowed)
    assert [p.rule for p in refused.problems] == [policy.INACTIVE]


def test_without_a_customer_or_token_id_nobody_can_book(
    api: PetitmondeClient, employee: User, site: Site
) -> None:
    Employee.objects.filter(pk=employee.employee.pk).update(customer_id="")

    refused = create(api, employee, offer_at(site, tomorrow_at(8)))

    assert isinstance(refused, services.NotAllowed)
    assert [p.rule for p in refused.problems] == [policy.NO_IDENTITY]
    assert "administrator must first set" in refused.problems[0].message


# --- send_booking ------------------------------------------------------------


def test_created_booking_records_the_api_answer_and_sends_the_request(
    api: PetitmondeClient, api_mock: responses.RequestsMock, submitting: Booking
) -> None:
    api_mock.post(f"{BASE_URL}/bookings", json=remote(), status=202)

    services.send_booking(submitting, client=api)

    submitting.refresh_from_db()
    assert submitting.api_id == API_ID
    assert submitting.status == BookingStatus.REQUESTED
    assert submitting.client_price == Decimal("12.50")
    assert submitting.location_name == "Karlsruhe HQ – Garage P1"
    assert submitting.last_synced_at is not None
    sent = api_mock.calls[0].request
    assert sent.headers["X-API-Key"] == API_KEY
    assert json.loads(sent.body) == {
        "location_id": "DE-ENB-E700101",
        "evse_uid": "DE*ENB*E700101*1",
        "reservation_start": _iso(START),
        "reservation_end": _iso(START + timedelta(hours=2)),
        "external_id": "engineering-emp042-20260210",
        "token_strategy": "driver_token",
        "customer_id": "cust_emp042",
    }


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (409, {"error": "EVSE not available for requested time"}, "just taken"),
        (
            400,
            {"error": "Reservation must start at least 15 minutes from now"},
            "Its explanation: “Reservation must start at least 15 minutes from now.”",
        ),
        (404, {"error": "EVSE not found"}, "no longer knows that charger"),
        (401, {"error": "Invalid or missing API key"}, "administrator has been told"),
        (403, {"error": "Account suspended"}, "administrator has been told"),
    ],
)
def test_refused_create_leaves_no_local_booking(
    api: PetitmondeClient,
    api_mock: responses.RequestsMock,
    submitting: Booking,
    status: int,
    body: dict[str, str],
    expected: str,
) -> None:
    api_mock.post(f"{BASE_URL}/bookings", json=body, status=status)

    with pytest.raises(BookingFailed) as failure:
        services.send_booking(submitting, client=api)

    assert expected in failure.value.message
    assert failure.value.conflict is (status == 409)
    assert not Booking.objects.exists()
    assert len(api_mock.calls) == 1  # a create is never retried


def test_rate_limited_create_says_when_to_try_again(
    api: PetitmondeClient, api_mock: responses.RequestsMock, submitting: Booking
) -> None:
    api_mock.post(
        f"{BASE_URL}/bookings",
        json={"error": "Rate limit exceeded. Retry after 45 seconds."},
        status=429,
        headers={"Retry-After": "45"},
    )
    with pytest.raises(BookingFailed, match="try again in 45 seconds"):
        services.send_booking(submitting, client=api)
    assert not Booking.objects.exists()


def test_auth_failure_is_logged_without_the_key(
    api: PetitmondeClient,
    api_mock: responses.RequestsMock,
    submitting: Booking,
    caplog: pytest.LogCaptureFixture,
) -> None:
    api_mock.post(
        f"{BASE_URL}/bookings", json={"error": "Invalid or missing API key"}, status=401
    )
    with caplog.at_level(logging.DEBUG), pytest.raises(BookingFailed):
        services.send_booking(submitting, client=api)
    assert "credentials" in caplog.text
    assert API_KEY not in caplog.text


@pytest.mark.parametrize(
    "failure",
    [
        {"body": requests.ReadTimeout()},
        {"body": requests.ConnectionError("reset by peer")},
        {"json": {"error": "Internal error"}, "status": 500},
        {"json": {"error": "Bad gateway"}, "status": 502},
    ],
)
def test_ambiguous_create_that_did_book_is_adopted_not_resent(
    api: PetitmondeClient,
    api_mock: responses.RequestsMock,
    submitting: Booking,
    failure: dict[str, Any],
) -> None:
    api_mock.post(f"{BASE_URL}/bookings", **failure)
    someone_elses = remote(id="other", external_id="sales-emp7-20260210")
    api_mock.get(
        f"{BASE_URL}/bookings",
        json={"bookings": [someone_elses, remote(status="PENDING")]},
    )

    services.send_booking(submitting, client=api, sleep=no_sleep)

    submitting.refresh_from_db()
    assert submitting.api_id == API_ID
    assert submitting.status == BookingStatus.PENDING
    posts = [c for c in api_mock.calls if c.request.method == "POST"]
    assert len(posts) == 1
    lookup = next(c.request for c in api_mock.calls if c.request.method == "GET")
    assert "from_date=" in lookup.url
    assert "to_date=" in lookup.url


@pytest.mark.parametrize(
    ("failure", "cause"),
    [
        ({"body": requests.ReadTimeout()}, "did not answer in time."),
        (
            {"body": requests.ConnectionError("reset by peer")},
            "broke off without an answer.",
        ),
        (
            {"json": {"error": "Internal error"}, "status": 500},
            "reported an error of its own (HTTP 500).",
        ),
        (
            {"json": {"error": "Bad gateway"}, "status": 502},
            "reported an error of its own (HTTP 502).",
        ),
        (
            {"json": {"error": "Unavailable"}, "status": 503},
            "reported an error of its own (HTTP 503).",
        ),
    ],
)
def test_ambiguous_create_not_found_stays_being_checked_and_says_what_happened(
    api: PetitmondeClient,
    api_mock: responses.RequestsMock,
    submitting: Booking,
    failure: dict[str, Any],
    cause: str,
) -> None:
    # Create is asynchronous (202): a booking not found right after an unclear
    # answer may still be made, so nothing is concluded yet.
    api_mock.post(f"{BASE_URL}/bookings", **failure)
    api_mock.get(f"{BASE_URL}/bookings", json={"bookings": []})
    slept: list[float] = []

    with pytest.raises(BookingUncertain) as unclear:
        services.send_booking(submitting, client=api, sleep=slept.append)

    message = unclear.value.message
    assert message.startswith("The ")
    assert cause in message.split(".")[0] + "."
    assert "“being checked”" in message
    assert "nothing is booked twice" in message
    assert "nothing was booked" not in message
    if failure.get("status"):
        assert "did not answer in time" not in message
    booking = Booking.objects.get()
    assert booking.status == BookingStatus.SUBMITTING
    assert booking.get_status_display() == "being checked"
    assert slept == [2.0]
    assert sum(c.request.method == "GET" for c in api_mock.calls) == 2
    assert sum(c.request.method == "POST" for c in api_mock.calls) == 1


def test_booking_not_found_once_no_create_can_land_is_given_up_and_kept(
    api: PetitmondeClient, api_mock: responses.RequestsMock, submitting: Booking
) -> None:
    api_mock.get(f"{BASE_URL}/bookings", json={"bookings": []})

    with pytest.raises(BookingFailed, match="nothing was booked"):
        services.resolve_submitting(submitting, client=api)

    # Kept with its reference, so the reference is never sent again and a
    # booking the API still makes is recognised as this one.
    booking = Booking.objects.get()
    assert booking.status == BookingStatus.NOT_BOOKED
    assert booking.external_id == "engineering-emp042-20260210"
    assert booking.is_final and not booking.is_cancellable
    assert sum(c.request.method == "GET" for c in api_mock.calls) == 1


def test_booking_found_on_the_second_look_is_adopted(
    api: PetitmondeClient, api_mock: responses.RequestsMock, submitting: Booking
) -> None:
    api_mock.post(f"{BASE_URL}/bookings", body=requests.ReadTimeout())
    api_mock.get(f"{BASE_URL}/bookings", json={"bookings": []})
    api_mock.get(f"{BASE_URL}/bookings", json={"bookings": [remote()]})

    services.send_booking(submitting, client=api, sleep=no_sleep)

    assert Booking.objects.get().api_id == API_ID


@pytest.mark.parametrize(
    "elsewhere",
    [
        {"evse_uid": "DE*ION*E789012*1"},  # another charger
        {"reservation_start": _iso(START + timedelta(hours=1))},  # another time
        {"reservation_end": _iso(START + timedelta(hours=3))},
    ],
)
def test_reference_reused_by_another_tool_does_not_fool_the_lookup(
    api: PetitmondeClient,
    api_mock: responses.RequestsMock,
    submitting: Booking,
    elsewhere: dict[str, str],
) -> None:
    api_mock.post(f"{BASE_URL}/bookings", body=requests.ReadTimeout())
    not_ours = remote(id="not-ours", **elsewhere)
    api_mock.get(f"{BASE_URL}/bookings", json={"bookings": [not_ours]})

    with pytest.raises(BookingUncertain):
        services.send_booking(submitting, client=api, sleep=no_sleep)
    booking = Booking.objects.get()
    assert (booking.api_id, booking.status) == (None, BookingStatus.SUBMITTING)

    with pytest.raises(BookingFailed):
        services.resolve_submitting(booking, client=api)
    booking.refresh_from_db()
    assert (booking.api_id, booking.status) == (None, BookingStatus.NOT_BOOKED)


def test_unanswerable_create_stays_submitting_until_resolved(
    api: PetitmondeClient, api_mock: responses.RequestsMock, submitting: Booking
) -> None:
    api_mock.post(f"{BASE_URL}/bookings", body=requests.ConnectionError("down"))
    api_mock.get(f"{BASE_URL}/bookings", body=requests.ConnectionError("down"))

    with pytest.raises(BookingUncertain):
        services.send_booking(submitting, client=api, sleep=no_sleep)

    booking = Booking.objects.get()
    assert booking.status == BookingStatus.SUBMITTING
    assert booking.api_id is None

    api_mock.replace(
        responses.GET, f"{BASE_URL}/bookings", json={"bookings": [remote()]}
    )
    services.resolve_submitting(booking, client=api)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.REQUESTED
    assert booking.api_id == API_ID


# --- cancel_booking -----------------------------------------------------------


def test_cancel_booking_before_confirmation_is_free_and_tells_the_person(
    api: PetitmondeClient,
    api_mock: responses.RequestsMock,
    confirmed: Booking,
    employee: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    confirmed.status = BookingStatus.PENDING
    confirmed.save()
    api_mock.post(
        f"{BASE_URL}/bookings/{API_ID}/cancel",
        json=remote(status="CANCELLED", client_price=2.0),
    )

    with django_capture_on_commit_callbacks(execute=True):
        outcome = services.cancel_booking(
            booking=confirmed, by=employee, reason="", client=api
        )

    assert outcome == services.Cancelled(confirmed, free=True)
    assert outcome.fee is None  # whatever the API left in client_price
    [email] = mail.outbox
    assert email.to == [employee.email]


def test_cancel_booking_after_confirmation_names_the_fee(
    api: PetitmondeClient,
    api_mock: responses.RequestsMock,
    confirmed: Booking,
    employee: User,
) -> None:
    api_mock.post(
        f"{BASE_URL}/bookings/{API_ID}/cancel",
        json=remote(status="CANCELLED", client_price=3.0),
    )

    outcome = services.cancel_booking(
        booking=confirmed, by=employee, reason="", client=api
    )

    assert isinstance(outcome, services.Cancelled)
    assert not outcome.free
    assert outcome.fee == Decimal("3.00")


def test_cancel_booking_that_fails_says_why_and_tells_nobody(
    api: PetitmondeClient,
    api_mock: responses.RequestsMock,
    confirmed: Booking,
    employee: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    api_mock.post(
        f"{BASE_URL}/bookings/{API_ID}/cancel",
        json={"error": "Unauthorized"},
        status=401,
    )

    with django_capture_on_commit_callbacks(execute=True):
        outcome = services.cancel_booking(
            booking=confirmed, by=employee, reason="", client=api
        )

    assert isinstance(outcome, services.NotCancelled)
    assert outcome.message.startswith("The booking was not cancelled.")
    assert mail.outbox == []
    confirmed.refresh_from_db()
    assert confirmed.status == BookingStatus.CONFIRMED


def test_cancel_booking_already_cancelled_sends_nothing(
    api: PetitmondeClient,
    api_mock: responses.RequestsMock,
    confirmed: Booking,
    employee: User,
) -> None:
    confirmed.status = BookingStatus.CANCELLED
    confirmed.save()

    outcome = services.cancel_booking(
        booking=confirmed, by=employee, reason="", client=api
    )

    assert outcome == services.AlreadyCancelled(confirmed)
    assert len(api_mock.calls) == 0


# --- send_cancel --------------------------------------------------------------


def test_cancel_sends_the_reason_and_records_the_fee(
    api: PetitmondeClient,
    api_mock: responses.RequestsMock,
    confirmed: Booking,
    employee: User,
) -> None:
    api_mock.post(
        f"{BASE_URL}/bookings/{API_ID}/cancel",
        json=remote(status="CANCELLED", client_price=3.0),
    )

    services.send_cancel(confirmed, by=employee, reason="Plans changed", client=api)

    confirmed.refresh_from_db()
    assert confirmed.status == BookingStatus.CANCELLED
    assert confirmed.client_price == Decimal("3.00")
    assert confirmed.cancelled_by == employee
    assert json.loads(api_mock.calls[0].request.body) == {"reason": "Plans changed"}


def test_cancel_refused_because_someone_else_cancelled_first_is_a_success(
    api: PetitmondeClient,
    api_mock: responses.RequestsMock,
    confirmed: Booking,
    employee: User,
) -> None:
    api_mock.post(
        f"{BASE_URL}/bookings/{API_ID}/cancel",
        json={"error": "Booking cannot be cancelled in current state"},
        status=400,
    )
    api_mock.get(f"{BASE_URL}/bookings/{API_ID}", json=remote(status="CANCELLED"))

    services.send_cancel(confirmed, by=employee, reason="", client=api)

    confirmed.refresh_from_db()
    assert confirmed.status == BookingStatus.CANCELLED


def test_cancel_refused_because_charging_started_records_the_new_status(
    api: PetitmondeClient,
    api_mock: responses.RequestsMock,
    confirmed: Booking,
    employee: User,
) -> None:
    api_mock.post(
        f"{BASE_URL}/bookings/{API_ID}/cancel",
        json={"error": "Booking cannot be cancelled in current state"},
        status=400,
    )
    api_mock.get(f"{BASE_URL}/bookings/{API_ID}", json=remote(status="ATTENDING"))

    with pytest.raises(BookingFailed, match="charging"):
        services.send_cancel(confirmed, by=employee, reason="", client=api)

    confirmed.refresh_from_db()
    assert confirmed.status == BookingStatus.ATTENDING


def test_cancel_with_no_answer_reads_the_truth_back(
    api: PetitmondeClient,
    api_mock: responses.RequestsMock,
    confirmed: Booking,
    employee: User,
) -> None:
    api_mock.post(f"{BASE_URL}/bookings/{API_ID}/cancel", body=requests.ReadTimeout())
    api_mock.get(f"{BASE_URL}/bookings/{API_ID}", json=remote(status="CANCELLED"))

    services.send_cancel(confirmed, by=employee, reason="", client=api)

    assert Booking.objects.get().status == BookingStatus.CANCELLED
    assert sum(c.request.method == "POST" for c in api_mock.calls) == 1


def test_cancel_with_api_down_leaves_the_booking_as_it_was(
    api: PetitmondeClient,
    api_mock: responses.RequestsMock,
    confirmed: Booking,
    employee: User,
) -> None:
    api_mock.post(f"{BASE_URL}/bookings/{API_ID}/cancel", body=requests.ReadTimeout())
    api_mock.get(f"{BASE_URL}/bookings/{API_ID}", body=requests.ConnectionError("down"))

    with pytest.raises(BookingFailed) as failed:
        services.send_cancel(confirmed, by=employee, reason="", client=api)

    assert failed.value.message == (
        "The booking service did not answer in time. We could not check "
        "afterwards whether it was cancelled; as far as we know the booking "
        "still stands. Please try again in a few minutes."
    )
    assert Booking.objects.get().status == BookingStatus.CONFIRMED


@pytest.mark.parametrize("status", [500, 502, 503])
def test_cancel_hit_by_a_server_error_says_the_booking_still_stands(
    api: PetitmondeClient,
    api_mock: responses.RequestsMock,
    confirmed: Booking,
    employee: User,
    status: int,
) -> None:
    api_mock.post(
        f"{BASE_URL}/bookings/{API_ID}/cancel", json={"error": "x"}, status=status
    )
    api_mock.get(f"{BASE_URL}/bookings/{API_ID}", json=remote(status="CONFIRMED"))

    with pytest.raises(BookingFailed) as failed:
        services.send_cancel(confirmed, by=employee, reason="", client=api)

    # Not "it is now confirmed": it was confirmed before and nothing moved.
    assert failed.value.message == (
        f"The booking service reported an error of its own (HTTP {status}). "
        "The booking was not cancelled: it is still confirmed. "
        "Please try again in a few minutes."
    )
    assert failed.value.detail == (
        f"The booking service reported an error of its own (HTTP {status}). "
        "The booking was not cancelled: it is still confirmed."
    )
    assert Booking.objects.get().status == BookingStatus.CONFIRMED
    assert sum(c.request.method == "POST" for c in api_mock.calls) == 1


def test_a_booking_made_outside_the_portal_is_not_cancelled(
    api: PetitmondeClient,
    api_mock: responses.RequestsMock,
    confirmed: Booking,
    employee: User,
) -> None:
    confirmed.origin = Booking.Origin.API
    confirmed.attribution = Booking.Attribution.EXTERNAL_ID
    confirmed.save()

    with pytest.raises(BookingFailed, match="made outside the portal"):
        services.send_cancel(confirmed, by=employee, reason="", client=api)

    assert not confirmed.is_cancellable
    assert not api_mock.calls


def test_booking_that_ended_is_not_sent_to_cancel(
    api: PetitmondeClient,
    api_mock: responses.RequestsMock,
    confirmed: Booking,
    employee: User,
) -> None:
    confirmed.status = BookingStatus.COMPLETED
    confirmed.save()
    with pytest.raises(BookingFailed, match="no longer be cancelled"):
        services.send_cancel(confirmed, by=employee, reason="", client=api)
    assert not api_mock.calls


# --- refresh_bookings -----------------------------------------------------------


def test_one_booking_waiting_for_confirmation_costs_one_get(
    api: PetitmondeClient, api_mock: responses.RequestsMock, confirmed: Booking
) -> None:
    confirmed.status = BookingStatus.PENDING
    confirmed.last_synced_at = timezone.now() - timedelta(minutes=5)
    confirmed.save()
    api_mock.get(f"{BASE_URL}/bookings/{API_ID}", json=remote(status="CONFIRMED"))

    result = services.refresh_bookings([confirmed], client=api)

    assert result == services.Refresh(refreshed=1, requests=1)
    assert Booking.objects.get().status == BookingStatus.CONFIRMED


def test_several_due_bookings_cost_one_list_page(
    api: PetitmondeClient,
    api_mock: responses.RequestsMock,
    confirmed: Booking,
    employee: User,
) -> None:
    confirmed.status = BookingStatus.REQUESTED
    confirmed.last_synced_at = None
    confirmed.save()
    second = Booking.objects.create(
        origin=Booking.Origin.PORTAL,
        api_id="second",
        status=BookingStatus.PENDING,
        employee=employee.employee,
        external_id="engineering-emp042-20260211",
        location_id="DE-ENB-E700101",
        evse_uid="DE*ENB*E700101*1",
        reservation_start=START + timedelta(days=1),
        reservation_end=START + timedelta(days=1, hours=1),
    )
    api_mock.get(
        f"{BASE_URL}/bookings",
        json={
            "bookings": [
                remote(status="CONFIRMED"),
                remote(
                    id="second",
                    status="CANCELLED",
                    external_id="engineering-emp042-20260211",
                ),
            ]
        },
    )

    result = services.refresh_bookings([confirmed, second], client=api)

    assert result == services.Refresh(refreshed=2, requests=1)
    assert set(Booking.objects.values_list("status", flat=True)) == {
        BookingStatus.CONFIRMED,
        BookingStatus.CANCELLED,
    }


def test_confirmed_booking_far_ahead_and_fresh_is_not_asked_about(
    api: PetitmondeClient, api_mock: responses.RequestsMock, confirmed: Booking
) -> None:
    confirmed.last_synced_at = timezone.now() - timedelta(minutes=2)
    confirmed.save()
    assert services.refresh_bookings([confirmed], client=api).requests == 0
    assert not api_mock.calls


def test_refresh_failure_keeps_the_known_status(
    api: PetitmondeClient, api_mock: responses.RequestsMock, confirmed: Booking
) -> None:
    confirmed.status = BookingStatus.PENDING
    confirmed.last_synced_at = None
    confirmed.save()
    api_mock.get(f"{BASE_URL}/bookings/{API_ID}", json={"error": "x"}, status=500)

    result = services.refresh_bookings([confirmed], client=api)

    assert result.refreshed == 0
    assert Booking.objects.get().status == BookingStatus.PENDING


def test_lookup_reaches_up_to_the_window_start_for_an_api_clock_ahead(
    api: PetitmondeClient, api_mock: responses.RequestsMock, submitting: Booking
) -> None:
    # A sandbox whose clock was moved on stamps created_at in our future; a
    # booking is still always created before its window starts.
    api_mock.post(f"{BASE_URL}/bookings", body=requests.ReadTimeout())
    ahead = remote(created_at=_iso(START - timedelta(hours=2)))
    api_mock.get(f"{BASE_URL}/bookings", json={"bookings": [ahead]})

    services.send_booking(submitting, client=api, sleep=no_sleep)

    lookup = next(c.request for c in api_mock.calls if c.request.method == "GET")
    assert f"to_date={_iso(START).replace(':', '%3A')}" in lookup.url
    assert Booking.objects.get().api_id == API_ID


def test_spent_monthly_quota_says_until_when_and_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from bookings.petitmonde import PetitmondeError

    error = PetitmondeError(
        "Monthly quota exceeded. Retry after 500000 seconds.",
        status=429,
        retry_after=500000,
    )
    message = services.explain(error)
    assert "monthly allowance" in message
    assert "500000" not in message
    assert "administrator has been told" in message
    assert "refuses us for 500000" in caplog.text
