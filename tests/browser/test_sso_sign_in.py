"""Signing in with the company account, through a real OpenID Provider's pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, Request, expect

from portal.models import Department, User
from portal.roles import Role
from tests.plugins.oidc_provider import PASSWORD, Provider

pytestmark = pytest.mark.browser

ADA = {
    "email": "Ada.Lovelace@example.com",
    "email_verified": True,
    "given_name": "Ada",
    "family_name": "Lovelace",
    "employee_id": "e1815",
    "department": "engineering",
    "roles": ["employee", "manager"],
    "manages": ["engineering"],
}


@pytest.fixture(autouse=True)
def _fixed_moment() -> None:
    """Real time here: the provider signs its tokens on its own clock, and
    the portal checks their expiry against the present."""


def sign_in(page: Page, sub: str) -> list[str]:
    """Signs in at the provider's page; returns the callback URLs visited."""
    callbacks: list[str] = []

    def on_request(request: Request) -> None:
        if "/sso/company/callback/" in request.url:
            callbacks.append(request.url)

    page.on("request", on_request)
    page.goto("/")
    page.get_by_role("button", name="Sign in with Company account").click()
    expect(page.get_by_role("heading", name="Directory sign-in")).to_be_visible()
    page.get_by_label("User").fill(sub)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in to the directory").click()
    page.wait_for_load_state()
    page.remove_listener("request", on_request)
    return callbacks


def expect_refused_page(browser_errors: list[str], status: str) -> None:
    """Chromium reports the refusal page's status as a console error."""
    expected = [e for e in browser_errors if "/sso/company/callback/" in e]
    assert len(expected) == 1 and status in expected[0], browser_errors
    browser_errors.remove(expected[0])


def test_sign_in_creates_the_person_and_a_removed_role_goes(
    page: Page, sso: Provider, browser_errors: list[str]
) -> None:
    Department.objects.create(code="engineering", name="Engineering")
    sso.set_person("ada", ADA)

    callbacks = sign_in(page, "ada")

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Ada")
    expect(page.get_by_text("Your roles:")).to_contain_text("Employee")
    expect(page.get_by_text("Your roles:")).to_contain_text("Manager")
    expect(page.locator("dl.facts")).to_contain_text("e1815")
    expect(page.locator("dl.facts")).to_contain_text("Engineering")
    ada = User.objects.get(email="ada.lovelace@example.com")
    assert ada.group_roles() == {Role.EMPLOYEE, Role.MANAGER}
    assert not ada.has_usable_password()

    # The same answer of the provider a second time: refused.
    assert len(callbacks) == 1
    page.goto(callbacks[0])
    expect(page.get_by_role("heading", name="Sign-in refused")).to_be_visible()

    # HR takes the manager role away; it is gone at the next sign-in, after
    # logging out here and at the provider.
    expect_refused_page(browser_errors, "401")
    sso.set_person("ada", {**ADA, "roles": ["employee"], "manages": []})
    page.goto("/")
    page.get_by_role("button", name="Log out").click()
    page.get_by_role("button", name="Yes, sign me out").click()
    expect(page).to_have_url(re.compile(r"/login/$"))
    sign_in(page, "ada")
    expect(page.get_by_text("Your roles:")).not_to_contain_text("Manager")
    ada.refresh_from_db()
    assert ada.group_roles() == {Role.EMPLOYEE}
    assert not ada.managed_departments.exists()
    assert User.objects.count() == 1


def test_a_bad_department_code_is_refused_and_nothing_is_created(
    page: Page, sso: Provider, browser_errors: list[str]
) -> None:
    sso.set_person("bob", {**ADA, "employee_id": "e2000", "department": "Sales/EU"})

    sign_in(page, "bob")

    expect(page.get_by_role("heading", name="Sign-in refused")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Sales/EU")
    expect(row).to_contain_text("department")
    expect(row).to_contain_text("lowercase letters and digits only")
    assert not User.objects.exists()
    assert not Department.objects.exists()
    expect_refused_page(browser_errors, "403")
