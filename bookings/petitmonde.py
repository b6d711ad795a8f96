"""The Petitmonde EV Suite client API: the one place that talks HTTP to it.

Everything the portal knows about the API is in `/work/shared/petitmonde-api.md`
(Part A: the documentation; Part B2: what this client promises). In short:

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
- Every failure is a `PetitmondeError` with the HTTP status (None when no answer
  came) and the API's `error` text. The key never appears in an error, a log line
  or a repr.
- Answers become frozen dataclasses. Only `id`/`status` of a booking, `location_id`
  of a location and `evse_uid` of an EVSE are required; every other field is
  optional, because the documentation gives no schema.
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
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.translation import gettext_lazy as _

from bookings.statuses import API_STATUSES, CANCELLABLE, TERMINAL, BookingStatus

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


class TokenStrategy(models.TextChoices):
    """The documented `token_strategy` values (Part A §6)."""

    DRIVER_TOKEN = "driver_token", _("the driver's own token")
    GROUP_TOKEN = "group_token", _("a fleet group's token")
    AD_HOC = "ad_hoc", _("a temporary guest token")
    PIPELET = "pipelet", _("our own token (pipelet)")


class PetitmondeError(Exception):
    """Any failure of a call to the API.

    `status` is the HTTP status, or None when no answer came (timeout, connection
    error). `message` is the API's `error` text when it sent one, else a plain
    description in English; forms turn it into a translated message for the user.
    `retry_after` is the number of seconds the API asked us to wait, if it did.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        ambiguous: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after
        self._ambiguous = ambiguous

    def __str__(self) -> str:
        if self.status is None:
            return f"Petitmonde API: {self.message}"
        return f"Petitmonde API {self.status}: {self.message}"

    def __repr__(self) -> str:
        return (
            f"PetitmondeError(status={self.status!r}, message={self.message!r}, "
            f"retry_after={self.retry_after!r})"
        )

    @property
    def ambiguous(self) -> bool:
        """The server may have acted although we got no clear answer.

        True for timeouts, connection errors, 5xx, and a success answer we could
        not read. After an ambiguous create, look the booking up by `external_id`
        before sending anything again (B3).
        """
        if self._ambiguous is not None:
            return self._ambiguous
        return self.status is None or self.status >= 500

    @property
    def timed_out(self) -> bool:
        """No answer came within the timeouts (rather than a broken connection)."""
        return isinstance(self.__cause__, requests.Timeout)

    @property
    def rate_limited(self) -> bool:
        return self.status == 429

    @property
    def not_found(self) -> bool:
        return self.status == 404

    @property
    def conflict(self) -> bool:
        """409: the EVSE is taken for the requested time."""
        return self.status == 409

    @property
    def auth_failed(self) -> bool:
        """401 (missing or wrong key) or 403 (account suspended)."""
        return self.status in (401, 403)


# --- Typed answers -----------------------------------------------------------


@dataclass(frozen=True)
class AdHocToken:
    """The temporary token of an `ad_hoc` booking (field names are the sandbox's)."""

    uid: str
    type: str | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None

    @classmethod
    def from_api(cls, data: Any) -> AdHocToken:
        data = _mapping(data, "token")
        return cls(
            uid=_required_str(data, "uid", "token"),
            type=_str(data, "type"),
            valid_from=_datetime(data, "valid_from"),
            valid_until=_datetime(data, "valid_until"),
        )


@dataclass(frozen=True)
class RemoteBooking:
    """A booking as the API returns it. Only `id` and `status` are required.

    `status` is the raw string, so a status the documentation does not list does not
    break reading; `known_status` maps it to `BookingStatus` when it is one of the
    documented eight.
    """

    id: str
    status: str
    status_updated_at: datetime | None = None
    created_at: datetime | None = None
    location_id: str | None = None
    location_name: str | None = None
    location_city: str | None = None
    evse_uid: str | None = None
    connector_id: str | None = None
    reservation_start: datetime | None = None
    reservation_end: datetime | None = None
    external_id: str | None = None
    token_strategy: str | None = None
    customer_id: str | None = None
    token_id: str | None = None
    fleet_group_id: str | None = None
    cpo_reservation_id: str | None = None
    client_price: Decimal | None = None
    client_price_currency: str | None = None
    energy_kwh: Decimal | None = None
    cancellation_reason: str | None = None
    token: AdHocToken | None = None

    @classmethod
    def from_api(cls, data: Any) -> RemoteBooking:
        data = _mapping(data, "booking")
        token = data.get("token")
        return cls(
            id=_required_str(data, "id", "booking"),
            status=_required_str(data, "status", "booking"),
            status_updated_at=_datetime(data, "status_updated_at"),
            created_at=_datetime(data, "created_at"),
            location_id=_str(data, "location_id"),
            location_name=_str(data, "location_name"),
            location_city=_str(data, "location_city"),
            evse_uid=_str(data, "evse_uid"),
            connector_id=_str(data, "connector_id"),
            reservation_start=_datetime(data, "reservation_start"),
            reservation_end=_datetime(data, "reservation_end"),
            external_id=_str(data, "external_id"),
            token_strategy=_str(data, "token_strategy"),
            customer_id=_str(data, "customer_id"),
            token_id=_str(data, "token_id"),
            fleet_group_id=_str(data, "fleet_group_id"),
            cpo_reservation_id=_str(data, "cpo_reservation_id"),
            client_price=_decimal(data, "client_price"),
            client_price_currency=_str(data, "client_price_currency"),
            energy_kwh=_decimal(data, "energy_kwh"),
            cancellation_reason=_str(data, "cancellation_reason"),
            token=None if token is None else AdHocToken.from_api(token),
        )

    @property
    def known_status(self) -> BookingStatus | None:
        """The status if it is one of the API's eight documented ones."""
        return next((s for s in API_STATUSES if s == self.status), None)

    @property
    def is_terminal(self) -> bool:
        """An unknown status counts as not terminal, so the sync keeps following it."""
        return self.status in TERMINAL

    @property
    def is_cancellable(self) -> bool:
        return self.status in CANCELLABLE


