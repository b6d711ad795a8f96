"""manage.py sso_check against the real test provider and against mistakes."""

from __future__ import annotations

from io import StringIO

import pytest
import responses
from django.core.management import CommandError, call_command
from pytest_django.fixtures import Settings as SettingsFixture

from tests.plugins.oidc_provider import Provider


def run() -> str:
    out = StringIO()
    call_command("sso_check", stdout=out)
    return out.getvalue()


def test_a_right_configuration_passes_and_prints_the_redirect_uri(
    sso: Provider, settings: SettingsFixture
) -> None:
    settings.PORTAL_BASE_URL = "https://ev.example.com/"

    out = run()

    assert (
        "Redirect URI to register at the provider: "
        "https://ev.example.com/sso/company/callback/"
    ) in out
    assert "https://ev.example.com/login/" in out
    assert "also signs out at the provider" in out
    assert "looks right" in out


def test_without_issuer_it_says_sign_in_is_off(settings: SettingsFixture) -> None:
    settings.OIDC_ISSUER = ""
    with pytest.raises(CommandError, match="OIDC_ISSUER is empty"):
        run()


def test_another_issuer_in_the_document_is_named(
    sso: Provider, settings: SettingsFixture, _no_network: responses.RequestsMock
) -> None:
    settings.OIDC_ISSUER = sso.issuer.replace("127.0.0.1", "localhost")
    _no_network.add_passthru(settings.OIDC_ISSUER)

    with pytest.raises(CommandError, match=r"calls itself “http://127\.0\.0\.1"):
        run()


def test_a_wrong_address_and_a_bad_role_map_are_said_in_plain_words(
    sso: Provider, settings: SettingsFixture
) -> None:
    settings.OIDC_ISSUER = f"{sso.issuer}/no-such-tenant"
    settings.OIDC_ROLE_MAP = "EVPortal.Pilot=pilot"
    settings.OIDC_CLIENT_SECRET = ""

    with pytest.raises(CommandError) as raised:
        run()

    message = str(raised.value)
    assert "answers with HTTP 404" in message
    assert "EVPortal.Pilot=pilot" in message
    assert "OIDC_CLIENT_SECRET is empty" in message
