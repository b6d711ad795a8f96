from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from bookings.models import Booking
from portal.models import User
from tests.reports.conftest import at

pytestmark = pytest.mark.django_db


def test_trend_chart_is_svg_with_values_and_the_month_marked_in_words(
    login: Callable[[User], Client],
    manager: User,
    employee: User,
    book: Callable[..., Booking],
) -> None:
    book(at("2026-03-02"), employee=employee.employee, price="1500.00")
    response = login(manager).get(
        "/reports/departments/engineering/trend.svg?month=2026-03"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    body = response.content.decode()
    assert body.startswith("<svg")
    assert "March 2026" in body
    assert "€1,500.00 (selected, over budget)" in body
    assert body.count('stroke-dasharray="3 2"') == 12  # the budget mark


def test_department_chart_lists_every_visible_department(
    login: Callable[[User], Client], finance: User, engineering, sales
) -> None:
    body = login(finance).get("/reports/departments.svg?month=2026-03").content
    assert b"Engineering" in body
    assert b"Sales" in body


def test_manager_cannot_see_another_departments_chart(
    login: Callable[[User], Client], manager: User, sales
) -> None:
    url = "/reports/departments/sales/trend.svg"
    assert login(manager).get(url).status_code == 404


def test_chart_refuses_people_without_the_role(
    login: Callable[[User], Client], employee: User
) -> None:
    assert login(employee).get("/reports/departments.svg").status_code == 403
