"""The sandbox's world: CPO locations across Germany, and chargers at our sites.

Deterministic and idempotent: seeding twice changes nothing. The locations the
API documentation's examples use are part of it, so those examples work
against the sandbox unchanged.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction

from bookings.sandbox.models import Connector, Evse, Location
from portal.models import Site, SiteCharger

T2 = "IEC_62196_T2"
CCS = "IEC_62196_T2_COMBO"
CHADEMO = "CHADEMO"
CPO_NAMES = {"ENB": "EnBW", "ION": "IONITY", "ALG": "Allego"}

# One EVSE: its OCPI status and its connectors as (standard, max power in kW).
AC11 = ("AVAILABLE", ((T2, 11),))
AC22 = ("AVAILABLE", ((T2, 22),))
DC50 = ("AVAILABLE", ((CCS, 50), (CHADEMO, 50)))
DC150 = ("AVAILABLE", ((CCS, 150),))
DC350 = ("AVAILABLE", ((CCS, 350),))
BROKEN_DC350 = ("OUTOFORDER", ((CCS, 350),))


@dataclass(frozen=True)
class WorldLocation:
    location_id: str
    name: str
    address: str
    postal_code: str
    city: str
    latitude: str
    longitude: str
    price_per_kwh: str
    reservation_fee: str
    cancellation_fee: str
    evses: tuple[tuple[str, tuple[tuple[str, int], ...]], ...]
    supports_reservation: bool = True
    rejection_percent: int = 0

    @property
    def cpo_name(self) -> str:
        return CPO_NAMES[self.location_id.split("-")[1]]


WORLD = (
    # Karlsruhe. DE-ENB-E123456 is the documentation's example location.
    WorldLocation(
        "DE-ENB-E123456",
        "EnBW Karlsruhe Zirkel",
        "Zirkel 2",
        "76133",
        "Karlsruhe",
        "49.011700",
        "8.404000",
        "0.4900",
        "1.50",
        "2.50",
        (AC22, AC22, DC150, DC50),
    ),
    WorldLocation(
        "DE-ENB-E123457",
        "EnBW Karlsruhe-Durlach Bahnhof",
        "Bahnhofplatz 1",
        "76227",
        "Karlsruhe",
        "48.999800",
        "8.467600",
        "0.4500",
        "1.00",
        "2.00",
        (AC11, AC11),
    ),
    WorldLocation(
        "DE-ION-E789020",
        "IONITY Karlsruhe Nord (A5)",
        "Hagsfelder Allee 20",
        "76131",
        "Karlsruhe",
        "49.027900",
        "8.450900",
        "0.6900",
        "2.00",
        "4.00",
        (DC350, DC350, DC350, DC350, DC350, BROKEN_DC350),
    ),
    # Stuttgart. DE-ALG-E456789 is the fleet guide's example location.
    WorldLocation(
        "DE-ALG-E456789",
        "Allego Stuttgart Hauptbahnhof P1",
        "Arnulf-Klett-Platz 2",
        "70173",
        "Stuttgart",
        "48.784000",
        "9.181500",
        "0.5500",
        "1.50",
        "3.00",
        (AC22, AC22, DC50),
    ),
    WorldLocation(
        "DE-ENB-E223001",
        "EnBW Stuttgart Schlossplatz",
        "Königstraße 26",
        "70173",
        "Stuttgart",
        "48.778400",
        "9.180000",
        "0.5200",
        "1.50",
        "2.50",
        (DC150, DC150),
    ),
    WorldLocation(
        "DE-ION-E789030",
        "IONITY Stuttgart-Vaihingen",
        "Hauptstraße 160",
        "70563",
        "Stuttgart",
        "48.729000",
        "9.107000",
        "0.6900",
        "2.00",
        "4.00",
        (DC350, DC350, DC350, DC350),
    ),
    # Munich. DE-ION-E789012 is the documentation's IONITY example.
    WorldLocation(
        "DE-ION-E789012",
        "IONITY München-Freimann",
        "Frankfurter Ring 50",
        "80807",
        "München",
        "48.177000",
        "11.593000",
        "0.6900",
        "2.00",
        "4.00",
        (DC350, DC350, DC350, DC350, DC350, DC350),
    ),
    WorldLocation(
        "DE-ENB-E323001",
        "EnBW München Marienplatz Tiefgarage",
        "Marienplatz 8",
        "80331",
        "München",
        "48.137200",
        "11.575500",
        "0.5900",
        "1.00",
        "2.00",
        (AC22, AC22),
        supports_reservation=False,
    ),
    WorldLocation(
        "DE-ALG-E556001",
        "Allego München Ost",
        "Orleansplatz 11",
        "81667",
        "München",
        "48.127000",
        "11.605000",
        "0.5700",
        "1.50",
        "3.00",
        (DC50, DC50, AC22),
    ),
    # Berlin. EnBW Potsdamer Platz is the unreliable one: its CPO rejects some.
    WorldLocation(
        "DE-ALG-E456800",
        "Allego Berlin Alexanderplatz",
        "Alexanderstraße 9",
        "10178",
        "Berlin",
        "52.521900",
        "13.413200",
        "0.5600",
        "1.50",
        "3.00",
        (DC150, DC150, AC22, AC22),
    ),
    WorldLocation(
        "DE-ION-E789040",
        "IONITY Berlin-Schönefeld",
        "Mittelstraße 5",
        "12529",
        "Schönefeld",
        "52.388000",
        "13.518000",
        "0.6900",
        "2.00",
        "4.00",
        (DC350, DC350, DC350, DC350),
    ),
    WorldLocation(
        "DE-ENB-E423001",
        "EnBW Berlin Potsdamer Platz",
        "Potsdamer Platz 1",
        "10785",
        "Berlin",
        "52.509600",
        "13.375900",
        "0.5400",
        "1.50",
        "2.50",
        (DC150, AC22, AC22),
        rejection_percent=40,
    ),
    # Hamburg.
    WorldLocation(
        "DE-ENB-E523001",
        "EnBW Hamburg Jungfernstieg",
        "Jungfernstieg 7",
        "20354",
        "Hamburg",
        "53.553400",
        "9.992700",
        "0.5300",
        "1.50",
        "2.50",
        (AC22, AC22, DC150),
    ),
    WorldLocation(
        "DE-ION-E789050",
        "IONITY Hamburg-Stillhorn (A1)",
        "Stillhorner Weg 40",
        "21109",
        "Hamburg",
        "53.469000",
        "10.010000",
        "0.6900",
        "2.00",
        "4.00",
        (DC350, DC350, DC350, DC350, DC350, DC350),
    ),
    WorldLocation(
        "DE-ALG-E656001",
        "Allego Hamburg-Altona",
        "Ottenser Hauptstraße 10",
        "22765",
        "Hamburg",
        "53.552000",
        "9.935000",
        "0.5500",
        "1.50",
        "3.00",
        (DC50, AC22),
    ),
    # Elsewhere.
    WorldLocation(
        "DE-ION-E789060",
        "IONITY Frankfurter Kreuz",
        "Hugo-Eckener-Ring 1",
        "60549",
        "Frankfurt am Main",
        "50.050000",
        "8.590000",
        "0.6900",
        "2.00",
        "4.00",
        (DC350, DC350, DC350, DC350),
    ),
    WorldLocation(
        "DE-ALG-E756001",
        "Allego Köln-Deutz",
        "Ottoplatz 1",
        "50679",
        "Köln",
        "50.940600",
        "6.974700",
        "0.5500",
        "1.50",
        "3.00",
        (DC150, AC22, AC22),
    ),
    WorldLocation(
        "DE-ENB-E823001",
        "EnBW Leipzig Augustusplatz",
        "Augustusplatz 1",
        "04109",
        "Leipzig",
        "51.338900",
        "12.381200",
        "0.5100",
        "1.50",
        "2.50",
        (AC22, DC150),
    ),
)

# Chargers near each office besides its own: (CPO, name suffix, metres north,
# metres east, EVSEs).
NEARBY = (
    ("ENB", "Parkhaus am Markt", 600, 250, (AC22, AC22, DC150)),
    ("ION", "Schnellladepark", -900, 1400, (DC350, DC350, DC350, DC350)),
    ("ALG", "Einkaufszentrum", 1800, -2200, (DC50, AC22)),
)
# Roughly metres per degree at German latitudes.
METRES_PER_DEGREE_LAT = Decimal(111_000)
METRES_PER_DEGREE_LNG = Decimal(70_000)
MICRO_DEGREE = Decimal("0.000001")

# Our own offices' chargers: (standard, kW), price per kWh, fees.
SITE_CHARGER_TERMS: dict[str, tuple[tuple[str, int], str, str, str]] = {
    SiteCharger.Kind.WORKPLACE: ((T2, 11), "0.3500", "0.50", "1.00"),
    SiteCharger.Kind.VISITOR: ((T2, 22), "0.4500", "1.00", "1.50"),
}


@dataclass
class SeedResult:
    locations: int = 0
    evses: int = 0
    # What exists already, read once so that a re-seed costs two queries.
    known_locations: set[str] = field(default_factory=set, repr=False)
    known_evses: set[str] = field(default_factory=set, repr=False)

    def __str__(self) -> str:
        return f"{self.locations} locations and {self.evses} EVSEs added"

    @classmethod
    def start(cls) -> SeedResult:
        return cls(
            known_locations=set(Location.objects.values_list("location_id", flat=True)),
            known_evses=set(Evse.objects.values_list("evse_uid", flat=True)),
        )


def _ensure_location(
    result: SeedResult, location_id: str, evses: list[tuple[Any, ...]], **fields: object
) -> None:
    """Create the location and its missing EVSEs; never change existing ones.

    An existing location or EVSE is left alone, so a world that was edited or
    that another seed got to first is not overwritten.
    """
    missing = [(uid, evse) for uid, evse in evses if uid not in result.known_evses]
    if location_id in result.known_locations and not missing:
        return
    location, created = Location.objects.get_or_create(
        location_id=location_id, defaults=fields
    )
    result.locations += created
    result.known_locations.add(location_id)
    for evse_uid, (status, connectors) in missing:
        evse, created = Evse.objects.get_or_create(
            evse_uid=evse_uid, defaults={"location": location, "status": status}
        )
        result.known_evses.add(evse_uid)
        if created:
            result.evses += 1
            Connector.objects.bulk_create(
                Connector(
                    evse=evse,
                    connector_id=str(n),
                    standard=standard,
                    max_power_kw=Decimal(power),
                )
                for n, (standard, power) in enumerate(connectors, start=1)
            )


def _evse_uids(
    location_id: str, evses: tuple[Any, ...]
) -> list[tuple[str, tuple[Any, ...]]]:
    prefix = location_id.replace("-", "*")
    return [(f"{prefix}*{n}", evse) for n, evse in enumerate(evses, start=1)]


def _cpo_name(location_id: str) -> str:
    parts = location_id.split("-")
    code = parts[1] if len(parts) == 3 else ""
    return CPO_NAMES.get(code, "Petitmonde partner")


def ensure_site_charger(charger: SiteCharger, result: SeedResult | None = None) -> None:
    """The sandbox location and EVSE behind one of our own site's chargers."""
    result = result or SeedResult.start()
    site = charger.site
    connector, price, fee, cancel_fee = SITE_CHARGER_TERMS[charger.kind]
    # Visitor parking is a few metres from the staff garage.
    north = MICRO_DEGREE * 300 if charger.kind == SiteCharger.Kind.VISITOR else 0
    _ensure_location(
        result,
        charger.location_id,
        [(charger.evse_uid, ("AVAILABLE", (connector,)))],
        name=f"{site.name} – {charger.get_kind_display()}",
        address=site.address,
        postal_code=site.postal_code,
        city=site.city,
        latitude=site.latitude + north,
        longitude=site.longitude,
        cpo_name=_cpo_name(charger.location_id),
        price_per_kwh=Decimal(price),
        reservation_fee=Decimal(fee),
        cancellation_fee=Decimal(cancel_fee),
    )


