"""The home page's card for an open offer: freed charger time kept for the
person, shown first, with how long it is kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone

from bookings.formatting import format_window
from bookings.waitlist.models import Offer
from portal import formatting
from portal.models import User


@dataclass(frozen=True)
class OpenOffer:
    url: str
    charger: str
    window: str
    until: str


def offers_card(user: User, now: datetime) -> dict[str, Any]:
    offers = (
        Offer.objects.visible_to(user)
        .open()
        .filter(expires_at__gt=now)
        .select_related("entry__site")
        .order_by("expires_at")
    )
    shown = []
    for offer in offers:
        zone = offer.entry.site.tzinfo
        shown.append(
            OpenOffer(
                url=reverse("waitlist:offer", args=[offer.pk]),
                charger=offer.label or offer.name,
                window=format_window(offer.start, offer.end, zone),
                until=formatting.clock(timezone.localtime(offer.expires_at, zone)),
            )
        )
    return {"open_offers": shown} if shown else {}
