"""The login page with the company sign-in, its routes at the provider, logout."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import requests
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import (
    OAuth2CallbackView,
    OAuth2LoginView,
)
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from portal.sso import config
from portal.sso.adapter import SESSION_KEY
from portal.sso.forms import PasswordLoginForm
from portal.sso.provider import PortalOIDCAdapter

logger = logging.getLogger(__name__)


def _login_view(request: HttpRequest, *, break_glass: bool) -> HttpResponseBase:
    show_password = break_glass or not config.oidc_only()
    view = auth_views.LoginView.as_view(
        authentication_form=PasswordLoginForm,
        redirect_authenticated_user=True,
        extra_context={
            "sso_enabled": config.enabled(),
            "sso_label": config.button_label(),
            "show_password_form": show_password,
            "password_action": reverse("login_break_glass" if break_glass else "login"),
        },
    )
    if not show_password and request.method == "POST":
        # The form is not shown, so it is not taken either.
        return redirect("login")
    return view(request)


@login_not_required
def login_page(request: HttpRequest) -> HttpResponseBase:
    return _login_view(request, break_glass=False)


@login_not_required
def login_break_glass(request: HttpRequest) -> HttpResponseBase:
    """The password form for superusers when OIDC_ONLY hides it (docs/sign-in.md)."""
    return _login_view(request, break_glass=True)


def _unavailable(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.warning("Company sign-in unavailable: %s", exc)
    return render(request, "sso/unavailable.html", status=502)


@login_not_required
@require_POST
def sso_login(request: HttpRequest, provider_id: str) -> HttpResponse:
    """Sends the browser to the provider (POST, so no page can start it)."""
    if not config.enabled() or provider_id != config.PROVIDER_ID:
        raise Http404
    adapter = PortalOIDCAdapter(request, provider_id)
    try:
        adapter.openid_config  # noqa: B018 (fails early when it is not ours)
        return OAuth2LoginView.adapter_view(adapter)(request)  # type: ignore[no-any-return]
    except (OAuth2Error, requests.RequestException) as exc:
        return _unavailable(request, exc)


@login_not_required
@require_GET
def sso_callback(request: HttpRequest, provider_id: str) -> HttpResponse:
    if not config.enabled() or provider_id != config.PROVIDER_ID:
        raise Http404
    adapter = PortalOIDCAdapter(request, provider_id)
    try:
        return OAuth2CallbackView.adapter_view(adapter)(request)  # type: ignore[no-any-return]
    except (OAuth2Error, requests.RequestException) as exc:
        return _unavailable(request, exc)


@login_not_required
@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    """Logs out; after a company sign-in, also at the provider when it can."""
    signed_in_there = bool(request.session.get(SESSION_KEY))
    response: HttpResponse = auth_views.LogoutView.as_view()(request)
    if not (signed_in_there and config.enabled()):
        return response
    try:
        end_session = PortalOIDCAdapter(request, config.PROVIDER_ID).openid_config.get(
            "end_session_endpoint"
        )
    except (OAuth2Error, requests.RequestException) as exc:
        logger.warning("Logged out here only: %s", exc)
        return response
    if not end_session:
        return response
    query = urlencode(
        {
            "client_id": settings.OIDC_CLIENT_ID,
            "post_logout_redirect_uri": request.build_absolute_uri(reverse("login")),
        }
    )
    return HttpResponseRedirect(f"{end_session}?{query}")
