"""The tables of each report, as shown on the pages and downloaded as CSV.

Built per request (never at import time), so plain gettext is right here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.utils.translation import gettext as _

from bookings.models import Booking
from bookings.money import ZERO
from reports.figures import (
    DepartmentReport,
    Figures,
    MonthlySummary,
    MonthOverview,
    charge,
    local_date,
)
from reports.tables import Cell, Column, Table

MONEY = "money"
# Cities and charging locations shown on a page, the most expensive first.
PLACES_SHOWN = 25


def _money(label: str) -> Column:
    return Column(label, MONEY)


def _month_columns() -> list[Column]:
    """The month's figures, the same on a department's page and side by side."""
    # Spend against budget first: on a narrow screen the table scrolls, and
    # these are what a manager opens the report for.
    return [
        _money(_("Spend (EUR)")),
        _money(_("Budget (EUR)")),
        _money(_("Left (EUR)")),
        Column(_("Bookings"), "int"),
        Column(_("Completed"), "int"),
        Column(_("Cancelled"), "int"),
        Column(_("Expired"), "int"),
        Column(_("No-show"), "int"),
        _money(_("Completed (EUR)")),
        _money(_("Fees (EUR)")),
    ]


def _month_cells(f: Figures, budget: Cell, left: Cell) -> list[Cell]:
    return [
        f.spend,
        budget,
        left,
        f.bookings,
        f.completed,
        f.cancelled,
        f.expired,
        f.no_show,
        f.completed_amount,
        f.fees,
    ]


def department_tables(report: DepartmentReport) -> dict[str, Callable[[], Table]]:
    """Each table of a department's month, built only when asked for."""
    return {
        "overview": lambda: overview_table(report),
        "trend": lambda: trend_table(report),
        "employees": lambda: employees_table(report),
        "anomalies": lambda: anomalies_table(report),
        "cities": lambda: cities_table(report),
        "locations": lambda: locations_table(report),
        "visitors": lambda: visitors_table(report),
    }


def overview_table(report: DepartmentReport) -> Table:
    return Table(
        name="overview",
        caption=_("The month in figures"),
        columns=_month_columns(),
        rows=[_month_cells(report.figures, report.budget, report.left)],
    )


def trend_table(report: DepartmentReport) -> Table:
    return Table(
        name="trend",
        caption=_("Spend over twelve months"),
        columns=[
            Column(_("Month")),
            Column(_("Bookings"), "int"),
            _money(_("Spend (EUR)")),
            _money(_("Budget (EUR)")),
        ],
        rows=[[str(p.month), p.bookings, p.spend, report.budget] for p in report.trend],
        footer=[
            _("Total"),
            sum(p.bookings for p in report.trend),
            sum((p.spend for p in report.trend), ZERO),
            None,
        ],
    )


def employees_table(report: DepartmentReport) -> Table:
    rows = report.employees
    return Table(
        name="employees",
        caption=_("Employees"),
        columns=[
            Column(_("Employee")),
            Column(_("Employee id")),
            Column(_("Bookings"), "int"),
            Column(_("Completed"), "int"),
            Column(_("No-shows"), "int"),
            _money(_("Spend (EUR)")),
            _money(_("Monthly cap (EUR)")),
            Column(_("Cap used (%)"), "percent"),
            Column(_("Over cap")),
        ],
        rows=[
            [
                str(r.employee.user),
                r.employee.employee_id,
                r.bookings,
                r.completed,
                r.no_shows,
                r.spend,
                r.cap,
                r.cap_used,
                str(_("yes")) if r.over_cap else "",
            ]
            for r in rows
        ],
        footer=[
            _("Total"),
            "",
            sum(r.bookings for r in rows),
            sum(r.completed for r in rows),
            sum(r.no_shows for r in rows),
            sum((r.spend for r in rows), ZERO),
            None,
            None,
            "",
        ],
        empty=_("Nobody in this department yet."),
    )


def anomalies_table(report: DepartmentReport) -> Table:
    return Table(
        name="anomalies",
        caption=_("Anomalies"),
        columns=[
            Column(_("Employee")),
            Column(_("Employee id")),
            Column(_("What")),
            Column(_("Why")),
        ],
        rows=[
            [str(a.row.employee.user), a.row.employee.employee_id, a.kind, a.reason]
            for a in report.anomalies
        ],
        empty=_("Nothing unusual this month."),
    )