@dataclass(frozen=True)
class Connector:
    id: str
    standard: str | None = None
    max_power_kw: Decimal | None = None

    @classmethod
    def from_api(cls, data: Any) -> Connector:
        data = _mapping(data, "connector")
        return cls(
            id=_required_str(data, "id", "connector"),
            standard=_str(data, "standard"),
            max_power_kw=_decimal(data, "max_power_kw"),
        )


@dataclass(frozen=True)
class Evse:
    evse_uid: str
    status: str | None = None
    connectors: tuple[Connector, ...] = ()

    @classmethod
    def from_api(cls, data: Any) -> Evse:
        data = _mapping(data, "EVSE")
        return cls(
            evse_uid=_required_str(data, "evse_uid", "EVSE"),
            status=_str(data, "status"),
            connectors=tuple(
                Connector.from_api(item) for item in _list(data, "connectors")
            ),
        )

    @property
    def is_available(self) -> bool:
        return self.status == "AVAILABLE"


@dataclass(frozen=True)
class Pricing:
    estimated_price: Decimal | None = None
    currency: str | None = None
    price_per_kwh: Decimal | None = None
    reservation_fee: Decimal | None = None

    @classmethod
    def from_api(cls, data: Any) -> Pricing:
        data = _mapping(data, "pricing")
        return cls(
            estimated_price=_decimal(data, "estimated_price"),
            currency=_str(data, "currency"),
            price_per_kwh=_decimal(data, "price_per_kwh"),
            reservation_fee=_decimal(data, "reservation_fee"),
        )


@dataclass(frozen=True)
class Location:
    """One search result. Only `location_id` is required."""

    location_id: str
    name: str | None = None
    address: str | None = None
    city: str | None = None
    postal_code: str | None = None
    country: str | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    distance_km: Decimal | None = None
    cpo_name: str | None = None
    supports_reservation: bool = False
    evses: tuple[Evse, ...] = ()
    pricing: Pricing | None = None

    @classmethod
    def from_api(cls, data: Any) -> Location:
        data = _mapping(data, "location")
        coordinates = data.get("coordinates")
        coordinates = {} if coordinates is None else _mapping(coordinates, "location")
        pricing = data.get("pricing")
        return cls(
            location_id=_required_str(data, "location_id", "location"),
            name=_str(data, "name"),
            address=_str(data, "address"),
            city=_str(data, "city"),
            postal_code=_str(data, "postal_code"),
            country=_str(data, "country"),
            latitude=_decimal(coordinates, "latitude"),
            longitude=_decimal(coordinates, "longitude"),
            distance_km=_decimal(data, "distance_km"),
            cpo_name=_str(data, "cpo_name"),
            supports_reservation=_bool(data, "supports_reservation"),
            evses=tuple(Evse.from_api(item) for item in _list(data, "evses")),
            pricing=None if pricing is None else Pricing.from_api(pricing),
        )

    @property
    def bookable_evses(self) -> tuple[Evse, ...]:
        """EMP-FLOW: bookable means reservations supported and the EVSE AVAILABLE."""
        if not self.supports_reservation:
            return ()
        return tuple(evse for evse in self.evses if evse.is_available)


@dataclass(frozen=True)
class SearchResult:
    total: int
    results: tuple[Location, ...]


@dataclass(frozen=True)
class RateLimit:
    limit: int | None = None
    remaining: int | None = None
    period: str | None = None
    reset_at: datetime | None = None


@dataclass(frozen=True)
class MonthlyQuota:
    limit: int | None = None
    used: int | None = None
    remaining: int | None = None
    reset_at: datetime | None = None


