"""The Petitmonde EV Suite client API: the one place that talks HTTP to it.

What the API documents and what we decided where it is silent is in
docs/petitmonde-api.md (Part A: the documentation; Part B2: what this client
promises). In short:

- Every request carries the key in `X-API-Key` and has a connect and a read timeout.
  Redirects are not followed, so the key is never sent to another host.
- Reads (search, get, list, usage) are retried with exponential backoff and jitter on
  connection errors, timeouts, 502/503/504 and 429 (honouring `Retry-After` up to a
  cap). Create and cancel are never retried: when they fail ambiguously the caller
  resolves it (B3: look the `external_id` up through the list).
- The rate-limit headers of every answer are remembered; when no request is left in
  the current window the client waits for `X-RateLimit-Reset` instead of running
  into 429. The state is per client object: a long job (sync, window reader) should
  use one client throughout.
- Every failure is a `PetitmondeError` (bookings.petitmonde.errors).
- Answers become the frozen objects of bookings.petitmonde.objects.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from bookings.petitmonde.errors import PetitmondeError
from bookings.petitmonde.objects import (
    BookingRequest,
    MonthlyQuota,
    RemoteBooking,
    SearchResult,
    Usage,
    bookings_from_list,
    format_datetime,
    parse_datetime,
)

logger = logging.getLogger(__name__)

# Backoff of retried reads: BACKOFF_BASE * 2**n seconds (n = 0, 1, ...), at most
# BACKOFF_MAX, of which the upper half is random so that clients do not retry in step.
BACKOFF_BASE = 0.5

BACKOFF_MAX = 8.0

RETRIED_STATUSES = frozenset({429, 502, 503, 504})

# The largest `limit` of a list or a search. Part A documents none; B1 fixes 100
# (the documentation's own report asks for 100) and the sandbox refuses more with
# 400. Never sent larger: an API that silently capped the page instead would make
# a full page look complete to the window reader.
MAX_LIMIT = 100


@dataclass
class ClientStats:
    """What one client object has done so far, for the sync's report."""

    requests: int = 0  # HTTP requests sent, retries included
    retries: int = 0
    rate_limited: int = 0  # 429 answers met
    paced: int = 0  # times we waited for the rate-limit window to reset
    waited_seconds: float = 0.0  # pacing, Retry-After and backoff together
    rate_limit: int | None = None  # X-RateLimit-Limit of the last answer
    rate_remaining: int | None = None  # X-RateLimit-Remaining of the last answer
    rate_reset_at: datetime | None = None
    monthly_quota: MonthlyQuota | None = None  # from the last usage() call


def _header_int(response: requests.Response, name: str) -> int | None:
    try:
        return int(response.headers[name])
    except (KeyError, ValueError):
        return None


def _server_now(response: requests.Response) -> datetime | None:
    """The server's clock from the `Date` header, so local clock skew does not count."""
    try:
        return email.utils.parsedate_to_datetime(response.headers["Date"])
    except (KeyError, TypeError, ValueError):
        return None


def _utcnow() -> datetime:
    return datetime.now(UTC)


