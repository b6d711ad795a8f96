from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from bookings.models import Booking
from portal.models import Department, User
from tests.reports.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def lost(book: Callable[..., Booking]) -> Booking:
    return book(at("2026-03-02"), external_id="pool-car-20260302")


def test_finance_charges_a_booking_to_a_department(
    login: Callable[[User], Client], finance: User, lost: Booking, sales: Department
) -> None:
    client = login(finance)
    assert client.get(f"/reports/unattributed/{lost.pk}/assign/").status_code == 200
    response = client.post(
        f"/reports/unattributed/{lost.pk}/assign/", {"department": sales.pk}
    )
    assert response.status_code == 302
    assert response["Location"] == "/reports/unattributed/"
    lost.refresh_from_db()
    assert lost.attribution == Booking.Attribution.MANUAL
    assert lost.department == sales
    assert lost.employee is None
    assert lost.assigned_by == finance
    assert lost.assigned_at is not None


def test_an_employee_id_alone_charges_their_department(
    login: Callable[[User], Client], finance: User, lost: Booking, employee: User
) -> None:
    login(finance).post(
        f"/reports/unattributed/{lost.pk}/assign/", {"employee_id": "emp042"}
    )
    lost.refresh_from_db()
    assert lost.employee == employee.employee
    assert lost.department.code == "engineering"


def test_unknown_employee_is_refused_with_a_message(
    login: Callable[[User], Client], finance: User, lost: Booking
) -> None:
    response = login(finance).post(
        f"/reports/unattributed/{lost.pk}/assign/", {"employee_id": "emp999"}
    )
    assert response.status_code == 400
    assert "There is no employee with this id." in response.content.decode()
    lost.refresh_from_db()
    assert lost.attribution == Booking.Attribution.NONE


def test_nothing_chosen_is_refused(
    login: Callable[[User], Client], finance: User, lost: Booking
) -> None:
    response = login(finance).post(f"/reports/unattributed/{lost.pk}/assign/", {})
    assert response.status_code == 400
    assert "Choose a department" in response.content.decode()


def test_an_attributed_booking_is_404(
    login: Callable[[User], Client],
    finance: User,
    employee: User,
    book: Callable[..., Booking],
) -> None:
    mine = book(at("2026-03-02"), employee=employee.employee)
    url = f"/reports/unattributed/{mine.pk}/assign/"
    assert login(finance).get(url).status_code == 404


@pytest.mark.parametrize("persona", ["manager", "employee"])
def test_others_get_403(
    login: Callable[[User], Client],
    persona: str,
    request: pytest.FixtureRequest,
    lost: Booking,
    sales: Department,
) -> None:
    user = request.getfixturevalue(persona)
    response = login(user).post(
        f"/reports/unattributed/{lost.pk}/assign/", {"department": sales.pk}
    )
    assert response.status_code == 403


def test_assign_refuses_put(
    login: Callable[[User], Client], finance: User, lost: Booking
) -> None:
    url = f"/reports/unattributed/{lost.pk}/assign/"
    assert login(finance).put(url).status_code == 405
