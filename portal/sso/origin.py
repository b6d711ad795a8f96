"""Kept apart from the rest of portal.sso: the settings module imports it."""

from __future__ import annotations

from urllib.parse import urlsplit


def oidc_origin(issuer: str) -> str:
    """The scheme, host and port of the provider, for the CSP's form-action."""
    parts = urlsplit(issuer)
    return f"{parts.scheme}://{parts.netloc}"
