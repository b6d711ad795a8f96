"""Reports in headless Chromium: the demo synced from the sandbox, then looked at."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from bookings.months import Month
from portal import demo

pytestmark = pytest.mark.browser

LOGINS = dict(demo.logins())


@pytest.fixture
def synced(live_server: LiveServer, settings: Any) -> None:
    settings.PETITMONDE_SANDBOX = True
    settings.PETITMONDE_API_KEY = ""
    settings.PETITMONDE_API_URL = f"{live_server.url}/sandbox/api/v1/client"
    call_command("seed_demo", verbosity=0)
    call_command("sync_bookings", verbosity=0)


def log_in(page: Page, email: str) -> None:
    page.goto("/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/$"))


def test_manager_opens_their_dashboard_and_switches_month(
    page: Page, synced: None
) -> None:
    log_in(page, LOGINS["Manager of engineering"])
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Reports"
    ).click()
    page.get_by_role("link", name="Engineering", exact=True).click()
    this_month = Month.current()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(f"Engineering: {this_month.label}")
    chart = page.get_by_role("img", name=re.compile("Bar chart of spend per month"))
    expect(chart).to_be_visible()
    expect(chart).to_have_js_property("complete", True)
    assert chart.evaluate("img => img.naturalWidth") > 0  # the SVG loaded

    page.get_by_role("link", name=f"← {this_month.previous.label}").click()
    expect(heading).to_have_text(f"Engineering: {this_month.previous.label}")
    expect(page.get_by_role("table", name=re.compile("^Employees"))).to_be_visible()

    earlier = this_month.shifted(-2)
    page.get_by_label("Month", exact=True).fill(str(earlier))
    page.get_by_role("button", name="Show").click()
    expect(heading).to_have_text(f"Engineering: {earlier.label}")
    expect(page).to_have_url(re.compile(rf"\?month={earlier}$"))


def test_finance_downloads_a_csv(page: Page, synced: None) -> None:
    log_in(page, LOGINS["Finance"])
    page.goto(f"/reports/?month={Month.current().previous}")
    with page.expect_download() as download_info:
        page.get_by_role(
            "link", name="Download “Departments side by side” as CSV"
        ).click()
    download = download_info.value
    month = Month.current().previous
    assert download.suggested_filename == f"ev-charging-all-departments-{month}.csv"
    with open(download.path(), encoding="utf-8-sig") as raw:
        rows = list(csv.reader(io.StringIO(raw.read())))
    assert rows[0][0] == "Department"
    names = [row[0] for row in rows[1:]]
    assert {"Engineering", "Sales", "Operations", "Unattributed"} <= set(names)
    column = rows[0].index("Spend (EUR)")
    spend = [row[column] for row in rows[1:]]
    assert all(re.fullmatch(r"\d+\.\d\d", value) for value in spend)
