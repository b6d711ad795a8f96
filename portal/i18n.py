"""Which language a person reads: their own choice, else the site's.

Requests follow the browser until the person chooses (LocaleMiddleware, then
`person_language` below). Work outside a request (jobs, the follow-up of a
booking, e-mails) has no browser to ask, so it speaks the person's stored
choice, else LANGUAGE_CODE.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

if TYPE_CHECKING:
    from portal.models import User


def spoken(code: str | None) -> str | None:
    """`code` when the portal speaks it, else None."""
    if code and code in dict(settings.LANGUAGES):
        return code
    return None


def site_language() -> str:
    """LANGUAGE_CODE: the language of anyone nobody asked (a model default)."""
    return str(settings.LANGUAGE_CODE)


def language_of(user: User | None) -> str:
    """The language to write to `user` in when no browser says otherwise."""
    chosen = spoken(getattr(user, "language", None))
    return chosen or settings.LANGUAGE_CODE


def in_language_of(user: User | None) -> translation.override:
    """`with in_language_of(person): ...` renders text for that person."""
    return translation.override(language_of(user))


def other_language(code: str) -> str:
    """The portal's other language than `code` (for the line of a visitor's
    pass written in the language the visitor was not given)."""
    others = [c for c, _name in settings.LANGUAGES if c != code]
    return others[0] if others else code


def person_language(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """After LocaleMiddleware and authentication: a signed-in person's own
    choice wins over the browser's."""

    def middleware(request: HttpRequest) -> HttpResponse:
        user: Any = getattr(request, "user", None)
        chosen = spoken(getattr(user, "language", None)) if user else None
        if chosen:
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen
        return get_response(request)

    return middleware
