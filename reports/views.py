from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any, cast

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from bookings.models import Booking
from bookings.months import Month
from portal.http import AuthenticatedRequest
from portal.models import Department, User
from portal.roles import ASSIGN_BOOKINGS, VIEW_ALL_REPORTS
from reports.access import reportable_departments, require, require_reports, sees_all
from reports.charts import Point, bar_chart, svg_response
from reports.figures import (
    DepartmentReport,
    MonthlySummary,
    MonthOverview,
    unattributed_bookings,
)
from reports.forms import AssignForm, MonthForm
from reports.report_tables import (
    department_tables,
    departments_table,
    summary_table,
    unattributed_table,
)
from reports.tables import Cell, csv_filename, csv_response

PAGE_SIZE = 100


class MonthRefused(Exception):
    """?month= is not a month, or not one a report covers."""

    def __init__(self, form: MonthForm) -> None:
        super().__init__(form.errors.as_text())
        self.form = form


def selected_month(request: HttpRequest) -> Month:
    """The month in ?month=YYYY-MM, this month when there is none.

    Raises MonthRefused, which `month_view` answers with the month field and
    its message, before any figure is read.
    """
    if not request.GET.get("month"):
        return Month.current()
    form = MonthForm(request.GET)
    if not form.is_valid():
        raise MonthRefused(form)
    month: Month = form.cleaned_data["month"]
    return month


def month_view[View: Callable[..., HttpResponseBase]](view: View) -> View:
    """A report view of one month: a refused ?month= is a 400 page that asks
    for the month again (the same page for a CSV or a chart, whose links are
    opened by people too)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except MonthRefused as refused:
            return render(
                request,
                "reports/month_refused.html",
                {"month_form": refused.form},
                status=400,
            )

    return cast(View, wrapper)


def overview_for(user: User, month: Month) -> MonthOverview:
    return MonthOverview(
        reportable_departments(user), month, include_unattributed=sees_all(user)
    )


def department_link(month: Month) -> Callable[[Sequence[Cell]], str | None]:
    """Links a departments-table row (its code is the second cell) to its page."""

    def link(row: Sequence[Cell]) -> str | None:
        if not row[1]:
            return None
        return f"{reverse('reports:department', args=[row[1]])}?month={month}"

    return link


def department_for(user: User, code: str) -> Department:
    """A department whose reports the user may see: 403 without the role, else 404."""
    require_reports(user)
    return get_object_or_404(reportable_departments(user), code=code)


@require_GET
@month_view
def index(request: AuthenticatedRequest) -> HttpResponse:
    require_reports(request.user)
    month = selected_month(request)
    overview = overview_for(request.user, month)
    return render(
        request,
        "reports/index.html",
        {
            "month": month,
            "month_form": MonthForm(initial={"month": str(month)}),
            "overview": overview,
            "table": departments_table(overview, department_link(month)),
            "sees_all": sees_all(request.user),
        },
    )


@require_GET
@month_view
def index_csv(request: AuthenticatedRequest) -> StreamingHttpResponse:
    require_reports(request.user)
    month = selected_month(request)
    table = departments_table(overview_for(request.user, month))
    scope = "all" if sees_all(request.user) else "managed"
    return csv_response(table, filename=csv_filename(scope, table.name, str(month)))


@require_GET
@month_view
def index_chart(request: AuthenticatedRequest) -> HttpResponse:
    require_reports(request.user)
    month = selected_month(request)
    rows = overview_for(request.user, month).rows
    chart = bar_chart(
        _("Spend by department, %(month)s") % {"month": month.label},
        _("One bar per department with its spend; the dashed mark is its budget."),
        [
            Point(department.name, r.figures.spend, r.budget)
            for r in rows
            if (department := r.department) is not None
        ],
    )
    return svg_response(request, chart)


@require_GET
@month_view
def department(request: AuthenticatedRequest, code: str) -> HttpResponse:
    dept = department_for(request.user, code)
    month = selected_month(request)
    report = DepartmentReport(dept, month)
    tables = {name: build() for name, build in department_tables(report).items()}
    return render(
        request,
        "reports/department.html",
        {
            "department": dept,
            "month": month,
            "month_form": MonthForm(initial={"month": str(month)}),
            "report": report,
            "tables": tables,
            "is_current": month == Month.current(),
        },
    )


@require_GET
@month_view
def department_csv(
    request: AuthenticatedRequest, code: str, table: str
) -> StreamingHttpResponse:
    dept = department_for(request.user, code)
    month = selected_month(request)
    build = department_tables(DepartmentReport(dept, month)).get(table)
    if build is None:
        raise Http404
    return csv_response(build(), filename=csv_filename(dept.code, table, str(month)))


@require_GET
@month_view
def department_chart(request: AuthenticatedRequest, code: str) -> HttpResponse:
    dept = department_for(request.user, code)
    month = selected_month(request)
    report = DepartmentReport(dept, month)
    chart = bar_chart(
        _("%(department)s: spend per month") % {"department": dept.name},
        _("Twelve months up to %(month)s; the dashed mark is the monthly budget.")
        % {"month": month.label},
        [
            Point(p.month.label, p.spend, dept.monthly_budget, p.month == month)
            for p in report.trend
        ],
    )
    return svg_response(request, chart)


@require_GET
@month_view
def summary(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, VIEW_ALL_REPORTS)
    month = selected_month(request)
    monthly = MonthlySummary(month)
    page = Paginator(monthly.bookings(), PAGE_SIZE).get_page(request.GET.get("page"))
    overview = MonthOverview(Department.objects.all(), month, include_unattributed=True)
    return render(
        request,
        "reports/summary.html",
        {
            "month": month,
            "month_form": MonthForm(initial={"month": str(month)}),
            "page": page,
            "table": summary_table(monthly, page.object_list),
            "breakdown": departments_table(overview, department_link(month)),
        },
    )


@require_GET
@month_view
def summary_csv(request: AuthenticatedRequest) -> StreamingHttpResponse:
    require(request.user, VIEW_ALL_REPORTS)
    month = selected_month(request)
    table = summary_table(MonthlySummary(month))
    return csv_response(table, filename=csv_filename("all", table.name, str(month)))


@require_GET
def unattributed(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, VIEW_ALL_REPORTS)
    page = Paginator(unattributed_bookings(), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "reports/unattributed.html",
        {
            "page": page,
            "table": unattributed_table(page.object_list),
            "bookings": page.object_list,
            "may_assign": request.user.has_perm(ASSIGN_BOOKINGS),
        },
    )


@require_GET
def unattributed_csv(request: AuthenticatedRequest) -> StreamingHttpResponse:
    require(request.user, VIEW_ALL_REPORTS)
    table = unattributed_table(unattributed_bookings())
    today = timezone.localdate().isoformat()
    return csv_response(table, filename=csv_filename("all", table.name, today))


@require_http_methods(["GET", "POST"])
def booking_assign(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    require(request.user, ASSIGN_BOOKINGS)
    booking = get_object_or_404(Booking.objects.unattributed(), pk=pk)
    form = AssignForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        booking.assign(
            department=form.cleaned_data["department"],
            employee=form.cleaned_data["employee"],
            by=request.user,
        )
        messages.success(
            request,
            _("%(booking)s is now charged to %(department)s.")
            % {"booking": booking, "department": booking.department},
        )
        return redirect("reports:unattributed")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "reports/assign.html",
        {"booking": booking, "form": form},
        status=status,
    )
