"""An employee books, follows and cancels a charger in headless Chromium."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from portal import demo
from tests.plugins.sandbox import SandboxClock

pytestmark = pytest.mark.browser


@pytest.fixture
def portal_on_sandbox(live_server: LiveServer, settings: Any) -> None:
    settings.PETITMONDE_API_URL = live_server.url + "/sandbox/api/v1/client"
    settings.PETITMONDE_SANDBOX = True
    settings.PETITMONDE_API_KEY = ""
    settings.BOOKING_REFRESH_SECONDS = 0
    call_command("seed_demo", verbosity=0)


def log_in(page: Page, email: str) -> None:
    page.goto("/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/$"))


def test_book_see_it_confirmed_download_the_calendar_and_cancel(
    page: Page, portal_on_sandbox: None, sandbox_clock: SandboxClock
) -> None:
    log_in(page, dict(demo.logins())["Employee (engineering)"])

    page.get_by_role("navigation").get_by_role("link", name="Book a charger").click()
    expect(page.get_by_role("heading", name="The rules")).to_be_visible()
    page.get_by_role("button", name="Find chargers").click()
    expect(
        page.get_by_role("heading", name="Chargers free at that time")
    ).to_be_visible()
    expect(page.get_by_text(re.compile("^Our charger: "))).not_to_have_count(0)
    page.get_by_role("link", name=re.compile("^Choose")).first.click()

    expect(page.get_by_role("heading", name="Check and confirm")).to_be_visible()
    expect(
        page.get_by_text("Free until the operator confirms the booking.")
    ).to_be_visible()
    page.get_by_role("button", name="Confirm the booking").click()

    expect(page.get_by_role("status")).to_contain_text("Booked:")
    status = page.locator(".status")
    expect(status).to_have_text("requested")

    sandbox_clock.advance("10s")
    page.get_by_role("link", name="Check again").click()
    expect(status).to_have_text("confirmed")

    with page.expect_download() as download:
        page.get_by_role("link", name="Add to my calendar (.ics)").click()
    calendar = Path(download.value.path()).read_bytes().decode()
    assert calendar.startswith("BEGIN:VCALENDAR\r\n")
    assert "DTSTART;TZID=Europe/Berlin:" in calendar
    assert "STATUS:CONFIRMED" in calendar

    page.get_by_role("link", name="Cancel this booking…").click()
    expect(page.get_by_text("may cost the operator's cancellation fee")).to_be_visible()
    page.get_by_label("Why are you cancelling? (optional)").fill("Plans changed")
    page.get_by_role("button", name="Cancel the booking").click()

    expect(page.get_by_role("status")).to_contain_text("Cancelled.")
    expect(status).to_have_text("cancelled")

    page.get_by_role("navigation").get_by_role("link", name="My bookings").click()
    expect(page.get_by_role("heading", name="Past and cancelled")).to_be_visible()
    expect(page.locator("table .status")).to_have_text(["cancelled"])


def test_a_person_without_a_customer_id_is_told_before_searching(
    page: Page, portal_on_sandbox: None
) -> None:
    log_in(page, dict(demo.logins())["Employee without customer id"])

    page.goto("/bookings/new/")

    expect(page.get_by_role("alert")).to_contain_text(
        "an administrator must first set your Petitmonde customer id"
    )
    expect(page.get_by_role("button", name="Find chargers")).to_have_count(0)
