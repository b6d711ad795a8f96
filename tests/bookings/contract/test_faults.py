"""Each of the sandbox's faults, and what the real client makes of it.

Reads are retried on timeouts, lost connections, 502/503/504 and 429; create and
cancel never are. An answer the server may have acted on is `ambiguous`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal

import pytest

from bookings import services
from bookings.models import Booking as PortalBooking
from bookings.petitmonde import (
    BookingRequest,
    PetitmondeClient,
    PetitmondeError,
    get_client,
)
from bookings.sandbox.models import Booking
from bookings.statuses import BookingStatus
from portal.models import User
from tests.bookings.contract.conftest import ahead

pytestmark = pytest.mark.contract

Request = Callable[..., BookingRequest]
# Short timeouts and one retry keep the hangs short.
READ_TIMEOUT = 0.5
HANG = 1.5


@pytest.fixture
def hang() -> Iterator[float]:
    """How long a hang lasts; the test waits for the hung answer at the end.

    The server thread still holds the test database's connection while it
    hangs; closing it after the database was emptied fails in that thread.
    """
    yield HANG
    time.sleep(HANG)


@pytest.fixture
def client(sandbox_url: str) -> PetitmondeClient:
    """The client as configured, with a short read timeout and one retry."""
    return get_client(read_timeout=READ_TIMEOUT, max_retries=1)


def failure(call: Callable[[], object]) -> PetitmondeError:
    with pytest.raises(PetitmondeError) as caught:
        call()
    return caught.value


def test_latency_within_the_timeout_is_just_slow(
    client: PetitmondeClient, sandbox_faults
) -> None:
    sandbox_faults.add("latency", seconds=0.2, endpoint="usage")
    assert client.usage().rate_limit is not None
    assert (client.stats.requests, client.stats.retries) == (1, 0)


def test_a_hang_on_create_is_ambiguous_and_the_booking_exists(
    client: PetitmondeClient, sandbox_faults, booking_request: Request, hang: float
) -> None:
    sandbox_faults.add("hang", endpoint="create", seconds=hang)
    error = failure(lambda: client.create_booking(booking_request()))
    assert (error.status, error.message) == (None, "The API did not answer in time.")
    assert error.ambiguous
    assert client.stats.requests == 1
    assert Booking.objects.count() == 1


def test_a_hang_on_a_read_is_retried(
    client: PetitmondeClient, sandbox_faults, hang: float
) -> None:
    sandbox_faults.add("hang", endpoint="list", seconds=hang)
    assert client.list_bookings(limit=5) == []
    assert (client.stats.requests, client.stats.retries) == (2, 1)


def test_a_read_that_hangs_every_time_fails_without_a_status(
    client: PetitmondeClient, sandbox_faults, hang: float
) -> None:
    sandbox_faults.add("hang", count=2, endpoint="search", seconds=hang)
    error = failure(lambda: client.search(lat=49.0094, lng=8.4044))
    assert error.status is None and error.ambiguous
    assert client.stats.requests == 2


@pytest.mark.parametrize(
    ("kind", "message"), [("502", "Bad gateway"), ("503", "Service unavailable")]
)
def test_a_gateway_error_on_a_read_is_retried_then_succeeds(
    client: PetitmondeClient, sandbox_faults, kind: str, message: str
) -> None:
    sandbox_faults.add(kind, endpoint="usage")
    assert client.usage().monthly_quota is not None
    assert (client.stats.requests, client.stats.retries) == (2, 1)


@pytest.mark.parametrize(
    ("kind", "message"), [("502", "Bad gateway"), ("503", "Service unavailable")]
)
def test_a_gateway_error_that_lasts_is_an_error_after_the_retries(
    client: PetitmondeClient, sandbox_faults, kind: str, message: str
) -> None:
    sandbox_faults.add(kind, span="1m", endpoint="get")
    error = failure(lambda: client.get_booking("6f1c1a52-0000-4000-8000-000000000000"))
    assert (error.status, error.message) == (int(kind), message)
    assert error.ambiguous
    assert (client.stats.requests, client.stats.retries) == (2, 1)


def test_a_500_on_a_read_is_an_error_at_once(
    client: PetitmondeClient, sandbox_faults
) -> None:
    # B2 retries 502/503/504 and 429 only: a 500 is the server's own failure.
    sandbox_faults.add("500", endpoint="list")
    error = failure(lambda: client.list_bookings(limit=5))
    assert (error.status, error.message) == (500, "Internal server error")
    assert client.stats.requests == 1


@pytest.mark.parametrize("kind", ["500", "502", "503"])
def test_a_server_error_on_create_is_not_retried_and_nothing_is_booked(
    client: PetitmondeClient, sandbox_faults, booking_request: Request, kind: str
) -> None:
    sandbox_faults.add(kind, endpoint="create")
    error = failure(lambda: client.create_booking(booking_request()))
    assert error.status == int(kind) and error.ambiguous
    assert client.stats.requests == 1
    assert not Booking.objects.exists()


def test_a_429_fault_on_a_read_is_waited_out(
    client: PetitmondeClient, sandbox_faults
) -> None:
    sandbox_faults.add("429", endpoint="usage", retry_after=1)
    assert client.usage().rate_limit is not None
    assert (client.stats.rate_limited, client.stats.retries) == (1, 1)


def test_a_429_fault_on_cancel_is_not_retried(
    client: PetitmondeClient, sandbox_faults, booking_request: Request
) -> None:
    booking = client.create_booking(booking_request())
    sandbox_faults.add("429", endpoint="cancel", retry_after=1)
    error = failure(lambda: client.cancel_booking(booking.id))
    assert (error.status, error.retry_after) == (429, 1.0)
    assert error.message == "Rate limit exceeded. Retry after 1 seconds."
    assert client.get_booking(booking.id).status == "REQUESTED"


@pytest.mark.parametrize("endpoint", ["list", "create"])
def test_an_answer_that_is_not_json_is_an_error(
    client: PetitmondeClient, sandbox_faults, booking_request: Request, endpoint: str
) -> None:
    sandbox_faults.add("not_json", endpoint=endpoint)
    call = (
        (lambda: client.list_bookings(limit=5))
        if endpoint == "list"
        else (lambda: client.create_booking(booking_request()))
    )
    error = failure(call)
    assert (error.status, error.message) == (
        200,
        "The API sent an answer that is not JSON.",
    )
    assert error.ambiguous
    assert client.stats.requests == 1


def test_a_dropped_connection_on_a_read_is_retried(
    client: PetitmondeClient, sandbox_faults
) -> None:
    sandbox_faults.add("drop", endpoint="search")
    assert client.search(lat=49.0094, lng=8.4044, radius=5).results
    assert (client.stats.requests, client.stats.retries) == (2, 1)


def test_a_dropped_create_is_ambiguous_and_the_booking_exists(
    client: PetitmondeClient, sandbox_faults, booking_request: Request
) -> None:
    sandbox_faults.add("drop", endpoint="create")
    error = failure(lambda: client.create_booking(booking_request()))
    assert (error.status, error.message) == (None, "Could not connect to the API.")
    assert error.ambiguous
    assert client.stats.requests == 1
    assert Booking.objects.count() == 1


@pytest.fixture
def submitting(employee: User) -> PortalBooking:
    """The portal's booking, written and about to be sent."""
    start = ahead(hours=1)
    booking, _ = PortalBooking.objects.add_submitting(
        department_code="engineering",
        person_id="emp042",
        day=start.date(),
        employee=employee.employee,
        department=employee.employee.department,
        requested_by=employee,
        site=employee.employee.home_site,
        location_id="DE-ENB-E700101",
        evse_uid="DE*ENB*E700101*1",
        reservation_start=start,
        reservation_end=start + timedelta(hours=2),
        token_strategy="driver_token",
        customer_id="cust_emp042",
        estimated_price=Decimal("12.00"),
    )
    return booking


