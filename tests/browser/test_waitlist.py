"""Two employees, one free charger: the first cancels, the second is offered
it from the waiting list and books it, in headless Chromium."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from bookings.models import Booking
from bookings.waitlist.models import Offer
from portal.models import Department, Employee, Site, SiteCharger, User
from portal.roles import Role

pytestmark = pytest.mark.browser

PASSWORD = "a-long-browser-password-1"


@pytest.fixture
def one_charger(live_server: LiveServer, settings: Any) -> Site:
    """An island office with a single workplace bay and no public charger near."""
    settings.PETITMONDE_API_URL = live_server.url + "/sandbox/api/v1/client"
    settings.PETITMONDE_SANDBOX = True
    settings.PETITMONDE_API_KEY = ""
    settings.BOOKING_REFRESH_SECONDS = 0
    site = Site.objects.create(
        name="Helgoland Station",
        address="Hafenstraße 1",
        postal_code="27498",
        city="Helgoland",
        latitude=Decimal("54.1810"),
        longitude=Decimal("7.8850"),
    )
    # The sandbox mirrors the bay as its only EVSE near the island.
    SiteCharger.objects.create(
        site=site,
        kind=SiteCharger.Kind.WORKPLACE,
        location_id="DE-ENB-E990001",
        evse_uid="DE*ENB*E990001*1",
        label="Harbour bay",
    )
    department = Department.objects.create(code="ops", name="Operations")
    for employee_id, first in (("emp001", "Alma"), ("emp002", "Bruno")):
        user = User.objects.create_user(
            f"{first.lower()}@example.com", PASSWORD, first_name=first
        )
        Employee.objects.create(
            user=user,
            employee_id=employee_id,
            department=department,
            customer_id=f"cust_{employee_id}",
            home_site=site,
        )
        user.set_roles({Role.EMPLOYEE})
    return site


def log_in(page: Page, email: str) -> None:
    page.goto("/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/$"))


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()


def test_a_cancelled_charger_is_offered_to_the_next_and_booked(
    page: Page, one_charger: Site
) -> None:
    # Alma books the only bay for tomorrow, 8 to 10.
    log_in(page, "alma@example.com")
    page.get_by_role("navigation").get_by_role("link", name="Book a charger").click()
    page.get_by_role("button", name="Find chargers").click()
    page.get_by_role("link", name=re.compile("^Choose")).first.click()
    page.get_by_role("button", name="Confirm the booking").click()
    expect(page.get_by_role("status")).to_contain_text("Booked:")
    alma_booking = page.url
    log_out(page)

    # Bruno finds nothing free and joins the line.
    log_in(page, "bruno@example.com")
    page.get_by_role("navigation").get_by_role("link", name="Book a charger").click()
    page.get_by_role("button", name="Find chargers").click()
    expect(page.get_by_text("No charger near the site can be reserved")).to_be_visible()
    page.get_by_label("How flexible are you?").select_option("0")
    page.get_by_role("button", name="Join the waiting list").click()
    expect(page.get_by_role("status")).to_contain_text("You are in line for")
    expect(page.locator("td.place")).to_have_text("No. 1")
    log_out(page)

    # Alma cancels.
    log_in(page, "alma@example.com")
    page.goto(alma_booking)
    page.get_by_role("link", name="Cancel this booking…").click()
    page.get_by_role("button", name="Cancel the booking").click()
    expect(page.get_by_role("status")).to_contain_text("Cancelled")
    log_out(page)

    # Bruno has the offer, by e-mail and in the portal, and books it.
    offer = Offer.objects.get()
    assert any(
        "bruno@example.com" in m.to and f"/waitlist/offers/{offer.pk}/" in m.body
        for m in mail.outbox
    )
    log_in(page, "bruno@example.com")
    page.get_by_role("navigation").get_by_role("link", name="Waiting list").click()
    page.get_by_role("link", name="A charger is free for you").click()
    expect(page.get_by_text("Harbour bay")).to_be_visible()
    page.get_by_role("button", name="Book it").click()
    expect(page.get_by_role("status")).to_contain_text("Booked:")

    bruno = Booking.objects.get(employee__user__email="bruno@example.com")
    assert bruno.evse_uid == "DE*ENB*E990001*1"
    offer.refresh_from_db()
    assert (offer.state, offer.booking) == (Offer.State.ACCEPTED, bruno)
