from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from bookings.models import Booking
from bookings.statuses import BookingStatus
from portal.models import Department, Site, User
from tests.bookings.factories import make_booking
from tests.bookings.reception.visit_factory import make_visit

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


# "What's next?" for each role. 10:00 in Berlin on Tuesday 4 May 2027.
NOW = datetime(2027, 5, 4, 8, tzinfo=UTC)
at_now = pytest.mark.time_machine(NOW, tick=False)


def berlin(day: int, hour: int) -> datetime:
    return datetime(2027, 5, day, hour, tzinfo=ZoneInfo("Europe/Berlin"))


@at_now
def test_employee_sees_their_next_bookings_with_status_and_cancel_link(
    login: Callable[[User], Client], employee: User
) -> None:
    soon = make_booking(employee.employee, start=berlin(5, 9))
    make_booking(employee.employee, start=berlin(2, 9), status=BookingStatus.COMPLETED)
    for day in (6, 7, 8):
        make_booking(employee.employee, start=berlin(day, 9))

    body = login(employee).get("/").content.decode()

    assert "Your next bookings" in body
    assert f'href="/bookings/{soon.pk}/cancel/"' in body
    assert ">confirmed</span>" in body
    assert body.count('href="/bookings/') - body.count('href="/bookings/new') >= 3
    assert "Sun 2 May" not in body  # the past one
    assert "Sat 8 May" not in body  # the fourth: three are shown
    assert "All your upcoming bookings" in body


@at_now
def test_employee_sees_the_cap_used_this_month(
    login: Callable[[User], Client], employee: User
) -> None:
    make_booking(employee.employee, start=berlin(3, 9), estimated_price=Decimal("12"))

    body = login(employee).get("/").content.decode()

    assert "In May you have used €12.00 of your €40.00 cap." in body


@at_now
def test_book_again_searches_the_usual_site_and_time(
    login: Callable[[User], Client], employee: User, site: Site
) -> None:
    for day in (26, 27, 28):
        make_booking(
            employee.employee,
            start=berlin(1, 8).replace(month=4, day=day),
            status=BookingStatus.COMPLETED,
        )
    make_booking(employee.employee, start=berlin(3, 14), status=BookingStatus.COMPLETED)

    body = login(employee).get("/").content.decode()

    # 10:00 now: 08:00 has passed today, so tomorrow.
    url = (
        f"/bookings/new/?site={site.pk}"
        "&amp;date=2027-05-05&amp;start=08%3A00&amp;end=10%3A00"
    )
    assert f'href="{url}"' in body
    assert "Book again: Karlsruhe HQ, 08:00–10:00" in body


@at_now
def test_someone_who_has_never_booked_gets_no_book_again(
    login: Callable[[User], Client], employee: User
) -> None:
    body = login(employee).get("/").content.decode()
    assert "Book again" not in body
    assert 'href="/bookings/new/"' in body


@at_now
def test_without_customer_id_the_person_sees_whom_to_ask_instead_of_booking(
    login: Callable[[User], Client],
    make_person: Callable[..., User],
    engineering: Department,
    settings: Settings,
) -> None:
    settings.PORTAL_ADMIN_NAME = "Petra Admin"
    settings.PORTAL_ADMIN_EMAIL = "petra@example.com"
    person = make_person("emp099", engineering, customer_id="")

    body = login(person).get("/").content.decode()

    assert 'href="/bookings/new/"' not in body  # neither card nor menu
    assert "Petra Admin" in body
    assert 'href="mailto:petra@example.com"' in body


@at_now
def test_someone_who_cannot_book_sees_no_charging_card(
    login: Callable[[User], Client], admin_user: User
) -> None:
    body = login(admin_user).get("/").content.decode()
    assert "Your charging" not in body
    assert "cap" not in body
    assert 'href="/bookings/new/"' not in body


@at_now
def test_receptionist_sees_todays_visitors(
    login: Callable[[User], Client],
    receptionist: User,
    employee: User,
    site: Site,
) -> None:
    today = make_visit(site=site, host=employee, start=berlin(4, 14))
    make_visit(site=site, host=employee, start=berlin(5, 9), visitor_name="Tom Later")

    body = login(receptionist).get("/").content.decode()

    assert "Today's visitors" in body
    assert f'href="/reception/passes/{today.pk}/"' in body
    assert "Jane Visitor" in body
    assert "14:00–16:00" in body
    assert "Tom Later" not in body


@at_now
def test_manager_sees_the_departments_spend_against_budget(
    login: Callable[[User], Client], manager: User, employee: User
) -> None:
    make_booking(
        employee.employee,
        start=berlin(3, 9),
        status=BookingStatus.COMPLETED,
        client_price=Decimal("250.00"),
    )

    body = login(manager).get("/").content.decode()

    assert "Spend against budget in May 2027:" in body
    assert "€250.00 of €1,000.00 (25 %)" in body


@at_now
def test_finance_sees_how_many_bookings_wait_for_attribution(
    login: Callable[[User], Client], finance: User, employee: User
) -> None:
    for day in (3, 4):
        booking = make_booking(
            employee.employee, start=berlin(day, 7), external_id=f"unknown-{day}"
        )
        Booking.objects.filter(pk=booking.pk).update(
            attribution=Booking.Attribution.NONE, employee=None, department=None
        )

    body = login(finance).get("/").content.decode()

    assert "2 bookings wait for attribution." in body
    assert "Spend against budget" not in body
