"""Middleware of the portal's own."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_cache_control

# Downloads that carry a person's or a department's data.
PRIVATE_DOWNLOADS = ("text/csv", "text/calendar")


def private_pages(
    get_response: Callable[[HttpRequest], HttpResponseBase],
) -> Callable[[HttpRequest], HttpResponseBase]:
    """`Cache-Control: private, no-store` on everything a logged-in person gets.

    Pages, CSV and .ics files show one person's bookings or a department's
    money: no shared proxy may keep them, and no browser may keep them on disk
    for whoever uses the machine next. A response counts as a logged-in one
    when the person was logged in before it or is after it (logging out,
    logging in).
    """

    def middleware(request: HttpRequest) -> HttpResponseBase:
        before = _logged_in(request)
        response = get_response(request)
        content_type = response.get("Content-Type", "")
        if before or _logged_in(request) or content_type.startswith(PRIVATE_DOWNLOADS):
            patch_cache_control(response, private=True, no_store=True)
        return response

    return middleware


def _logged_in(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)
