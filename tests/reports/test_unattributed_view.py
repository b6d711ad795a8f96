from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from bookings.models import Booking
from portal.models import User
from tests.reports.conftest import at

pytestmark = pytest.mark.django_db


def test_finance_sees_unattributed_bookings_with_an_assign_link(
    login: Callable[[User], Client],
    finance: User,
    employee: User,
    book: Callable[..., Booking],
) -> None:
    lost = book(at("2026-03-02"), external_id="fleet-7-20260302")
    book(at("2026-03-02"), employee=employee.employee, external_id="engineering-x")
    body = login(finance).get("/reports/unattributed/").content.decode()
    assert "fleet-7-20260302" in body
    assert "engineering-x" not in body
    assert f"/reports/unattributed/{lost.pk}/assign/" in body


@pytest.mark.parametrize("persona", ["manager", "employee"])
def test_others_get_403(
    login: Callable[[User], Client], persona: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(persona)
    assert login(user).get("/reports/unattributed/").status_code == 403
