"""The API as reception's tests need it: search, create, cancel, list, on `responses`.

Creates answer from what was sent (as the sandbox does), with an ad_hoc token;
`fail` makes the n-th create (1-based) answer with a given status and error.
Everything sent is kept, so tests assert what went out.
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from datetime import UTC
from pathlib import Path
from typing import Any

import responses
from pytest_django.fixtures import Settings
from requests import PreparedRequest

from tests.fake_petitmonde import API_KEY, BASE_URL

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "petitmonde"
SEARCH = json.loads((FIXTURES / "search_near_site.json").read_text())
AD_HOC = json.loads((FIXTURES / "booking_ad_hoc.json").read_text())

Answer = tuple[int, dict[str, str], str]


class FakeVisitorApi:
    def __init__(self, mock: responses.RequestsMock) -> None:
        self.mock = mock
        self.search_body: dict[str, Any] = copy.deepcopy(SEARCH)
        self.created: list[dict[str, Any]] = []  # bodies of every create sent
        self.bookings: dict[str, dict[str, Any]] = {}  # what the API holds
        self.cancelled: list[str] = []
        self.failures: dict[int, tuple[int, str, bool]] = {}
        self.cancel_failure: tuple[int, str] | None = None
        self.list_failure: tuple[int, str] | None = None
        self.search_failure: tuple[int, str] | None = None
        self.lists = 0
        mock.add_callback(responses.GET, f"{BASE_URL}/search", callback=self.search)
        mock.add_callback(responses.POST, f"{BASE_URL}/bookings", callback=self.create)
        mock.add_callback(
            responses.POST,
            re.compile(rf"{re.escape(BASE_URL)}/bookings/[^/]+/cancel"),
            callback=self.cancel,
        )
        mock.add_callback(
            responses.GET,
            re.compile(rf"{re.escape(BASE_URL)}/bookings/[^/?]+$"),
            callback=self.get,
        )
        mock.add_callback(responses.GET, f"{BASE_URL}/bookings", callback=self.list)

    def fail(self, n: int, status: int, error: str, *, processed: bool = False) -> None:
        """The n-th create (1-based) answers `status` with this error.

        `processed`: the booking is made all the same (an ambiguous failure).
        """
        self.failures[n] = (status, error, processed)

    @property
    def searches(self) -> list[PreparedRequest]:
        return [c.request for c in self.mock.calls if "/search" in str(c.request.url)]

    def search(self, request: PreparedRequest) -> Answer:
        if self.search_failure is not None:
            status, error = self.search_failure
            return status, {"Retry-After": "30"}, json.dumps({"error": error})
        return 200, {}, json.dumps(self.search_body)

    def create(self, request: PreparedRequest) -> Answer:
        body = json.loads(request.body or "{}")
        self.created.append(body)
        failure = self.failures.get(len(self.created))
        if failure is not None and not failure[2]:
            return failure[0], {}, json.dumps({"error": failure[1]})
        booking = copy.deepcopy(AD_HOC)
        booking.update(
            id=str(uuid.uuid4()),
            location_name="Karlsruhe HQ – Visitor parking",
            **{k: body.get(k) for k in ("location_id", "evse_uid", "external_id")},
            reservation_start=body["reservation_start"],
            reservation_end=body["reservation_end"],
            token={
                "uid": f"04A2B3C4D5E6{len(self.created):02X}",
                "type": "AD_HOC",
                "valid_from": body["reservation_start"],
                "valid_until": body["reservation_end"],
            },
        )
        self.bookings[booking["id"]] = booking
        if failure is not None:
            return failure[0], {}, json.dumps({"error": failure[1]})
        return 202, {}, json.dumps(booking)

    def created_answer(self, booking: Any) -> dict[str, Any]:
        """What the API holds for a booking made before the test (a Booking)."""
        answer = copy.deepcopy(AD_HOC)
        answer.update(
            id=booking.api_id,
            external_id=booking.external_id,
            location_id=booking.location_id,
            evse_uid=booking.evse_uid,
            reservation_start=booking.reservation_start.astimezone(UTC).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            ),
            reservation_end=booking.reservation_end.astimezone(UTC).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            ),
        )
        return answer

    def cancel(self, request: PreparedRequest) -> Answer:
        booking_id = str(request.url).split("/bookings/")[1].split("/")[0]
        if self.cancel_failure is not None:
            status, error = self.cancel_failure
            return status, {}, json.dumps({"error": error})
        self.cancelled.append(booking_id)
        booking = self.bookings[booking_id]
        booking.update(status="CANCELLED", client_price=0)
        return 200, {}, json.dumps(booking)

    def get(self, request: PreparedRequest) -> Answer:
        booking_id = str(request.url).rsplit("/", 1)[1]
        if booking_id not in self.bookings:
            return 404, {}, json.dumps({"error": "Booking not found"})
        return 200, {}, json.dumps(self.bookings[booking_id])

    def list(self, request: PreparedRequest) -> Answer:
        self.lists += 1
        if self.list_failure is not None:
            status, error = self.list_failure
            return status, {}, json.dumps({"error": error})
        return 200, {}, json.dumps({"bookings": list(self.bookings.values())})


def use_fake_api(
    api_mock: responses.RequestsMock, settings: Settings
) -> FakeVisitorApi:
    """Point the portal's client at the fake API, with no waiting."""
    settings.PETITMONDE_API_URL = BASE_URL
    settings.PETITMONDE_API_KEY = API_KEY
    settings.PETITMONDE_MAX_RETRIES = 0
    settings.BOOKING_LOOKUP_RETRY_SECONDS = 0
    return FakeVisitorApi(api_mock)
