"""Every page, as every role, in German and in English: one language only.

The pages are those of tests/test_access.py's table that the persona may
open with a GET; each is rendered with the browser asking for the language.
"""

from __future__ import annotations

import pytest
from django.test import Client

from tests.i18n.reading import page_text, wrong_language
from tests.test_access import ACCESS

ROLES = ("employee", "receptionist", "manager", "finance", "admin_user", None)
# Names and labels the fixtures give sites and chargers (data, not text).
DATA = ("Visitor parking, bay 1", "Karlsruhe HQ – Visitor parking")


def pages_for(persona: str | None) -> list[str]:
    return sorted(
        name
        for name, rule in ACCESS.items()
        if rule.method == "get"
        and (
            (persona is None and rule.public and rule.anonymous_status == 200)
            or (persona is not None and rule.expected(persona) == 200)
        )
    )


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("persona", ROLES)
def test_every_page_in_one_language(
    persona: str | None, language: str, client: Client, request: pytest.FixtureRequest
) -> None:
    get = request.getfixturevalue
    if persona is not None:
        client.force_login(get(persona))
    found = {}
    for name in pages_for(persona):
        rule = ACCESS[name]
        url = rule.url(name, get)
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, name
        if "text/html" not in response.get("Content-Type", ""):
            continue
        assert response["Content-Language"] == language, name
        problems = wrong_language(page_text(response.content.decode()), language, DATA)
        if problems:
            found[name] = problems
    assert found == {}, f"{persona or 'logged out'} in {language}: {found}"


def test_the_check_finds_english_in_a_german_page() -> None:
    """The checker itself: a marked text left in English, an unmarked one,
    an American date; and a clean page passes."""
    german = "<h1>Meine Buchungen</h1><p>Sie haben keine Buchung.</p>"
    assert wrong_language(page_text(german), "de") == []
    english_left = german + "<p>You can book at most 14 days ahead.</p>"
    assert wrong_language(page_text(english_left), "de")
    assert wrong_language(page_text(german + '<img alt="Print the pass">'), "de")
    assert wrong_language(page_text(german + "<p>am 12/01/2026</p>"), "de")
    assert wrong_language(page_text("<p>Tue Dec. 3, 2026</p>"), "en")
    # German abbreviations with a dot are no American dates.
    assert wrong_language(page_text(german + "<p>Mo., 1. Jan. 2029</p>"), "de") == []
    assert wrong_language(page_text("<p>Your bookings und mehr</p>"), "en")
