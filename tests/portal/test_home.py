from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from portal.models import User

pytestmark = pytest.mark.django_db


def test_logged_out_visitor_is_sent_to_login(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/"


def test_employee_sees_their_profile(
    login: Callable[[User], Client], employee: User
) -> None:
    response = login(employee).get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "emp042" in body
    assert "Engineering" in body
    assert "€40.00" in body  # the department's default cap


def test_employee_without_customer_id_is_told_to_ask_admin(
    login: Callable[[User], Client], make_person: Callable[..., User], engineering
) -> None:
    person = make_person("emp099", engineering, customer_id="")
    body = login(person).get("/").content.decode()
    assert "an administrator must set your customer id" in body


def test_admin_sees_administration_card(
    login: Callable[[User], Client], admin_user: User
) -> None:
    body = login(admin_user).get("/").content.decode()
    assert "Open administration" in body


def test_employee_does_not_see_administration(
    login: Callable[[User], Client], employee: User
) -> None:
    body = login(employee).get("/").content.decode()
    assert "Open administration" not in body


def test_home_refuses_post(login: Callable[[User], Client], employee: User) -> None:
    # The home page only shows things; a POST is not a thing it does.
    assert login(employee).post("/").status_code == 405
