"""Faults on demand: each kind, their count or span, their endpoint; over a socket."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import requests
from django.test import Client
from django.utils import timezone

from bookings.sandbox.faults import DroppedConnection
from bookings.sandbox.models import Booking, Fault
from tests.bookings.sandbox.conftest import BASE, KEY, Api

KARLSRUHE = {"lat": 49.0094, "lng": 8.4044}


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the sandbox's sleeps instead of sleeping."""
    calls: list[float] = []
    monkeypatch.setattr("bookings.sandbox.faults.sleep", calls.append)
    return calls


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "status", "message"),
    [
        ("500", 500, "Internal server error"),
        ("502", 502, "Bad gateway"),
        ("503", 503, "Service unavailable"),
    ],
)
def test_error_statuses_answer_instead_of_working(
    api: Api, booking_body, sandbox_faults, kind: str, status: int, message: str
) -> None:
    sandbox_faults.add(kind)
    response = api.post("bookings", booking_body())
    assert response.status_code == status
    assert response.json() == {"error": message}
    assert response["X-RateLimit-Limit"] == "100"
    assert not Booking.objects.exists()


@pytest.mark.django_db
def test_429_carries_the_given_retry_after(api: Api, sandbox_faults) -> None:
    sandbox_faults.add("429", retry_after=7)
    response = api.get("usage")
    assert response.status_code == 429
    assert response["Retry-After"] == "7"
    assert response.json() == {"error": "Rate limit exceeded. Retry after 7 seconds."}


@pytest.mark.django_db
def test_a_body_that_is_not_json(api: Api, sandbox_faults) -> None:
    sandbox_faults.add("not_json")
    response = api.get("bookings")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


@pytest.mark.django_db
def test_succeed_but_answer_500_keeps_the_booking(
    api: Api, booking_body, sandbox_faults
) -> None:
    sandbox_faults.add("succeed_500", endpoint="create")
    response = api.post("bookings", booking_body())
    assert response.status_code == 500
    assert response.json() == {"error": "Internal server error"}
    listed = api.get("bookings").json()["bookings"]
    assert [b["external_id"] for b in listed] == ["engineering-emp042-20260210"]


@pytest.mark.django_db
def test_succeed_but_answer_500_on_cancel_cancels(
    api: Api, book, sandbox_faults
) -> None:
    booking = book()
    sandbox_faults.add("succeed_500", endpoint="cancel")
    assert api.post(f"bookings/{booking['id']}/cancel").status_code == 500
    assert api.get(f"bookings/{booking['id']}").json()["status"] == "CANCELLED"


@pytest.mark.django_db
def test_latency_delays_then_answers(
    api: Api, sandbox_faults, slept: list[float]
) -> None:
    sandbox_faults.add("latency", seconds=0.75)
    assert api.get("usage").status_code == 200
    assert slept == [0.75]


@pytest.mark.django_db
def test_hang_works_then_outlasts_the_clients_timeout(
    api: Api, booking_body, sandbox_faults, slept: list[float], settings
) -> None:
    settings.PETITMONDE_READ_TIMEOUT = 15
    sandbox_faults.add("hang", endpoint="create")
    assert api.post("bookings", booking_body()).status_code == 202
    assert slept == [20.0]  # the read timeout and five seconds more
    assert Booking.objects.count() == 1


@pytest.mark.django_db
def test_drop_without_a_socket_raises(api: Api, sandbox_faults) -> None:
    sandbox_faults.add("drop")
    with pytest.raises(DroppedConnection):
        api.get("usage")


@pytest.mark.django_db
def test_count_hits_only_the_next_requests(api: Api, sandbox_faults) -> None:
    sandbox_faults.add("503", count=2)
    codes = [api.get("usage").status_code for _ in range(3)]
    assert codes == [503, 503, 200]


@pytest.mark.django_db
def test_a_span_hits_every_request_until_it_ends(api: Api, sandbox_faults) -> None:
    fault = sandbox_faults.add("502", span="10m")
    assert [api.get("usage").status_code for _ in range(3)] == [502, 502, 502]
    Fault.objects.filter(pk=fault.pk).update(
        until=timezone.now() - timedelta(seconds=1)
    )
    assert api.get("usage").status_code == 200


