"""The one fake of the Petitmonde API for unit and view tests (tests/README.md).

`FakePetitmonde` answers on a `responses` mock, so the portal's real client
runs unchanged: search, create, get, cancel, list and usage, with the
sandbox's semantics where Part B1 of docs/petitmonde-api.md fixes them. It
keeps everything sent, for assertions, and takes failures per endpoint and
per n-th call. The `fake_api` fixture of tests/conftest.py gives one with
the portal pointed at it.

Also here: `FakeTime`, a clock that moves only when told, `make_client`, a
client on it, and `make_bookings`, many booking objects for the window
reader's tests and benchmarks.
"""

from __future__ import annotations

import bisect
import json
import math
import random
import re
import threading
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import responses
from pytest_django.fixtures import Settings
from requests import PreparedRequest
from requests.structures import CaseInsensitiveDict

from bookings.petitmonde import PetitmondeClient, format_datetime
from bookings.statuses import API_STATUSES

BASE_URL = "https://api.petitmonde.test/api/v1/client"
API_KEY = "pm-live-7Hq2-SECRET-do-not-leak-93"
START = datetime(2026, 2, 9, 10, 0, tzinfo=UTC)
EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "petitmonde"
ENDPOINTS = ("search", "create", "get", "list", "cancel", "usage")

Answer = tuple[int, dict[str, str], str]


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


def point_portal_at_fake(settings: Settings) -> None:
    """The portal's own client (`get_client()`) talks to BASE_URL, with no waiting."""
    settings.PETITMONDE_API_URL = BASE_URL
    settings.PETITMONDE_API_KEY = API_KEY
    settings.PETITMONDE_MAX_RETRIES = 0
    settings.BOOKING_LOOKUP_RETRY_SECONDS = 0


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


def fixture(name: str) -> Any:
    """A canned answer of tests/fixtures/petitmonde/, parsed afresh."""
    return json.loads((FIXTURES / f"{name}.json").read_text())


class Held(dict[str, dict[str, Any]]):
    """The bookings the fake holds, by id; counts its changes, for the list's order."""

    version = 0

    def __setitem__(self, key: str, value: dict[str, Any]) -> None:
        self.version += 1
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self.version += 1
        super().__delitem__(key)

    def pop(self, key: str, *default: Any) -> Any:
        self.version += 1
        return super().pop(key, *default)

    def clear(self) -> None:
        self.version += 1
        super().clear()

    def update(self, *args: Any, **kwargs: Any) -> None:
        self.version += 1
        super().update(*args, **kwargs)


@dataclass(frozen=True)
class Sent:
    """One request the fake received."""

    endpoint: str
    method: str
    url: str
    query: dict[str, str]
    body: Any  # the JSON body, None without one
    headers: Mapping[str, str]  # any case, as in requests


@dataclass
class Failure:
    status: int
    error: str
    call: int | None  # the n-th call of the endpoint (1-based); None: every call
    processed: bool
    raises: BaseException | None
    retry_after: int | None


