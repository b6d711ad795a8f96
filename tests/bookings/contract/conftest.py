"""The real client against the real sandbox over a socket (pytest-django's live_server).

`petitmonde` is a client built by `get_client()` from the settings, pointed at the
sandbox the way docs/sandbox.md tells an operator to; `raw` reads the same answers as
plain JSON, so a test can check that the client's typed objects hold all of it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import requests
from django.core.management import call_command
from pytest_django.fixtures import Settings as SettingsFixture
from pytest_django.live_server_helper import LiveServer

from bookings.petitmonde import BookingRequest, PetitmondeClient, get_client
from bookings.sandbox.models import Clock

SANDBOX_KEY = "sandbox"
# The documentation's example location and its first EVSE (two AC 22 kW, one DC
# 150 kW and one DC 50 kW EVSE; 0.49 EUR/kWh, 1.50 reservation fee, 2.50 to
# cancel a confirmed booking).
LOCATION = "DE-ENB-E123456"
EVSE = "DE*ENB*E123456*1"


class Raw:
    """The sandbox's answers as plain JSON, read past the client."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def get(self, path: str, **params: Any) -> Any:
        response = requests.get(
            self.base_url + path,
            params=params,
            headers={"X-API-Key": SANDBOX_KEY},
            timeout=10,
        )
        assert response.status_code == 200, response.content
        return response.json()


@pytest.fixture(autouse=True)
def _close_clients(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Close the connections of every client a test made, when it ends.

    A kept-alive connection keeps its live_server thread alive, and with it that
    thread's database connection, which would keep PostgreSQL from dropping the
    test database at the end of the session.
    """
    clients: list[PetitmondeClient] = []
    init = PetitmondeClient.__init__

    def tracked(self: PetitmondeClient, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        clients.append(self)

    monkeypatch.setattr(PetitmondeClient, "__init__", tracked)
    yield
    for client in clients:
        client.session.close()


@pytest.fixture
def sandbox_url(live_server: LiveServer, settings: SettingsFixture) -> str:
    """The sandbox, seeded, as the portal's Petitmonde API (no key: the sandbox's)."""
    settings.PETITMONDE_API_URL = live_server.url + "/sandbox/api/v1/client"
    settings.PETITMONDE_SANDBOX = True
    settings.PETITMONDE_API_KEY = ""
    call_command("sandbox_seed", verbosity=0)
    return settings.PETITMONDE_API_URL


@pytest.fixture
def petitmonde(sandbox_url: str) -> PetitmondeClient:
    return get_client()


@pytest.fixture
def raw(sandbox_url: str) -> Raw:
    return Raw(sandbox_url)


def ahead(**delta: float) -> datetime:
    """A sandbox time this far ahead, in whole seconds."""
    return (Clock.now() + timedelta(**delta)).replace(microsecond=0)


@pytest.fixture
def booking_request() -> Callable[..., BookingRequest]:
    """The documentation's employee booking, an hour ahead (override fields)."""

    def make(**fields: Any) -> BookingRequest:
        start = ahead(hours=1)
        values: dict[str, Any] = {
            "location_id": LOCATION,
            "evse_uid": EVSE,
            "reservation_start": start,
            "reservation_end": start + timedelta(hours=2),
            "external_id": "engineering-emp042-20260210",
            "token_strategy": "driver_token",
            "customer_id": "cust_emp042",
        }
        return BookingRequest(**(values | fields))

    return make


@pytest.fixture
def answers(petitmonde: PetitmondeClient) -> list[requests.Response]:
    """Every HTTP answer the `petitmonde` client gets, as it got it."""
    seen: list[requests.Response] = []

    def record(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        seen.append(response)

    petitmonde.session.hooks["response"].append(record)
    return seen


def assert_read_whole(parsed: Any, data: Any, where: str = "answer") -> None:
    """`parsed` (the client's typed object) holds every field of `data` (the JSON).

    Both ways: no field of the answer is dropped, and no field the client reads
    is missing from the answer (a misspelt name would read as None for ever).
    Numbers must come back as the same Decimal, times as the same instant.
    """
    if dataclasses.is_dataclass(parsed) and isinstance(data, dict):
        names = {field.name for field in dataclasses.fields(parsed)}
        if "coordinates" in data:
            # A Location flattens {"coordinates": {"latitude", "longitude"}}.
            data = dict(data)
            coordinates = data.pop("coordinates")
            assert set(coordinates) == {"latitude", "longitude"}, where
            data |= coordinates
        sent = set(data)
        assert sent <= names, f"{where}: the client drops {sorted(sent - names)}"
        assert names <= sent, f"{where}: never sent: {sorted(names - sent)}"
        for name in sorted(names):
            assert_read_whole(getattr(parsed, name), data[name], f"{where}.{name}")
    elif isinstance(data, list):
        assert isinstance(parsed, tuple | list), where
        assert len(parsed) == len(data), where
        for n, (item, raw_item) in enumerate(zip(parsed, data, strict=True)):
            assert_read_whole(item, raw_item, f"{where}[{n}]")
    elif data is None:
        assert parsed is None, where
    elif isinstance(data, bool):
        assert parsed is data, where
    elif isinstance(data, int | float):
        if isinstance(parsed, Decimal):
            assert parsed == Decimal(str(data)), where
        else:
            assert type(parsed) is int and parsed == data, where
    elif isinstance(parsed, datetime):
        assert isinstance(data, str) and data.endswith("Z"), where
        assert parsed == datetime.fromisoformat(data), where
        assert parsed.tzinfo is not None, where
    else:
        assert isinstance(data, str) and parsed == data, where


def advance_to(sandbox_clock: Any, moment: datetime) -> None:
    """Move the sandbox clock to `moment` or just past it (it moves by seconds)."""
    seconds = math.ceil((moment - Clock.now()).total_seconds())
    sandbox_clock.advance(timedelta(seconds=max(0, seconds)))
