from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
from django.core import signing
from django.test import override_settings

from bookings.chargers import ChargerOffer, find_chargers
from bookings.petitmonde import PetitmondeClient
from portal.models import Site, SiteCharger
from tests.fake_api import FakePetitmonde

pytestmark = pytest.mark.django_db

START = datetime(2026, 12, 1, 8, tzinfo=UTC)
END = START + timedelta(hours=2)


@pytest.fixture
def api(fake_api: FakePetitmonde) -> PetitmondeClient:
    """A client of the fake API, which answers searches with the site's chargers."""
    return fake_api.client()


def test_search_asks_for_the_window_around_the_site(
    api: PetitmondeClient, fake_api: FakePetitmonde, site: Site
) -> None:
    find_chargers(site=site, start=START, end=END, client=api)

    query = parse_qs(urlparse(fake_api.searches[0].url).query)
    assert query == {
        "lat": ["49.0094"],
        "lng": ["8.4044"],
        "radius": ["15"],
        "limit": ["100"],
        "start_time": ["2026-12-01T08:00:00Z"],
        "end_time": ["2026-12-01T10:00:00Z"],
    }


def test_workplace_chargers_first_then_by_distance(
    api: PetitmondeClient, site: Site
) -> None:
    offers = find_chargers(site=site, start=START, end=END, client=api)

    assert [o.evse_uid for o in offers] == ["DE*ENB*E700101*1", "DE*ION*E789012*1"]
    own = offers[0]
    assert own.site_label == "Garage P1, bay 1"
    assert own.power_kw == Decimal("50")
    assert own.estimated_price == Decimal("8.5")
    # Busy now is not busy then: the API filtered by the window already.
    assert offers[1].name == "IONITY Karlsruhe Süd"


def test_visitor_search_offers_visitor_bays_and_hides_staff_bays(
    api: PetitmondeClient, site: Site
) -> None:
    offers = find_chargers(
        site=site, start=START, end=END, kind=SiteCharger.Kind.VISITOR, client=api
    )
    assert [o.evse_uid for o in offers] == ["DE*ENB*E700102*1", "DE*ION*E789012*1"]
    assert offers[0].site_label == "Visitor parking, bay 1"


def test_connector_and_power_filters_pick_the_matching_connector(
    api: PetitmondeClient, fake_api: FakePetitmonde, site: Site
) -> None:
    offers = find_chargers(
        site=site,
        start=START,
        end=END,
        connector_type="IEC_62196_T2",
        power_min=Decimal("20"),
        client=api,
    )
    assert [(o.evse_uid, o.connector_id, o.power_kw) for o in offers] == [
        ("DE*ENB*E700101*1", "1", Decimal("22"))
    ]
    query = parse_qs(urlparse(fake_api.searches[0].url).query)
    assert query["connector_type"] == ["IEC_62196_T2"]
    assert query["power_min"] == ["20"]


def test_signed_offer_round_trips_and_rejects_tampering(
    api: PetitmondeClient, site: Site
) -> None:
    offer = find_chargers(site=site, start=START, end=END, client=api)[0]
    token = offer.sign()

    assert ChargerOffer.unsign(token) == offer
    with pytest.raises(signing.BadSignature):
        ChargerOffer.unsign(token[:-2] + "xx")


@override_settings(BOOKING_OFFER_MAX_AGE_SECONDS=-1)
def test_old_offer_is_refused(api: PetitmondeClient, site: Site) -> None:
    token = find_chargers(site=site, start=START, end=END, client=api)[0].sign()
    with pytest.raises(signing.SignatureExpired):
        ChargerOffer.unsign(token)


@override_settings(BOOKING_SEARCH_RADIUS_KM=500)
def test_radius_never_exceeds_what_the_api_takes(
    api: PetitmondeClient, fake_api: FakePetitmonde, site: Site
) -> None:
    find_chargers(site=site, start=START, end=END, client=api)
    query = parse_qs(urlparse(fake_api.searches[0].url).query)
    assert query["radius"] == ["200"]