class FakePetitmonde:
    """The Petitmonde API on a `responses` mock.

    What it holds:
    - `bookings`: booking objects by id. Fill it with `add` (a whole booking
      with defaults), `load` (objects as they are) or by assigning to it.
    - `search_body`: the answer to every search (the site's chargers of
      tests/fixtures/petitmonde/search_near_site.json unless changed).

    How it answers:
    - search: `search_body`, whatever was asked.
    - create: a 202 with the whole booking made from what was sent, in
      REQUESTED; an ad_hoc create gets a token whose uid ends in the number of
      creates sent. It checks nothing: refusals are injected with `fail`; the
      sandbox's own checks are for the contract tests.
    - get: the booking, or a 404.
    - cancel: free while REQUESTED or PENDING, `cancellation_fee` when
      CONFIRMED, a 400 otherwise, a 404 for an unknown id (Part B1).
    - list: Part B1: one `status`, `from_date`/`to_date` inclusive on
      `created_at`, `limit` 1 to 100 (default 50, else a 400), newest first
      (or `order` "oldest" or "random"), no paging. `whole_seconds` compares
      the bounds to the second only, widened, as an API that ignores
      fractions might.
    - usage: the rate limit and the monthly quota, as the sandbox shapes it.

    Every request answered counts against `quota` (a refusal for a limit
    does not, nor a failure that raises); past the quota, a 429. With
    `rate_limit` (requests a minute, sliding, on the fake's clock) answers
    carry the rate-limit headers and a request over it is a 429 with
    `Retry-After`; without it, there are no such headers and no limit.

    The clock is `time` (a `FakeTime`, which `latency` advances per request)
    or, without it, the real one, which time-machine may freeze: view tests
    use the real clock because the portal's client does.

    Everything sent is in `sent` (`calls(endpoint)` for one endpoint);
    `created` has the bodies of every create, `cancelled` the ids cancelled.
    """

    def __init__(
        self,
        mock: responses.RequestsMock,
        *,
        time: FakeTime | None = None,
        quota: int = 10_000,
        rate_limit: int | None = None,
        latency: float = 0.0,
        order: str = "newest",
        whole_seconds: bool = False,
        cancellation_fee: float = 2.5,
        seed: int = 0,
    ) -> None:
        if latency and time is None:
            raise ValueError("latency needs a FakeTime to pass on")
        self.mock = mock
        self.time = time
        self.quota = quota
        self.rate_limit = rate_limit
        self.latency = latency
        self.order = order
        self.whole_seconds = whole_seconds
        self.cancellation_fee = cancellation_fee
        self.rng = random.Random(seed)
        self._bookings = Held()
        self.search_body: dict[str, Any] = fixture("search_near_site")
        self.sent: list[Sent] = []
        self.created: list[dict[str, Any]] = []
        self.cancelled: list[str] = []
        self.used = 0  # requests counted against the monthly quota
        self._counts: Counter[str] = Counter()  # requests per endpoint
        self.failures: dict[str, list[Failure]] = {name: [] for name in ENDPOINTS}
        self._recent: deque[datetime] = deque()  # the rate limit's window
        self._times: dict[str, datetime] = {}  # parsed created_at, memoised
        self._sorted: tuple[list[datetime], list[dict[str, Any]]] = ([], [])
        self._sorted_version = -1
        # View tests may send from two threads at once.
        self._lock = threading.Lock()
        self._register()

    # --- Set-up ---

    @property
    def bookings(self) -> Held:
        return self._bookings

    @bookings.setter
    def bookings(self, bookings: dict[str, dict[str, Any]]) -> None:
        self._bookings = Held(bookings)
        self._sorted_version = -1

    def client(self, **options: Any) -> PetitmondeClient:
        """A client of the fake, on its clock (a fresh FakeTime without one)."""
        return make_client(self.time or FakeTime(self.now()), **options)

    def now(self) -> datetime:
        return self.time.now() if self.time else datetime.now(UTC)

    def add(self, created_at: datetime | None = None, **fields: Any) -> dict[str, Any]:
        """Hold a whole booking object created at `created_at` (now) and return it.

        Unless `fields` say otherwise: COMPLETED at Garage P1, a day after its
        creation for two hours, 12.34 EUR, 20.5 kWh, no external_id.
        """
        created_at = created_at or self.now()
        start = fields.pop("reservation_start", created_at + timedelta(days=1))
        booking: dict[str, Any] = {
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

    def load(self, bookings: Iterable[dict[str, Any]]) -> None:
        """Hold these booking objects as they are (the same dicts, not copies)."""
        for booking in bookings:
            self.bookings[booking["id"]] = booking

    def fail(
        self,
        endpoint: str,
        status: int = 500,
        error: str = "Internal server error",
        *,
        call: int | None = None,
        processed: bool = False,
        raises: BaseException | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Make `endpoint` answer `status` with this error, or raise `raises`.

        `call`: only its n-th call (1-based, counting every call so far); without
        it, every call until `clear_failures`. `processed`: a create or cancel is
        made all the same (an ambiguous failure). `retry_after` adds the header.
        """
        if endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {endpoint!r}, not one of {ENDPOINTS}")
        failure = Failure(status, error, call, processed, raises, retry_after)
        self.failures[endpoint].append(failure)

    def clear_failures(self, endpoint: str | None = None) -> None:
        """The endpoint (or every one) answers normally again."""
        for name in [endpoint] if endpoint else ENDPOINTS:
            self.failures[name].clear()

    # --- What was sent ---

    def calls(self, endpoint: str | None = None) -> list[Sent]:
        return [s for s in self.sent if endpoint is None or s.endpoint == endpoint]

    @property
    def searches(self) -> list[Sent]:
        return self.calls("search")

    @property
    def queries(self) -> list[dict[str, str]]:
        """The query of every list request."""
        return [sent.query for sent in self.calls("list")]

    # --- Answering ---

    def _register(self) -> None:
        base = re.escape(BASE_URL)
        routes = [
            (responses.GET, f"{base}/search(\\?.*)?$", "search"),
            (responses.POST, f"{base}/bookings$", "create"),
            (responses.POST, f"{base}/bookings/[^/?]+/cancel$", "cancel"),
            (responses.GET, f"{base}/bookings/[^/?]+$", "get"),
            (responses.GET, f"{base}/bookings(\\?.*)?$", "list"),
            (responses.GET, f"{base}/usage$", "usage"),
        ]
        for method, pattern, endpoint in routes:
            self.mock.add_callback(
                method,
                re.compile(pattern),
                callback=self._answerer(endpoint),
                content_type="application/json",
            )

    def _answerer(self, endpoint: str) -> Callable[[PreparedRequest], Answer]:
        def answer(request: PreparedRequest) -> Answer:
            with self._lock:
                return self._answer(endpoint, request)

        return answer

    def _answer(self, endpoint: str, request: PreparedRequest) -> Answer:
        url = str(request.url)
        split = urlsplit(url)
        sent = Sent(
            endpoint=endpoint,
            method=str(request.method),
            url=url,
            query={k: v[0] for k, v in parse_qs(split.query).items()},
            body=json.loads(request.body) if request.body else None,
            headers=CaseInsensitiveDict(request.headers),
        )
        self.sent.append(sent)
        self._counts[endpoint] += 1
        if endpoint == "create":
            self.created.append(sent.body or {})
        if self.time is not None:
            self.time.advance(self.latency)
        headers, refusal = self._count()
        if refusal is not None:
            return refusal
        failure = self._failure(endpoint)
        if failure is not None and failure.raises is not None:
            raise failure.raises
        self.used += 1
        if failure is not None and not failure.processed:
            return self._error(failure, headers)
        path = split.path.removeprefix(urlsplit(BASE_URL).path)
        status, body = getattr(self, f"_{endpoint}")(sent, path)
        if failure is not None:
            return self._error(failure, headers)
        return status, headers, json.dumps(body)

    def _failure(self, endpoint: str) -> Failure | None:
        n = self._counts[endpoint]
        found = [f for f in self.failures[endpoint] if f.call in (n, None)]
        return found[0] if found else None  # the first set that applies

    def _error(self, failure: Failure, headers: dict[str, str]) -> Answer:
        if failure.retry_after is not None:
            headers = headers | {"Retry-After": str(failure.retry_after)}
        return failure.status, headers, json.dumps({"error": failure.error})

    def _search(self, sent: Sent, path: str) -> tuple[int, Any]:
        return 200, self.search_body

    def _create(self, sent: Sent, path: str) -> tuple[int, Any]:
        body = sent.body or {}
        place = self._location(body.get("location_id"))
        now = _whole_seconds(self.now())
        booking: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "status": "REQUESTED",
            "status_updated_at": now,
            "created_at": now,
            "location_id": body.get("location_id"),
            "location_name": place.get("name", ""),
            "location_city": place.get("city", ""),
            "evse_uid": body.get("evse_uid"),
            "connector_id": body.get("connector_id"),
            "reservation_start": body.get("reservation_start"),
            "reservation_end": body.get("reservation_end"),
            "external_id": body.get("external_id", ""),
            "token_strategy": body.get("token_strategy"),
            "customer_id": body.get("customer_id"),
            "token_id": body.get("token_id"),
            "fleet_group_id": body.get("fleet_group_id"),
            "cpo_reservation_id": None,
            "client_price": place.get("pricing", {}).get("estimated_price", 6.5),
            "client_price_currency": "EUR",
            "energy_kwh": None,
            "cancellation_reason": None,
        }
        if body.get("token_strategy") == "ad_hoc":
            booking["token"] = {
                "uid": f"04A2B3C4D5E6{len(self.created):02X}",
                "type": "AD_HOC",
                "valid_from": body.get("reservation_start"),
                "valid_until": body.get("reservation_end"),
            }
        self.bookings[booking["id"]] = booking
        return 202, booking

    def _get(self, sent: Sent, path: str) -> tuple[int, Any]:
        booking = self.bookings.get(path.rsplit("/", 1)[1])
        if booking is None:
            return 404, {"error": "Booking not found"}
        return 200, booking

    def _cancel(self, sent: Sent, path: str) -> tuple[int, Any]:
        booking_id = path.split("/")[-2]
        booking = self.bookings.get(booking_id)
        if booking is None:
            return 404, {"error": "Booking not found"}
        if booking["status"] in ("REQUESTED", "PENDING"):
            price = 0.0
        elif booking["status"] == "CONFIRMED":
            price = self.cancellation_fee
        else:
            return 400, {"error": "Booking cannot be cancelled in current state"}
        self.cancelled.append(booking_id)
        booking.update(
            status="CANCELLED",
            status_updated_at=_whole_seconds(self.now()),
            client_price=price,
        )
        return 200, booking

    def _list(self, sent: Sent, path: str) -> tuple[int, Any]:
        query = sent.query
        limit = int(query.get("limit", 50))
        if not 1 <= limit <= 100:
            return 400, {"error": "limit must be 1 to 100"}
        low_time = _parse(query.get("from_date"), EARLIEST)
        high_time = _parse(query.get("to_date"), LATEST)
        if self.whole_seconds:
            low_time = low_time.replace(microsecond=0)
            if high_time.microsecond:
                high_time = high_time.replace(microsecond=0) + timedelta(seconds=1)
        times, bookings = self._by_creation()
        found = bookings[
            bisect.bisect_left(times, low_time) : bisect.bisect_right(times, high_time)
        ]
        if "status" in query:
            found = [b for b in found if b["status"] == query["status"]]
        if self.order == "newest":
            found = found[::-1]
        elif self.order == "random":
            found = self.rng.sample(found, len(found))
        return 200, {"bookings": found[:limit]}

    def _usage(self, sent: Sent, path: str) -> tuple[int, Any]:
        now = self.now()
        return 200, {
            "rate_limit": {
                "limit": self.rate_limit or 100,
                "remaining": (self.rate_limit or 100) - len(self._recent),
                "period": "minute",
                "reset_at": format_datetime(now + timedelta(minutes=1)),
            },
            "monthly_quota": {
                "limit": self.quota,
                "used": self.used,
                "remaining": self.quota - self.used,
                "reset_at": format_datetime(_next_month(now)),
            },
        }

    def _location(self, location_id: str | None) -> dict[str, Any]:
        for place in self.search_body.get("results", []):
            if place.get("location_id") == location_id:
                return dict(place)
        return {}

    def _by_creation(self) -> tuple[list[datetime], list[dict[str, Any]]]:
        """The bookings with a creation time, oldest first, and their times.

        Kept while no booking is added, replaced or removed, which keeps a read
        of 10,000 bookings quick. A test that changes a held booking's
        `created_at` puts it back (`load`) so the change is seen.
        """
        if self.bookings.version != self._sorted_version:
            self._sorted = self._sort()
            self._sorted_version = self.bookings.version
        return self._sorted

    def _sort(self) -> tuple[list[datetime], list[dict[str, Any]]]:
        dated = []
        for booking in self.bookings.values():
            text = booking.get("created_at")
            if text is None:
                continue  # a partial object a test made: no list finds it
            created = self._times.get(text)
            if created is None:
                created = self._times[text] = datetime.fromisoformat(text)
            dated.append((created, booking))
        dated.sort(key=lambda pair: pair[0])
        return [created for created, _ in dated], [booking for _, booking in dated]

    # --- Limits ---

    def _count(self) -> tuple[dict[str, str], Answer | None]:
        """The rate-limit headers, and a 429 when over a limit."""
        now = self.now()
        if self.used >= self.quota:
            wait = math.ceil((_next_month(now) - now).total_seconds())
            body = {"error": f"Monthly quota exceeded. Retry after {wait} seconds."}
            return {}, (429, {"Retry-After": str(wait)}, json.dumps(body))
        if self.rate_limit is None:
            return {}, None
        while self._recent and self._recent[0] <= now - timedelta(minutes=1):
            self._recent.popleft()
        if len(self._recent) >= self.rate_limit:
            reset = self._recent[0] + timedelta(minutes=1)
            wait = max(1, math.ceil((reset - now).total_seconds()))
            headers = self._rate_headers(0) | {"Retry-After": str(wait)}
            body = {"error": f"Rate limit exceeded. Retry after {wait} seconds."}
            return headers, (429, headers, json.dumps(body))
        self._recent.append(now)
        return self._rate_headers(self.rate_limit - len(self._recent)), None

    def _rate_headers(self, remaining: int) -> dict[str, str]:
        reset = self._recent[0] + timedelta(minutes=1)
        return {
            "X-RateLimit-Limit": str(self.rate_limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": format_datetime(reset),
        }


def _whole_seconds(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _next_month(now: datetime) -> datetime:
    first = now.astimezone(UTC).replace(
        day=1, hour=0, minute=0, second=0, microsecond=0
    )
    return (first + timedelta(days=32)).replace(day=1)


def _parse(value: str | None, default: datetime) -> datetime:
    return default if value is None else datetime.fromisoformat(value)
