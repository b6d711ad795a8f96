"""POST /bookings: 202 with the whole booking, every validation, 404s and 409s."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from bookings.sandbox.models import Booking, Clock, iso
from tests.bookings.sandbox.conftest import Api, ahead

pytestmark = pytest.mark.django_db

Body = Callable[..., dict[str, Any]]
BOOKING_FIELDS = {
    "id",
    "status",
    "status_updated_at",
    "created_at",
    "location_id",
    "location_name",
    "location_city",
    "evse_uid",
    "connector_id",
    "reservation_start",
    "reservation_end",
    "external_id",
    "token_strategy",
    "customer_id",
    "token_id",
    "fleet_group_id",
    "token_uid",
    "cpo_reservation_id",
    "client_price",
    "client_price_currency",
    "energy_kwh",
    "cancellation_reason",
    "token",
}


def refused(response: Any, status: int, message: str) -> bool:
    assert response.status_code == status, response.content
    assert response.json() == {"error": message}
    return True


def test_create_answers_202_with_the_whole_booking(
    api: Api, booking_body: Body
) -> None:
    body = booking_body(connector_id="1")
    before = iso(Clock.now())
    response = api.post("bookings", body)
    after = iso(Clock.now())
    assert response.status_code == 202
    booking = response.json()
    assert set(booking) == BOOKING_FIELDS
    assert booking["created_at"] in (before, after)
    created = booking["created_at"]
    assert booking | {"id": "x"} == {
        "id": "x",
        "status": "REQUESTED",
        "status_updated_at": created,
        "created_at": created,
        "location_id": "DE-ENB-E123456",
        "location_name": "EnBW Karlsruhe Zirkel",
        "location_city": "Karlsruhe",
        "evse_uid": "DE*ENB*E123456*1",
        "connector_id": "1",
        "reservation_start": body["reservation_start"],
        "reservation_end": body["reservation_end"],
        "external_id": "engineering-emp042-20260210",
        "token_strategy": "driver_token",
        "customer_id": "cust_emp042",
        "token_id": None,
        "fleet_group_id": None,
        "token_uid": None,
        "cpo_reservation_id": None,
        # The estimate: 2 h at 22 kW = 44 kWh * 0.49 + 1.50 fee.
        "client_price": 23.06,
        "client_price_currency": "EUR",
        "energy_kwh": None,
        "cancellation_reason": None,
        "token": None,
    }
    assert Booking.objects.filter(pk=booking["id"]).exists()


def test_estimate_uses_the_chosen_connector(api: Api, booking_body: Body) -> None:
    body = booking_body(evse_uid="DE*ENB*E123456*4", connector_id="2")
    booking = api.post("bookings", body).json()
    # CHAdeMO 50 kW for 2 h fills a 75 kWh battery: 75 * 0.49 + 1.50.
    assert booking["client_price"] == 38.25
    assert booking["connector_id"] == "2"


@pytest.mark.parametrize(
    "field",
    [
        "location_id",
        "evse_uid",
        "reservation_start",
        "reservation_end",
        "token_strategy",
    ],
)
def test_a_missing_required_field_is_400(
    api: Api, booking_body: Body, field: str
) -> None:
    body = booking_body()
    del body[field]
    assert refused(api.post("bookings", body), 400, f"Missing required field: {field}")


def test_an_empty_required_field_counts_as_missing(
    api: Api, booking_body: Body
) -> None:
    response = api.post("bookings", booking_body(location_id=""))
    assert refused(response, 400, "Missing required field: location_id")


def test_unknown_token_strategy_is_400(api: Api, booking_body: Body) -> None:
    response = api.post("bookings", booking_body(token_strategy="magic"))
    assert refused(
        response,
        400,
        "Invalid token_strategy: must be one of driver_token, group_token, ad_hoc, "
        "pipelet",
    )


def test_driver_token_needs_customer_or_token_id(api: Api, booking_body: Body) -> None:
    response = api.post("bookings", booking_body(customer_id=""))
    assert refused(response, 400, "driver_token requires customer_id or token_id")


def test_driver_token_with_a_token_id_is_enough(api: Api, booking_body: Body) -> None:
    body = booking_body(customer_id=None, token_id="tok_42")
    booking = api.post("bookings", body).json()
    assert (booking["customer_id"], booking["token_id"]) == (None, "tok_42")


def test_group_token_needs_a_fleet_group(api: Api, booking_body: Body) -> None:
    body = booking_body(token_strategy="group_token", customer_id=None)
    assert refused(
        api.post("bookings", body), 400, "group_token requires fleet_group_id"
    )
    body["fleet_group_id"] = "group_delivery_team"
    booking = api.post("bookings", body).json()
    assert booking["fleet_group_id"] == "group_delivery_team"


@pytest.mark.parametrize("uid", ["04A2B3C4", "04A2B3C4D5E6F7", "04a2b3c4d5e6f7a8b9c0"])
def test_pipelet_takes_a_hex_uid_of_8_14_or_20(
    api: Api, booking_body: Body, uid: str
) -> None:
    body = booking_body(token_strategy="pipelet", customer_id=None, token_uid=uid)
    response = api.post("bookings", body)
    assert response.status_code == 202
    assert response.json()["token_uid"] == uid


@pytest.mark.parametrize(
    "uid", [None, "", "04A2B3C", "04A2B3C4D5E6F7A8", "04A2B3C4D5E6FZ"]
)
def test_pipelet_refuses_any_other_uid(
    api: Api, booking_body: Body, uid: str | None
) -> None:
    body = booking_body(token_strategy="pipelet", customer_id=None, token_uid=uid)
    assert refused(
        api.post("bookings", body),
        400,
        "pipelet requires token_uid: 8, 14 or 20 hexadecimal characters",
    )


def test_ad_hoc_booking_gets_a_temporary_token(api: Api, booking_body: Body) -> None:
    body = booking_body(token_strategy="ad_hoc", customer_id=None)
    booking = api.post("bookings", body).json()
    token = booking["token"]
    assert set(token) == {"uid", "type", "valid_from", "valid_until"}
    assert token["type"] == "AD_HOC"
    assert len(token["uid"]) == 14
    int(token["uid"], 16)
    assert token["valid_from"] == body["reservation_start"]
    assert token["valid_until"] == body["reservation_end"]


def test_start_less_than_15_minutes_ahead_is_400(api: Api, booking_body: Body) -> None:
    body = booking_body(reservation_start=ahead(minutes=14, seconds=59))
    assert refused(
        api.post("bookings", body),
        400,
        "reservation_start must be at least 15 minutes in the future",
    )


def test_start_15_minutes_ahead_is_fine(api: Api, booking_body: Body) -> None:
    body = booking_body(reservation_start=ahead(minutes=15, seconds=5))
    assert api.post("bookings", body).status_code == 202


def test_start_in_the_past_is_400(api: Api, booking_body: Body) -> None:
    body = booking_body(reservation_start=ahead(hours=-1))
    assert api.post("bookings", body).status_code == 400


def test_end_must_be_after_start(api: Api, booking_body: Body) -> None:
    start = ahead(hours=1)
    response = api.post(
        "bookings", booking_body(reservation_start=start, reservation_end=start)
    )
    assert refused(response, 400, "reservation_end must be after reservation_start")


def test_four_hours_is_the_longest_window(api: Api, booking_body: Body) -> None:
    start = Clock.now() + timedelta(hours=1)
    window = {"reservation_start": iso(start)}
    body = booking_body(**window, reservation_end=iso(start + timedelta(hours=4)))
    assert api.post("bookings", body).status_code == 202
    body = booking_body(
        **window,
        evse_uid="DE*ENB*E123456*2",
        reservation_end=iso(start + timedelta(hours=4, seconds=1)),
    )
    assert refused(
        api.post("bookings", body),
        400,
        "Reservation window must not be longer than 4 hours",
    )


@pytest.mark.parametrize("field", ["reservation_start", "reservation_end"])
@pytest.mark.parametrize(
    "bad", ["soon", "2030-01-01T10:00:00", "2030-01-01", "2030-13-01T10:00:00Z"]
)
def test_times_must_be_iso_with_a_zone(
    api: Api, booking_body: Body, field: str, bad: str
) -> None:
    response = api.post("bookings", booking_body(**{field: bad}))
    assert response.status_code == 400
    assert response.json()["error"].startswith(
        f"Invalid {field}: expected ISO 8601 with a time zone"
    )


def test_offsets_and_fractions_are_accepted_and_answered_in_utc(
    api: Api, booking_body: Body
) -> None:
    body = booking_body(
        reservation_start="2030-06-01T10:00:00.250+02:00",
        reservation_end="2030-06-01T10:00:00.999999Z",
    )
    booking = api.post("bookings", body).json()
    assert booking["reservation_start"] == "2030-06-01T08:00:00Z"
    assert booking["reservation_end"] == "2030-06-01T10:00:00Z"


def test_unknown_location_is_404(api: Api, booking_body: Body) -> None:
    response = api.post("bookings", booking_body(location_id="DE-ENB-E000000"))
    assert refused(response, 404, "Location not found: DE-ENB-E000000")


def test_unknown_evse_is_404(api: Api, booking_body: Body) -> None:
    response = api.post("bookings", booking_body(evse_uid="DE*ENB*E123456*9"))
    assert refused(response, 404, "EVSE not found at this location: DE*ENB*E123456*9")


def test_evse_of_another_location_is_404(api: Api, booking_body: Body) -> None:
    response = api.post("bookings", booking_body(evse_uid="DE*ALG*E456789*1"))
    assert response.status_code == 404


def test_unknown_connector_is_400(api: Api, booking_body: Body) -> None:
    response = api.post("bookings", booking_body(connector_id="7"))
    assert refused(response, 400, "Unknown connector_id for this EVSE: 7")


def test_location_without_reservations_is_400(api: Api, booking_body: Body) -> None:
    body = booking_body(location_id="DE-ENB-E323001", evse_uid="DE*ENB*E323001*1")
    assert refused(
        api.post("bookings", body), 400, "Location does not support reservations"
    )


def test_out_of_order_evse_is_409(api: Api, booking_body: Body) -> None:
    body = booking_body(location_id="DE-ION-E789020", evse_uid="DE*ION*E789020*6")
    assert refused(
        api.post("bookings", body), 409, "EVSE not available for requested time"
    )


def test_overlap_with_an_active_booking_is_409(api: Api, booking_body: Body) -> None:
    assert api.post("bookings", booking_body()).status_code == 202
    later = booking_body(
        reservation_start=ahead(hours=2), reservation_end=ahead(hours=4)
    )
    assert refused(
        api.post("bookings", later), 409, "EVSE not available for requested time"
    )
    assert Booking.objects.count() == 1


def test_back_to_back_bookings_do_not_overlap(api: Api, booking_body: Body) -> None:
    first = api.post("bookings", booking_body()).json()
    after = booking_body(
        reservation_start=first["reservation_end"], reservation_end=ahead(hours=4)
    )
    assert api.post("bookings", after).status_code == 202


def test_another_evse_of_the_same_location_is_free(
    api: Api, booking_body: Body
) -> None:
    api.post("bookings", booking_body())
    assert (
        api.post("bookings", booking_body(evse_uid="DE*ENB*E123456*2")).status_code
        == 202
    )


def test_a_cancelled_booking_no_longer_blocks(api: Api, booking_body: Body) -> None:
    first = api.post("bookings", booking_body()).json()
    api.post(f"bookings/{first['id']}/cancel")
    assert api.post("bookings", booking_body()).status_code == 202


def test_a_finished_booking_no_longer_blocks(
    api: Api, booking_body: Body, sandbox_clock: Any, sandbox_outcomes: Any
) -> None:
    sandbox_outcomes.plan("NO_SHOW")
    body = booking_body(
        reservation_start=ahead(minutes=30), reservation_end=ahead(hours=4)
    )
    api.post("bookings", body)
    sandbox_clock.advance("31m")  # a no-show: terminal, while its window still runs
    again = booking_body(
        reservation_start=ahead(minutes=20), reservation_end=ahead(hours=1)
    )
    assert api.post("bookings", again).status_code == 202


def test_external_id_need_not_be_unique(api: Api, booking_body: Body) -> None:
    assert api.post("bookings", booking_body()).status_code == 202
    second = api.post("bookings", booking_body(evse_uid="DE*ENB*E123456*2"))
    assert second.status_code == 202
    assert (
        Booking.objects.filter(external_id="engineering-emp042-20260210").count() == 2
    )


def test_external_id_is_optional(api: Api, booking_body: Body) -> None:
    body = booking_body()
    del body["external_id"]
    assert api.post("bookings", body).json()["external_id"] == ""


def test_external_id_longer_than_255_is_400(api: Api, booking_body: Body) -> None:
    response = api.post("bookings", booking_body(external_id="x" * 256))
    assert refused(response, 400, "external_id must be at most 255 characters")


@pytest.mark.parametrize("raw", ["not json", "[1, 2]", '"text"', "{"])
def test_a_body_that_is_no_json_object_is_400(api: Api, raw: str) -> None:
    response = api.post("bookings", raw=raw)
    assert refused(response, 400, "Request body must be a JSON object")


@pytest.mark.parametrize(
    ("field", "value"),
    [("connector_id", 1), ("external_id", ["a"]), ("location_id", 5)],
)
def test_fields_must_be_strings(
    api: Api, booking_body: Body, field: str, value: Any
) -> None:
    response = api.post("bookings", booking_body(**{field: value}))
    assert refused(response, 400, f"Invalid {field}: must be a string")
