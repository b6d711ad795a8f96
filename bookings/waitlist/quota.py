"""The waiting list's share of the API's monthly quota, and what it spent.

Following statuses for offers, reminders and notices spends requests beside
the sync; WAITLIST_MAX_QUOTA_SHARE of the monthly quota is its limit, counted
per calendar month in UTC as the API counts (QuotaUse, shown in the admin).
Matching itself costs nothing: it reads the portal's own tables.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from bookings.waitlist.models import QuotaUse

# The monthly quota assumed when the API has not said (the documented default).
DOCUMENTED_MONTHLY_QUOTA = 10_000


def _month(now: datetime | None = None) -> datetime:
    return (now or timezone.now()).astimezone(UTC)


def allowed(now: datetime | None = None) -> int:
    """Requests this feature may spend in the month (of the documented quota)."""
    share: float = settings.WAITLIST_MAX_QUOTA_SHARE
    return math.floor(share * DOCUMENTED_MONTHLY_QUOTA)


def used(now: datetime | None = None) -> int:
    total: int = QuotaUse.objects.requests_in(_month(now))
    return total


def may_spend(requests: int, now: datetime | None = None) -> bool:
    return used(now) + requests <= allowed(now)


def spent(purpose: str, requests: int, now: datetime | None = None) -> None:
    if requests <= 0:
        return
    month = _month(now).date().replace(day=1)
    row, created = QuotaUse.objects.get_or_create(
        month=month, purpose=purpose, defaults={"requests": requests}
    )
    if not created:
        QuotaUse.objects.filter(pk=row.pk).update(requests=F("requests") + requests)
