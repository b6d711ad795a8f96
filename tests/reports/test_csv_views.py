from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest
from django.http import StreamingHttpResponse
from django.test import Client

from bookings.models import Booking
from portal.models import User
from reports.tables import csv_safe
from tests.reports.conftest import at

pytestmark = pytest.mark.django_db


def read(response: StreamingHttpResponse) -> list[list[str]]:
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte order mark
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


@pytest.fixture
def bookings(book: Callable[..., Booking], employee: User, make_person, engineering):
    person = make_person("emp050", engineering, first_name="Jürgen", last_name="Weiß")
    book(at("2026-03-02"), employee=employee.employee, price="12.30")
    book(at("2026-03-03"), employee=person.employee, price="0.05", city="München")
    book(at("2026-03-04"), price="3.00", external_id="fleet-x-1")


def test_employee_csv_has_header_exact_decimals_and_utf8(
    login: Callable[[User], Client], manager: User, bookings: None
) -> None:
    response = login(manager).get(
        "/reports/departments/engineering/employees.csv?month=2026-03"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="ev-charging-engineering-employees-2026-03.csv"'
    )
    rows = read(response)
    assert rows[0][:6] == [
        "Employee",
        "Employee id",
        "Bookings",
        "Completed",
        "No-shows",
        "Spend (EUR)",
    ]
    by_id = {r[1]: r for r in rows[1:]}
    assert by_id["emp042"][5] == "12.30"
    assert by_id["emp050"][0] == "Jürgen Weiß"
    assert by_id["emp050"][5] == "0.05"


def test_city_csv_keeps_umlauts(
    login: Callable[[User], Client], manager: User, bookings: None
) -> None:
    rows = read(
        login(manager).get("/reports/departments/engineering/cities.csv?month=2026-03")
    )
    assert ["München", "1", "1", "0.05"] in rows


def test_unknown_table_is_404(login: Callable[[User], Client], manager: User) -> None:
    url = "/reports/departments/engineering/secrets.csv"
    assert login(manager).get(url).status_code == 404


def test_manager_cannot_download_another_departments_csv(
    login: Callable[[User], Client], manager: User, sales
) -> None:
    url = "/reports/departments/sales/employees.csv"
    assert login(manager).get(url).status_code == 404


def test_departments_csv_for_finance_includes_unattributed(
    login: Callable[[User], Client], finance: User, bookings: None
) -> None:
    response = login(finance).get("/reports/departments.csv?month=2026-03")
    assert "ev-charging-all-departments-2026-03.csv" in response["Content-Disposition"]
    rows = read(response)
    names = [r[0] for r in rows[1:]]
    assert names == ["Engineering", "Sales", "Unattributed"]
    spend = rows[0].index("Spend (EUR)")
    assert spend == 2  # right after the names: spend, budget, left come first
    assert rows[1][spend] == "12.35"  # Engineering's spend
    assert rows[3][spend] == "3.00"


def test_summary_csv_lists_completed_bookings(
    login: Callable[[User], Client], finance: User, bookings: None
) -> None:
    response = login(finance).get("/reports/summary.csv?month=2026-03")
    assert "ev-charging-all-summary-2026-03.csv" in response["Content-Disposition"]
    rows = read(response)
    assert rows[0] == [
        "Date",
        "Reference (external_id)",
        "Department",
        "City",
        "Price (EUR)",
    ]
    assert rows[1][0] == "2026-03-02"
    assert rows[3][1:] == ["fleet-x-1", "", "Karlsruhe", "3.00"]


def test_manager_cannot_download_finance_csvs(
    login: Callable[[User], Client], manager: User
) -> None:
    client = login(manager)
    assert client.get("/reports/summary.csv").status_code == 403
    assert client.get("/reports/unattributed.csv").status_code == 403


def test_unattributed_csv_lists_them(
    login: Callable[[User], Client], finance: User, bookings: None
) -> None:
    rows = read(login(finance).get("/reports/unattributed.csv"))
    assert len(rows) == 2
    assert rows[1][1] == "fleet-x-1"


def test_employee_gets_403_for_csv(
    login: Callable[[User], Client], employee: User
) -> None:
    url = "/reports/departments/engineering/employees.csv"
    assert login(employee).get(url).status_code == 403


# --- cells a spreadsheet would run ----------------------------------------------


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        (
            '=HYPERLINK("http://evil.example","x")',
            '\'=HYPERLINK("http://evil.example","x")',
        ),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("+1-2", "'+1-2"),
        ("-2+3", "'-2+3"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("-", "'-"),
        ("-12.50", "-12.50"),
        ("-3", "-3"),
        ("12.50", "12.50"),
        ("fleet-x-1", "fleet-x-1"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_a_cell_a_spreadsheet_would_run_is_written_as_text(
    cell: str, written: str
) -> None:
    assert csv_safe(cell) == written


def test_references_names_and_departments_cannot_run_in_a_spreadsheet(
    login: Callable[[User], Client],
    finance: User,
    book: Callable[..., Booking],
    make_person,
    engineering,
) -> None:
    engineering.name = "@SUM(1+1)*cmd|' /C calc'!A0"
    engineering.save()
    person = make_person("emp051", engineering, first_name="+1-2", last_name="x")
    book(at("2026-03-02"), employee=person.employee, city="=1+1", price="12.50")
    book(at("2026-03-03"), price="3.00", external_id='=HYPERLINK("http://e.x","y")')
    client = login(finance)

    summary = read(client.get("/reports/summary.csv?month=2026-03"))
    departments = read(client.get("/reports/departments.csv?month=2026-03"))
    employees = read(
        client.get("/reports/departments/engineering/employees.csv?month=2026-03")
    )
    unattributed = read(client.get("/reports/unattributed.csv"))

    assert summary[1][2:] == ["engineering", "'=1+1", "12.50"]
    assert summary[2][1] == '\'=HYPERLINK("http://e.x","y")'
    assert departments[1][0] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert employees[1][0] == "'+1-2 x"
    assert unattributed[1][1] == '\'=HYPERLINK("http://e.x","y")'
    every_cell = [
        c for t in (summary, departments, employees, unattributed) for r in t for c in r
    ]
    assert not [c for c in every_cell if c[:1] in ("=", "+", "@")]
