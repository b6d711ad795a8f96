"""The main journeys with the keyboard alone: Tab, Shift+Tab, Enter and Space
move and press; letters are typed only into the field that has the focus.

Nothing is clicked: ``press_on`` presses Tab (or Shift+Tab) until the element
has the focus, failing when it never gets it, so an element the keyboard
cannot reach, or reaches only after a detour through the whole page, fails
the test.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from portal import demo
from tests.plugins.sandbox import SandboxClock

pytestmark = pytest.mark.browser

LOGINS = dict(demo.logins())
# More Tab presses than any page needs to reach anything on it.
MOST_PRESSES = 40


@pytest.fixture
def portal_on_sandbox(live_server: LiveServer, settings: Any) -> None:
    settings.PETITMONDE_API_URL = live_server.url + "/sandbox/api/v1/client"
    settings.PETITMONDE_SANDBOX = True
    settings.PETITMONDE_API_KEY = ""
    settings.BOOKING_REFRESH_SECONDS = 0
    call_command("seed_demo", verbosity=0)


def has_focus(target: Locator) -> bool:
    return bool(target.evaluate("element => element === document.activeElement"))


def tab_to(page: Page, target: Locator, *, back: bool = False) -> None:
    key = "Shift+Tab" if back else "Tab"
    for _press in range(MOST_PRESSES):
        page.keyboard.press(key)
        if has_focus(target):
            expect(target).to_be_visible()
            return
    pytest.fail(f"{MOST_PRESSES} × {key} never reached {target} on {page.url}")


def press_on(page: Page, target: Locator, key: str = "Enter") -> None:
    tab_to(page, target)
    page.keyboard.press(key)


def type_into(page: Page, field: Locator, text: str, *, back: bool = False) -> None:
    tab_to(page, field, back=back)
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(text)


def log_in(page: Page, email: str) -> None:
    page.goto("/login/")
    # The e-mail field has the focus when the page opens.
    expect(page.get_by_label("E-mail address")).to_be_focused()
    page.keyboard.type(email)
    type_into(page, page.get_by_label("Password"), demo.DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/$"))


def test_employee_books_follows_and_cancels_with_the_keyboard_on_a_phone(
    page: Page, portal_on_sandbox: None, sandbox_clock: SandboxClock
) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, LOGINS["Employee (engineering)"])

    # The folded menu opens with the keyboard.
    menu = page.locator("summary", has_text="Menu")
    press_on(page, menu, "Space")
    nav = page.get_by_role("navigation", name="Main")
    press_on(page, nav.get_by_role("link", name="Book a charger"))

    expect(page.get_by_role("heading", name="Where and when")).to_be_visible()
    press_on(page, page.get_by_role("button", name="Find chargers"), "Space")
    expect(
        page.get_by_role("heading", name="Chargers free at that time")
    ).to_be_visible()
    press_on(page, page.get_by_role("link", name=re.compile("^Choose")).first)

    expect(page.get_by_role("heading", name="Check and confirm")).to_be_visible()
    press_on(page, page.get_by_role("button", name="Confirm the booking"))
    expect(page.get_by_role("status")).to_contain_text("Booked:")
    status = page.locator("main .status")
    expect(status).to_have_text("requested")

    sandbox_clock.advance("10s")
    press_on(page, page.get_by_role("link", name="Check again"))
    expect(status).to_have_text("confirmed")

    press_on(page, page.get_by_role("link", name="Cancel this booking…"))
    cancel = page.get_by_role("button", name="Cancel the booking")
    tab_to(page, cancel)
    # Past the reason on the way to the button: back to it.
    type_into(
        page,
        page.get_by_label("Why are you cancelling? (optional)"),
        "Plans changed",
        back=True,
    )
    press_on(page, cancel, "Space")

    expect(page.get_by_role("status")).to_contain_text("Cancelled.")
    expect(status).to_have_text("cancelled")


def test_receptionist_books_a_visitor_with_the_keyboard(
    page: Page, portal_on_sandbox: None
) -> None:
    log_in(page, LOGINS["Receptionist"])

    press_on(page, page.get_by_role("link", name="Book for a visitor"))
    expect(
        page.get_by_role("heading", name="Book charging for a visitor")
    ).to_be_visible()
    type_into(page, page.get_by_label("Visitor's name"), "Jane Visitor")
    type_into(page, page.get_by_label("Company"), "ACME GmbH")
    type_into(page, page.get_by_label("Host's name"), "Becker")
    press_on(page, page.get_by_role("button", name="Find host"), "Space")
    expect(page.get_by_label("Choose the host")).to_contain_text("Anna Becker")

    press_on(page, page.get_by_role("button", name="Find chargers", exact=True))
    expect(page.get_by_role("heading", name="Choose a charger")).to_be_visible()
    expect(page.get_by_role("radio").first).to_be_checked()
    press_on(page, page.get_by_role("button", name="Book this charger"), "Space")

    expect(page.get_by_role("heading", name="Jane Visitor")).to_be_visible()
    expect(page.get_by_role("button", name="Print")).to_be_visible()


def test_the_folded_menu_works_without_javascript(
    browser: Browser, live_server: LiveServer, portal_on_sandbox: None
) -> None:
    context = browser.new_context(
        base_url=live_server.url,
        java_script_enabled=False,
        viewport={"width": 360, "height": 740},
    )
    try:
        page = context.new_page()
        log_in(page, LOGINS["Employee (engineering)"])
        nav = page.get_by_role("navigation", name="Main")
        expect(nav).to_be_hidden()

        press_on(page, page.locator("summary", has_text="Menu"))
        expect(nav).to_be_visible()
        press_on(page, nav.get_by_role("link", name="My bookings"))

        expect(page.get_by_role("heading", name="My bookings")).to_be_visible()
    finally:
        context.close()
