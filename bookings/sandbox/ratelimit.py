"""Rate limits as the API documents them: per key, per minute and per month.

Real time, not sandbox time: limits are about how fast a client really calls,
and a client waits out `Retry-After` on its own clock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Min

from bookings.sandbox.models import MonthlyUsage, RequestLog, iso, key_digest

WINDOW = timedelta(minutes=1)


@dataclass(frozen=True)
class Allowance:
    """Where a key stands after this request."""

    limit: int
    remaining: int
    reset_at: datetime
    monthly_limit: int
    monthly_used: int
    monthly_reset_at: datetime
    # Set when this request was refused: seconds to wait, and which limit.
    retry_after: int | None = None
    refused_by: str = ""

    def headers(self) -> dict[str, str]:
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": iso(self.reset_at),
        }
        if self.retry_after is not None:
            headers["Retry-After"] = str(self.retry_after)
        return headers

    def as_usage(self) -> dict[str, object]:
        """The body of GET /usage."""
        return {
            "rate_limit": {
                "limit": self.limit,
                "remaining": self.remaining,
                "period": "minute",
                "reset_at": iso(self.reset_at),
            },
            "monthly_quota": {
                "limit": self.monthly_limit,
                "used": self.monthly_used,
                "remaining": max(0, self.monthly_limit - self.monthly_used),
                "reset_at": iso(self.monthly_reset_at),
            },
        }


def _next_month(now: datetime) -> datetime:
    first = now.astimezone(UTC).replace(
        day=1, hour=0, minute=0, second=0, microsecond=0
    )
    return (first + timedelta(days=32)).replace(day=1)


def _round_up(moment: datetime) -> datetime:
    """Whole seconds, never earlier than the real moment."""
    if moment.microsecond:
        return moment.replace(microsecond=0) + timedelta(seconds=1)
    return moment


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


def _allowance(
    digest: str, now: datetime, monthly_used: int, **refusal: object
) -> Allowance:
    recent = RequestLog.objects.filter(key_digest=digest, at__gt=now - WINDOW)
    window = recent.aggregate(oldest=Min("at"))
    count = recent.count()
    limit = settings.PETITMONDE_SANDBOX_RATE_LIMIT
    # Sliding window: a slot frees up when the oldest request in it turns a
    # minute old.
    oldest = window["oldest"]
    return Allowance(
        limit=limit,
        remaining=max(0, limit - count),
        reset_at=_round_up((oldest or now) + WINDOW),
        monthly_limit=settings.PETITMONDE_SANDBOX_MONTHLY_QUOTA,
        monthly_used=monthly_used,
        monthly_reset_at=_next_month(now),
        **refusal,  # type: ignore[arg-type]
    )


def peek(key: str, now: datetime) -> Allowance:
    """Where a key stands, without counting this request (refused keys)."""
    digest = key_digest(key)
    used = (
        MonthlyUsage.objects.filter(key_digest=digest, month=MonthlyUsage.month_of(now))
        .values_list("used", flat=True)
        .first()
    )
    return _allowance(digest, now, used or 0)


@transaction.atomic
def charge(key: str, now: datetime) -> Allowance:
    """Count this request, or refuse it when a limit is reached.

    Refused requests are not counted, so a client that waits as told gets
    through. The month's row is locked, which serialises one key's requests.
    """
    digest = key_digest(key)
    RequestLog.objects.filter(at__lte=now - WINDOW).delete()
    usage, _ = MonthlyUsage.objects.select_for_update().get_or_create(
        key_digest=digest, month=MonthlyUsage.month_of(now)
    )
    if usage.used >= settings.PETITMONDE_SANDBOX_MONTHLY_QUOTA:
        wait = _seconds_until(_next_month(now), now)
        return _allowance(digest, now, usage.used, retry_after=wait, refused_by="month")
    current = _allowance(digest, now, usage.used)
    if current.remaining <= 0:
        wait = _seconds_until(current.reset_at, now)
        return _allowance(
            digest, now, usage.used, retry_after=wait, refused_by="minute"
        )
    RequestLog.objects.create(key_digest=digest, at=now)
    usage.used += 1
    usage.save(update_fields=["used"])
    return _allowance(digest, now, usage.used)
