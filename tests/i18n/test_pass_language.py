"""The visitor's pass: in the language reception picked, with a line in the other."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings as SettingsFixture

from bookings.reception.forms import VisitForm
from portal.models import User
from tests.bookings.reception.visit_factory import make_visit


@pytest.mark.django_db
def test_an_english_pass_on_a_german_page(
    client: Client, site: Any, employee: User, receptionist: User
) -> None:
    visit = make_visit(site=site, host=employee, language="en")
    client.force_login(receptionist)
    page = client.get(
        reverse("reception:pass", args=[visit.pk]), HTTP_ACCEPT_LANGUAGE="de"
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert '<html lang="de">' in html
    # The page around the pass is German, the pass English, one line German.
    assert "Drucken" in html or "Etiketten" in html
    article = html[html.index('<article class="pass"') :]
    assert article.startswith(
        '<article class="pass" aria-labelledby="pass-title" lang="en">'
    )
    assert "How to charge" in article
    assert 'lang="de">Ihr Laden am Standort Karlsruhe HQ' in article


@pytest.mark.django_db
def test_the_form_offers_both_and_starts_with_the_sites_language(
    receptionist: User, settings: SettingsFixture
) -> None:
    settings.LANGUAGE_CODE = "de"
    form = VisitForm(user=receptionist)
    field = form.fields["language"]
    assert [code for code, _name in field.choices] == ["en", "de"]  # type: ignore[attr-defined]
    assert field.initial == "de"
