"""The figures, checked against totals computed by hand."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest

from bookings.models import Booking, Visit
from bookings.months import Month
from portal.models import Department, Site, User
from reports.figures import (
    DepartmentReport,
    EmployeeRow,
    MonthlySummary,
    MonthOverview,
    find_anomalies,
)
from reports.report_tables import summary_table
from tests.reports.conftest import at

pytestmark = pytest.mark.django_db
MARCH = Month(2026, 3)
S = Booking.Status


@pytest.fixture
def march(
    book: Callable[..., Booking],
    employee: User,
    colleague: User,
    outsider: User,
    site: Site,
    engineering: Department,
) -> None:
    """Engineering's March: hand-computed below."""
    erika, max_ = employee.employee, colleague.employee
    book(at("2026-03-02"), employee=erika, price="12.34", city="Karlsruhe")
    book(
        at("2026-03-03"),
        employee=erika,
        price="30.01",
        city="Berlin",
        location_id="DE-ALG-E1",
        location_name="Courtyard",
    )
    book(at("2026-03-04"), employee=erika, status=S.CANCELLED, price="2.50")
    book(at("2026-03-05"), employee=max_, status=S.NO_SHOW, price="5.00")
    book(at("2026-03-06"), employee=max_, status=S.EXPIRED, price="0.00")
    book(at("2026-03-07"), employee=max_, status=S.CANCELLED, price=None)
    # Not spend yet: the price is an estimate until the booking ends.
    book(at("2026-03-30"), employee=max_, status=S.CONFIRMED, price="9.99")
    # Other months and other departments do not count.
    book(at("2026-02-27"), employee=erika, price="100.00")
    book(at("2026-04-01", 0) + timedelta(minutes=30), employee=erika, price="100.00")
    book(at("2026-03-10"), employee=outsider.employee, price="77.00")
    visit = Visit.objects.create(
        site=site,
        host=erika,
        host_department=engineering,
        visitor_name="Vera Visitor",
        arrival=at("2026-03-12", 9),
        departure=at("2026-03-12", 17),
    )
    book(
        at("2026-03-12"),
        visit=visit,
        department=engineering,
        price="8.15",
        external_id="visitor-reception-20260312",
    )


def test_month_figures_match_hand_computed_totals(march: None, engineering) -> None:
    figures = DepartmentReport(engineering, MARCH).figures
    assert figures.bookings == 8
    assert figures.completed == 3
    assert figures.cancelled == 2
    assert figures.expired == 1
    assert figures.no_show == 1
    assert figures.completed_amount == Decimal("50.50")  # 12.34 + 30.01 + 8.15
    assert figures.fees == Decimal("7.50")  # 2.50 + 5.00 + 0.00
    assert figures.spend == Decimal("58.00")


def test_budget_left_is_budget_minus_spend(march: None, engineering) -> None:
    report = DepartmentReport(engineering, MARCH)
    assert report.left == Decimal("942.00")
    assert report.budget_used == 6
    assert report.overspend == 0


def test_overspend_is_shown_when_over_budget(
    book: Callable[..., Booking], employee: User, engineering: Department
) -> None:
    book(at("2026-03-02"), employee=employee.employee, price="1000.01")
    report = DepartmentReport(engineering, MARCH)
    assert report.left == Decimal("-0.01")
    assert report.overspend == Decimal("0.01")


def test_month_edge_follows_the_local_time_zone(
    book: Callable[..., Booking], employee: User, engineering: Department
) -> None:
    # 23:30 on 31 March in Berlin is still March, though April in some zones.
    book(at("2026-03-31", 23) + timedelta(minutes=30), employee=employee.employee)
    assert DepartmentReport(engineering, MARCH).figures.bookings == 1
    assert DepartmentReport(engineering, Month(2026, 4)).figures.bookings == 0


def test_employee_rows_add_up_with_visitors_to_the_department_total(
    march: None, engineering: Department, employee: User, colleague: User
) -> None:
    report = DepartmentReport(engineering, MARCH)
    rows = {r.employee.employee_id: r for r in report.employees}
    assert rows["emp042"].spend == Decimal("44.85")  # 12.34 + 30.01 + 2.50
    assert rows["emp042"].bookings == 3
    assert rows["emp043"].spend == Decimal("5.00")
    assert rows["emp043"].no_shows == 1
    assert rows["emp043"].bookings == 4
    assert report.visitor_spend == Decimal("8.15")
    employees_total = sum((r.spend for r in report.employees), Decimal(0))
    assert employees_total + report.visitor_spend == report.figures.spend


