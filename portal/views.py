from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST, require_safe
from django.views.i18n import set_language

from portal.home import home_context
from portal.http import AuthenticatedRequest
from portal.i18n import spoken

logger = logging.getLogger(__name__)


@require_GET
def home(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "portal/home.html", home_context(request.user))


@login_not_required
@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("Health check: database unreachable")
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@login_not_required
@require_GET
def admin_login(request: HttpRequest) -> HttpResponse:
    """Stands in for the admin's own login page, which has no lockout."""
    if request.user.is_authenticated:
        if request.user.is_staff:
            return redirect("admin:index")
        # The admin sends a logged-in non-admin here; the portal's login page
        # would send them straight back to the admin, round and round.
        raise PermissionDenied
    query = request.GET.urlencode()
    return redirect(f"{reverse('login')}?{query}" if query else reverse("login"))


@login_not_required
@require_POST
def choose_language(request: HttpRequest) -> HttpResponse:
    """The language switcher on every page: Django's set_language (the cookie
    and a safe redirect back), and for a signed-in person their account, so
    the choice follows them to other browsers and into e-mails."""
    response = set_language(request)
    chosen = spoken(request.POST.get("language"))
    if chosen and request.user.is_authenticated:
        request.user.language = chosen
        request.user.save(update_fields=["language"])
    return response
