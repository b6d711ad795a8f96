"""What the sandbox refuses, as the client's one error type carries it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import requests

from bookings.petitmonde import (
    MAX_LIMIT,
    BookingRequest,
    PetitmondeClient,
    PetitmondeError,
    get_client,
)
from bookings.sandbox.models import Booking
from tests.bookings.contract.conftest import ahead

pytestmark = pytest.mark.contract

Request = Callable[..., BookingRequest]


def refusal(call: Callable[[], object]) -> PetitmondeError:
    with pytest.raises(PetitmondeError) as caught:
        call()
    return caught.value


def test_an_overlapping_booking_is_409(
    petitmonde: PetitmondeClient, booking_request: Request
) -> None:
    first = booking_request()
    petitmonde.create_booking(first)
    overlapping = booking_request(
        reservation_start=first.reservation_start + timedelta(hours=1),
        reservation_end=first.reservation_end + timedelta(hours=1),
        external_id="engineering-emp043-20260210",
    )
    error = refusal(lambda: petitmonde.create_booking(overlapping))
    assert (error.status, error.message) == (
        409,
        "EVSE not available for requested time",
    )
    assert error.conflict and not error.ambiguous
    assert Booking.objects.count() == 1
    # Back to back is not an overlap.
    after = booking_request(
        reservation_start=first.reservation_end,
        reservation_end=first.reservation_end + timedelta(hours=1),
    )
    assert petitmonde.create_booking(after).status == "REQUESTED"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"reservation_start": "soon"},
            "reservation_start must be at least 15 minutes in the future",
        ),
        ({"token_strategy": None}, "Missing required field: token_strategy"),
        (
            {"token_strategy": "badge"},
            "Invalid token_strategy: must be one of "
            "driver_token, group_token, ad_hoc, pipelet",
        ),
        ({"customer_id": None}, "driver_token requires customer_id or token_id"),
        (
            {"location_id": "DE-ENB-E323001", "evse_uid": "DE*ENB*E323001*1"},
            "Location does not support reservations",
        ),
        (
            {"reservation_end": "5h"},
            "Reservation window must not be longer than 4 hours",
        ),
    ],
    ids=[
        "lead-time",
        "no-strategy",
        "bad-strategy",
        "no-customer",
        "no-reservations",
        "too-long",
    ],
)
def test_an_invalid_booking_is_400_with_the_apis_message(
    petitmonde: PetitmondeClient,
    booking_request: Request,
    fields: dict[str, str | None],
    message: str,
) -> None:
    if fields.get("reservation_start") == "soon":
        fields = {"reservation_start": ahead(minutes=10)}
    if fields.get("reservation_end") == "5h":
        fields = {"reservation_end": ahead(hours=6)}
    error = refusal(lambda: petitmonde.create_booking(booking_request(**fields)))
    assert (error.status, error.message) == (400, message)
    assert not error.ambiguous
    assert not Booking.objects.exists()


def test_an_unknown_location_is_404(
    petitmonde: PetitmondeClient, booking_request: Request
) -> None:
    request = booking_request(location_id="DE-ENB-E999999", evse_uid="DE*ENB*E999999*1")
    error = refusal(lambda: petitmonde.create_booking(request))
    assert (error.status, error.message) == (404, "Location not found: DE-ENB-E999999")
    assert error.not_found and not error.ambiguous


def test_an_unknown_booking_is_404(petitmonde: PetitmondeClient) -> None:
    sent = petitmonde.stats.requests
    error = refusal(lambda: petitmonde.get_booking("not-a-booking"))
    assert (error.status, error.message) == (404, "Booking not found")
    assert petitmonde.stats.requests == sent + 1  # a 404 is not retried


def test_a_search_out_of_range_is_400_with_the_documented_message(
    petitmonde: PetitmondeClient,
) -> None:
    error = refusal(lambda: petitmonde.search(lat=91, lng=8.4))
    assert (error.status, error.message) == (
        400,
        "Invalid latitude: must be between -90 and 90",
    )


@pytest.mark.parametrize("call", ["usage", "create"])
def test_a_wrong_key_is_401(
    sandbox_url: str, settings, booking_request: Request, call: str
) -> None:
    settings.PETITMONDE_API_KEY = "pm-wrong-key-123"
    client = get_client()
    action = (
        client.usage
        if call == "usage"
        else (lambda: client.create_booking(booking_request()))
    )
    error = refusal(action)
    assert (error.status, error.message) == (401, "Invalid or missing API key")
    assert error.auth_failed and not error.ambiguous
    assert client.stats.requests == 1  # not retried
    assert "pm-wrong-key-123" not in f"{error} {error!r}"


def test_a_suspended_key_is_403(sandbox_url: str, settings) -> None:
    settings.PETITMONDE_API_KEY = "pm-suspended-456"
    settings.PETITMONDE_SANDBOX_SUSPENDED_KEYS = ["pm-suspended-456"]
    client = get_client()
    error = refusal(lambda: client.list_bookings(limit=10))
    assert (error.status, error.message) == (403, "Account suspended or inactive")
    assert error.auth_failed and not error.ambiguous
    assert client.stats.requests == 1


@pytest.mark.parametrize("path", ["/bookings", "/search?lat=49&lng=8.4"])
def test_the_clients_largest_limit_is_the_sandboxs(
    petitmonde: PetitmondeClient, sandbox_url: str, path: str
) -> None:
    if path == "/bookings":
        assert petitmonde.list_bookings(limit=MAX_LIMIT) == []
    else:
        assert petitmonde.search(lat=49, lng=8.4, limit=MAX_LIMIT).total > 0
    # One more is refused by the sandbox, so the client never sends it.
    separator = "&" if "?" in path else "?"
    response = requests.get(
        f"{sandbox_url}{path}{separator}limit={MAX_LIMIT + 1}",
        headers={"X-API-Key": "sandbox"},
        timeout=10,
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "Invalid limit: must be a whole number from 1 to 100"
    }
    with pytest.raises(ValueError):
        petitmonde.list_bookings(limit=MAX_LIMIT + 1)
