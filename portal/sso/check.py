"""What `manage.py sso_check` looks at: the settings and the discovery document."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils.translation import gettext as _

from portal.sso import config

TIMEOUT = (3.05, 10)


@dataclass
class Findings:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    redirect_uri: str = ""
    post_logout_redirect_uri: str = ""


def check() -> Findings:
    found = Findings(
        redirect_uri=_portal_url(
            reverse(
                "openid_connect_callback", kwargs={"provider_id": config.PROVIDER_ID}
            )
        ),
        post_logout_redirect_uri=_portal_url(reverse("login")),
    )
    if not settings.OIDC_ISSUER:
        found.problems.append(
            _("OIDC_ISSUER is empty: sign-in with the company account is off.")
        )
        return found
    if not settings.OIDC_CLIENT_ID:
        found.problems.append(
            _("OIDC_CLIENT_ID is empty: copy the application's client id.")
        )
    if not settings.OIDC_CLIENT_SECRET:
        found.problems.append(
            _("OIDC_CLIENT_SECRET is empty: create a client secret at the provider.")
        )
    if "openid" not in config.scopes():
        found.problems.append(_("OIDC_SCOPES must contain “openid”."))
    try:
        config.role_map()
    except ImproperlyConfigured as exc:
        found.problems.append(str(exc))
    document = _discovery(found)
    if document is not None:
        _check_document(document, found)
    return found


def _portal_url(path: str) -> str:
    base: str = settings.PORTAL_BASE_URL
    return base.rstrip("/") + path


def _discovery(found: Findings) -> dict[str, Any] | None:
    url = config.discovery_url()
    try:
        response = requests.get(url, timeout=TIMEOUT)
    except requests.RequestException as exc:
        found.problems.append(
            _("The discovery document %(url)s cannot be fetched: %(error)s")
            % {"url": url, "error": exc}
        )
        return None
    if response.status_code != 200:
        found.problems.append(
            _(
                "The discovery document %(url)s answers with HTTP %(status)d: is "
                "OIDC_ISSUER the provider's issuer?"
            )
            % {"url": url, "status": response.status_code}
        )
        return None
    try:
        document = response.json()
    except ValueError:
        found.problems.append(
            _("The discovery document %(url)s is not JSON.") % {"url": url}
        )
        return None
    if not isinstance(document, dict):
        found.problems.append(
            _("The discovery document %(url)s is not a JSON object.") % {"url": url}
        )
        return None
    return document


def _check_document(document: dict[str, Any], found: Findings) -> None:
    announced = str(document.get("issuer", ""))
    if not config.same_issuer(announced):
        found.problems.append(
            _(
                "The provider calls itself “%(announced)s”, but OIDC_ISSUER is "
                "“%(configured)s”: set OIDC_ISSUER to the provider's value."
            )
            % {"announced": announced, "configured": settings.OIDC_ISSUER}
        )
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not document.get(key):
            found.problems.append(
                _("The discovery document has no %(key)s.") % {"key": key}
            )
    if "code" not in document.get("response_types_supported", ["code"]):
        found.problems.append(
            _("The provider does not offer the authorization code flow.")
        )
    methods = document.get("code_challenge_methods_supported")
    if methods is not None and "S256" not in methods:
        found.problems.append(_("The provider does not offer PKCE with S256."))
    if document.get("end_session_endpoint"):
        found.notes.append(
            _("Logging out of the portal also signs out at the provider.")
        )
    else:
        found.notes.append(
            _(
                "The provider has no end_session_endpoint: logging out of the "
                "portal does not sign out at the provider."
            )
        )
