"""Rate limits: the headers on every answer, 429 after the limit, the monthly quota."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from bookings.sandbox.forms import parse_instant
from bookings.sandbox.models import RequestLog
from tests.bookings.sandbox.conftest import Api

pytestmark = pytest.mark.django_db


def test_every_answer_carries_the_headers(api: Api) -> None:
    answers = [
        api.get("usage"),  # 200
        api.get("search", {"lat": 100, "lng": 0}),  # 400
        api.get("bookings/6f1c1a52-0000-4000-8000-000000000000"),  # 404
    ]
    for response in answers:
        assert response["X-RateLimit-Limit"] == "100"
        reset = parse_instant(response["X-RateLimit-Reset"])
        assert response["X-RateLimit-Reset"].endswith("Z")
        assert timezone.now() < reset <= timezone.now() + timedelta(seconds=61)
        assert "Retry-After" not in response
    assert [r["X-RateLimit-Remaining"] for r in answers] == ["99", "98", "97"]


@override_settings(PETITMONDE_SANDBOX_RATE_LIMIT=3)
def test_the_request_after_the_limit_is_429(api: Api) -> None:
    for remaining in ("2", "1", "0"):
        assert api.get("bookings")["X-RateLimit-Remaining"] == remaining
    response = api.get("bookings")
    assert response.status_code == 429
    wait = int(response["Retry-After"])
    assert 1 <= wait <= 61
    assert response.json() == {
        "error": f"Rate limit exceeded. Retry after {wait} seconds."
    }
    assert response["X-RateLimit-Remaining"] == "0"


@override_settings(PETITMONDE_SANDBOX_RATE_LIMIT=2)
def test_the_window_slides(api: Api) -> None:
    api.get("usage")
    api.get("usage")
    assert api.get("usage").status_code == 429
    # A minute later the first requests have left the window.
    RequestLog.objects.update(at=timezone.now() - timedelta(seconds=61))
    response = api.get("usage")
    assert response.status_code == 200
    assert response["X-RateLimit-Remaining"] == "1"


@override_settings(PETITMONDE_SANDBOX_RATE_LIMIT=2)
def test_refused_requests_do_not_count(api: Api) -> None:
    for _ in range(5):
        api.get("usage")
    assert RequestLog.objects.count() == 2


@override_settings(PETITMONDE_SANDBOX_RATE_LIMIT=1)
def test_limits_are_per_key(client: Client, world: None) -> None:
    assert Api(client).get("usage").status_code == 200
    assert Api(client).get("usage").status_code == 429
    with override_settings(PETITMONDE_SANDBOX_KEY="other"):
        assert Api(client, key="other").get("usage").status_code == 200


@override_settings(PETITMONDE_SANDBOX_RATE_LIMIT=1)
def test_a_refused_create_creates_nothing(api: Api, booking_body) -> None:
    api.get("usage")
    assert api.post("bookings", booking_body()).status_code == 429
    assert api.get("bookings").status_code == 429


@override_settings(PETITMONDE_SANDBOX_MONTHLY_QUOTA=2)
def test_the_monthly_quota_runs_out(api: Api) -> None:
    api.get("usage")
    api.get("usage")
    response = api.get("usage")
    assert response.status_code == 429
    now = timezone.now()
    next_month = (now.replace(day=1) + timedelta(days=32)).replace(
        day=1, hour=0, minute=0, second=0, microsecond=0
    )
    wait = int(response["Retry-After"])
    assert abs(wait - (next_month - now).total_seconds()) < 5
    assert response.json() == {
        "error": f"Monthly quota exceeded. Retry after {wait} seconds."
    }


def test_usage_reports_both_limits(api: Api) -> None:
    api.get("bookings")
    usage = api.get("usage").json()
    assert usage == {
        "rate_limit": {
            "limit": 100,
            "remaining": 98,
            "period": "minute",
            "reset_at": usage["rate_limit"]["reset_at"],
        },
        "monthly_quota": {
            "limit": 10000,
            "used": 2,
            "remaining": 9998,
            "reset_at": usage["monthly_quota"]["reset_at"],
        },
    }
    reset = parse_instant(usage["monthly_quota"]["reset_at"])
    assert (reset.day, reset.hour, reset.minute) == (1, 0, 0)
    assert datetime.now(UTC) < reset < datetime.now(UTC) + timedelta(days=32)
    parse_instant(usage["rate_limit"]["reset_at"])


@override_settings(
    PETITMONDE_SANDBOX_RATE_LIMIT=7, PETITMONDE_SANDBOX_MONTHLY_QUOTA=500
)
def test_usage_follows_the_settings(api: Api) -> None:
    usage = api.get("usage").json()
    assert usage["rate_limit"]["limit"] == 7
    assert usage["monthly_quota"]["limit"] == 500
