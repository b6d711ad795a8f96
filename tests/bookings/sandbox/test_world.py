"""The seeded world: what it holds, the documented examples, our sites, idempotence."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from django.test.utils import override_settings

from bookings.sandbox.models import OCPI_STANDARDS, Connector, Evse, Location
from bookings.sandbox.search import distance_km
from bookings.sandbox.world import nearby_location_id, seed_world
from portal.models import Site, SiteCharger
from tests.bookings.sandbox.conftest import Api

pytestmark = pytest.mark.django_db

CPO_PREFIX = {"EnBW": "DE-ENB-E", "IONITY": "DE-ION-E", "Allego": "DE-ALG-E"}


def test_at_least_12_locations_in_five_big_cities(world: None) -> None:
    assert Location.objects.count() >= 12
    cities = Counter(Location.objects.values_list("city", flat=True))
    for city in ("Karlsruhe", "Stuttgart", "München", "Berlin", "Hamburg"):
        assert cities[city] >= 2, city


def test_every_location_is_complete(world: None) -> None:
    for location in Location.objects.prefetch_related("evses__connectors"):
        assert 1 <= location.evses.count() <= 6, location
        assert location.location_id.startswith(CPO_PREFIX[location.cpo_name])
        assert re.fullmatch(r"DE-(ENB|ION|ALG)-E\d{6}", location.location_id)
        assert location.address and location.city and location.postal_code
        assert location.price_per_kwh > 0
        assert location.reservation_fee > 0 and location.cancellation_fee > 0
        for evse in location.evses.all():
            assert evse.evse_uid.startswith(
                location.location_id.replace("-", "*") + "*"
            )
            assert evse.connectors.exists()
            for connector in evse.connectors.all():
                assert connector.standard in OCPI_STANDARDS
                assert connector.max_power_kw > 0


def test_the_documented_example_locations_exist(world: None) -> None:
    assert Evse.objects.filter(
        evse_uid="DE*ENB*E123456*1", location__location_id="DE-ENB-E123456"
    ).exists()
    assert Connector.objects.filter(evse__evse_uid="DE*ENB*E123456*1", connector_id="1")
    assert Location.objects.filter(location_id="DE-ION-E789012", cpo_name="IONITY")
    assert Evse.objects.filter(
        evse_uid="DE*ALG*E456789*1", location__location_id="DE-ALG-E456789"
    ).exists()


def test_the_world_has_its_awkward_corners(world: None) -> None:
    assert Location.objects.filter(supports_reservation=False).exists()
    assert Evse.objects.filter(status=Evse.Status.OUTOFORDER).exists()
    assert Location.objects.filter(rejection_percent__gt=0).exists()
    standards = set(Connector.objects.values_list("standard", flat=True))
    assert {"IEC_62196_T2", "IEC_62196_T2_COMBO", "CHADEMO"} <= standards


def test_seeding_twice_adds_nothing(world: None) -> None:
    before = (Location.objects.count(), Evse.objects.count(), Connector.objects.count())
    result = seed_world()
    assert (result.locations, result.evses) == (0, 0)
    after = (Location.objects.count(), Evse.objects.count(), Connector.objects.count())
    assert after == before


def test_seeding_leaves_an_edited_location_alone(world: None) -> None:
    Location.objects.filter(location_id="DE-ENB-E123456").update(name="Renamed")
    seed_world()
    assert Location.objects.get(location_id="DE-ENB-E123456").name == "Renamed"


def test_our_sites_chargers_exist_at_the_site(site: Site) -> None:
    seed_world()
    for charger in site.chargers.all():
        evse = Evse.objects.select_related("location").get(evse_uid=charger.evse_uid)
        assert evse.location.location_id == charger.location_id
        km = distance_km(
            float(site.latitude),
            float(site.longitude),
            float(evse.location.latitude),
            float(evse.location.longitude),
        )
        assert km < 0.1
    assert Location.objects.get(location_id="DE-ENB-E700102").name == (
        "Karlsruhe HQ – Visitor parking"
    )


def test_public_chargers_near_each_site(site: Site, other_site: Site) -> None:
    seed_world()
    for office in (site, other_site):
        near = [
            Location.objects.get(location_id=nearby_location_id(office, cpo, n))
            for n, cpo in enumerate(("ENB", "ION", "ALG"), start=1)
        ]
        for location in near:
            km = distance_km(
                float(office.latitude),
                float(office.longitude),
                float(location.latitude),
                float(location.longitude),
            )
            assert 0.1 < km < 5, location


def test_a_fresh_demo_can_book_at_the_office(
    api: Api, site: Site, booking_body
) -> None:
    seed_world()
    found = api.get(
        "search", {"lat": site.latitude, "lng": site.longitude, "radius": 1}
    ).json()
    assert found["results"][0]["location_id"] == "DE-ENB-E700101"
    body = booking_body(location_id="DE-ENB-E700101", evse_uid="DE*ENB*E700101*1")
    assert api.post("bookings", body).status_code == 202


def test_a_charger_added_in_the_portal_appears_at_once(site: Site) -> None:
    SiteCharger.objects.create(
        site=site,
        kind=SiteCharger.Kind.WORKPLACE,
        location_id="DE-ENB-E700109",
        evse_uid="DE*ENB*E700109*1",
        label="New bay",
    )
    evse = Evse.objects.get(evse_uid="DE*ENB*E700109*1")
    assert evse.location.city == "Karlsruhe"


@override_settings(PETITMONDE_SANDBOX=False)
def test_without_the_sandbox_portal_chargers_are_not_mirrored(site: Site) -> None:
    SiteCharger.objects.create(
        site=site,
        kind=SiteCharger.Kind.WORKPLACE,
        location_id="DE-ENB-E700109",
        evse_uid="DE*ENB*E700109*1",
        label="New bay",
    )
    assert not Evse.objects.filter(evse_uid="DE*ENB*E700109*1").exists()
