"""Every page, as every role, on a phone and on a laptop: it fits (also the
laptop at 200 % zoom), axe finds no serious or critical WCAG 2.2 A/AA
violation, links and buttons that stand alone are 44 by 44 px on the phone,
headings do not skip a level and every table has a caption and header cells.

One test walks all roles in one browser tab, so the demo is seeded and synced
once: the walk (tests/browser/pages.py) follows the links from each person's
home page, plus the search results for those who can book.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from bookings.statuses import BookingStatus
from portal import demo
from portal.models import Site, User
from tests.bookings.reception.visit_factory import make_visit
from tests.browser.pages import (
    Problem,
    axe_problems,
    log_in,
    small_targets,
    structure_problems,
    too_wide,
    walk,
)

pytestmark = pytest.mark.browser

PHONE = 360
LAPTOP = 1280
# The laptop at 200 % zoom: text must reflow there too (WCAG 1.4.4, 1.4.10).
ZOOMED = LAPTOP // 2
# One person per kind of home page: the other managers and employees see the
# same pages with other figures. Then the two who use the portal most once
# more in German, whose longer words are the first to break a narrow layout.
ROLES = (
    ("Employee (engineering)", "en"),
    ("Employee without customer id", "en"),
    ("Receptionist", "en"),
    ("Manager of engineering", "en"),
    ("Finance", "en"),
    ("Admin", "en"),
    ("Employee (engineering)", "de"),
    ("Receptionist", "de"),
)


@pytest.fixture
def demo_company(live_server: LiveServer, settings: Any) -> None:
    settings.PETITMONDE_SANDBOX = True
    settings.PETITMONDE_API_KEY = ""
    settings.PETITMONDE_API_URL = f"{live_server.url}/sandbox/api/v1/client"
    call_command("seed_demo", verbosity=0)
    call_command("sync_bookings", verbosity=0)
    site = Site.objects.get(name="Karlsruhe HQ")
    host = User.objects.get(email=dict(demo.logins())["Employee (engineering)"])
    today = timezone.localtime(timezone.now(), site.tzinfo)
    later = today.replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)
    make_visit(site=site, host=host, start=later)
    make_visit(
        site=site,
        host=host,
        start=later + timedelta(days=1),
        status=BookingStatus.CANCELLED,
        visitor_name="Jo Called-Off",
    )


def search_results(page: Page) -> list[str]:
    """The results of the booking form as it comes, for those who can book."""
    book = page.locator("nav a[href='/bookings/new/']")
    if not book.count():
        return []
    page.goto("/bookings/new/")
    find = page.locator(".search-form button[type=submit]")
    if not find.count():
        return []
    find.click()
    page.wait_for_load_state()
    return [page.url.removeprefix(page.url.split("/bookings/")[0])]


def test_every_page_fits_a_phone_and_has_no_serious_accessibility_problem(
    page: Page, demo_company: None
) -> None:
    logins = dict(demo.logins())
    problems: list[Problem] = []
    visited = 0
    for role, language in ROLES:
        User.objects.filter(email=logins[role]).update(language=language)
        page.set_viewport_size({"width": LAPTOP, "height": 800})
        log_in(page, logins[role])
        expect(page.locator("html")).to_have_attribute("lang", language)
        for _url in walk(page, extra=search_results(page)):
            visited += 1
            page.set_viewport_size({"width": PHONE, "height": 800})
            problems += too_wide(page, PHONE)
            problems += axe_problems(page, PHONE)
            problems += small_targets(page, PHONE)
            page.set_viewport_size({"width": ZOOMED, "height": 800})
            problems += too_wide(page, ZOOMED)
            page.set_viewport_size({"width": LAPTOP, "height": 800})
            problems += axe_problems(page, LAPTOP)
            problems += structure_problems(page, LAPTOP)

    assert visited > 5 * len(ROLES)  # the walk found the pages
    assert not problems, "\n".join(str(p) for p in problems)


@pytest.mark.parametrize("width", [PHONE, LAPTOP])
def test_the_login_field_shows_a_whole_e_mail_address(page: Page, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    page.goto("/login/")
    field = page.get_by_label("E-mail address")
    field.fill("friederike.mustermann@example.com")

    assert field.evaluate("input => input.scrollWidth <= input.clientWidth")
