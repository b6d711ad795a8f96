"""Request helpers for views: typing, and who is asking."""

from __future__ import annotations

import ipaddress
import logging
from functools import cache

from django.conf import settings
from django.http import HttpRequest

from portal.models import User

logger = logging.getLogger(__name__)


class AuthenticatedRequest(HttpRequest):
    """A request of a logged-in person: LoginRequiredMiddleware guarantees it
    for every view that is not marked login_not_required."""

    user: User


def client_address(request: HttpRequest) -> str | None:
    """The address of whoever sent the request, for lockouts and rate limits.

    REMOTE_ADDR, unless TRUSTED_PROXY_COUNT says how many proxies of ours
    stand in front of the portal: each of them appends the address it was
    reached from to X-Forwarded-For, so the client's is that many entries from
    the right. Entries further left were written by the client and may be
    forged; a header with fewer entries did not pass every proxy, and then only
    the direct peer is known.
    """
    peer = _address(request.META.get("REMOTE_ADDR", ""))
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0:
        if forwarded:
            _warn_header_ignored()
        return peer
    entries = [entry.strip() for entry in forwarded.split(",") if entry.strip()]
    if len(entries) < proxies:
        return peer
    client = _address(entries[-proxies])
    if client is None:
        logger.warning(
            "X-Forwarded-For entry %r is not an address: is TRUSTED_PROXY_COUNT "
            "(%d) right?",
            entries[-proxies][:100],
            proxies,
        )
        return peer
    return client


@cache
def _warn_header_ignored() -> None:
    # Once per process: behind a proxy nobody told us about, every person
    # shares the proxy's address, and its lockouts and limits.
    logger.warning(
        "Requests carry X-Forwarded-For but TRUSTED_PROXY_COUNT is 0, so the "
        "header is ignored; behind a reverse proxy, set TRUSTED_PROXY_COUNT."
    )


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def is_pk(value: str) -> bool:
    """Whether a value sent by a browser can be a primary key: ASCII digits that
    fit 64 bits. Anything else ("²", a 5,000-digit number) makes the database
    layer raise instead of matching nothing."""
    return value.isascii() and value.isdigit() and len(value) < 19
