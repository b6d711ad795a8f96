"""Typing help for views."""

from __future__ import annotations

from django.http import HttpRequest

from portal.models import User


class AuthenticatedRequest(HttpRequest):
    """A request of a logged-in person: LoginRequiredMiddleware guarantees it
    for every view that is not marked login_not_required."""

    user: User
