"""allauth's hooks: a sign-in with the company account makes or updates the person.

The claims are checked and written (portal.sso.claims) before allauth logs
anyone in; a refusal shows the refusal page and writes nothing. allauth's own
sign-up and account pages are not used: the portal has no sign-up.
"""

from __future__ import annotations

import logging
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp, SocialLogin
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest
from django.shortcuts import render
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from portal.sso import config
from portal.sso.claims import Refusal, Refused, sync_person

logger = logging.getLogger(__name__)

# Set in the session when the person signed in with the company account, so
# that logging out also ends the provider's session.
SESSION_KEY = "sso_signed_in"


def refusal_page(
    request: HttpRequest, refusals: list[Refusal]
) -> ImmediateHttpResponse:
    response = render(request, "sso/refused.html", {"refusals": refusals}, status=403)
    return ImmediateHttpResponse(response)


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def login(self, request: HttpRequest, user: AbstractBaseUser) -> None:
        super().login(request, user)
        if getattr(request, "_sso_sign_in", False):
            request.session[SESSION_KEY] = True

    def add_message(self, *args: Any, **kwargs: Any) -> None:
        # allauth's "Successfully signed in" and the like: the portal's home
        # page says who is signed in.
        return None


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def list_apps(
        self,
        request: HttpRequest | None,
        provider: str | None = None,
        client_id: str | None = None,
    ) -> list[SocialApp]:
        # Only the provider of the environment; none from the database.
        if not config.enabled():
            return []
        app = config.social_app()
        if provider not in (None, app.provider, app.provider_id):
            return []
        if client_id not in (None, app.client_id):
            return []
        return [app]

    def is_open_for_signup(
        self, request: HttpRequest, sociallogin: SocialLogin
    ) -> bool:
        # pre_social_login has linked the account by then; anything else is
        # not a person of the directory.
        return False

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        claims: dict[str, Any] = sociallogin.account.extra_data.get("id_token") or {}
        expected = str((sociallogin.state or {}).get("nonce") or "")
        if not expected or not constant_time_compare(
            expected, str(claims.get("nonce", ""))
        ):
            logger.warning("Company sign-in refused: the ID token's nonce differs")
            raise refusal_page(
                request,
                [
                    Refusal(
                        "nonce",
                        str(claims.get("nonce", "")),
                        _("the answer of the sign-in does not belong to this request"),
                    )
                ],
            )
        try:
            user = sync_person(claims)
        except Refused as refused:
            logger.info("Company sign-in refused: %s", refused)
            raise refusal_page(request, refused.refusals) from refused
        if sociallogin.is_existing and sociallogin.user.pk != user.pk:
            logger.warning(
                "Company sign-in refused: %s is linked to user %s, the claims "
                "name user %s",
                sociallogin.account.uid,
                sociallogin.user.pk,
                user.pk,
            )
            raise refusal_page(
                request,
                [
                    Refusal(
                        "sub",
                        sociallogin.account.uid,
                        _("this company account belongs to another person here"),
                    )
                ],
            )
        if not user.is_superuser and user.has_usable_password():
            # The directory decides who gets in: a portal password would
            # outlive the company account.
            user.set_unusable_password()
            user.save(update_fields=["password"])
        if sociallogin.is_existing:
            sociallogin.user = user
            sociallogin.account.user = user
        else:
            sociallogin.connect(request, user)
        request._sso_sign_in = True  # type: ignore[attr-defined]

    def on_authentication_error(
        self,
        request: HttpRequest,
        provider: Any,
        error: Any = None,
        exception: Exception | None = None,
        extra_context: Any = None,
    ) -> None:
        logger.warning("Company sign-in failed: %s (%r)", error, exception)
