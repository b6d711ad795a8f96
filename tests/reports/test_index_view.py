from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from django.test import Client

from bookings.models import Booking
from portal.models import User
from tests.reports.conftest import at

pytestmark = pytest.mark.django_db


def test_manager_sees_only_the_departments_they_manage(
    login: Callable[[User], Client], manager: User, sales
) -> None:
    body = login(manager).get("/reports/?month=2026-03").content.decode()
    assert "/reports/departments/engineering/?month=2026-03" in body
    assert "/reports/departments/sales/" not in body
    assert "Unattributed" not in body


def test_finance_sees_every_department_and_the_unattributed(
    login: Callable[[User], Client],
    finance: User,
    engineering,
    book: Callable[..., Booking],
) -> None:
    book(at("2026-03-02"), price="4.20")
    response = login(finance).get("/reports/?month=2026-03")
    body = response.content.decode()
    assert response.status_code == 200
    assert "/reports/departments/engineering/?month=2026-03" in body
    assert "/reports/departments/sales/?month=2026-03" in body
    assert "Unattributed" in body
    assert "4.20" in body


@pytest.mark.parametrize("persona", ["employee", "receptionist"])
def test_people_without_a_report_role_get_403(
    login: Callable[[User], Client], persona: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(persona)
    assert login(user).get("/reports/").status_code == 403


def test_logged_out_visitor_is_sent_to_login(client: Client) -> None:
    response = client.get("/reports/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_an_unreadable_month_is_a_bad_request(
    login: Callable[[User], Client], finance: User
) -> None:
    assert login(finance).get("/reports/?month=2026-13").status_code == 400


def test_index_refuses_post(login: Callable[[User], Client], finance: User) -> None:
    assert login(finance).post("/reports/").status_code == 405


# Five past midnight on New Year's Day in Berlin, still 2026 in UTC.
@pytest.mark.time_machine(datetime(2026, 12, 31, 23, 5, tzinfo=UTC))
def test_default_month_is_this_month(
    login: Callable[[User], Client], finance: User
) -> None:
    from bookings.months import Month

    response = login(finance).get("/reports/")
    assert response.context["month"] == Month(2027, 1)
    assert "January 2027" in response.content.decode()
