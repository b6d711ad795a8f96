"""What the API sends and takes, as frozen typed objects.

Only `id`/`status` of a booking, `location_id` of a location and `evse_uid` of
an EVSE are required; every other field is optional, because the
documentation gives no schema (docs/petitmonde-api.md, Part A §4.3 and B1).
A malformed answer is a PetitmondeError, like any other failure.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from bookings.petitmonde.errors import PetitmondeError
from bookings.statuses import API_STATUSES, CANCELLABLE, TERMINAL, BookingStatus


class TokenStrategy(models.TextChoices):
    """The documented `token_strategy` values (Part A §6)."""

    DRIVER_TOKEN = "driver_token", _("the driver's own token")
    GROUP_TOKEN = "group_token", _("a fleet group's token")
    AD_HOC = "ad_hoc", _("a temporary guest token")
    PIPELET = "pipelet", _("our own token (pipelet)")


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

    This class is the one list of the API booking's fields: `from_api` reads
    each of them by its type, and the Booking model derives the columns it
    copies from them (`bookings.models.REMOTE_COLUMNS`). A new field is added
    here, and as a column where the portal keeps it.
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
        values: dict[str, Any] = {}
        for name, kind in _BOOKING_FIELDS.items():
            if kind == "str":
                values[name] = _required_str(data, name, "booking")
            elif kind == "AdHocToken | None":
                token = data.get(name)
                values[name] = None if token is None else AdHocToken.from_api(token)
            else:
                values[name] = _OPTIONAL_READERS[kind](data, name)
        return cls(**values)

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

    @classmethod
    def from_api(cls, data: Any) -> SearchResult:
        data = _mapping(data, "search result")
        results = tuple(Location.from_api(item) for item in _list(data, "results"))
        total = _int(data, "total")
        return cls(total=len(results) if total is None else total, results=results)


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


def bookings_from_list(data: Any) -> list[RemoteBooking]:
    """The bookings of a `GET /bookings` answer."""
    data = _mapping(data, "booking list")
    if not isinstance(data.get("bookings"), list):
        raise _malformed("booking list", "no bookings list")
    return [RemoteBooking.from_api(item) for item in data["bookings"]]


def parse_datetime(text: str) -> datetime | None:
    """An ISO 8601 time, or None; one without offset is read as UTC."""
    return _parse_datetime(text)


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


# How an optional field of each type is read (see RemoteBooking.from_api).
_OPTIONAL_READERS: dict[str, Callable[[Mapping[str, Any], str], Any]] = {
    "str | None": _str,
    "datetime | None": _datetime,
    "Decimal | None": _decimal,
}
# RemoteBooking's fields with their types as written (strings: annotations are
# postponed), read once.
_BOOKING_FIELDS = {f.name: str(f.type) for f in dataclasses.fields(RemoteBooking)}
