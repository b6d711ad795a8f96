"""GET /search: parameters, defaults, limits, filters, order and shape."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from bookings.sandbox.models import Connector, Evse, Location
from bookings.sandbox.search import distance_km
from tests.bookings.sandbox.conftest import Api, ahead

pytestmark = pytest.mark.django_db

KARLSRUHE = {"lat": 49.0094, "lng": 8.4044}
MUNICH = {"lat": 48.1351, "lng": 11.5820}


def ids(response: Any) -> list[str]:
    return [result["location_id"] for result in response.json()["results"]]


def evse_uids(response: Any, location_id: str) -> list[str]:
    for result in response.json()["results"]:
        if result["location_id"] == location_id:
            return [evse["evse_uid"] for evse in result["evses"]]
    return []


@pytest.fixture
def crowd(world: None) -> Callable[[int], None]:
    """Many small locations next to a point in the North Sea, far from the world."""

    def make(count: int) -> None:
        for n in range(count):
            location = Location.objects.create(
                location_id=f"DE-ENB-E9{n:05d}",
                name=f"Crowd {n}",
                address="Nordsee",
                postal_code="27498",
                city="Helgoland",
                latitude=Decimal("54.180000") + Decimal(n) / 10000,
                longitude=Decimal("7.880000"),
                cpo_name="EnBW",
                price_per_kwh=Decimal("0.50"),
                reservation_fee=Decimal("1.00"),
                cancellation_fee=Decimal("2.00"),
            )
            evse = Evse.objects.create(
                location=location, evse_uid=f"DE*ENB*E9{n:05d}*1"
            )
            Connector.objects.create(
                evse=evse, connector_id="1", standard="IEC_62196_T2", max_power_kw=11
            )

    return make


HELGOLAND = {"lat": 54.18, "lng": 7.88}


@pytest.mark.parametrize("missing", ["lat", "lng"])
def test_lat_and_lng_are_required(api: Api, missing: str) -> None:
    params = dict(KARLSRUHE)
    del params[missing]
    response = api.get("search", params)
    assert response.status_code == 400
    assert response.json() == {"error": f"Missing required parameter: {missing}"}


@pytest.mark.parametrize("lat", ["90.5", "-91", "north", "nan", "inf"])
def test_bad_latitude_gets_the_documented_message(api: Api, lat: str) -> None:
    response = api.get("search", {"lat": lat, "lng": 8.4})
    assert response.status_code == 400
    assert response.json() == {"error": "Invalid latitude: must be between -90 and 90"}


@pytest.mark.parametrize("lng", ["180.1", "-181", "east"])
def test_bad_longitude_is_400(api: Api, lng: str) -> None:
    response = api.get("search", {"lat": 49, "lng": lng})
    assert response.status_code == 400
    assert response.json() == {
        "error": "Invalid longitude: must be between -180 and 180"
    }


def test_edges_of_the_globe_are_valid(api: Api) -> None:
    assert api.get("search", {"lat": 90, "lng": -180}).status_code == 200
    assert api.get("search", {"lat": -90, "lng": 180}).json()["results"] == []


def test_radius_defaults_to_50_km(api: Api) -> None:
    station = Location.objects.get(location_id="DE-ALG-E456789")
    # 45 km due north of Stuttgart's main station: nothing else is that close.
    point = {
        "lat": float(station.latitude) + 45 / 111.2,
        "lng": float(station.longitude),
    }
    assert "DE-ALG-E456789" in ids(api.get("search", point))
    assert "DE-ALG-E456789" not in ids(api.get("search", point | {"radius": 40}))


def test_radius_widens_the_search(api: Api) -> None:
    # Stuttgart is about 62 km from Karlsruhe.
    assert "DE-ALG-E456789" not in ids(api.get("search", KARLSRUHE))
    assert "DE-ALG-E456789" in ids(api.get("search", KARLSRUHE | {"radius": 70}))


@pytest.mark.parametrize("radius", ["200.1", "0", "-5", "far"])
def test_bad_radius_is_400(api: Api, radius: str) -> None:
    response = api.get("search", KARLSRUHE | {"radius": radius})
    assert response.status_code == 400
    assert response.json() == {
        "error": "Invalid radius: must be more than 0 and at most 200 (km)"
    }


def test_radius_200_is_the_maximum(api: Api) -> None:
    assert api.get("search", KARLSRUHE | {"radius": 200}).status_code == 200


def test_limit_defaults_to_20(api: Api, crowd: Callable[[int], None]) -> None:
    crowd(25)
    body = api.get("search", HELGOLAND).json()
    assert len(body["results"]) == 20
    assert body["total"] == 25


def test_limit_allows_up_to_100(api: Api, crowd: Callable[[int], None]) -> None:
    crowd(101)
    body = api.get("search", HELGOLAND | {"limit": 100}).json()
    assert len(body["results"]) == 100
    assert body["total"] == 101


@pytest.mark.parametrize("limit", ["101", "0", "-1", "ten", "2.5"])
def test_bad_limit_is_400(api: Api, limit: str) -> None:
    response = api.get("search", KARLSRUHE | {"limit": limit})
    assert response.status_code == 400
    assert response.json() == {
        "error": "Invalid limit: must be a whole number from 1 to 100"
    }


def test_results_are_sorted_by_distance(api: Api) -> None:
    body = api.get("search", KARLSRUHE | {"radius": 200}).json()
    distances = [result["distance_km"] for result in body["results"]]
    assert len(distances) >= 6
    assert distances == sorted(distances)
    first = Location.objects.get(location_id=body["results"][0]["location_id"])
    expected = distance_km(
        KARLSRUHE["lat"],
        KARLSRUHE["lng"],
        float(first.latitude),
        float(first.longitude),
    )
    assert body["results"][0]["distance_km"] == round(expected, 2)


def test_connector_type_keeps_only_evses_with_that_plug(api: Api) -> None:
    response = api.get("search", KARLSRUHE | {"connector_type": "CHADEMO"})
    assert ids(response) == ["DE-ENB-E123456"]
    assert evse_uids(response, "DE-ENB-E123456") == ["DE*ENB*E123456*4"]


def test_unknown_connector_type_is_400(api: Api) -> None:
    response = api.get("search", KARLSRUHE | {"connector_type": "TYPE2"})
    assert response.status_code == 400
    assert response.json()["error"].startswith("Invalid connector_type")


def test_power_min_keeps_only_strong_enough_evses(api: Api) -> None:
    response = api.get("search", KARLSRUHE | {"power_min": 100})
    assert set(ids(response)) == {"DE-ENB-E123456", "DE-ION-E789020"}
    assert evse_uids(response, "DE-ENB-E123456") == ["DE*ENB*E123456*3"]


def test_connector_type_and_power_min_must_meet_on_one_connector(api: Api) -> None:
    # E123456*4 has CCS 50 kW and CHAdeMO 50 kW: no CHAdeMO of 100 kW anywhere.
    response = api.get(
        "search", KARLSRUHE | {"connector_type": "CHADEMO", "power_min": 60}
    )
    assert response.json() == {"total": 0, "results": []}


@pytest.mark.parametrize("power", ["-1", "lots"])
def test_bad_power_min_is_400(api: Api, power: str) -> None:
    response = api.get("search", KARLSRUHE | {"power_min": power})
    assert response.status_code == 400
    assert response.json() == {
        "error": "Invalid power_min: must be a number of kW, 0 or more"
    }


def test_window_leaves_out_evses_booked_then(api: Api, book) -> None:
    booking = book(reservation_start=ahead(hours=2), reservation_end=ahead(hours=4))
    overlapping = {"start_time": ahead(hours=3), "end_time": ahead(hours=5)}
    response = api.get("search", KARLSRUHE | overlapping)
    assert "DE*ENB*E123456*1" not in evse_uids(response, "DE-ENB-E123456")
    assert "DE*ENB*E123456*2" in evse_uids(response, "DE-ENB-E123456")
    # Back to back is no overlap.
    after = {"start_time": booking["reservation_end"], "end_time": ahead(hours=6)}
    response = api.get("search", KARLSRUHE | after)
    assert "DE*ENB*E123456*1" in evse_uids(response, "DE-ENB-E123456")


def test_a_cancelled_booking_frees_the_window(api: Api, book) -> None:
    booking = book()
    window = {
        "start_time": booking["reservation_start"],
        "end_time": booking["reservation_end"],
    }
    api.post(f"bookings/{booking['id']}/cancel")
    response = api.get("search", KARLSRUHE | window)
    assert "DE*ENB*E123456*1" in evse_uids(response, "DE-ENB-E123456")


def test_a_fully_booked_location_is_left_out(api: Api, book) -> None:
    window = {"reservation_start": ahead(hours=1), "reservation_end": ahead(hours=2)}
    book(location_id="DE-ENB-E123457", evse_uid="DE*ENB*E123457*1", **window)
    book(location_id="DE-ENB-E123457", evse_uid="DE*ENB*E123457*2", **window)
    search_window = {
        "start_time": window["reservation_start"],
        "end_time": window["reservation_end"],
    }
    assert "DE-ENB-E123457" not in ids(api.get("search", KARLSRUHE | search_window))
    assert "DE-ENB-E123457" in ids(api.get("search", KARLSRUHE))


def test_window_leaves_out_what_cannot_be_reserved(api: Api) -> None:
    window = {"start_time": ahead(hours=1), "end_time": ahead(hours=2)}
    without = api.get("search", MUNICH)
    assert "DE-ENB-E323001" in ids(without)  # no reservations there
    assert "DE-ENB-E323001" not in ids(api.get("search", MUNICH | window))
    broken = "DE*ION*E789020*6"
    assert broken in evse_uids(api.get("search", KARLSRUHE), "DE-ION-E789020")
    assert broken not in evse_uids(
        api.get("search", KARLSRUHE | window), "DE-ION-E789020"
    )


def test_out_of_order_evse_shows_its_status(api: Api) -> None:
    body = api.get("search", KARLSRUHE).json()
    ionity = next(r for r in body["results"] if r["location_id"] == "DE-ION-E789020")
    statuses = {evse["evse_uid"]: evse["status"] for evse in ionity["evses"]}
    assert statuses["DE*ION*E789020*6"] == "OUTOFORDER"
    assert statuses["DE*ION*E789020*1"] == "AVAILABLE"


def test_evse_status_shows_a_reservation_or_a_car_now(
    api: Api, book, sandbox_clock, sandbox_outcomes
) -> None:
    sandbox_outcomes.plan("ATTENDING")
    book(reservation_start=ahead(minutes=20), reservation_end=ahead(hours=2))
    sandbox_clock.advance("1m")  # confirmed, window not started
    statuses = _statuses(api)
    assert statuses["DE*ENB*E123456*1"] == "AVAILABLE"  # booked later, free now
    sandbox_clock.advance("30m")
    assert _statuses(api)["DE*ENB*E123456*1"] == "CHARGING"


def test_a_confirmed_booking_in_its_window_shows_reserved(
    api: Api, book, sandbox_clock, sandbox_outcomes
) -> None:
    sandbox_outcomes.plan("EXPIRED")  # confirmed, and the car never comes
    book(reservation_start=ahead(minutes=20), reservation_end=ahead(hours=2))
    sandbox_clock.advance("30m")
    assert _statuses(api)["DE*ENB*E123456*1"] == "RESERVED"


def _statuses(api: Api) -> dict[str, str]:
    body = api.get("search", KARLSRUHE).json()
    zirkel = next(r for r in body["results"] if r["location_id"] == "DE-ENB-E123456")
    return {evse["evse_uid"]: evse["status"] for evse in zirkel["evses"]}


@pytest.mark.parametrize(
    "given",
    [{"start_time": "2030-01-01T10:00:00Z"}, {"end_time": "2030-01-01T10:00:00Z"}],
)
def test_window_needs_both_ends(api: Api, given: dict[str, str]) -> None:
    response = api.get("search", KARLSRUHE | given)
    assert response.status_code == 400
    assert response.json() == {
        "error": "start_time and end_time must be given together"
    }


def test_window_must_not_end_before_it_starts(api: Api) -> None:
    window = {"start_time": "2030-01-01T10:00:00Z", "end_time": "2030-01-01T10:00:00Z"}
    response = api.get("search", KARLSRUHE | window)
    assert response.status_code == 400
    assert response.json() == {"error": "end_time must be after start_time"}


@pytest.mark.parametrize("bad", ["tomorrow", "2030-01-01T10:00:00", "2030-01-01"])
def test_window_times_must_be_iso_with_a_zone(api: Api, bad: str) -> None:
    window = {"start_time": bad, "end_time": "2030-01-01T12:00:00Z"}
    response = api.get("search", KARLSRUHE | window)
    assert response.status_code == 400
    assert response.json() == {
        "error": "Invalid start_time: expected ISO 8601 with a time zone, "
        "e.g. 2026-02-10T14:00:00Z"
    }


def test_window_accepts_offsets_even_with_an_unencoded_plus(api: Api, book) -> None:
    book(
        reservation_start="2030-01-01T10:00:00Z", reservation_end="2030-01-01T12:00:00Z"
    )
    # 11:00+01:00 is 10:00Z; a raw "+" in a query string arrives as a space.
    for start in ("2030-01-01T11:30:00+01:00", "2030-01-01T11:30:00.5 01:00"):
        window = {"start_time": start, "end_time": "2030-01-01T13:00:00+01:00"}
        response = api.get("search", KARLSRUHE | window)
        assert response.status_code == 200
        assert "DE*ENB*E123456*1" not in evse_uids(response, "DE-ENB-E123456")


def test_each_result_has_every_field(api: Api) -> None:
    window = {"start_time": ahead(hours=1), "end_time": ahead(hours=3)}
    result = api.get("search", KARLSRUHE | window | {"limit": 1}).json()["results"][0]
    assert result == {
        "location_id": "DE-ENB-E123456",
        "name": "EnBW Karlsruhe Zirkel",
        "address": "Zirkel 2",
        "city": "Karlsruhe",
        "postal_code": "76133",
        "country": "DE",
        "coordinates": {"latitude": 49.0117, "longitude": 8.404},
        "distance_km": result["distance_km"],
        "cpo_name": "EnBW",
        "supports_reservation": True,
        "evses": [
            {
                "evse_uid": "DE*ENB*E123456*1",
                "status": "AVAILABLE",
                "connectors": [
                    {"id": "1", "standard": "IEC_62196_T2", "max_power_kw": 22.0}
                ],
            },
            {
                "evse_uid": "DE*ENB*E123456*2",
                "status": "AVAILABLE",
                "connectors": [
                    {"id": "1", "standard": "IEC_62196_T2", "max_power_kw": 22.0}
                ],
            },
            {
                "evse_uid": "DE*ENB*E123456*3",
                "status": "AVAILABLE",
                "connectors": [
                    {"id": "1", "standard": "IEC_62196_T2_COMBO", "max_power_kw": 150.0}
                ],
            },
            {
                "evse_uid": "DE*ENB*E123456*4",
                "status": "AVAILABLE",
                "connectors": [
                    {"id": "1", "standard": "IEC_62196_T2_COMBO", "max_power_kw": 50.0},
                    {"id": "2", "standard": "CHADEMO", "max_power_kw": 50.0},
                ],
            },
        ],
        # Two hours at up to 150 kW fill a 75 kWh battery: 75 * 0.49 + 1.50.
        "pricing": {
            "estimated_price": 38.25,
            "currency": "EUR",
            "price_per_kwh": 0.49,
            "reservation_fee": 1.5,
        },
    }


def test_estimate_without_a_window_is_for_one_hour(api: Api) -> None:
    params = KARLSRUHE | {"connector_type": "IEC_62196_T2", "limit": 1}
    pricing = api.get("search", params).json()["results"][0]["pricing"]
    assert pricing["estimated_price"] == 12.28  # 22 kWh * 0.49 + 1.50
