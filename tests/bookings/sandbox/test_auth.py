"""The sandbox's door: API key, suspended keys, no portal login, no CSRF."""

from __future__ import annotations

import pytest
from django.test import Client
from django.test.utils import override_settings

from tests.bookings.sandbox.conftest import BASE, Api

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    ("GET", "search?lat=49&lng=8.4"),
    ("GET", "bookings"),
    ("POST", "bookings"),
    ("GET", "bookings/6f1c1a52-0000-4000-8000-000000000000"),
    ("POST", "bookings/6f1c1a52-0000-4000-8000-000000000000/cancel"),
    ("GET", "usage"),
]


def test_x_api_key_header_is_accepted(api: Api) -> None:
    assert api.get("usage").status_code == 200


def test_bearer_token_is_accepted(client: Client, world: None) -> None:
    response = Api(client, key=None).get("usage", Authorization="Bearer sandbox")
    assert response.status_code == 200


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_every_endpoint_refuses_a_missing_key(
    client: Client, world: None, method: str, path: str
) -> None:
    caller = Api(client, key=None)
    response = caller.get(path) if method == "GET" else caller.post(path, {})
    assert response.status_code == 401
    assert response.json() == {"error": "Invalid or missing API key"}


def test_wrong_key_is_401(client: Client, world: None) -> None:
    response = Api(client, key="not-the-key").get("usage")
    assert response.status_code == 401
    assert response.json() == {"error": "Invalid or missing API key"}


def test_bearer_with_a_wrong_key_is_401(client: Client, world: None) -> None:
    response = Api(client, key=None).get("usage", Authorization="Bearer wrong")
    assert response.status_code == 401


def test_other_authorization_schemes_are_401(client: Client, world: None) -> None:
    response = Api(client, key=None).get("usage", Authorization="Basic sandbox")
    assert response.status_code == 401


@override_settings(PETITMONDE_SANDBOX_SUSPENDED_KEYS=["old-key"])
def test_suspended_key_is_403(client: Client, world: None) -> None:
    response = Api(client, key="old-key").get("usage")
    assert response.status_code == 403
    assert response.json() == {"error": "Account suspended or inactive"}


@override_settings(PETITMONDE_SANDBOX_KEY="rotated-key")
def test_the_accepted_key_is_a_setting(client: Client, world: None) -> None:
    assert Api(client, key="sandbox").get("usage").status_code == 401
    assert Api(client, key="rotated-key").get("usage").status_code == 200


def test_refused_requests_carry_the_rate_limit_headers(
    client: Client, world: None
) -> None:
    response = Api(client, key=None).get("usage")
    assert response["X-RateLimit-Limit"] == "100"
    assert response["X-RateLimit-Remaining"] == "100"
    assert response["X-RateLimit-Reset"].endswith("Z")


def test_no_portal_login_is_needed(api: Api) -> None:
    # The portal is login-only; the API answers to its key instead.
    response = api.get("bookings")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


def test_posts_need_no_csrf_token(world: None, booking_body) -> None:
    strict = Api(Client(enforce_csrf_checks=True))
    assert strict.post("bookings", booking_body()).status_code == 202


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "bookings", "GET, POST"),
        ("POST", "search", "GET"),
        ("GET", "bookings/6f1c1a52-0000-4000-8000-000000000000/cancel", "POST"),
        ("PUT", "usage", "GET"),
    ],
)
def test_wrong_method_is_405(
    client: Client, world: None, method: str, path: str, allowed: str
) -> None:
    response = client.generic(method, BASE + path, headers={"X-API-Key": "sandbox"})
    assert response.status_code == 405
    assert response.json() == {"error": "Method not allowed"}
    assert response["Allow"] == allowed
    assert response["X-RateLimit-Remaining"] == "100"  # not counted


def test_unknown_path_is_a_json_404(api: Api) -> None:
    response = api.get("locations/DE-ENB-E123456")
    assert response.status_code == 404
    assert response.json() == {"error": "Not found"}
