"""The sandbox's rate limit against the client's pacing and retries.

The sandbox's window is a real minute; to keep the tests short the requests
already counted are aged (as the sandbox's own tests do), so that the window frees
a slot a second or two later.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.petitmonde import (
    BookingRequest,
    PetitmondeClient,
    PetitmondeError,
    get_client,
)
from bookings.sandbox.models import Booking, RequestLog

pytestmark = pytest.mark.contract

Request = Callable[..., BookingRequest]
LIMIT = 3


@pytest.fixture
def low_limit(sandbox_url: str, settings) -> None:
    settings.PETITMONDE_SANDBOX_RATE_LIMIT = LIMIT


@pytest.fixture
def slept() -> list[float]:
    return []


@pytest.fixture
def make_client(slept: list[float]) -> Callable[..., PetitmondeClient]:
    """A client from the settings whose waits are recorded (and really made)."""

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        time.sleep(seconds)

    def make(**options: object) -> PetitmondeClient:
        return get_client(sleep=sleep, **options)

    return make


def use_up_the_limit(*, age: float) -> None:
    """Another client spends the minute's requests; they were made `age` s ago."""
    other = get_client()
    for _ in range(LIMIT):
        other.usage()
    RequestLog.objects.update(at=timezone.now() - timedelta(seconds=age))


def test_reads_pace_themselves_and_meet_no_429(
    low_limit: None, make_client: Callable[..., PetitmondeClient], slept: list[float]
) -> None:
    client = make_client()
    client.usage()
    client.usage()
    # Two requests made 57 s ago: a slot frees up in about 3 s.
    RequestLog.objects.update(at=timezone.now() - timedelta(seconds=57))
    client.usage()
    assert client.stats.rate_remaining == 0
    usage = client.usage()
    assert usage.rate_limit is not None and usage.rate_limit.remaining == 1
    assert client.stats.rate_limited == 0
    assert client.stats.paced == 1
    assert len(slept) == 1 and 0 < slept[0] <= 4


def test_a_read_after_the_limit_waits_as_retry_after_says(
    low_limit: None, make_client: Callable[..., PetitmondeClient], slept: list[float]
) -> None:
    use_up_the_limit(age=57)
    client = make_client()  # knows nothing of the other client's requests
    assert client.list_bookings(limit=5) == []
    assert client.stats.rate_limited == 1
    assert client.stats.retries == 1
    assert client.stats.requests == 2
    # The first wait is the sandbox's Retry-After: whole seconds, 1 to 4 here.
    assert slept[0] in (1.0, 2.0, 3.0, 4.0)


def test_a_read_gives_up_when_retry_after_is_over_the_cap(
    low_limit: None, make_client: Callable[..., PetitmondeClient], slept: list[float]
) -> None:
    use_up_the_limit(age=0)
    client = make_client(retry_after_cap=5)
    with pytest.raises(PetitmondeError) as caught:
        client.get_booking("6f1c1a52-0000-4000-8000-000000000000")
    error = caught.value
    assert error.rate_limited and not error.ambiguous
    assert error.retry_after is not None and 55 <= error.retry_after <= 61
    assert (
        error.message
        == f"Rate limit exceeded. Retry after {error.retry_after:.0f} seconds."
    )
    assert client.stats.requests == 1
    assert slept == []


def test_create_is_not_retried_after_a_429(
    low_limit: None,
    make_client: Callable[..., PetitmondeClient],
    slept: list[float],
    booking_request: Request,
) -> None:
    use_up_the_limit(age=57)
    client = make_client()
    with pytest.raises(PetitmondeError) as caught:
        client.create_booking(booking_request())
    assert caught.value.rate_limited and not caught.value.ambiguous
    assert caught.value.retry_after in (1.0, 2.0, 3.0, 4.0)
    assert client.stats.requests == 1
    assert slept == []
    assert not Booking.objects.exists()


def test_usage_counts_what_the_client_sent(
    sandbox_url: str, make_client: Callable[..., PetitmondeClient]
) -> None:
    client = make_client()
    client.search(lat=49.0094, lng=8.4044)
    client.list_bookings(limit=5)
    usage = client.usage()  # counted too
    assert usage.monthly_quota is not None and usage.rate_limit is not None
    assert usage.monthly_quota.used == client.stats.requests == 3
    assert usage.rate_limit.remaining == 100 - 3 == client.stats.rate_remaining


def test_a_spent_monthly_quota_is_a_429_not_waited_for(
    sandbox_url: str,
    settings,
    make_client: Callable[..., PetitmondeClient],
    slept: list[float],
) -> None:
    settings.PETITMONDE_SANDBOX_MONTHLY_QUOTA = 2
    client = make_client(retry_after_cap=5)
    client.usage()
    client.usage()
    with pytest.raises(PetitmondeError) as caught:
        client.list_bookings(limit=5)
    error = caught.value
    assert error.rate_limited and error.retry_after is not None
    assert error.retry_after > client.retry_after_cap  # until the 1st of next month
    assert error.message.startswith("Monthly quota exceeded. Retry after ")
    assert client.stats.requests == 3
    assert slept == []
