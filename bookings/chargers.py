"""Finding chargers a person can book for a window near a site.

Shared by the employee and the visitor journeys: the site's own chargers of
the right kind come first (workplace chargers for staff, visitor parking for
guests), the same site's chargers of the other kind are left out, then the
rest by distance.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core import signing

from bookings.petitmonde import Evse, Location, PetitmondeClient, get_client
from portal.models import Site, SiteCharger

# Current EVSE states that do not stop a booking for a later window. The
# documentation asks for AVAILABLE, but that is the state *now*; when the
# search was given the window, the API has already left out EVSEs taken then,
# and a charger busy at this minute can be free tomorrow. Should the API
# disagree, it answers 409 and the person picks another.
_FREE_LATER = frozenset({"AVAILABLE", "CHARGING", "RESERVED"})
_SIGNING_SALT = "bookings.charger-offer"


@dataclass(frozen=True)
class ChargerOffer:
    """One EVSE someone may book for one window, as shown in the results."""

    location_id: str
    evse_uid: str
    start: datetime
    end: datetime
    name: str
    address: str
    city: str
    connector_id: str | None = None
    connector_standard: str | None = None
    power_kw: Decimal | None = None
    distance_km: Decimal | None = None
    estimated_price: Decimal | None = None
    currency: str = "EUR"
    cpo_name: str = ""
    site_label: str = ""  # the site's own name for it, when it is the site's
    # The site searched from, signed with the rest: its rules and time zone
    # apply to the booking.
    site_id: int | None = None

    @property
    def is_site_charger(self) -> bool:
        return bool(self.site_label)

    def booking_fields(self) -> dict[str, Any]:
        """The Booking fields this offer decides: charger, window and estimate."""
        return {
            "location_id": self.location_id,
            "location_name": self.name,
            "location_address": self.address,
            "location_city": self.city,
            "evse_uid": self.evse_uid,
            "connector_id": self.connector_id or "",
            "reservation_start": self.start,
            "reservation_end": self.end,
            "estimated_price": (
                self.estimated_price.quantize(Decimal("0.01"))
                if self.estimated_price is not None
                else None
            ),
            "currency": self.currency,
        }

    def sign(self) -> str:
        """A tamper-proof token of this offer, for the confirm form."""
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, datetime):
                data[key] = value.isoformat()
            elif isinstance(value, Decimal):
                data[key] = str(value)
        return signing.dumps(data, salt=_SIGNING_SALT, compress=True)

    @classmethod
    def unsign(cls, token: str) -> ChargerOffer:
        """Raises signing.BadSignature (or SignatureExpired) for a bad token."""
        data: dict[str, Any] = signing.loads(
            token,
            salt=_SIGNING_SALT,
            max_age=settings.BOOKING_OFFER_MAX_AGE_SECONDS,
        )
        for key in ("start", "end"):
            data[key] = datetime.fromisoformat(data[key])
        for key in ("power_kw", "distance_km", "estimated_price"):
            if data.get(key) is not None:
                data[key] = Decimal(data[key])
        return cls(**data)


def find_chargers(
    *,
    site: Site,
    start: datetime,
    end: datetime,
    kind: str = SiteCharger.Kind.WORKPLACE,
    connector_type: str | None = None,
    power_min: Decimal | None = None,
    client: PetitmondeClient | None = None,
) -> list[ChargerOffer]:
    """Bookable EVSEs near the site for [start, end], the site's own first.

    API errors propagate as PetitmondeError for the view to explain.
    """
    client = client or get_client()
    result = client.search(
        lat=site.latitude,
        lng=site.longitude,
        # The API refuses a radius over 200 km (Part A §4.1).
        radius=min(settings.BOOKING_SEARCH_RADIUS_KM, 200),
        connector_type=connector_type or None,
        power_min=power_min,
        limit=100,
        start_time=start,
        end_time=end,
    )
    own = {c.evse_uid: c for c in site.chargers.all()}
    offers: list[ChargerOffer] = []
    for location in result.results:
        if not location.supports_reservation:
            continue
        for evse in location.evses:
            charger = own.get(evse.evse_uid)
            if charger is not None and charger.kind != kind:
                continue  # the other kind's bays are not for these people
            if (evse.status or "AVAILABLE") not in _FREE_LATER:
                continue
            offer = _offer(location, evse, start, end, connector_type, charger, site)
            if offer is not None and (
                power_min is None or (offer.power_kw or 0) >= power_min
            ):
                offers.append(offer)
    offers.sort(
        key=lambda o: (
            not o.is_site_charger,
            o.site_label,
            o.distance_km if o.distance_km is not None else Decimal("Infinity"),
            o.evse_uid,
        )
    )
    return offers


def _offer(
    location: Location,
    evse: Evse,
    start: datetime,
    end: datetime,
    connector_type: str | None,
    charger: SiteCharger | None,
    site: Site,
) -> ChargerOffer | None:
    connectors = [
        c for c in evse.connectors if not connector_type or c.standard == connector_type
    ]
    if connector_type and not connectors:
        return None
    best = max(connectors, key=lambda c: c.max_power_kw or 0, default=None)
    pricing = location.pricing
    return ChargerOffer(
        location_id=location.location_id,
        evse_uid=evse.evse_uid,
        start=start,
        end=end,
        name=location.name or location.location_id,
        address=location.address or "",
        city=location.city or "",
        # Only a connector the person asked for is sent; otherwise the
        # operator decides (connector_id is optional in the API).
        connector_id=best.id if best is not None and connector_type else None,
        connector_standard=best.standard if best is not None else None,
        power_kw=best.max_power_kw if best is not None else None,
        distance_km=location.distance_km,
        estimated_price=pricing.estimated_price if pricing else None,
        currency=(pricing.currency if pricing else None) or "EUR",
        cpo_name=location.cpo_name or "",
        site_label=charger.label if charger is not None else "",
        site_id=site.pk,
    )
