"""A fake Petitmonde API on `responses`, for sync tests that need exact control.

`GET /bookings` has the sandbox's semantics (Part B1): `from_date`/`to_date`
inclusive on `created_at`, one `status`, `limit` (default 50, max 100), newest
first, no pagination. `GET /bookings/{id}` and `GET /usage` too. Every request
counts against a monthly quota.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import responses
from requests import PreparedRequest

from bookings.petitmonde import PetitmondeClient, format_datetime

BASE = "https://api.petitmonde.test/api/v1/client"
Reply = tuple[int, dict[str, str], str]


class FakeApi:
    def __init__(self, mock: responses.RequestsMock, *, quota: int = 10_000) -> None:
        self.bookings: dict[str, dict[str, Any]] = {}
        self.quota = quota
        self.used = 0
        self.list_calls = 0
        # Called before each answer; may raise to simulate a crash.
        self.before: Callable[[PreparedRequest], None] = lambda request: None
        mock.add_callback(
            responses.GET, re.compile(re.escape(BASE) + r"/bookings/[^/?]+$"), self._get
        )
        mock.add_callback(
            responses.GET,
            re.compile(re.escape(BASE) + r"/bookings(\?.*)?$"),
            self._list,
        )
        mock.add_callback(responses.GET, BASE + "/usage", self._usage)
        mock.add_callback(
            responses.POST,
            re.compile(re.escape(BASE) + r"/bookings/[^/]+/cancel$"),
            self._cancel,
        )
        self.cancels: list[str] = []

    def client(self) -> PetitmondeClient:
        return PetitmondeClient(
            BASE,
            "test-key",
            connect_timeout=1,
            read_timeout=1,
            max_retries=0,
            retry_after_cap=1,
            sleep=lambda seconds: None,
        )

    def add(self, created_at: datetime, **fields: Any) -> dict[str, Any]:
        start = fields.pop("reservation_start", created_at + timedelta(days=1))
        booking = {
            "id": str(uuid.uuid4()),
            "status": "COMPLETED",
            "status_updated_at": format_datetime(start + timedelta(hours=2)),
            "created_at": format_datetime(created_at),
            "location_id": "DE-ENB-E700101",
            "location_name": "Garage P1",
            "location_city": "Karlsruhe",
            "evse_uid": "DE*ENB*E700101*1",
            "connector_id": "1",
            "reservation_start": format_datetime(start),
            "reservation_end": format_datetime(start + timedelta(hours=2)),
            "external_id": "",
            "token_strategy": "driver_token",
            "customer_id": "cust_x",
            "token_id": None,
            "fleet_group_id": None,
            "cpo_reservation_id": "CPO-1",
            "client_price": 12.34,
            "client_price_currency": "EUR",
            "energy_kwh": 20.5,
            "cancellation_reason": None,
        }
        booking.update(fields)
        self.bookings[booking["id"]] = booking
        return booking

    def _answer(self, request: PreparedRequest, status: int, body: Any) -> Reply:
        self.before(request)
        self.used += 1
        headers = {
            "Content-Type": "application/json",
            "X-RateLimit-Limit": "100",
            "X-RateLimit-Remaining": "99",
            "X-RateLimit-Reset": format_datetime(datetime.now(UTC)),
        }
        return status, headers, json.dumps(body)

    def _list(self, request: PreparedRequest) -> Reply:
        self.list_calls += 1
        query = {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}
        lo = _time(query.get("from_date"))
        hi = _time(query.get("to_date"))
        limit = min(int(query.get("limit", 50)), 100)
        found = [
            b
            for b in self.bookings.values()
            if (lo is None or _time(b["created_at"]) >= lo)
            and (hi is None or _time(b["created_at"]) <= hi)
            and ("status" not in query or b["status"] == query["status"])
        ]
        found.sort(key=lambda b: _time(b["created_at"]), reverse=True)
        return self._answer(request, 200, {"bookings": found[:limit]})

    def _get(self, request: PreparedRequest) -> Reply:
        booking_id = urlsplit(request.url).path.rsplit("/", 1)[1]
        if booking_id not in self.bookings:
            return self._answer(request, 404, {"error": "Booking not found"})
        return self._answer(request, 200, self.bookings[booking_id])

    def _cancel(self, request: PreparedRequest) -> Reply:
        """Free while requested or pending, as the sandbox does."""
        booking_id = urlsplit(request.url).path.split("/")[-2]
        booking = self.bookings.get(booking_id)
        if booking is None:
            return self._answer(request, 404, {"error": "Booking not found"})
        self.cancels.append(booking_id)
        price = 0 if booking["status"] in ("REQUESTED", "PENDING") else 2.5
        booking.update(status="CANCELLED", client_price=price)
        return self._answer(request, 200, booking)

    def _usage(self, request: PreparedRequest) -> Reply:
        body = {
            "rate_limit": {"limit": 100, "remaining": 99, "period": "minute"},
            "monthly_quota": {
                "limit": self.quota,
                "used": self.used + 1,
                "remaining": self.quota - self.used - 1,
            },
        }
        return self._answer(request, 200, body)


def _time(text: str | None) -> datetime | None:
    if text is None:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
