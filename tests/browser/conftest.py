"""Headless Chromium for the browser tests: Playwright drives Debian's chromium.

Every test that uses ``page`` fails when the browser logs a console error or
a page error; Content Security Policy violations are console errors, so each
browser test also checks that no page needs an inline script or style.

A browser test module starts with ``pytestmark = pytest.mark.browser``.
``live_server`` makes each test use a transactional database, emptied after
the test; the role groups come back by themselves (portal.apps restores them
after every flush), so a test only creates its own data, e.g. ``seed_demo``.
Do not use ``serialized_rollback``: Playwright switches the context Django
keeps its connections in, so the serialized copy of the database is not found.

Every browser test runs at one fixed moment of the portal's clock (a Tuesday
morning in Berlin), so the demo's history, "tomorrow" and "this month" are
the same on any day. The clock ticks on from there for the live server, and
Chromium keeps the real time: nothing it does depends on the date, and the
portal's cookies carry a Max-Age, which Chromium counts on its own clock.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Error,
    Page,
    Response,
    sync_playwright,
)
from pytest_django.live_server_helper import LiveServer
from time_machine import TimeMachineFixture

# Playwright's sync API runs an asyncio event loop in this thread; Django
# refuses ORM calls from a thread with a running loop unless told it is safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


# 10:00 in Berlin on Tuesday 4 May 2027.
MOMENT = datetime(2027, 5, 4, 8, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fixed_moment(time_machine: TimeMachineFixture) -> None:
    time_machine.move_to(MOMENT, tick=True)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: run .ci/ensure-chromium (make test does)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def browser_errors() -> list[str]:
    """What the browser reported; ``page`` fails the test unless it is empty."""
    return []


@pytest.fixture
def page(
    browser: Browser, live_server: LiveServer, browser_errors: list[str]
) -> Iterator[Page]:
    """A fresh browser tab on the live server; fails on any console error."""
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    problems = browser_errors

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(f"console error on {tab.url}: {message.text}")

    def on_page_error(error: Error) -> None:
        problems.append(f"page error on {tab.url}: {error.message}")

    def on_response(response: Response) -> None:
        # Console errors about a failed resource do not name it; this does.
        # Pages themselves may be 403 or 404 on purpose; what they load may not.
        if response.status >= 400 and response.request.resource_type != "document":
            problems.append(f"{response.status} for {response.url} on {tab.url}")

    tab.on("console", on_console)
    tab.on("response", on_response)
    tab.on("pageerror", on_page_error)
    yield tab
    context.close()
    if problems:
        pytest.fail("The browser reported errors:\n" + "\n".join(problems))
