"""The dashboards run as many queries for a big company as for a small one."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bookings.models import Booking, Visit
from portal.models import Department, Employee, Site, User
from tests.reports.conftest import at

pytestmark = pytest.mark.django_db


def populate(
    size: int,
    tag: str,
    make_person: Callable[..., User],
    book: Callable[..., Booking],
    site: Site,
) -> None:
    """`size` departments of `size` people with `size` bookings a month each."""
    for d in range(size):
        dept, _created = Department.objects.get_or_create(
            code=f"dept{d}",
            defaults={"name": f"Department {d}", "monthly_budget": Decimal(100)},
        )
        for p in range(size):
            person = make_person(f"p{d}{tag}{p}", dept).employee
            for day in range(1, size + 1):
                book(at(f"2026-03-{day:02d}"), employee=person, city=f"City {day}")
                book(at(f"2026-01-{day:02d}"), employee=person, location_id=f"L{p}")
        visit = Visit.objects.create(
            site=site,
            host=Employee.objects.filter(department=dept).first(),
            host_department=dept,
            visitor_name="V",
            arrival=at("2026-03-03", 8),
            departure=at("2026-03-03", 18),
        )
        book(at("2026-03-03"), visit=visit, department=dept)
    book(at("2026-03-04"))  # unattributed


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url",
    [
        "/reports/departments/dept0/?month=2026-03",
        "/reports/?month=2026-03",
        "/reports/summary/?month=2026-03",
        "/reports/unattributed/",
        "/reports/departments/dept0/employees.csv?month=2026-03",
    ],
)
def test_query_count_does_not_grow_with_data(
    url: str,
    login: Callable[[User], Client],
    finance: User,
    make_person: Callable[..., User],
    book: Callable[..., Booking],
    site: Site,
    django_assert_max_num_queries: Callable[..., object],
) -> None:
    client = login(finance)
    populate(2, "a", make_person, book, site)
    small = count_queries(client, url)
    populate(6, "b", make_person, book, site)
    assert Booking.objects.count() > 10 * 20
    with django_assert_max_num_queries(small):
        client.get(url)
