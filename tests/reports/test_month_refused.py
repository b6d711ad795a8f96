"""?month= on every report page, CSV and chart: a month no report covers is
asked for again with a message next to the field, never a server error."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from bookings.months import EARLIEST, LATEST, Month
from portal.models import User
from reports.forms import MonthForm

pytestmark = pytest.mark.django_db

MONTH_URLS = [
    "/reports/",
    "/reports/departments.csv",
    "/reports/departments.svg",
    "/reports/summary/",
    "/reports/summary.csv",
    "/reports/departments/engineering/",
    "/reports/departments/engineering/trend.svg",
    *(
        f"/reports/departments/engineering/{table}.csv"
        for table in (
            "overview",
            "trend",
            "employees",
            "anomalies",
            "cities",
            "locations",
            "visitors",
        )
    ),
]


@pytest.mark.parametrize("url", MONTH_URLS)
@pytest.mark.parametrize("month", ["0001-01", "9998-12", "1999-12", "2100-01"])
def test_a_month_outside_the_reports_range_is_asked_for_again(
    login: Callable[[User], Client], finance: User, engineering, url: str, month: str
) -> None:
    response = login(finance).get(url, {"month": month})

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert 'id="id_month_error"' in html
    assert "Reports cover the months from January 2000 to December 2099." in html
    assert f'value="{month}"' in html  # what was typed is kept


@pytest.mark.parametrize("url", MONTH_URLS)
def test_an_unreadable_month_says_how_to_write_one(
    login: Callable[[User], Client], finance: User, engineering, url: str
) -> None:
    response = login(finance).get(url, {"month": "2026-13"})

    assert response.status_code == 400
    assert "Give the month as year and month, e.g. 2026-11." in (
        response.content.decode()
    )


def test_a_refused_month_is_still_a_403_for_people_without_reports(
    login: Callable[[User], Client], employee: User
) -> None:
    assert login(employee).get("/reports/", {"month": "0001-01"}).status_code == 403


@pytest.mark.parametrize(
    ("month", "shown", "hidden"),
    [
        ("2000-01", 'rel="next"', 'rel="prev"'),
        ("2099-12", 'rel="prev"', 'rel="next"'),
    ],
)
def test_the_first_and_last_months_link_only_inwards(
    login: Callable[[User], Client],
    finance: User,
    engineering,
    month: str,
    shown: str,
    hidden: str,
) -> None:
    for url in ("/reports/", "/reports/departments/engineering/"):
        response = login(finance).get(url, {"month": month})
        html = response.content.decode()
        assert response.status_code == 200
        assert shown in html
        assert hidden not in html
    chart = login(finance).get(
        "/reports/departments/engineering/trend.svg", {"month": month}
    )
    assert chart.status_code == 200


def test_the_month_field_tells_the_browser_its_range() -> None:
    html = str(MonthForm()["month"])
    assert 'min="2000-01"' in html
    assert 'max="2099-12"' in html


def test_reportable_months_are_this_century() -> None:
    assert (Month(2000, 1), Month(2099, 12)) == (EARLIEST, LATEST)
    assert Month(2000, 1).reportable and Month(2099, 12).reportable
    assert not Month(1999, 12).reportable
    assert not Month(2100, 1).reportable
    assert not Month(1, 1).reportable