def test_cap_usage_uses_the_departments_default_cap(
    march: None, engineering: Department
) -> None:
    rows = {
        r.employee.employee_id: r
        for r in DepartmentReport(engineering, MARCH).employees
    }
    erika = rows["emp042"]
    assert erika.cap == Decimal("40.00")
    assert erika.cap_used == 112  # 44.85 of 40.00
    assert erika.over_cap
    assert not rows["emp043"].over_cap


def test_cities_and_locations_reconcile_with_the_month(
    march: None, engineering: Department
) -> None:
    report = DepartmentReport(engineering, MARCH)
    cities = {r.label: r.spend for r in report.cities}
    assert cities == {"Karlsruhe": Decimal("27.99"), "Berlin": Decimal("30.01")}
    assert sum(r.bookings for r in report.locations) == report.figures.bookings
    assert sum((r.spend for r in report.locations), Decimal(0)) == Decimal("58.00")


def test_trend_covers_twelve_months_up_to_the_selected_one(
    march: None, engineering: Department
) -> None:
    trend = DepartmentReport(engineering, MARCH).trend
    assert [str(p.month) for p in (trend[0], trend[-1])] == ["2025-04", "2026-03"]
    assert trend[-2].spend == Decimal("100.00")
    assert trend[-1].spend == Decimal("58.00")
    assert len(trend) == 12


def test_visitor_rows_are_charged_to_the_host_department(
    march: None, engineering: Department, sales: Department
) -> None:
    assert len(DepartmentReport(engineering, MARCH).visitors) == 1
    assert DepartmentReport(sales, MARCH).visitors == []


def test_overview_totals_reconcile_with_its_rows(
    march: None, book: Callable[..., Booking], engineering: Department
) -> None:
    book(at("2026-03-15"), price="4.44")  # unattributed
    overview = MonthOverview(Department.objects.all(), MARCH, include_unattributed=True)
    by_code = {r.department.code if r.department else None: r for r in overview.rows}
    assert by_code["engineering"].figures.spend == Decimal("58.00")
    assert by_code["sales"].figures.spend == Decimal("77.00")
    assert by_code[None].figures.spend == Decimal("4.44")
    assert overview.totals.spend == Decimal("139.44")
    assert overview.totals.bookings == 10


def test_manager_overview_leaves_out_unattributed_and_other_departments(
    march: None, engineering: Department
) -> None:
    overview = MonthOverview(
        Department.objects.filter(pk=engineering.pk), MARCH, include_unattributed=False
    )
    assert [r.department for r in overview.rows] == [engineering]
    assert overview.totals.spend == Decimal("58.00")


def test_monthly_summary_lists_completed_bookings_and_its_total_is_their_sum(
    march: None,
) -> None:
    summary = MonthlySummary(MARCH)
    rows = list(summary_table(summary).rows)
    assert len(rows) == 4  # three in engineering, one in sales
    assert summary.totals == (4, sum((r[4] for r in rows), Decimal(0)))
    assert summary.totals[1] == Decimal("127.50")
    assert rows[-1][1] == "visitor-reception-20260312"


def _row(
    spend: str, history: list[str] | None = None, no_shows: int = 0
) -> EmployeeRow:
    return EmployeeRow(
        employee=None,  # type: ignore[arg-type]
        spend=Decimal(spend),
        no_shows=no_shows,
        history=[Decimal(h) for h in (history or ["0"] * 6)],
    )


def test_anomaly_far_above_the_department_median() -> None:
    rows = [_row("10"), _row("12"), _row("11"), _row("60")]
    found = find_anomalies(rows)
    assert [(a.row.spend, a.kind) for a in found] == [
        (Decimal("60"), "far above the department")
    ]
    assert "median of €11.50" in found[0].reason


def test_anomaly_sudden_jump_against_own_history() -> None:
    found = find_anomalies([_row("90", ["10", "10", "0", "20", "10", "10"])])
    assert [a.kind for a in found] == ["sudden jump"]
    assert "average of €10.00" in found[0].reason


def test_anomaly_repeated_no_shows() -> None:
    found = find_anomalies([_row("0", no_shows=2), _row("0", no_shows=1)])
    assert [a.reason for a in found] == ["2 no-shows this month."]


def test_small_differences_are_not_anomalies() -> None:
    # Three times the median, but only €10 more: not worth an alarm.
    assert find_anomalies([_row("5"), _row("5"), _row("15")]) == []
    # A first month of charging has no history to jump from.
    assert find_anomalies([_row("90")]) == []
