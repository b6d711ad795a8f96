"""Validation of what API clients send to the sandbox.

The messages are the API's, in English whatever the request's language: they
are part of the protocol the portal's client reads, like the real service's.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from bookings.sandbox.models import OCPI_STANDARDS, Booking

LEAD_TIME = timedelta(minutes=15)
LONGEST = timedelta(hours=4)
TOKEN_UID = re.compile(r"[0-9A-Fa-f]{8}|[0-9A-Fa-f]{14}|[0-9A-Fa-f]{20}")
EXAMPLE_TIME = "2026-02-10T14:00:00Z"


def parse_instant(text: str) -> datetime:
    """An ISO 8601 time with `Z` or an offset, fractional seconds allowed, in UTC.

    A time without a zone is refused rather than guessed: the API's examples
    always give one, and a guess would book the wrong hour.
    """
    text = text.strip()
    head, space, tail = text.rpartition(" ")
    # An unencoded "+" in a query string arrives as a space: "…T10:00:00 01:00".
    if space and "T" in head and re.fullmatch(r"\d{2}(:?\d{2})?", tail):
        text = f"{head}+{tail}"
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("no time zone")
    return moment.astimezone(UTC)


def _instant(
    form: forms.Form, name: str, example: str = EXAMPLE_TIME
) -> datetime | None:
    value = form.cleaned_data.get(name)
    if not value:
        return None
    try:
        return parse_instant(value)
    except ValueError:
        raise ValidationError(
            f"Invalid {name}: expected ISO 8601 with a time zone, e.g. {example}"
        ) from None


def _number(value: str, message: str, *, low: float, high: float) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ValidationError(message) from None
    if not math.isfinite(number) or not low <= number <= high:
        raise ValidationError(message)
    return number


def _integer(value: str, message: str, *, low: int, high: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ValidationError(message) from None
    if not low <= number <= high:
        raise ValidationError(message)
    return number


def _required(name: str, what: str = "parameter") -> forms.CharField:
    return forms.CharField(
        error_messages={"required": f"Missing required {what}: {name}"}
    )


def _optional(name: str, max_length: int | None = None) -> forms.CharField:
    return forms.CharField(
        required=False,
        max_length=max_length,
        error_messages={
            "max_length": f"{name} must be at most {max_length} characters"
        },
    )


class ApiForm(forms.Form):
    def first_error(self) -> str:
        """The one message the API's {"error": ...} has room for."""
        for errors in self.errors.values():
            return str(errors[0])
        return ""


class SearchForm(ApiForm):
    lat = _required("lat")
    lng = _required("lng")
    radius = _optional("radius")
    limit = _optional("limit")
    connector_type = _optional("connector_type")
    power_min = _optional("power_min")
    start_time = _optional("start_time")
    end_time = _optional("end_time")

    def clean_lat(self) -> float:
        message = "Invalid latitude: must be between -90 and 90"
        return _number(self.cleaned_data["lat"], message, low=-90, high=90)

    def clean_lng(self) -> float:
        message = "Invalid longitude: must be between -180 and 180"
        return _number(self.cleaned_data["lng"], message, low=-180, high=180)

    def clean_radius(self) -> float:
        value = self.cleaned_data["radius"]
        if not value:
            return 50.0
        message = "Invalid radius: must be more than 0 and at most 200 (km)"
        radius = _number(value, message, low=0, high=200)
        if radius == 0:
            raise ValidationError(message)
        return radius

    def clean_limit(self) -> int:
        value = self.cleaned_data["limit"]
        message = "Invalid limit: must be a whole number from 1 to 100"
        return _integer(value, message, low=1, high=100) if value else 20

    def clean_connector_type(self) -> str:
        value: str = self.cleaned_data["connector_type"]
        if value and value not in OCPI_STANDARDS:
            raise ValidationError(
                "Invalid connector_type: must be an OCPI connector standard "
                "such as IEC_62196_T2 or IEC_62196_T2_COMBO"
            )
        return value

    def clean_power_min(self) -> Decimal | None:
        value = self.cleaned_data["power_min"]
        if not value:
            return None
        message = "Invalid power_min: must be a number of kW, 0 or more"
        return Decimal(str(_number(value, message, low=0, high=10_000)))

    def clean_start_time(self) -> datetime | None:
        return _instant(self, "start_time")

    def clean_end_time(self) -> datetime | None:
        return _instant(self, "end_time")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("start_time"), data.get("end_time")
        if "start_time" in data and "end_time" in data:
            if (start is None) != (end is None):
                raise ValidationError("start_time and end_time must be given together")
            if start and end and end <= start:
                raise ValidationError("end_time must be after start_time")
        return data