class PetitmondeClient:
    """The client API. One object holds the rate-limit state and the counters."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        connect_timeout: float,
        read_timeout: float,
        max_retries: int,
        retry_after_cap: float,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = _utcnow,
        jitter: Callable[[], float] = random.random,
        rate_reserve: int = 0,
    ) -> None:
        """`sleep`, `clock` (monotonic seconds), `now` (aware wall time) and
        `jitter` (0..1) are there for tests and benchmarks. `rate_reserve` is how
        many requests of the rate-limit window to leave unused (a background job
        can leave room for people booking at the same time)."""
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self.timeout = (connect_timeout, read_timeout)
        self.max_retries = max_retries
        self.retry_after_cap = retry_after_cap
        self.rate_reserve = rate_reserve
        self.session = session or requests.Session()
        self._sleep = sleep
        self._clock = clock
        self._now = now
        self._jitter = jitter
        # Monotonic time before which no request is sent (from rate-limit headers).
        self._paced_until: float | None = None
        self.stats = ClientStats()

    def __repr__(self) -> str:
        return f"<PetitmondeClient {self.base_url}>"

    # --- Endpoints ---

    def search(
        self,
        *,
        lat: float | Decimal,
        lng: float | Decimal,
        radius: float | Decimal | None = None,
        connector_type: str | None = None,
        power_min: float | Decimal | None = None,
        limit: int | None = None,
        start_time: datetime | None = None,
        end_time: datetime | None = None,
    ) -> SearchResult:
        _check_limit(limit)
        params = {
            "lat": lat,
            "lng": lng,
            "radius": radius,
            "connector_type": connector_type,
            "power_min": power_min,
            "limit": limit,
            "start_time": start_time,
            "end_time": end_time,
        }
        return SearchResult.from_api(self._get("/search", params))

    def create_booking(self, request: BookingRequest) -> RemoteBooking:
        """Never retried: after an ambiguous failure, look the external_id up."""
        data = self._request("POST", "/bookings", body=request.to_api(), read=False)
        return RemoteBooking.from_api(data)

    def get_booking(self, booking_id: str) -> RemoteBooking:
        return RemoteBooking.from_api(self._get(_booking_path(booking_id)))

    def list_bookings(
        self,
        *,
        status: str | None = None,
        from_date: datetime | None = None,
        to_date: datetime | None = None,
        limit: int | None = None,
    ) -> list[RemoteBooking]:
        """One page; the API has no pagination (bookings.petitmonde.window reads
        a whole window)."""
        _check_limit(limit)
        params = {
            "status": status,
            "from_date": from_date,
            "to_date": to_date,
            "limit": limit,
        }
        return bookings_from_list(self._get("/bookings", params))

    def cancel_booking(
        self, booking_id: str, *, reason: str | None = None
    ) -> RemoteBooking:
        """Never retried, like create."""
        body = {} if reason is None else {"reason": reason}
        path = _booking_path(booking_id) + "/cancel"
        return RemoteBooking.from_api(
            self._request("POST", path, body=body, read=False)
        )

    def usage(self) -> Usage:
        usage = Usage.from_api(self._get("/usage"))
        if usage.monthly_quota is not None:
            self.stats.monthly_quota = usage.monthly_quota
        return usage

    # --- HTTP ---

    def _get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self._request("GET", path, params=params, read=True)

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        read: bool,
    ) -> Any:
        """Send one call; reads are retried, writes never."""
        query = {
            key: format_datetime(value) if isinstance(value, datetime) else str(value)
            for key, value in (params or {}).items()
            if value is not None
        }
        attempt = 0
        while True:
            try:
                return self._send(method, path, query, body)
            except PetitmondeError as error:
                delay = self._retry_delay(error, attempt) if read else None
                if delay is None or attempt >= self.max_retries:
                    raise
                attempt += 1
                self.stats.retries += 1
                logger.warning(
                    "Petitmonde %s %s: retry %d of %d in %.1f s",
                    method,
                    path,
                    attempt,
                    self.max_retries,
                    delay,
                )
                self._wait(delay)

    def _retry_delay(self, error: PetitmondeError, attempt: int) -> float | None:
        """Seconds to wait before retrying a read, or None to give up now."""
        if error.status is not None and error.status not in RETRIED_STATUSES:
            return None
        if error.retry_after is not None:
            if error.retry_after > self.retry_after_cap:
                return None  # the caller sees retry_after and decides
            return error.retry_after
        backoff = min(BACKOFF_MAX, BACKOFF_BASE * 2**attempt)
        return float(backoff * (0.5 + 0.5 * self._jitter()))

    def _send(
        self,
        method: str,
        path: str,
        query: Mapping[str, str],
        body: Mapping[str, Any] | None,
    ) -> Any:
        self._pace()
        headers = {"X-API-Key": self._api_key, "Accept": "application/json"}
        started = self._clock()
        self.stats.requests += 1
        try:
            response = self.session.request(
                method,
                self.base_url + path,
                params=query,
                json=body,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.Timeout as exc:
            logger.warning(
                "Petitmonde %s %s -> timeout after %.0f ms",
                method,
                path,
                (self._clock() - started) * 1000,
            )
            raise PetitmondeError(
                "The API did not answer in time.", timed_out=True
            ) from exc
        except requests.RequestException as exc:
            logger.warning(
                "Petitmonde %s %s -> connection failed after %.0f ms",
                method,
                path,
                (self._clock() - started) * 1000,
            )
            raise PetitmondeError("Could not connect to the API.") from exc
        elapsed_ms = (self._clock() - started) * 1000
        self._remember_rate_limit(response)
        level = logging.DEBUG if response.status_code < 400 else logging.WARNING
        logger.log(
            level,
            "Petitmonde %s %s -> %d in %.0f ms",
            method,
            path,
            response.status_code,
            elapsed_ms,
        )
        if response.status_code == 429:
            self.stats.rate_limited += 1
        if 200 <= response.status_code < 300:
            try:
                return json.loads(response.content, parse_float=Decimal)
            except ValueError:
                raise PetitmondeError(
                    "The API sent an answer that is not JSON.",
                    status=response.status_code,
                    ambiguous=True,
                ) from None
        raise self._error(response)

    def _error(self, response: requests.Response) -> PetitmondeError:
        status = response.status_code
        message = f"The API answered with HTTP status {status}."
        try:
            data = json.loads(response.content)
        except ValueError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("error"), str):
            # An API that echoes the key back must not get it into our messages.
            message = data["error"]
            if self._api_key:
                message = message.replace(self._api_key, "[redacted]")
        return PetitmondeError(
            message, status=status, retry_after=self._retry_after(response)
        )

    def _retry_after(self, response: requests.Response) -> float | None:
        value = response.headers.get("Retry-After")
        if value is None:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:  # The HTTP-date form.
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        now = _server_now(response) or self._now()
        return max(0.0, (when - now).total_seconds())

    # --- Pacing ---

    def _remember_rate_limit(self, response: requests.Response) -> None:
        limit = _header_int(response, "X-RateLimit-Limit")
        remaining = _header_int(response, "X-RateLimit-Remaining")
        reset_at = parse_datetime(response.headers.get("X-RateLimit-Reset", ""))
        if limit is not None:
            self.stats.rate_limit = limit
        if remaining is None:
            return
        self.stats.rate_remaining = remaining
        self.stats.rate_reset_at = reset_at
        self._paced_until = None
        if remaining <= self.rate_reserve and reset_at is not None:
            now = _server_now(response) or self._now()
            wait = (reset_at - now).total_seconds()
            if wait > 0:
                self._paced_until = self._clock() + wait

    def _pace(self) -> None:
        """Wait for the rate-limit window to reset when no request is left in it."""
        if self._paced_until is None:
            return
        wait = self._paced_until - self._clock()
        self._paced_until = None
        if wait <= 0:
            return
        if wait > self.retry_after_cap:
            # Not sent: the same situation as a 429 that asks for too long a wait.
            raise PetitmondeError(
                "Rate limit reached; try again later.",
                status=429,
                retry_after=wait,
                ambiguous=False,
            )
        logger.info("Petitmonde: rate limit reached, waiting %.1f s", wait)
        self.stats.paced += 1
        self._wait(wait)

    def _wait(self, seconds: float) -> None:
        self.stats.waited_seconds += seconds
        self._sleep(seconds)


def _check_limit(limit: int | None) -> None:
    """Refuse, before sending, a `limit` the API would refuse or silently cap."""
    if limit is not None and not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be 1 to {MAX_LIMIT}, not {limit}.")


def _booking_path(booking_id: str) -> str:
    if not booking_id:
        raise ValueError("A booking id is required.")
    return "/bookings/" + quote(booking_id, safe="")


def get_client(**overrides: Any) -> PetitmondeClient:
    """A client configured from settings; keyword arguments override them."""
    api_key = settings.PETITMONDE_API_KEY
    if not api_key and settings.PETITMONDE_SANDBOX:
        api_key = settings.PETITMONDE_SANDBOX_KEY
    if not api_key:
        raise ImproperlyConfigured(
            "PETITMONDE_API_KEY is not set and the sandbox is off."
        )
    options: dict[str, Any] = {
        "connect_timeout": settings.PETITMONDE_CONNECT_TIMEOUT,
        "read_timeout": settings.PETITMONDE_READ_TIMEOUT,
        "max_retries": settings.PETITMONDE_MAX_RETRIES,
        "retry_after_cap": settings.PETITMONDE_RETRY_AFTER_CAP,
    }
    options.update(overrides)
    return PetitmondeClient(settings.PETITMONDE_API_URL, api_key, **options)
