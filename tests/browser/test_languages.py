"""Every page a demo role reaches, in German and in English, in Chromium.

Each role signs in through the login form in a browser that asks for the
language, then follows every link of the portal it is shown (one page per
kind of address), and each page must read in that language alone: no
English text in a German page and the reverse, no American date, no console
error (the `page` fixture). The demo's own data (site, charger and
department names) is data, not text, and left out of the check.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from portal import demo
from tests.i18n.reading import page_text, wrong_language

pytestmark = pytest.mark.browser

LOGINS = demo.logins()
# Where a crawl does not go: the Django admin (Django's own), downloads and
# images, the sandbox's API, and what acts when opened.
NOT_PAGES = re.compile(
    r"^/(admin|sandbox|static)/|\.(csv|ics|svg|png)(\?|$)|/csv/|/chart|/calendar"
)
LABELS = {
    "de": {"email": "E-Mail-Adresse", "password": "Passwort", "login": "Anmelden"},
    "en": {"email": "E-mail address", "password": "Password", "login": "Log in"},
}


def demo_data() -> tuple[str, ...]:
    names = [s.name for s in demo.SITES]
    names += [label for s in demo.SITES for _kind, _loc, _n, label in s.chargers]
    names += [name for _code, name, _budget, _cap in demo.DEPARTMENTS]
    return tuple(names)


def kind_of(path: str) -> str:
    """/bookings/12/ and /bookings/13/ are one kind of page."""
    return re.sub(r"\d+", "N", path)


def crawl(page: Page, language: str, limit: int = 40) -> dict[str, list[str]]:
    """Follow the portal's links from the home page; what each page says in
    the wrong language, by address."""
    found: dict[str, list[str]] = {}
    seen: set[str] = set()
    queue = ["/"]
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if kind_of(urlsplit(path).path) in seen:
            continue
        seen.add(kind_of(urlsplit(path).path))
        response = page.goto(path)
        assert response is not None and response.ok, (
            f"{path}: {response and response.status}"
        )
        assert page.locator("html").get_attribute("lang") == language, path
        problems = wrong_language(page_text(page.content()), language, demo_data())
        if problems:
            found[path] = problems
        for href in page.locator("a[href^='/']").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        ):
            target = href.split("#")[0]
            if target and not NOT_PAGES.search(target) and "logout" not in target:
                queue.append(target)
    return found


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize(("what", "email"), LOGINS, ids=[w for w, _e in LOGINS])
def test_every_page_reads_in_the_browsers_language(
    browser: Browser,
    live_server: LiveServer,
    browser_errors: list[str],
    page: Page,
    what: str,
    email: str,
    language: str,
) -> None:
    call_command("seed_demo", verbosity=0)
    context = browser.new_context(base_url=live_server.url, locale=language)
    tab = context.new_page()
    tab.on(
        "console",
        lambda m: (
            browser_errors.append(f"console error on {tab.url}: {m.text}")
            if m.type == "error"
            else None
        ),
    )
    tab.on("pageerror", lambda e: browser_errors.append(f"page error: {e.message}"))
    try:
        labels = LABELS[language]
        tab.goto("/login/")
        assert wrong_language(page_text(tab.content()), language) == []
        tab.get_by_label(labels["email"]).fill(email)
        tab.get_by_label(labels["password"]).fill(demo.DEMO_PASSWORD)
        tab.get_by_role("button", name=labels["login"], exact=True).click()
        expect(tab).to_have_url(re.compile(r"/$"))
        assert crawl(tab, language) == {}
    finally:
        context.close()


def test_the_switcher_keeps_the_choice_on_the_account(
    browser: Browser, live_server: LiveServer, page: Page
) -> None:
    """A German browser, English chosen: English from then on, also in a new
    browser after signing in again."""
    call_command("seed_demo", verbosity=0)
    email = LOGINS[0][1]
    page.context.close()
    for attempt in ("first", "second"):
        context = browser.new_context(base_url=live_server.url, locale="de")
        tab = context.new_page()
        tab.goto("/login/")
        # Nobody has signed in in this browser yet: it asks for German.
        expect(tab.locator("html")).to_have_attribute("lang", "de")
        labels = LABELS["de"]
        tab.get_by_label(labels["email"]).fill(email)
        tab.get_by_label(labels["password"]).fill(demo.DEMO_PASSWORD)
        tab.get_by_role("button", name=labels["login"], exact=True).click()
        expect(tab).to_have_url(re.compile(r"/$"))
        if attempt == "first":
            expect(tab.locator("html")).to_have_attribute("lang", "de")
            tab.get_by_role("button", name="English").click()
            expect(tab.locator("html")).to_have_attribute("lang", "en")
        expect(tab.locator("html")).to_have_attribute("lang", "en")
        context.close()