class BookingListForm(ApiForm):
    status = _optional("status")
    from_date = _optional("from_date")
    to_date = _optional("to_date")
    limit = _optional("limit")

    def clean_status(self) -> str:
        value: str = self.cleaned_data["status"]
        if value and value not in Booking.Status.values:
            raise ValidationError(
                "Invalid status: must be one of " + ", ".join(Booking.Status.values)
            )
        return value

    def clean_from_date(self) -> datetime | None:
        return _instant(self, "from_date", "2026-02-01T00:00:00Z")

    def clean_to_date(self) -> datetime | None:
        return _instant(self, "to_date", "2026-02-28T23:59:59Z")

    def clean_limit(self) -> int:
        value = self.cleaned_data["limit"]
        message = "Invalid limit: must be a whole number from 1 to 100"
        return _integer(value, message, low=1, high=100) if value else 50

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("from_date"), data.get("to_date")
        if start and end and start > end:
            raise ValidationError("from_date must not be after to_date")
        return data


class BookingCreateForm(ApiForm):
    """The body of POST /bookings. Needs `now` (sandbox time) for the lead time."""

    STRING_FIELDS = (
        "location_id",
        "evse_uid",
        "connector_id",
        "reservation_start",
        "reservation_end",
        "external_id",
        "token_strategy",
        "customer_id",
        "token_id",
        "fleet_group_id",
        "token_uid",
    )

    location_id = _required("location_id", "field")
    evse_uid = _required("evse_uid", "field")
    connector_id = _optional("connector_id", 36)
    reservation_start = _required("reservation_start", "field")
    reservation_end = _required("reservation_end", "field")
    external_id = _optional("external_id", 255)
    token_strategy = _required("token_strategy", "field")
    customer_id = _optional("customer_id", 100)
    token_id = _optional("token_id", 100)
    fleet_group_id = _optional("fleet_group_id", 100)
    token_uid = _optional("token_uid", 20)

    def __init__(self, payload: dict[str, Any], *, now: datetime) -> None:
        super().__init__(data=payload)
        self.now = now

    @classmethod
    def type_error(cls, payload: dict[str, Any]) -> str | None:
        """Forms turn anything into text; the API wants strings to be strings."""
        for name in cls.STRING_FIELDS:
            value = payload.get(name)
            if value is not None and not isinstance(value, str):
                return f"Invalid {name}: must be a string"
        return None

    def clean_reservation_start(self) -> datetime | None:
        return _instant(self, "reservation_start")

    def clean_reservation_end(self) -> datetime | None:
        return _instant(self, "reservation_end", "2026-02-10T16:00:00Z")

    def clean_token_strategy(self) -> str:
        value: str = self.cleaned_data["token_strategy"]
        if value not in Booking.TokenStrategy.values:
            raise ValidationError(
                "Invalid token_strategy: must be one of "
                + ", ".join(Booking.TokenStrategy.values)
            )
        return value

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        start, end = data["reservation_start"], data["reservation_end"]
        if end <= start:
            raise ValidationError("reservation_end must be after reservation_start")
        if end - start > LONGEST:
            raise ValidationError("Reservation window must not be longer than 4 hours")
        if start < self.now + LEAD_TIME:
            raise ValidationError(
                "reservation_start must be at least 15 minutes in the future"
            )
        strategy = data["token_strategy"]
        S = Booking.TokenStrategy
        if strategy == S.DRIVER_TOKEN and not (data["customer_id"] or data["token_id"]):
            raise ValidationError("driver_token requires customer_id or token_id")
        if strategy == S.GROUP_TOKEN and not data["fleet_group_id"]:
            raise ValidationError("group_token requires fleet_group_id")
        if strategy == S.PIPELET and not TOKEN_UID.fullmatch(data["token_uid"]):
            raise ValidationError(
                "pipelet requires token_uid: 8, 14 or 20 hexadecimal characters"
            )
        return data


class CancelForm(ApiForm):
    reason = _optional("reason", 500)

    @classmethod
    def type_error(cls, payload: dict[str, Any]) -> str | None:
        value = payload.get("reason")
        if value is not None and not isinstance(value, str):
            return "Invalid reason: must be a string"
        return None