@pytest.mark.django_db
def test_a_fault_scoped_to_create_spares_the_rest(
    api: Api, booking_body, sandbox_faults
) -> None:
    sandbox_faults.add("500", endpoint="create")
    assert api.get("search", KARLSRUHE).status_code == 200
    assert api.get("bookings").status_code == 200
    assert api.post("bookings", booking_body()).status_code == 500
    assert api.post("bookings", booking_body()).status_code == 202


@pytest.mark.django_db
def test_faults_come_in_the_order_they_were_added(api: Api, sandbox_faults) -> None:
    sandbox_faults.add("502")
    sandbox_faults.add("503")
    assert [api.get("usage").status_code for _ in range(3)] == [502, 503, 200]


@pytest.mark.django_db
def test_refused_requests_do_not_use_a_fault_up(
    client: Client, world: None, sandbox_faults
) -> None:
    sandbox_faults.add("500")
    assert Api(client, key="wrong").get("usage").status_code == 401
    assert Api(client).get("usage").status_code == 500


@pytest.mark.django_db
def test_clear_removes_every_fault(api: Api, sandbox_faults) -> None:
    sandbox_faults.add("500", span="1h")
    sandbox_faults.clear()
    assert api.get("usage").status_code == 200


# Over a real socket: what a client such as `requests` really sees.


def url(live_server, path: str) -> str:
    return f"{live_server.url}{BASE}{path}"


HEADERS = {"X-API-Key": KEY}


@pytest.mark.parametrize(
    ("kind", "status"), [("500", 500), ("502", 502), ("503", 503), ("429", 429)]
)
def test_error_statuses_over_a_socket(
    live_server, world: None, sandbox_faults, kind: str, status: int
) -> None:
    sandbox_faults.add(kind)
    response = requests.get(url(live_server, "usage"), headers=HEADERS, timeout=10)
    assert response.status_code == status
    assert "error" in response.json()


def test_a_body_that_is_not_json_over_a_socket(
    live_server, world: None, sandbox_faults
) -> None:
    sandbox_faults.add("not_json")
    response = requests.get(url(live_server, "bookings"), headers=HEADERS, timeout=10)
    assert response.status_code == 200
    with pytest.raises(requests.exceptions.JSONDecodeError):
        response.json()


def test_a_dropped_connection_is_a_connection_error(
    live_server, world: None, sandbox_faults
) -> None:
    sandbox_faults.add("drop")
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(url(live_server, "usage"), headers=HEADERS, timeout=10)
    # The next request is served normally.
    assert requests.get(url(live_server, "usage"), headers=HEADERS, timeout=10).ok


def test_a_dropped_create_still_books(
    live_server, world: None, booking_body, sandbox_faults
) -> None:
    sandbox_faults.add("drop", endpoint="create")
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.post(
            url(live_server, "bookings"),
            json=booking_body(),
            headers=HEADERS,
            timeout=10,
        )
    listed = requests.get(url(live_server, "bookings"), headers=HEADERS, timeout=10)
    assert [b["external_id"] for b in listed.json()["bookings"]] == [
        "engineering-emp042-20260210"
    ]


def test_a_hang_runs_past_the_clients_timeout(
    live_server, world: None, booking_body, sandbox_faults
) -> None:
    sandbox_faults.add("hang", endpoint="create", seconds=1.5)
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.post(
            url(live_server, "bookings"),
            json=booking_body(),
            headers=HEADERS,
            timeout=0.5,
        )
    # The work was done before the hang: the booking exists.
    listed = requests.get(url(live_server, "bookings"), headers=HEADERS, timeout=10)
    assert len(listed.json()["bookings"]) == 1


def test_latency_still_answers_over_a_socket(
    live_server, world: None, sandbox_faults
) -> None:
    sandbox_faults.add("latency", seconds=0.3)
    response = requests.get(url(live_server, "usage"), headers=HEADERS, timeout=10)
    assert response.status_code == 200
    assert not Fault.objects.filter(remaining__gt=0).exists()


def test_succeed_but_answer_500_over_a_socket(
    live_server, world: None, booking_body, sandbox_faults
) -> None:
    sandbox_faults.add("succeed_500", endpoint="create")
    response = requests.post(
        url(live_server, "bookings"), json=booking_body(), headers=HEADERS, timeout=10
    )
    assert response.status_code == 500
    assert Booking.objects.count() == 1