def nearby_location_id(site: Site, cpo: str, index: int) -> str:
    """A stable id for a public charger near a site, from the site's name."""
    number = 800_000 + zlib.crc32(site.name.encode()) % 10_000 * 10 + index
    return f"DE-{cpo}-E{number}"


def _ensure_site(site: Site, result: SeedResult) -> None:
    for charger in site.chargers.all():
        ensure_site_charger(charger, result)
    for index, (cpo, suffix, north, east, evses) in enumerate(NEARBY, start=1):
        location_id = nearby_location_id(site, cpo, index)
        _ensure_location(
            result,
            location_id,
            _evse_uids(location_id, evses),
            name=f"{CPO_NAMES[cpo]} {site.city} {suffix}",
            address=site.address,
            postal_code=site.postal_code,
            city=site.city,
            latitude=(site.latitude + Decimal(north) / METRES_PER_DEGREE_LAT).quantize(
                MICRO_DEGREE
            ),
            longitude=(site.longitude + Decimal(east) / METRES_PER_DEGREE_LNG).quantize(
                MICRO_DEGREE
            ),
            cpo_name=CPO_NAMES[cpo],
            price_per_kwh=Decimal("0.5500"),
            reservation_fee=Decimal("1.50"),
            cancellation_fee=Decimal("2.50"),
        )


@transaction.atomic
def seed_world() -> SeedResult:
    """The fixed locations, plus chargers at and near every portal site."""
    result = SeedResult.start()
    for loc in WORLD:
        _ensure_location(
            result,
            loc.location_id,
            _evse_uids(loc.location_id, loc.evses),
            name=loc.name,
            address=loc.address,
            postal_code=loc.postal_code,
            city=loc.city,
            latitude=Decimal(loc.latitude),
            longitude=Decimal(loc.longitude),
            cpo_name=loc.cpo_name,
            supports_reservation=loc.supports_reservation,
            rejection_percent=loc.rejection_percent,
            price_per_kwh=Decimal(loc.price_per_kwh),
            reservation_fee=Decimal(loc.reservation_fee),
            cancellation_fee=Decimal(loc.cancellation_fee),
        )
    for site in Site.objects.prefetch_related("chargers"):
        _ensure_site(site, result)
    return result
