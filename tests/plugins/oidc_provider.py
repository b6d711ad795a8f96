"""A real OpenID Provider on 127.0.0.1 for the sign-in tests.

``oidc_provider`` starts tests/oidc_provider/server.mjs (the npm package
oidc-provider, installed by .ci/ensure-oidc-provider) once per test session,
on a free port, with two clients: the portal's, whose redirect URI is the
live server's callback, and "other", another application of the same
directory. ``sso`` switches the portal's sign-in on against it for one test.
Without node or its packages the tests that need it are skipped.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import shutil
import socket
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlparse

import pytest
import requests
import responses
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings as SettingsFixture
from pytest_django.live_server_helper import LiveServer

SERVER = Path(__file__).resolve().parent.parent / "oidc_provider" / "server.mjs"
PORTAL_CLIENT = ("portal", "portal-test-secret")
OTHER_CLIENT = ("other", "other-test-secret")
OTHER_REDIRECT = "http://127.0.0.1:9/other-app/callback"
PASSWORD = "directory"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Provider:
    issuer: str

    def set_person(self, sub: str, claims: dict[str, Any]) -> None:
        """What the directory says about ``sub`` from now on."""
        requests.post(
            f"{self.issuer}/test/people/{sub}", json=claims, timeout=5
        ).raise_for_status()

    def authorize(self, session: requests.Session, url: str, sub: str) -> str:
        """Signs ``sub`` in at the provider's own login page over HTTP.

        ``url`` is the authorization request; returns where the provider
        sends the browser back to (the client's redirect URI with the code).
        """
        response = session.get(url, timeout=5)
        action = re.search(r'action="([^"]+)"', response.text)
        assert action, response.text
        response = session.post(
            urljoin(response.url, action.group(1)),
            data={"login": sub, "password": PASSWORD},
            allow_redirects=False,
            timeout=5,
        )
        while urlparse(response.headers["Location"]).path.startswith(
            ("/auth", "/interaction")
        ):
            response = session.get(
                urljoin(response.url, response.headers["Location"]),
                allow_redirects=False,
                timeout=5,
            )
        return str(response.headers["Location"])

    def id_token_for_other_app(self, sub: str) -> str:
        """A genuine ID token of this provider, issued to the client "other".

        Drives the provider's own login page over HTTP, with PKCE.
        """
        verifier = secrets.token_urlsafe(48)
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        session = requests.Session()
        answer = self.authorize(
            session,
            f"{self.issuer}/auth?"
            + urlencode(
                {
                    "client_id": OTHER_CLIENT[0],
                    "response_type": "code",
                    "scope": "openid email profile",
                    "redirect_uri": OTHER_REDIRECT,
                    "state": "s",
                    "nonce": "n",
                    "code_challenge": challenge,
                    "code_challenge_method": "S256",
                }
            ),
            sub,
        )
        code = parse_qs(urlparse(answer).query)["code"][0]
        token = session.post(
            f"{self.issuer}/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": OTHER_REDIRECT,
                "client_id": OTHER_CLIENT[0],
                "client_secret": OTHER_CLIENT[1],
                "code_verifier": verifier,
            },
            timeout=5,
        )
        token.raise_for_status()
        return str(token.json()["id_token"])


@pytest.fixture(scope="session")
def oidc_provider(
    live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Provider]:
    node = shutil.which("node")
    if node is None or not (SERVER.parent / "node_modules" / "oidc-provider").exists():
        pytest.skip("node or oidc-provider missing: run .ci/ensure-oidc-provider")
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    config = tmp_path_factory.mktemp("oidc") / "config.json"
    config.write_text(
        json.dumps(
            {
                "issuer": issuer,
                "clients": [
                    {
                        "client_id": PORTAL_CLIENT[0],
                        "client_secret": PORTAL_CLIENT[1],
                        "redirect_uris": [f"{live_server.url}/sso/company/callback/"],
                        "post_logout_redirect_uris": [f"{live_server.url}/login/"],
                    },
                    {
                        "client_id": OTHER_CLIENT[0],
                        "client_secret": OTHER_CLIENT[1],
                        "redirect_uris": [OTHER_REDIRECT],
                    },
                ],
            }
        )
    )
    process = subprocess.Popen(
        [node, str(SERVER), str(port), str(config)],
        cwd=SERVER.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if line.strip() != "ready":
            pytest.fail(f"the test OpenID Provider did not start: {line!r}")
        yield Provider(issuer=issuer)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def sso(
    oidc_provider: Provider,
    settings: SettingsFixture,
    _no_network: responses.RequestsMock,
) -> Provider:
    """The portal's sign-in switched on against the test provider."""
    settings.OIDC_ISSUER = oidc_provider.issuer
    settings.OIDC_CLIENT_ID, settings.OIDC_CLIENT_SECRET = PORTAL_CLIENT
    # What portal/settings.py does when OIDC_ISSUER is set at start.
    csp = {**settings.SECURE_CSP}
    csp["form-action"] = [*csp["form-action"], oidc_provider.issuer]
    settings.SECURE_CSP = csp
    # The suite's guard fails any request it does not know; the provider is
    # a real process on 127.0.0.1 and may be talked to.
    _no_network.add_passthru(oidc_provider.issuer)
    return oidc_provider


@pytest.fixture
def sign_in(
    sso: Provider, live_server: LiveServer, client: Client
) -> Callable[..., HttpResponse]:
    """Signs a person in with the Django test client and the real provider.

    The test client speaks as the live server's host, so that the redirect
    URI the portal sends is the one registered at the provider. Returns the
    portal's answer to the provider's callback.
    """
    host = urlparse(live_server.url)

    def sign_in(sub: str) -> HttpResponse:
        server = {"SERVER_NAME": host.hostname, "SERVER_PORT": str(host.port)}
        start = client.post(
            reverse("openid_connect_login", kwargs={"provider_id": "company"}),
            **server,
        )
        assert start.status_code == 302, start.content
        answer = sso.authorize(requests.Session(), start["Location"], sub)
        assert answer.startswith(live_server.url), answer
        return client.get(answer.removeprefix(live_server.url), **server)

    return sign_in
