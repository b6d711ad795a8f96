"""allauth's openid_connect provider, with the checks it leaves out.

allauth (65.x) sends no nonce, takes the issuer from whatever the discovery
document says, and skips the ID token's signature when the token came
straight from the token endpoint (OpenID Connect allows that over TLS). The
portal does all three: the nonce goes into the state kept in the session and
is compared in the adapter (portal.sso.adapter), the announced issuer must be
OIDC_ISSUER, and every ID token's signature is checked against the provider's
published keys, with an asymmetric algorithm the provider announces.
"""

from __future__ import annotations

import secrets
from typing import Any

from allauth.core.internal.deferred import jwt
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.openid_connect.provider import (
    OpenIDConnectProvider,
)
from allauth.socialaccount.providers.openid_connect.views import (
    OpenIDConnectOAuth2Adapter,
)
from django.conf import settings
from django.http import HttpRequest, HttpResponse

from portal.sso import config

# Symmetric algorithms would sign with the client secret, "none" not at all.
ASYMMETRIC = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384"}
ASYMMETRIC |= {"ES512", "EdDSA"}


class DiscoveryError(OAuth2Error):
    """The provider's discovery document is unreachable or not ours."""


class PortalOIDCAdapter(OpenIDConnectOAuth2Adapter):
    @property
    def openid_config(self) -> dict[str, Any]:
        if not hasattr(self, "_openid_config"):
            found: dict[str, Any] = super().openid_config
            if not config.same_issuer(str(found.get("issuer", ""))):
                raise DiscoveryError(
                    f"The discovery document names the issuer {found.get('issuer')!r}"
                    f", not OIDC_ISSUER {settings.OIDC_ISSUER!r}"
                )
        return self._openid_config  # type: ignore[no-any-return]

    def _decode_id_token(self, app: SocialApp, id_token: str) -> dict[str, Any]:
        try:
            alg = jwt.get_unverified_header(id_token).get("alg")
        except jwt.PyJWTError as exc:
            raise OAuth2Error("The ID token cannot be read") from exc
        offered = self.openid_config.get(
            "id_token_signing_alg_values_supported", ["RS256"]
        )
        if alg not in ASYMMETRIC or alg not in offered:
            raise OAuth2Error(f"The ID token is signed with {alg!r}")
        return jwtkit.verify_and_decode(  # type: ignore[no-any-return]
            credential=id_token,
            keys_url=self.openid_config["jwks_uri"],
            issuer=self.openid_config["issuer"],
            audience=app.client_id,
            lookup_kid=jwtkit.lookup_kid_jwk,
            verify_signature=True,
        )


class PortalOIDCProvider(OpenIDConnectProvider):
    oauth2_adapter_class = PortalOIDCAdapter

    def redirect(
        self,
        request: HttpRequest,
        process: str,
        next_url: str | None = None,
        data: Any = None,
        **kwargs: Any,
    ) -> HttpResponse:
        # The nonce travels in the authorization request and comes back inside
        # the signed ID token; the copy in the session's state (one-time, tied
        # to the state parameter) is what it is compared with.
        nonce = secrets.token_urlsafe(32)
        auth_params = kwargs.pop("auth_params", None) or self.get_auth_params()
        return super().redirect(  # type: ignore[no-any-return]
            request,
            process,
            next_url,
            data,
            auth_params={**auth_params, "nonce": nonce},
            nonce=nonce,
            **kwargs,
        )
