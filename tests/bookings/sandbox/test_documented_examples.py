"""The API documentation's examples, run against the sandbox over HTTP.

Each request is the documented one, verbatim, with only the base URL, the key
and the dates changed (the documented dates are in the past by now).
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import timedelta
from typing import Any

import pytest
import requests

from bookings.sandbox.models import Clock

pytestmark = pytest.mark.django_db(transaction=True)

API_KEY = "sandbox"

EMPLOYEE_BOOKING = """{
  "location_id": "DE-ENB-E123456",
  "evse_uid": "DE*ENB*E123456*1",
  "reservation_start": "2026-02-10T08:00:00Z",
  "reservation_end": "2026-02-10T10:00:00Z",
  "external_id": "engineering-emp042-20260210",
  "token_strategy": "driver_token",
  "customer_id": "cust_emp042"
}"""
EMP_BOOKING = """{
  "location_id": "DE-ENB-E123456",
  "evse_uid": "DE*ENB*E123456*1",
  "connector_id": "1",
  "reservation_start": "2026-02-10T14:00:00Z",
  "reservation_end": "2026-02-10T16:00:00Z",
  "external_id": "driver-123-session-456",
  "token_strategy": "driver_token",
  "customer_id": "cust_abc123"
}"""
GUEST_BOOKING = """{
  "location_id": "DE-ENB-E123456",
  "evse_uid": "DE*ENB*E123456*1",
  "reservation_start": "2026-02-10T14:00:00Z",
  "reservation_end": "2026-02-10T16:00:00Z",
  "external_id": "guest-booking-789",
  "token_strategy": "ad_hoc"
}"""
FLEET_BOOKING = """{
  "location_id": "DE-ALG-E456789",
  "evse_uid": "DE*ALG*E456789*1",
  "reservation_start": "2026-02-11T07:00:00Z",
  "reservation_end": "2026-02-11T09:00:00Z",
  "external_id": "fleet-delivery-route-morning",
  "token_strategy": "group_token",
  "fleet_group_id": "group_delivery_team"
}"""


@pytest.fixture
def base_url(live_server: Any, world: None) -> str:
    return f"{live_server.url}/sandbox/api/v1/client"


def moved(text: str) -> str:
    """The documented dates, moved a month into the future."""
    day = (Clock.now() + timedelta(days=30)).date()
    return (
        text.replace("2026-02-10", day.isoformat())
        .replace("20260210", day.strftime("%Y%m%d"))
        .replace("2026-02-11", (day + timedelta(days=1)).isoformat())
    )


def post(base_url: str, path: str, body: str) -> requests.Response:
    return requests.post(
        f"{base_url}{path}",
        headers={"X-API-Key": API_KEY, "Content-Type": "application/json"},
        data=moved(body),
        timeout=10,
    )


def test_employee_booking_with_driver_token_and_customer_id(base_url: str) -> None:
    response = post(base_url, "/bookings", EMPLOYEE_BOOKING)
    assert response.status_code == 202
    booking = response.json()
    assert booking["status"] == "REQUESTED"
    assert booking["external_id"] == json.loads(moved(EMPLOYEE_BOOKING))["external_id"]
    assert booking["customer_id"] == "cust_emp042"


def test_emp_guide_booking_with_connector(base_url: str) -> None:
    response = post(base_url, "/bookings", EMP_BOOKING)
    assert response.status_code == 202
    assert response.json()["connector_id"] == "1"


def test_visitor_booking_with_ad_hoc(base_url: str) -> None:
    response = post(base_url, "/bookings", GUEST_BOOKING)
    assert response.status_code == 202
    assert response.json()["token"]["type"] == "AD_HOC"


def test_fleet_booking_with_group_token(base_url: str) -> None:
    response = post(base_url, "/bookings", FLEET_BOOKING)
    assert response.status_code == 202
    assert response.json()["fleet_group_id"] == "group_delivery_team"


def test_status_get_and_cancel(base_url: str) -> None:
    booking_id = post(base_url, "/bookings", EMP_BOOKING).json()["id"]
    # curl -s .../bookings/BOOKING_ID -H "X-API-Key: $API_KEY" | jq '{status, ...}'
    status = requests.get(
        f"{base_url}/bookings/{booking_id}", headers={"X-API-Key": API_KEY}, timeout=10
    ).json()
    assert {"status", "cpo_reservation_id", "client_price"} <= set(status)
    cancelled = requests.post(
        f"{base_url}/bookings/{booking_id}/cancel",
        headers={"X-API-Key": API_KEY, "Content-Type": "application/json"},
        data='{"reason": "Plans changed"}',
        timeout=10,
    )
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "CANCELLED"


def test_monthly_report_with_department_breakdown(
    base_url: str, sandbox_clock, sandbox_outcomes
) -> None:
    sandbox_outcomes.plan("ATTENDING")
    booking = post(base_url, "/bookings", EMPLOYEE_BOOKING).json()
    sandbox_clock.advance("40d")  # the window has passed
    created = Clock.now() - timedelta(days=40)
    month_start = created.replace(day=1)
    month_end = (month_start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    # The documented Python, with the dates of the month the booking was made in.
    response = requests.get(
        f"{base_url}/bookings",
        headers={"X-API-Key": API_KEY},
        params={
            "status": "COMPLETED",
            "from_date": month_start.strftime("%Y-%m-01T00:00:00Z"),
            "to_date": month_end.strftime("%Y-%m-%dT23:59:59Z"),
            "limit": 100,
        },
        timeout=10,
    )
    dept_totals: dict[str, float] = defaultdict(float)
    bookings = response.json()["bookings"]
    for item in bookings:
        dept = item["external_id"].split("-")[0]
        dept_totals[dept] += item["client_price"]
    final = requests.get(
        f"{base_url}/bookings/{booking['id']}",
        headers={"X-API-Key": API_KEY},
        timeout=10,
    ).json()
    assert final["status"] == "COMPLETED"
    assert [b["id"] for b in bookings] == [booking["id"]]
    assert dept_totals == {"engineering": final["client_price"]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # EMP guide: Munich, CCS of at least 50 kW within 25 km.
        (
            "lat=48.1351&lng=11.5820&radius=25&connector_type=IEC_62196_T2_COMBO"
            "&power_min=50",
            "DE-ION-E789012",
        ),
        # Code examples: Berlin, CCS within 25 km, five results at most.
        (
            "lat=52.52&lng=13.40&radius=25&connector_type=IEC_62196_T2_COMBO&limit=5",
            "DE-ALG-E456800",
        ),
        # Fleet guide: Stuttgart, at least 22 kW within 15 km.
        ("lat=48.7758&lng=9.1829&radius=15&power_min=22", "DE-ALG-E456789"),
    ],
)
def test_documented_searches(base_url: str, query: str, expected: str) -> None:
    response = requests.get(
        f"{base_url}/search?{query}", headers={"X-API-Key": API_KEY}, timeout=10
    )
    assert response.status_code == 200
    data = response.json()
    assert data["total"] >= 1
    assert expected in [loc["location_id"] for loc in data["results"]]
    for loc in data["results"]:
        assert loc["supports_reservation"] is True
        assert any(evse["status"] == "AVAILABLE" for evse in loc["evses"])
        # What the documented printout reads.
        assert isinstance(loc["name"], str) and isinstance(loc["cpo_name"], str)
        assert isinstance(loc["distance_km"], float)