def test_succeed_but_500_on_create_is_an_ambiguous_500(
    client: PetitmondeClient, sandbox_faults, booking_request: Request
) -> None:
    sandbox_faults.add("succeed_500", endpoint="create")
    error = failure(lambda: client.create_booking(booking_request()))
    assert (error.status, error.message) == (500, "Internal server error")
    assert error.ambiguous
    assert client.stats.requests == 1
    assert Booking.objects.count() == 1


def test_send_booking_adopts_a_booking_made_despite_a_500(
    client: PetitmondeClient, sandbox_faults, submitting: PortalBooking
) -> None:
    sandbox_faults.add("succeed_500", endpoint="create")
    booking = services.send_booking(submitting, client=client, sleep=lambda s: None)
    (remote,) = Booking.objects.all()  # exactly one: it was not sent twice
    assert booking.api_id == str(remote.id)
    assert booking.status == BookingStatus.REQUESTED
    assert booking.external_id == remote.external_id == submitting.external_id
    assert PortalBooking.objects.get().api_id == str(remote.id)


def test_send_booking_adopts_a_booking_whose_answer_was_lost(
    client: PetitmondeClient, sandbox_faults, submitting: PortalBooking
) -> None:
    sandbox_faults.add("drop", endpoint="create")
    booking = services.send_booking(submitting, client=client, sleep=lambda s: None)
    (remote,) = Booking.objects.all()
    assert booking.api_id == str(remote.id)


def test_a_500_on_create_is_checked_not_assumed_then_given_up(
    client: PetitmondeClient, sandbox_faults, submitting: PortalBooking
) -> None:
    # The server failed, but create is asynchronous (202): not finding the
    # booking at once proves nothing, so it is "being checked" until no create
    # can still land, then given up (kept, with its reference).
    sandbox_faults.add("500", endpoint="create")
    with pytest.raises(services.BookingUncertain) as unclear:
        services.send_booking(submitting, client=client, sleep=lambda s: None)
    assert "reported an error of its own (HTTP 500)" in unclear.value.message
    assert "did not answer in time" not in unclear.value.message
    assert PortalBooking.objects.get().status == BookingStatus.SUBMITTING

    with pytest.raises(services.BookingFailed):
        services.resolve_submitting(submitting, client=client)
    assert not Booking.objects.exists()
    assert PortalBooking.objects.get().status == BookingStatus.NOT_BOOKED
