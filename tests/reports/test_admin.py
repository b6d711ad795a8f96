"""The monthly report deliveries in the admin."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.test import Client

from portal.models import User
from reports.models import ReportDelivery

pytestmark = pytest.mark.django_db


def test_admin_sees_report_deliveries_and_cannot_add_one(
    login: Callable[[User], Client], admin_user: User
) -> None:
    ReportDelivery.objects.create(
        month=date(2026, 3, 1), recipient="finance@example.com", kind="finance"
    )
    client = login(admin_user)
    body = client.get("/admin/reports/reportdelivery/").content.decode()
    assert "finance@example.com" in body
    assert client.get("/admin/reports/reportdelivery/add/").status_code == 403
