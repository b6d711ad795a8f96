from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from portal.models import User

pytestmark = pytest.mark.django_db


def test_finance_sees_the_reports_card_and_links(
    login: Callable[[User], Client], finance: User
) -> None:
    body = login(finance).get("/").content.decode()
    assert "Open reports" in body
    assert 'href="/reports/unattributed/"' in body
    assert body.count('href="/reports/"') == 2  # the card and the navigation


def test_manager_sees_their_departments_card(
    login: Callable[[User], Client], manager: User
) -> None:
    body = login(manager).get("/").content.decode()
    assert "Your departments" in body
    assert 'href="/reports/"' in body
    assert "/reports/unattributed/" not in body


def test_employee_sees_no_reports(
    login: Callable[[User], Client], employee: User
) -> None:
    body = login(employee).get("/").content.decode()
    assert "/reports/" not in body
