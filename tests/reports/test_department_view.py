from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from bookings.models import Booking
from portal.models import User
from tests.reports.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def bookings(book: Callable[..., Booking], employee: User) -> None:
    book(at("2026-03-02"), employee=employee.employee, price="12.34")
    book(at("2026-02-02"), employee=employee.employee, price="56.78")


def test_manager_sees_their_department_for_the_chosen_month(
    login: Callable[[User], Client], manager: User, bookings: None
) -> None:
    client = login(manager)
    march = client.get("/reports/departments/engineering/?month=2026-03")
    assert march.status_code == 200
    body = march.content.decode()
    assert "Engineering: March 2026" in body
    assert "€12.34" in body
    feb = client.get("/reports/departments/engineering/?month=2026-02").content
    assert "€56.78" in feb.decode()


def test_every_table_offers_its_csv_for_the_month(
    login: Callable[[User], Client], manager: User, bookings: None
) -> None:
    body = login(manager).get("/reports/departments/engineering/?month=2026-03")
    for table in [
        "overview",
        "trend",
        "employees",
        "anomalies",
        "cities",
        "locations",
        "visitors",
    ]:
        url = f"/reports/departments/engineering/{table}.csv?month=2026-03"
        assert url in body.content.decode()


def test_chart_comes_with_its_table(
    login: Callable[[User], Client], manager: User, bookings: None
) -> None:
    body = (
        login(manager)
        .get("/reports/departments/engineering/?month=2026-03")
        .content.decode()
    )
    assert '<img src="/reports/departments/engineering/trend.svg?month=2026-03"' in body
    assert "Spend over twelve months" in body


def test_manager_of_another_department_gets_404(
    login: Callable[[User], Client], manager: User, sales
) -> None:
    assert login(manager).get("/reports/departments/sales/").status_code == 404


def test_unknown_department_is_404(
    login: Callable[[User], Client], finance: User
) -> None:
    assert login(finance).get("/reports/departments/nope/").status_code == 404


def test_finance_sees_any_department(
    login: Callable[[User], Client], finance: User, engineering
) -> None:
    response = login(finance).get("/reports/departments/engineering/")
    assert response.status_code == 200


@pytest.mark.parametrize("persona", ["employee", "outsider", "receptionist"])
def test_people_without_a_report_role_get_403(
    login: Callable[[User], Client], persona: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(persona)
    assert login(user).get("/reports/departments/engineering/").status_code == 403


def test_an_unreadable_month_is_a_bad_request(
    login: Callable[[User], Client], manager: User
) -> None:
    url = "/reports/departments/engineering/?month=March"
    assert login(manager).get(url).status_code == 400


def test_department_page_refuses_post(
    login: Callable[[User], Client], manager: User
) -> None:
    assert login(manager).post("/reports/departments/engineering/").status_code == 405


def test_over_budget_is_said_in_words(
    login: Callable[[User], Client],
    manager: User,
    employee: User,
    book: Callable[..., Booking],
) -> None:
    book(at("2026-03-02"), employee=employee.employee, price="1234.56")
    body = (
        login(manager)
        .get("/reports/departments/engineering/?month=2026-03")
        .content.decode()
    )
    assert "over budget by €234.56" in body
    assert "style=" not in body


def test_long_place_lists_are_cut_on_the_page_but_whole_in_the_csv(
    login: Callable[[User], Client],
    manager: User,
    employee: User,
    book: Callable[..., Booking],
) -> None:
    for n in range(30):
        book(
            at("2026-03-02"),
            employee=employee.employee,
            location_id=f"DE-ENB-E{n:06d}",
            location_name=f"Charger {n}",
            price=f"{n + 1}.00",
        )
    client = login(manager)
    body = client.get("/reports/departments/engineering/?month=2026-03").content
    text = body.decode()
    assert "Charger 29" in text  # the most expensive are shown
    assert "Charger 0<" not in text
    assert "… and 5 more rows: download the CSV for every one." in text
    assert "465.00" in text  # the total still covers all thirty
    csv = b"".join(
        client.get(
            "/reports/departments/engineering/locations.csv?month=2026-03"
        ).streaming_content
    )
    assert csv.count(b"\n") == 31
