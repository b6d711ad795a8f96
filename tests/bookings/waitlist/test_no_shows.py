"""No-shows count: after NO_SHOW_LIMIT in a month, booking only a short way ahead."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from bookings import policy
from bookings.statuses import BookingStatus
from portal.models import Site, User
from tests.bookings.factories import make_booking

pytestmark = pytest.mark.django_db


def unused(person: User, status: str, days_ago: int) -> None:
    make_booking(
        person.employee,
        start=timezone.now() - timedelta(days=days_ago),
        status=status,
    )


def problems(person: User, site: Site, days_ahead: int) -> list[policy.Problem]:
    start = timezone.now() + timedelta(days=days_ahead)
    return policy.problems_for(
        person.employee,
        site=site,
        start=start,
        end=start + timedelta(hours=2),
        estimate=None,
    )


def test_after_the_limit_only_a_short_way_ahead_and_the_refusal_says_until_when(
    site: Site, employee: User, settings: Any
) -> None:
    settings.NO_SHOW_LIMIT = 2
    settings.NO_SHOW_MAX_DAYS_AHEAD = 1
    unused(employee, BookingStatus.NO_SHOW, 5)
    assert problems(employee, site, 3) == []  # one is below the limit
    unused(employee, BookingStatus.EXPIRED, 2)

    (refusal,) = [p for p in problems(employee, site, 3) if p.rule == policy.NO_SHOWS]
    assert refusal.message == (
        "You left 2 bookings unused this month (no-show or expired). Until the "
        "end of March 2026 you can book at most 1 day ahead."
    )
    # Tomorrow is still allowed.
    assert all(p.rule != policy.NO_SHOWS for p in problems(employee, site, 1))


def test_last_months_no_shows_do_not_count(
    site: Site, employee: User, settings: Any
) -> None:
    settings.NO_SHOW_LIMIT = 1
    unused(employee, BookingStatus.NO_SHOW, 15)  # 23 February

    assert all(p.rule != policy.NO_SHOWS for p in problems(employee, site, 3))


def test_no_limit_when_switched_off(site: Site, employee: User, settings: Any) -> None:
    settings.NO_SHOW_LIMIT = 0
    unused(employee, BookingStatus.NO_SHOW, 2)

    assert all(p.rule != policy.NO_SHOWS for p in problems(employee, site, 3))


def test_the_search_form_refuses_too_far_ahead_next_to_the_date(
    login: Any, employee: User, site: Site, settings: Any, fake_api: Any
) -> None:
    settings.NO_SHOW_LIMIT = 1
    unused(employee, BookingStatus.NO_SHOW, 2)
    day = (timezone.localtime() + timedelta(days=4)).date().isoformat()

    page = (
        login(employee)
        .get(
            "/bookings/new/",
            {"site": site.pk, "date": day, "start": "08:00", "end": "10:00"},
        )
        .content.decode()
    )

    assert "You left 1 booking unused this month" in page
    assert fake_api.searches == []
