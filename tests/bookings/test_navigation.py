"""The home card and the navigation links appear for people who may book."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from portal.models import User

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["employee", "receptionist", "manager", "finance"])
def test_people_who_may_book_see_the_card_and_links(
    login: Callable[[User], Client], who: str, request: pytest.FixtureRequest
) -> None:
    page = login(request.getfixturevalue(who)).get("/").content.decode()

    assert 'id="card-book"' in page
    assert page.count('href="/bookings/new/"') == 2  # navigation and card
    assert page.count('href="/bookings/"') == 2


def test_people_who_may_not_book_see_neither(
    login: Callable[[User], Client], admin_user: User
) -> None:
    page = login(admin_user).get("/").content.decode()

    assert 'id="card-book"' not in page
    assert "/bookings/" not in page
