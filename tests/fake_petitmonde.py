"""A fake clock and a fake `GET /bookings` for tests and benchmarks of the client.

The fake list has the sandbox's semantics (Part B1): `from_date`/`to_date`
inclusive on `created_at`, one `status`, `limit` (default 50, max 100), newest
first, no pagination; optionally a sliding-window rate limit with the documented
headers. It is a `responses` callback, so the real client code runs unchanged.
"""

from __future__ import annotations

import bisect
import json
import math
import random
import uuid
from collections import deque
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import responses
from requests import PreparedRequest

from bookings.petitmonde import PetitmondeClient, format_datetime
from bookings.statuses import API_STATUSES

BASE_URL = "https://api.petitmonde.test/api/v1/client"
API_KEY = "pm-live-7Hq2-SECRET-do-not-leak-93"
START = datetime(2026, 2, 9, 10, 0, tzinfo=UTC)
EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)


class FakeTime:
    """Wall and monotonic clocks that move only when slept on or advanced."""

    def __init__(self, start: datetime = START) -> None:
        self.wall = start
        self.mono = 1000.0
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        return self.wall

    def monotonic(self) -> float:
        return self.mono

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        self.mono += seconds
        self.wall += timedelta(seconds=seconds)


def make_client(time: FakeTime, **options: Any) -> PetitmondeClient:
    """A client on the fake clock, with the settings' defaults and no jitter."""
    settings: dict[str, Any] = {
        "connect_timeout": 3.05,
        "read_timeout": 15.0,
        "max_retries": 3,
        "retry_after_cap": 60.0,
        "sleep": time.sleep,
        "clock": time.monotonic,
        "now": time.now,
        "jitter": lambda: 1.0,
    }
    settings.update(options)
    return PetitmondeClient(BASE_URL, API_KEY, **settings)


def make_bookings(times: Iterable[datetime], *, seed: int = 0) -> list[dict[str, Any]]:
    """Booking objects created at the given times, with varied statuses."""
    rng = random.Random(seed)
    statuses = sorted(API_STATUSES)
    return [
        {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "status": rng.choice(statuses),
            "created_at": format_datetime(created_at),
            "external_id": f"engineering-emp{n % 50:03d}-20260210",
            "client_price": round(rng.uniform(5, 40), 2),
            "client_price_currency": "EUR",
        }
        for n, created_at in enumerate(times)
    ]


class FakeBookingList:
    """`GET /bookings` as the sandbox answers it, registered on a `responses` mock."""

    def __init__(
        self,
        bookings: list[dict[str, Any]],
        *,
        time: FakeTime,
        order: str = "newest",
        rate_limit: int | None = None,
        latency: float = 0.0,
        whole_seconds: bool = False,
        seed: int = 0,
    ) -> None:
        """`order` is newest, oldest or random; `whole_seconds` makes the bounds
        whole seconds, widened, as an API that ignores fractions might."""
        self.time = time
        self.whole_seconds = whole_seconds
        self.order = order
        self.rate_limit = rate_limit
        self.latency = latency
        self.rng = random.Random(seed)
        self.recent: deque[datetime] = deque()
        self.requests = 0
        self.rejected = 0  # 429 answers
        self.queries: list[dict[str, str]] = []
        parsed = [(datetime.fromisoformat(b["created_at"]), b) for b in bookings]
        parsed.sort(key=lambda pair: pair[0])
        self.times = [created_at for created_at, _ in parsed]
        self.bookings = [booking for _, booking in parsed]

    def register(self, mock: responses.RequestsMock) -> FakeBookingList:
        mock.add_callback(responses.GET, f"{BASE_URL}/bookings", callback=self)
        return self

    def __call__(self, request: PreparedRequest) -> tuple[int, dict[str, str], str]:
        self.requests += 1
        self.time.advance(self.latency)
        headers = self.count_request()
        if headers is None:
            return self.too_many()
        query = {
            key: values[0]
            for key, values in parse_qs(urlsplit(str(request.url)).query).items()
        }
        self.queries.append(query)
        limit = int(query.get("limit", 50))
        if not 1 <= limit <= 100:
            return 400, headers, json.dumps({"error": "limit must be 1 to 100"})
        low_time = _parse(query.get("from_date"), EARLIEST)
        high_time = _parse(query.get("to_date"), LATEST)
        if self.whole_seconds:
            low_time = low_time.replace(microsecond=0)
            if high_time.microsecond:
                high_time = high_time.replace(microsecond=0) + timedelta(seconds=1)
        low = bisect.bisect_left(self.times, low_time)
        high = bisect.bisect_right(self.times, high_time)
        found = self.bookings[low:high]
        if "status" in query:
            found = [b for b in found if b["status"] == query["status"]]
        if self.order == "newest":
            found = found[::-1]
        elif self.order == "random":
            found = self.rng.sample(found, len(found))
        return 200, headers, json.dumps({"bookings": found[:limit]})

    def count_request(self) -> dict[str, str] | None:
        """The rate-limit headers, or None when this request is over the limit."""
        if self.rate_limit is None:
            return {}
        now = self.time.now()
        while self.recent and self.recent[0] <= now - timedelta(minutes=1):
            self.recent.popleft()
        if len(self.recent) >= self.rate_limit:
            return None
        self.recent.append(now)
        return self.rate_headers(self.rate_limit - len(self.recent))

    def rate_headers(self, remaining: int) -> dict[str, str]:
        reset = self.recent[0] + timedelta(minutes=1)
        return {
            "X-RateLimit-Limit": str(self.rate_limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": format_datetime(reset),
        }

    def too_many(self) -> tuple[int, dict[str, str], str]:
        self.rejected += 1
        wait = (self.recent[0] + timedelta(minutes=1) - self.time.now()).total_seconds()
        seconds = max(1, math.ceil(wait))
        headers = self.rate_headers(0) | {"Retry-After": str(seconds)}
        body = {"error": f"Rate limit exceeded. Retry after {seconds} seconds."}
        return 429, headers, json.dumps(body)


def _parse(value: str | None, default: datetime) -> datetime:
    return default if value is None else datetime.fromisoformat(value)
