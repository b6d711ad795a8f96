"""GET /search: locations near a point, nearest first, with live EVSE status."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from bookings.sandbox.models import (
    CURRENCY,
    Booking,
    Connector,
    Evse,
    Location,
    energy_for,
    number,
)

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE = 111.2
# Without a window the estimate is for one hour of charging.
DEFAULT_HOURS = timedelta(hours=1)


@dataclass(frozen=True)
class SearchQuery:
    lat: float
    lng: float
    radius: float
    limit: int
    connector_type: str = ""
    power_min: Decimal | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None

    def fits(self, connector: Connector) -> bool:
        if self.connector_type and connector.standard != self.connector_type:
            return False
        return self.power_min is None or connector.max_power_kw >= self.power_min


def distance_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def _candidates(query: SearchQuery) -> list[Location]:
    """Locations in the bounding box of the circle: the database narrows first."""
    dlat = query.radius / KM_PER_DEGREE
    cos_lat = max(math.cos(math.radians(query.lat)), 0.01)
    dlng = min(query.radius / (KM_PER_DEGREE * cos_lat), 360)
    locations = Location.objects.filter(
        latitude__gte=query.lat - dlat, latitude__lte=query.lat + dlat
    )
    if query.lng - dlng > -180 and query.lng + dlng < 180:
        locations = locations.filter(
            longitude__gte=query.lng - dlng, longitude__lte=query.lng + dlng
        )
    return list(locations.prefetch_related("evses__connectors"))


def _live_status(evse: Evse, charging: set[int], reserved: set[int]) -> str:
    if evse.status != Evse.Status.AVAILABLE:
        return evse.status
    if evse.pk in charging:
        return Evse.Status.CHARGING
    if evse.pk in reserved:
        return Evse.Status.RESERVED
    return Evse.Status.AVAILABLE


def search(query: SearchQuery, *, now: datetime) -> dict[str, object]:
    window = query.start_time is not None and query.end_time is not None
    busy: set[int] = set()
    if query.start_time and query.end_time:
        busy = set(
            Booking.objects.active()
            .overlapping(query.start_time, query.end_time)
            .values_list("evse_id", flat=True)
        )
    current = Booking.objects.overlapping(now, now + timedelta(microseconds=1))
    charging = set(
        current.filter(status=Booking.Status.ATTENDING).values_list(
            "evse_id", flat=True
        )
    )
    reserved = set(
        current.filter(status=Booking.Status.CONFIRMED).values_list(
            "evse_id", flat=True
        )
    )
    matches = []
    for location in _candidates(query):
        if window and not location.supports_reservation:
            continue
        km = distance_km(
            query.lat, query.lng, float(location.latitude), float(location.longitude)
        )
        if km > query.radius:
            continue
        evses = [
            evse
            for evse in location.evses.all()
            if any(query.fits(c) for c in evse.connectors.all())
            and not (window and (evse.pk in busy or not evse.is_working))
        ]
        if evses:
            matches.append((km, location, evses))
    matches.sort(key=lambda match: (match[0], match[1].location_id))
    return {
        "total": len(matches),
        "results": [
            _result(query, km, location, evses, charging, reserved)
            for km, location, evses in matches[: query.limit]
        ],
    }


def _result(
    query: SearchQuery,
    km: float,
    location: Location,
    evses: list[Evse],
    charging: set[int],
    reserved: set[int],
) -> dict[str, object]:
    duration = DEFAULT_HOURS
    if query.start_time and query.end_time:
        duration = query.end_time - query.start_time
    power = max(
        c.max_power_kw for evse in evses for c in evse.connectors.all() if query.fits(c)
    )
    estimate = location.price_for(energy_for(duration, power))
    return {
        "location_id": location.location_id,
        "name": location.name,
        "address": location.address,
        "city": location.city,
        "postal_code": location.postal_code,
        "country": location.country,
        "coordinates": {
            "latitude": number(location.latitude),
            "longitude": number(location.longitude),
        },
        "distance_km": round(km, 2),
        "cpo_name": location.cpo_name,
        "supports_reservation": location.supports_reservation,
        "evses": [
            {
                "evse_uid": evse.evse_uid,
                "status": _live_status(evse, charging, reserved),
                "connectors": [
                    {
                        "id": c.connector_id,
                        "standard": c.standard,
                        "max_power_kw": number(c.max_power_kw),
                    }
                    for c in evse.connectors.all()
                ],
            }
            for evse in evses
        ],
        "pricing": {
            "estimated_price": number(estimate),
            "currency": CURRENCY,
            "price_per_kwh": number(location.price_per_kwh),
            "reservation_fee": number(location.reservation_fee),
        },
    }
