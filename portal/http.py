"""Typing help for views."""

from __future__ import annotations

from django.http import HttpRequest

from portal.models import User


class AuthenticatedRequest(HttpRequest):
    """A request of a logged-in person: LoginRequiredMiddleware guarantees it
    for every view that is not marked login_not_required."""

    user: User


def is_pk(value: str) -> bool:
    """Whether a value sent by a browser can be a primary key: ASCII digits that
    fit 64 bits. Anything else ("²", a 5,000-digit number) makes the database
    layer raise instead of matching nothing."""
    return value.isascii() and value.isdigit() and len(value) < 19
