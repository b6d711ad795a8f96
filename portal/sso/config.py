"""The company's OpenID Provider as the environment describes it (OIDC_*)."""

from __future__ import annotations

from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from portal.roles import Role

# allauth's name for our one provider; it appears in the sign-in URLs.
PROVIDER_ID = "company"


def enabled() -> bool:
    return bool(settings.OIDC_ISSUER and settings.OIDC_CLIENT_ID)


def oidc_only() -> bool:
    return enabled() and settings.OIDC_ONLY


def discovery_url() -> str:
    issuer: str = settings.OIDC_ISSUER
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


def same_issuer(announced: str) -> bool:
    """Whether the discovery document's issuer is the one configured.

    A trailing slash is the only difference forgiven: it is how the value is
    pasted, not another provider.
    """
    return bool(announced) and announced.rstrip("/") == settings.OIDC_ISSUER.rstrip("/")


def button_label() -> str:
    return settings.OIDC_BUTTON_LABEL or _("Company account")


def scopes() -> list[str]:
    value: str = settings.OIDC_SCOPES
    return value.split()


def role_map() -> dict[str, str]:
    """OIDC_ROLE_MAP as {directory value: portal role}; empty means identity."""
    mapping: dict[str, str] = {}
    for item in settings.OIDC_ROLE_MAP.split(","):
        if not item.strip():
            continue
        value, sep, role = item.rpartition("=")
        role = role.strip().lower()
        if not sep or not value.strip() or role not in Role.values:
            raise ImproperlyConfigured(
                _(
                    "OIDC_ROLE_MAP: “%(item)s” is not “directory value=portal role” "
                    "with one of the roles %(roles)s."
                )
                % {"item": item.strip(), "roles": ", ".join(Role.values)}
            )
        mapping[value.strip()] = role
    return mapping


def social_app() -> SocialApp:
    """The provider as allauth's (unsaved) SocialApp, built from the settings."""
    return SocialApp(
        provider="openid_connect",
        provider_id=PROVIDER_ID,
        name=button_label(),
        client_id=settings.OIDC_CLIENT_ID,
        secret=settings.OIDC_CLIENT_SECRET,
        settings={
            "server_url": discovery_url(),
            # The claims the portal needs are in the ID token (Entra ID puts
            # roles and optional claims only there); userinfo is not asked.
            "fetch_userinfo": False,
            "oauth_pkce_enabled": True,
            "scope": scopes(),
        },
    )