def _places_table(
    name: str, caption: str, rows: list[Any], *, by_location: bool
) -> Table:
    columns = [Column(_("Charger") if by_location else _("City"))]
    if by_location:
        columns += [Column(_("City")), Column(_("Location id"))]
    columns += [
        Column(_("Bookings"), "int"),
        Column(_("Completed"), "int"),
        _money(_("Spend (EUR)")),
    ]
    body = [
        [
            r.label,
            *([r.city, r.location_id] if by_location else []),
            r.bookings,
            r.completed,
            r.spend,
        ]
        for r in rows
    ]
    footer = [
        _("Total"),
        *(["", ""] if by_location else []),
        sum(r.bookings for r in rows),
        sum(r.completed for r in rows),
        sum((r.spend for r in rows), ZERO),
    ]
    return Table(
        name=name,
        caption=caption,
        columns=columns,
        rows=body,
        footer=footer,
        empty=_("No bookings this month."),
        shown=PLACES_SHOWN,
    )


def cities_table(report: DepartmentReport) -> Table:
    return _places_table("cities", _("By city"), report.cities, by_location=False)


def locations_table(report: DepartmentReport) -> Table:
    return _places_table(
        "locations", _("By charging location"), report.locations, by_location=True
    )


def visitors_table(report: DepartmentReport) -> Table:
    visits = report.visitors
    return Table(
        name="visitors",
        caption=_("Visitor charging hosted by the department"),
        columns=[
            Column(_("Date"), "date"),
            Column(_("Site")),
            Column(_("Host")),
            Column(_("Reference")),
            Column(_("Status")),
            _money(_("Cost (EUR)")),
        ],
        rows=[
            [
                local_date(b),
                str(b.visit.site) if b.visit else "",
                str(b.visit.host.user) if b.visit else "",
                b.external_id,
                b.get_status_display(),
                charge(b),
            ]
            for b in visits
        ],
        footer=[_("Total"), "", "", "", "", report.visitor_spend],
        empty=_("No visitor charging this month."),
    )


def departments_table(
    overview: MonthOverview, link: Callable[[Sequence[Cell]], str | None] | None = None
) -> Table:
    """`link` turns a row into the address of that department's page."""
    rows = overview.rows
    totals = overview.totals
    return Table(
        name="departments",
        caption=_("Departments side by side"),
        columns=[Column(_("Department")), Column(_("Code")), *_month_columns()],
        rows=[
            [
                r.department.name if r.department else str(_("Unattributed")),
                r.department.code if r.department else "",
                *_month_cells(r.figures, r.budget, r.left),
            ]
            for r in rows
        ],
        footer=[_("Total"), "", *_month_cells(totals, overview.budget, None)],
        link=link,
    )


def summary_table(
    summary: MonthlySummary, bookings: Iterable[Booking] | None = None
) -> Table:
    count, amount = summary.totals
    return Table(
        name="summary",
        caption=_("Completed bookings"),
        columns=[
            Column(_("Date"), "date"),
            Column(_("Reference (external_id)")),
            Column(_("Department")),
            Column(_("City")),
            _money(_("Price (EUR)")),
        ],
        rows=summary.rows(bookings),
        footer=[
            _("Total"),
            _("%(count)s bookings") % {"count": count},
            "",
            "",
            amount,
        ],
        empty=_("No completed bookings this month."),
    )


def unattributed_table(bookings: Iterable[Booking]) -> Table:
    return Table(
        name="unattributed",
        caption=_("Unattributed bookings"),
        columns=[
            Column(_("Start"), "datetime"),
            Column(_("Reference (external_id)")),
            Column(_("City")),
            Column(_("Charger")),
            Column(_("Status")),
            _money(_("Price (EUR)")),
            Column(_("API id")),
        ],
        rows=(
            [
                b.reservation_start,
                b.external_id,
                b.location_city,
                b.location_name or b.location_id,
                b.get_status_display(),
                b.client_price,
                b.api_id,
            ]
            for b in bookings
        ),
        empty=_("Every booking is attributed."),
    )
