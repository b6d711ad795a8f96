from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from bookings.models import Booking
from portal.models import User
from tests.reports.conftest import at

pytestmark = pytest.mark.django_db


def test_finance_sees_completed_bookings_and_the_breakdown(
    login: Callable[[User], Client],
    finance: User,
    employee: User,
    book: Callable[..., Booking],
) -> None:
    book(
        at("2026-03-02"),
        employee=employee.employee,
        price="12.34",
        external_id="engineering-emp042-20260302",
    )
    book(
        at("2026-03-03"),
        employee=employee.employee,
        price="5.00",
        status=Booking.Status.NO_SHOW,
    )
    body = login(finance).get("/reports/summary/?month=2026-03").content.decode()
    assert "engineering-emp042-20260302" in body
    assert "1 bookings" in body or "1 booking" in body
    assert "Department breakdown" in body
    assert "17.34" in body  # the breakdown's spend includes the fee


def test_long_months_are_paged(
    login: Callable[[User], Client], finance: User, book: Callable[..., Booking]
) -> None:
    for day in range(1, 29):
        for hour in range(8, 12):
            book(at(f"2026-03-{day:02d}", hour), price="1.00")
    client = login(finance)
    first = client.get("/reports/summary/?month=2026-03").content.decode()
    assert "Page 1 of 2" in first
    assert "?month=2026-03&amp;page=2" in first
    second = client.get("/reports/summary/?month=2026-03&page=2").content.decode()
    assert "Page 2 of 2" in second
    assert "112 bookings" in second  # the total covers every page


def test_manager_gets_403(login: Callable[[User], Client], manager: User) -> None:
    assert login(manager).get("/reports/summary/").status_code == 403
