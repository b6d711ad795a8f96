"""A receptionist books a visitor's charging in the browser and prints the pass."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from bookings.models import Booking
from bookings.sandbox.models import Booking as RemoteRow
from portal import demo
from portal.models import Site
from tests.bookings.reception.visit_factory import tomorrow_at

pytestmark = pytest.mark.browser


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


@pytest.fixture
def portal(live_server: LiveServer, settings: Settings) -> None:
    settings.PETITMONDE_API_URL = live_server.url + "/sandbox/api/v1/client"
    settings.PETITMONDE_SANDBOX = True
    settings.PETITMONDE_API_KEY = ""
    call_command("seed_demo", verbosity=0)


def test_receptionist_books_a_visitor_and_prints_the_pass(
    portal: None, page: Page
) -> None:
    site = Site.objects.get(name="Karlsruhe HQ")
    start = tomorrow_at(9, site)
    page.goto("/login/")
    page.get_by_label("E-mail address").fill(dict(demo.logins())["Receptionist"])
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("navigation").get_by_role("link", name="Visitor charging").click()
    page.get_by_role("link", name="Book charging for a visitor").click()
    page.get_by_label("Visitor's name").fill("Jane Visitor")
    page.get_by_label("Company").fill("ACME GmbH")
    page.get_by_label("Visitor's e-mail").fill("jane@acme.example")
    page.get_by_label("Licence plate").fill("ka-ab 123")
    page.get_by_label("Host's name").fill("Becker")
    page.get_by_role("button", name="Find host").click()
    expect(page.get_by_label("Choose the host")).to_contain_text("Anna Becker")
    page.get_by_label("Arrival").fill(f"{start:%Y-%m-%dT%H:%M}")
    page.get_by_label("Departure").fill(f"{start + timedelta(hours=2):%Y-%m-%dT%H:%M}")
    page.get_by_label("Departure").press("Enter")  # Enter looks for chargers

    expect(page.get_by_role("heading", name="Choose a charger")).to_be_visible()
    expect(page.get_by_role("radio").first).to_be_checked()
    page.get_by_role("button", name="Book this charger").click()

    expect(page.get_by_role("heading", name="Jane Visitor")).to_be_visible()
    ours = Booking.objects.get(visit__visitor_name="Jane Visitor")
    uid = RemoteRow.objects.get(id=ours.api_id).ad_hoc_token_uid
    expect(page.get_by_text(uid, exact=True)).to_be_visible()
    qr = page.get_by_role("img", name=f"QR code of token {uid}")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    expect(page.get_by_role("button", name="Print")).to_be_visible()  # script ran

    assert pdf_pages(page.pdf(prefer_css_page_size=True)) == 1

    page.get_by_role("link", name="Labels for the label printer").click()
    label = page.get_by_role("img", name=f"QR code of token {uid}")
    assert label.evaluate("img => img.complete && img.naturalWidth > 0")
    assert pdf_pages(page.pdf(prefer_css_page_size=True)) == 1

    page.get_by_role("link", name="Back to the visitors of the day").click()
    expect(
        page.get_by_role("cell", name=re.compile("^Jane Visitor ACME"))
    ).to_be_visible()
    expect(page.get_by_role("link", name="Pass of Jane Visitor")).to_be_visible()
