"""Fixtures for the sandbox's own tests: the world, an API caller, bookings."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.http import HttpResponse
from django.test import Client

from bookings.sandbox.models import Booking, Clock, Evse, iso
from bookings.sandbox.world import seed_world

BASE = "/sandbox/api/v1/client/"
KEY = "sandbox"


class Api:
    """Calls the sandbox through Django's test client, with the API key."""

    def __init__(self, client: Client, key: str | None = KEY) -> None:
        self.client = client
        self.key = key

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        sent = {"X-API-Key": self.key} if self.key is not None else {}
        return sent | (headers or {})

    def get(
        self, path: str, params: dict[str, Any] | None = None, **headers: str
    ) -> HttpResponse:
        return self.client.get(
            BASE + path, params or {}, headers=self._headers(headers)
        )

    def post(
        self, path: str, body: Any = None, *, raw: str | None = None, **headers: str
    ) -> HttpResponse:
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return self.client.generic(
            "POST",
            BASE + path,
            data,
            content_type="application/json",
            headers=self._headers(headers),
        )


@pytest.fixture
def world(db: None) -> None:
    seed_world()


@pytest.fixture
def api(client: Client, world: None) -> Api:
    return Api(client)


def ahead(**delta: float) -> str:
    """A sandbox time this far ahead, as the API writes it."""
    return iso(Clock.now() + timedelta(**delta))


@pytest.fixture
def booking_body() -> Callable[..., dict[str, Any]]:
    """The documentation's employee booking, one hour ahead (override fields)."""

    def make(**fields: Any) -> dict[str, Any]:
        body = {
            "location_id": "DE-ENB-E123456",
            "evse_uid": "DE*ENB*E123456*1",
            "reservation_start": ahead(hours=1),
            "reservation_end": ahead(hours=3),
            "external_id": "engineering-emp042-20260210",
            "token_strategy": "driver_token",
            "customer_id": "cust_emp042",
        }
        return body | fields

    return make


@pytest.fixture
def book(
    api: Api, booking_body: Callable[..., dict[str, Any]]
) -> Callable[..., dict[str, Any]]:
    """Create a booking through the API; return its JSON."""

    def make(**fields: Any) -> dict[str, Any]:
        response = api.post("bookings", booking_body(**fields))
        assert response.status_code == 202, response.content
        return response.json()

    return make


@pytest.fixture
def store(world: None) -> Callable[..., list[Booking]]:
    """Write bookings straight to the sandbox's table (fast, any created_at)."""

    def make(
        count: int = 1,
        *,
        created_at: datetime | None = None,
        evse_uid: str = "DE*ENB*E123456*1",
        outcome: str = Booking.Outcome.ATTENDING,
        **fields: Any,
    ) -> list[Booking]:
        evse = Evse.objects.select_related("location").get(evse_uid=evse_uid)
        created = created_at or Clock.now()
        start = created + timedelta(days=1)
        bookings = [
            Booking.plan(
                evse=evse,
                start=start + timedelta(hours=2 * n),
                end=start + timedelta(hours=2 * n + 1),
                created_at=created,
                token_strategy="driver_token",
                outcome=outcome,
                **({"customer_id": "cust_emp042", "external_id": f"ref-{n}"} | fields),
            )
            for n in range(count)
        ]
        return Booking.objects.bulk_create(bookings)

    return make
