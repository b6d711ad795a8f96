"""Each demo role logs in through the real form in headless Chromium."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from portal import demo
from portal.roles import Role

pytestmark = pytest.mark.browser

LOGINS = demo.logins()


def expected_roles(email: str) -> list[str]:
    """The role labels the home page must show for this demo person."""
    person = next(p for p in demo.people() if p.email == email)
    held = set(person.roles.split())
    return [str(label) for value, label in Role.choices if value in held]


def log_in(page: Page, email: str) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/$"))


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login/$"))
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))


@pytest.mark.parametrize(("what", "email"), LOGINS, ids=[w for w, _e in LOGINS])
def test_demo_role_logs_in_sees_its_roles_and_logs_out(
    page: Page, what: str, email: str
) -> None:
    call_command("seed_demo", verbosity=0)

    log_in(page, email)

    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello, ")
    roles = page.get_by_text("Your roles:")
    for label in expected_roles(email):
        expect(roles).to_contain_text(label)
    admin_link = page.get_by_role("link", name="Administration", exact=True)
    if what == "Admin":
        admin_link.click()
        expect(page).to_have_url(re.compile(r"/admin/$"))
        expect(
            page.get_by_role("heading", name="Departments, people, sites and roles")
        ).to_be_visible()
        page.goto("/")
    else:
        expect(admin_link).to_have_count(0)
    log_out(page)


def test_skip_link_is_the_first_thing_the_keyboard_reaches(page: Page) -> None:
    call_command("seed_demo", verbosity=0)
    email = dict(LOGINS)["Employee (engineering)"]
    log_in(page, email)

    page.keyboard.press("Tab")

    focused = page.locator(":focus")
    expect(focused).to_have_text("Skip to content")
    expect(focused).to_be_visible()  # it shows itself when focused
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/#main$"))


def test_login_form_works_with_the_keyboard_alone(page: Page) -> None:
    call_command("seed_demo", verbosity=0)
    email = dict(LOGINS)["Finance"]
    page.goto("/login/")

    # The address field has the focus when the page opens.
    expect(page.get_by_label("E-mail address")).to_be_focused()
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(demo.DEMO_PASSWORD)
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_text("Your roles:")).to_contain_text("Finance")


def test_wrong_password_shows_the_message_in_the_browser(page: Page) -> None:
    call_command("seed_demo", verbosity=0)
    page.goto("/login/")
    page.get_by_label("E-mail address").fill(dict(LOGINS)["Admin"])
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("alert")).to_contain_text(
        "That e-mail address and password do not match."
    )


def test_a_csp_violation_is_caught_as_a_console_error(
    page: Page, browser_errors: list[str]
) -> None:
    page.goto("/login/")
    with page.expect_console_message(lambda m: m.type == "error"):
        page.evaluate(
            "() => { const s = document.createElement('script');"
            " s.textContent = 'window.injected = 1'; document.head.append(s); }"
        )

    assert page.evaluate("() => window.injected") is None  # the CSP blocked it
    assert any("Content Security Policy" in e for e in browser_errors)
    browser_errors.clear()  # seen on purpose; the fixture would fail the test
