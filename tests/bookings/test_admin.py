"""The sync's runs in the admin."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from portal.models import User

pytestmark = pytest.mark.django_db


def test_admin_sees_sync_runs(
    login: Callable[[User], Client], admin_user: User
) -> None:
    assert login(admin_user).get("/admin/bookings/syncrun/").status_code == 200


def test_manager_cannot_open_the_sync_runs(
    login: Callable[[User], Client], manager: User
) -> None:
    response = login(manager).get("/admin/bookings/syncrun/")
    assert response.status_code == 302  # to the login page: not staff
