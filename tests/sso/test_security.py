"""What the portal refuses of a sign-in, against the real test provider."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from django.test import Client, RequestFactory
from django.urls import reverse
from time_machine import TimeMachineFixture

from portal.sso import config
from portal.sso.provider import PortalOIDCAdapter
from tests.plugins.oidc_provider import Provider

pytestmark = pytest.mark.django_db

LOGIN = reverse("openid_connect_login", kwargs={"provider_id": "company"})
CALLBACK = reverse("openid_connect_callback", kwargs={"provider_id": "company"})
PERSON = {
    "email": "ada@example.com",
    "given_name": "Ada",
    "family_name": "Lovelace",
    "employee_id": "e1815",
    "department": "engineering",
    "roles": ["employee"],
}


def adapter() -> PortalOIDCAdapter:
    return PortalOIDCAdapter(RequestFactory().get("/"), config.PROVIDER_ID)


def decode(token: str, *, client_id: str = "portal") -> dict[str, object]:
    """The ID token as the callback decodes it, right after the token request.

    That is when allauth on its own would skip the signature.
    """
    app = config.social_app()
    app.client_id = client_id
    callback = adapter()
    callback.did_fetch_access_token = True
    return callback._decode_id_token(app, token)


@pytest.fixture
def other_apps_token(sso: Provider) -> str:
    sso.set_person("ada", PERSON)
    return sso.id_token_for_other_app("ada")


def test_sign_in_asks_for_the_code_with_pkce_state_and_nonce(
    sso: Provider, client: Client
) -> None:
    response = client.post(LOGIN)

    assert response.status_code == 302
    location = urlparse(response["Location"])
    assert f"{location.scheme}://{location.netloc}" == sso.issuer
    query = parse_qs(location.query)
    assert query["response_type"] == ["code"]
    assert query["client_id"] == ["portal"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) >= 43
    assert len(query["state"][0]) >= 16
    assert len(query["nonce"][0]) >= 32
    assert sorted(query["scope"][0].split()) == ["email", "openid", "profile"]


def test_sign_in_is_started_by_post_only(sso: Provider, client: Client) -> None:
    assert client.get(LOGIN).status_code == 405


def test_a_token_of_another_application_is_refused(other_apps_token: str) -> None:
    assert decode(other_apps_token, client_id="other")["sub"] == "ada"
    with pytest.raises(OAuth2Error):
        decode(other_apps_token)


def test_an_expired_token_is_refused(
    other_apps_token: str, time_machine: TimeMachineFixture
) -> None:
    decode(other_apps_token, client_id="other")
    time_machine.move_to(timedelta(hours=2))
    with pytest.raises(OAuth2Error):
        decode(other_apps_token, client_id="other")


def test_a_token_with_a_changed_claim_is_refused(other_apps_token: str) -> None:
    header, payload, signature = other_apps_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "someone-else"
    forged_payload = (
        base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    )
    with pytest.raises(OAuth2Error):
        decode(f"{header}.{forged_payload}.{signature}", client_id="other")


def test_an_unsigned_token_is_refused(other_apps_token: str) -> None:
    _header, payload, _signature = other_apps_token.split(".")
    none = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=")
    with pytest.raises(OAuth2Error):
        decode(f"{none.decode()}.{payload}.", client_id="other")


def test_a_provider_announcing_another_issuer_is_refused(
    sso: Provider, client: Client, settings: object, _no_network: object
) -> None:
    # The same provider reached under another name: its discovery document
    # names 127.0.0.1, the portal is configured with localhost.
    elsewhere = sso.issuer.replace("127.0.0.1", "localhost")
    settings.OIDC_ISSUER = elsewhere  # type: ignore[attr-defined]
    _no_network.add_passthru(elsewhere)  # type: ignore[attr-defined]

    response = client.post(LOGIN)

    assert response.status_code == 502
    assert b"Company sign-in unavailable" in response.content


def test_a_made_up_callback_is_refused(sso: Provider, client: Client) -> None:
    response = client.get(CALLBACK, {"code": "made-up", "state": "made-up"})

    assert b"Sign-in refused" in response.content
    assert "_auth_user_id" not in client.session


def test_a_forged_code_with_a_real_state_is_refused_and_the_state_is_spent(
    sso: Provider, client: Client
) -> None:
    state = parse_qs(urlparse(client.post(LOGIN)["Location"]).query)["state"][0]

    response = client.get(CALLBACK, {"code": "forged", "state": state})

    assert b"Sign-in refused" in response.content
    assert "_auth_user_id" not in client.session
    again = client.get(CALLBACK, {"code": "forged", "state": state})
    assert b"Sign-in refused" in again.content


def test_sign_in_is_404_while_it_is_not_configured(client: Client) -> None:
    assert client.post(LOGIN).status_code == 404
    assert client.get(CALLBACK).status_code == 404