@dataclass(frozen=True)
class Usage:
    rate_limit: RateLimit | None
    monthly_quota: MonthlyQuota | None

    @classmethod
    def from_api(cls, data: Any) -> Usage:
        data = _mapping(data, "usage")
        rate = data.get("rate_limit")
        quota = data.get("monthly_quota")
        rate_limit = None
        if rate is not None:
            rate = _mapping(rate, "rate_limit")
            rate_limit = RateLimit(
                limit=_int(rate, "limit"),
                remaining=_int(rate, "remaining"),
                period=_str(rate, "period"),
                reset_at=_datetime(rate, "reset_at"),
            )
        monthly_quota = None
        if quota is not None:
            quota = _mapping(quota, "monthly_quota")
            monthly_quota = MonthlyQuota(
                limit=_int(quota, "limit"),
                used=_int(quota, "used"),
                remaining=_int(quota, "remaining"),
                reset_at=_datetime(quota, "reset_at"),
            )
        return cls(rate_limit=rate_limit, monthly_quota=monthly_quota)


@dataclass(frozen=True)
class BookingRequest:
    """The body of `POST /bookings`. None fields are left out of what is sent."""

    location_id: str
    evse_uid: str
    reservation_start: datetime
    reservation_end: datetime
    external_id: str | None = None
    token_strategy: str | None = None
    customer_id: str | None = None
    token_id: str | None = None
    fleet_group_id: str | None = None
    token_uid: str | None = None
    connector_id: str | None = None

    def to_api(self) -> dict[str, str]:
        body = {
            "location_id": self.location_id,
            "evse_uid": self.evse_uid,
            "reservation_start": format_datetime(self.reservation_start),
            "reservation_end": format_datetime(self.reservation_end),
            "external_id": self.external_id,
            "token_strategy": self.token_strategy,
            "customer_id": self.customer_id,
            "token_id": self.token_id,
            "fleet_group_id": self.fleet_group_id,
            "token_uid": self.token_uid,
            "connector_id": self.connector_id,
        }
        return {key: str(value) for key, value in body.items() if value is not None}


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


# --- Formatting and parsing --------------------------------------------------


def format_datetime(value: datetime) -> str:
    """ISO 8601 in UTC with `Z`, as in every documented example."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("The Petitmonde API needs aware datetimes.")
    value = value.astimezone(UTC)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond:06d}".rstrip("0")
    return text + "Z"


def _malformed(what: str, detail: str) -> PetitmondeError:
    # A success answer we cannot read: the server may have acted (e.g. created).
    return PetitmondeError(
        f"The API sent a malformed {what}: {detail}", status=200, ambiguous=True
    )


def _mapping(data: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise _malformed(what, "not a JSON object")
    return data


def _list(data: Mapping[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _malformed(key, "not a list")
    return value


def _str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    # Ids like connector_id are strings in the docs; tolerate a number.
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _malformed(key, "not a string")
    return str(value)


def _required_str(data: Mapping[str, Any], key: str, what: str) -> str:
    value = _str(data, key)
    if not value:
        raise _malformed(what, f"no {key}")
    return value


def _decimal(data: Mapping[str, Any], key: str) -> Decimal | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise _malformed(key, "not a number")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise _malformed(key, "not a number") from None
    if not number.is_finite():
        raise _malformed(key, "not a number")
    return number


def _int(data: Mapping[str, Any], key: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _malformed(key, "not an integer")
    return value


def _bool(data: Mapping[str, Any], key: str) -> bool:
    value = data.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise _malformed(key, "not true or false")
    return value


def _parse_datetime(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    # The documentation's times are all UTC; read a time without offset as UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _datetime(data: Mapping[str, Any], key: str) -> datetime | None:
    value = data.get(key)
    if value is None:
        return None
    parsed = _parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        raise _malformed(key, "not an ISO 8601 time")
    return parsed


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


# --- The client --------------------------------------------------------------


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
        data = _mapping(self._get("/search", params), "search result")
        results = tuple(Location.from_api(item) for item in _list(data, "results"))
        total = _int(data, "total")
        return SearchResult(
            total=len(results) if total is None else total, results=results
        )

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
        """One page; the API has no pagination. `bookings.window` reads a window."""
        _check_limit(limit)
        params = {
            "status": status,
            "from_date": from_date,
            "to_date": to_date,
            "limit": limit,
        }
        data = _mapping(self._get("/bookings", params), "booking list")
        if not isinstance(data.get("bookings"), list):
            raise _malformed("booking list", "no bookings list")
        return [RemoteBooking.from_api(item) for item in data["bookings"]]

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
        return backoff * (0.5 + 0.5 * self._jitter())

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
            raise PetitmondeError("The API did not answer in time.") from exc
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
        reset_at = _parse_datetime(response.headers.get("X-RateLimit-Reset", ""))
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
