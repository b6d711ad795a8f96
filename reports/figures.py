"""The figures behind every report, each defined once.

Spend (defined in bookings.money) is the final `client_price` of ended
bookings. Money stays `Decimal` from the database to the CSV; totals are sums
of the rows they sit under, so they reconcile exactly.

Every builder runs a fixed number of queries, whatever the amount of data.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import Booking, BookingQuerySet
from bookings.money import ZERO, spend
from bookings.months import Month, report_tz
from bookings.statuses import LOCAL_ONLY, TERMINAL, BookingStatus
from portal import formatting
from portal.models import Department, Employee

# Rows are counted by a column that is never null and is in the report
# indexes (not by id, which is not): with every other column the sums need
# there too, the database answers from the index alone.
ROWS = "reservation_start"
TREND_MONTHS = 12

# Anomalies. An employee is flagged when their month is ANOMALY_FACTOR times
# the department's median (with at least MEDIAN_MIN_PEOPLE people charging),
# or ANOMALY_FACTOR times their own average over HISTORY_MONTHS (when they
# charged in at least HISTORY_MIN_MONTHS of them); in both cases only when
# the excess is at least ANOMALY_MIN_EXCESS, so small sums raise no alarm.
ANOMALY_FACTOR = Decimal(3)
ANOMALY_MIN_EXCESS = Decimal("20.00")
MEDIAN_MIN_PEOPLE = 3
HISTORY_MONTHS = 6
HISTORY_MIN_MONTHS = 2
REPEATED_NO_SHOWS = 2


def reportable() -> BookingQuerySet:
    """Bookings the API knows about: one still being checked is not counted
    yet, and one the portal gave up on as never made is not a booking."""
    return Booking.objects.exclude(status__in=LOCAL_ONLY)


def in_month(month: Month) -> Q:
    return Q(reservation_start__gte=month.start, reservation_start__lt=month.end)


def in_months(first: Month, last: Month) -> Q:
    return Q(reservation_start__gte=first.start, reservation_start__lt=last.end)


def _both(where: Q | None, condition: Q) -> Q:
    return condition if where is None else where & condition


def figure_aggregates(where: Q | None = None) -> dict[str, Any]:
    """Counts per end state and money, over the bookings matching `where`."""

    def status_is(status: str) -> Q:
        return _both(where, Q(status=status))

    return {
        "bookings": Count(ROWS, filter=where),
        "completed": Count(ROWS, filter=status_is(BookingStatus.COMPLETED)),
        "cancelled": Count(ROWS, filter=status_is(BookingStatus.CANCELLED)),
        "expired": Count(ROWS, filter=status_is(BookingStatus.EXPIRED)),
        "no_show": Count(ROWS, filter=status_is(BookingStatus.NO_SHOW)),
        "completed_amount": Sum(
            "client_price",
            filter=status_is(BookingStatus.COMPLETED),
            default=ZERO,
        ),
        "spend": spend(where),
    }


def money(value: Decimal | float | int | None) -> Decimal:
    """Two decimal places; SQLite hands sums back as floats in some versions."""
    if value is None:
        return ZERO
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass
class Figures:
    bookings: int = 0
    completed: int = 0
    cancelled: int = 0
    expired: int = 0
    no_show: int = 0
    completed_amount: Decimal = ZERO
    spend: Decimal = ZERO

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> Figures:
        def count(name: str) -> int:
            return int(values[name] or 0)

        return cls(
            bookings=count("bookings"),
            completed=count("completed"),
            cancelled=count("cancelled"),
            expired=count("expired"),
            no_show=count("no_show"),
            completed_amount=money(values["completed_amount"]),
            spend=money(values["spend"]),
        )

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            **{
                f.name: getattr(self, f.name) + getattr(other, f.name)
                for f in fields(self)
            }
        )

    @property
    def fees(self) -> Decimal:
        """Charges for bookings that ended without charging."""
        return self.spend - self.completed_amount


def budget_left(budget: Decimal | None, spend: Decimal) -> Decimal | None:
    return None if budget is None else budget - spend


def percent(part: Decimal, whole: Decimal | None) -> int | None:
    if not whole:
        return None
    return int((part * 100 / whole).to_integral_value(rounding=ROUND_HALF_UP))


# --- one department's month ------------------------------------------------------


@dataclass
class TrendPoint:
    month: Month
    bookings: int
    spend: Decimal


@dataclass
class EmployeeRow:
    employee: Employee
    bookings: int = 0
    completed: int = 0
    no_shows: int = 0
    spend: Decimal = ZERO
    # Spend in each of the HISTORY_MONTHS months before, oldest first.
    history: list[Decimal] = field(default_factory=list)

    @property
    def cap(self) -> Decimal | None:
        return self.employee.effective_monthly_cap

    @property
    def cap_used(self) -> int | None:
        """Per cent of the monthly cap spent."""
        return percent(self.spend, self.cap)

    @property
    def over_cap(self) -> bool:
        return self.cap is not None and self.spend > self.cap


@dataclass
class PlaceRow:
    label: str
    city: str
    location_id: str
    bookings: int
    completed: int
    spend: Decimal


@dataclass
class Anomaly:
    row: EmployeeRow
    kind: str
    reason: str


def stands_out(value: Decimal, baseline: Decimal) -> bool:
    return (
        baseline > 0
        and value >= ANOMALY_FACTOR * baseline
        and value - baseline >= ANOMALY_MIN_EXCESS
    )


def find_anomalies(rows: Sequence[EmployeeRow]) -> list[Anomaly]:
    """Employees whose month stands out, each with the reason in words."""
    found: list[Anomaly] = []
    charging = [r.spend for r in rows if r.spend > 0]
    median = (
        money(statistics.median(charging))
        if len(charging) >= MEDIAN_MIN_PEOPLE
        else ZERO
    )
    for row in rows:
        if stands_out(row.spend, median):
            found.append(
                Anomaly(
                    row,
                    _("far above the department"),
                    _(
                        "%(spend)s this month, %(factor)s× the department's "
                        "median of %(median)s."
                    )
                    % {
                        "spend": formatting.money(row.spend),
                        "factor": formatting.number(row.spend / median, 1),
                        "median": formatting.money(median),
                    },
                )
            )
        average = money(sum(row.history, ZERO) / len(row.history or [ZERO]))
        active_months = len([h for h in row.history if h > 0])
        if active_months >= HISTORY_MIN_MONTHS and stands_out(row.spend, average):
            found.append(
                Anomaly(
                    row,
                    _("sudden jump"),
                    _(
                        "%(spend)s this month against an average of "
                        "%(average)s over the %(months)s months before."
                    )
                    % {
                        "spend": formatting.money(row.spend),
                        "average": formatting.money(average),
                        "months": len(row.history),
                    },
                )
            )
        if row.no_shows >= REPEATED_NO_SHOWS:
            found.append(
                Anomaly(
                    row,
                    _("repeated no-shows"),
                    _("%(count)s no-shows this month.") % {"count": row.no_shows},
                )
            )
    return found


class DepartmentReport:
    """A department's month: figures, trend, people, places, visitors, anomalies."""

    def __init__(self, department: Department, month: Month) -> None:
        self.department = department
        self.month = month

    def bookings(self) -> BookingQuerySet:
        return reportable().filter(department=self.department)

    @cached_property
    def figures(self) -> Figures:
        values = (
            self.bookings()
            .filter(in_month(self.month))
            .aggregate(**figure_aggregates())
        )
        return Figures.from_values(values)

    @property
    def budget(self) -> Decimal | None:
        return self.department.monthly_budget

    @property
    def left(self) -> Decimal | None:
        return budget_left(self.budget, self.figures.spend)

    @property
    def budget_used(self) -> int | None:
        return percent(self.figures.spend, self.budget)

    @property
    def overspend(self) -> Decimal:
        """How far spend is over the budget (0 when within it or without one)."""
        return max(ZERO, -(self.left if self.left is not None else ZERO))

    @cached_property
    def trend(self) -> list[TrendPoint]:
        months = [self.month.shifted(-i) for i in range(TREND_MONTHS - 1, -1, -1)]
        aggregates: dict[str, Any] = {}
        for i, m in enumerate(months):
            aggregates[f"b{i}"] = Count(ROWS, filter=in_month(m))
            aggregates[f"s{i}"] = spend(in_month(m))
        values = (
            self.bookings()
            .filter(in_months(months[0], self.month))
            .aggregate(**aggregates)
        )
        return [
            TrendPoint(m, int(values[f"b{i}"]), money(values[f"s{i}"]))
            for i, m in enumerate(months)
        ]

    @cached_property
    def employees(self) -> list[EmployeeRow]:
        """The department's active people, and anyone else it paid for this month."""
        history = [self.month.shifted(-i) for i in range(HISTORY_MONTHS, 0, -1)]
        this = in_month(self.month)
        aggregates: dict[str, Any] = {
            "bookings": Count(ROWS, filter=this),
            "completed": Count(ROWS, filter=this & Q(status=BookingStatus.COMPLETED)),
            "no_shows": Count(ROWS, filter=this & Q(status=BookingStatus.NO_SHOW)),
            "spend": spend(this),
        }
        for i, m in enumerate(history):
            aggregates[f"h{i}"] = spend(in_month(m))
        per_employee: dict[Any, Any] = {
            v["employee"]: v
            for v in self.bookings()
            .filter(in_months(history[0], self.month), employee__isnull=False)
            .order_by()
            .values("employee")
            .annotate(**aggregates)
        }
        # Two simple lookups rather than one OR, which no index can serve.
        members = Employee.objects.filter(
            department=self.department, is_active=True, user__is_active=True
        ).values_list("pk", flat=True)
        wanted = set(members) | {pk for pk, v in per_employee.items() if v["bookings"]}
        people = Employee.objects.filter(pk__in=wanted).select_related(
            "user", "department"
        )
        rows = []
        for person in people:
            v = per_employee.get(person.pk)
            if v is None:
                rows.append(EmployeeRow(person, history=[ZERO] * HISTORY_MONTHS))
                continue
            rows.append(
                EmployeeRow(
                    person,
                    bookings=int(v["bookings"]),
                    completed=int(v["completed"]),
                    no_shows=int(v["no_shows"]),
                    spend=money(v["spend"]),
                    history=[money(v[f"h{i}"]) for i in range(HISTORY_MONTHS)],
                )
            )
        rows.sort(key=lambda r: (-r.spend, -r.bookings, str(r.employee.user)))
        return rows

    @cached_property
    def anomalies(self) -> list[Anomaly]:
        return find_anomalies(self.employees)

    def _places(self, *group: str) -> QuerySet[Booking, dict[str, Any]]:
        this = in_month(self.month)
        places: QuerySet[Booking, dict[str, Any]] = (
            self.bookings()
            .filter(this)
            .order_by()
            .values(*group)
            .annotate(
                bookings=Count(ROWS),
                completed=Count(ROWS, filter=Q(status=BookingStatus.COMPLETED)),
                spend=spend(this),
            )
        )
        return places

    @cached_property
    def cities(self) -> list[PlaceRow]:
        rows = [
            PlaceRow(
                label=v["location_city"] or _("unknown"),
                city=v["location_city"],
                location_id="",
                bookings=int(v["bookings"]),
                completed=int(v["completed"]),
                spend=money(v["spend"]),
            )
            for v in self._places("location_city")
        ]
        return sorted(rows, key=lambda r: (-r.spend, r.label))

    @cached_property
    def locations(self) -> list[PlaceRow]:
        rows = [
            PlaceRow(
                label=v["location_name"] or v["location_id"],
                city=v["location_city"],
                location_id=v["location_id"],
                bookings=int(v["bookings"]),
                completed=int(v["completed"]),
                spend=money(v["spend"]),
            )
            for v in self._places("location_id", "location_name", "location_city")
        ]
        return sorted(rows, key=lambda r: (-r.spend, r.label, r.location_id))

    @cached_property
    def visitors(self) -> list[Booking]:
        """Visitor charging hosted by the department's people this month."""
        return list(
            self.bookings()
            .filter(in_month(self.month), visit__isnull=False)
            .select_related("visit__host__user", "visit__site")
            .order_by("reservation_start", "pk")
        )

    @property
    def visitor_spend(self) -> Decimal:
        return sum((charge(b) for b in self.visitors), ZERO)


def charge(booking: Booking) -> Decimal:
    """What a booking costs once it has ended (nothing before)."""
    if booking.status in TERMINAL and booking.client_price is not None:
        return booking.client_price
    return ZERO


def local_date(booking: Booking) -> Any:
    return timezone.localtime(booking.reservation_start, report_tz()).date()


# --- all departments side by side ---------------------------------------------


@dataclass
class DepartmentRow:
    department: Department | None  # None: the unattributed bookings
    figures: Figures

    @property
    def budget(self) -> Decimal | None:
        return self.department.monthly_budget if self.department else None

    @property
    def left(self) -> Decimal | None:
        return budget_left(self.budget, self.figures.spend)

    @property
    def budget_used(self) -> int | None:
        return percent(self.figures.spend, self.budget)


class MonthOverview:
    """Departments side by side for a month; finance also gets the unattributed."""

    def __init__(
        self,
        departments: QuerySet[Department],
        month: Month,
        *,
        include_unattributed: bool,
    ) -> None:
        self.departments = departments
        self.month = month
        self.include_unattributed = include_unattributed

    @cached_property
    def rows(self) -> list[DepartmentRow]:
        bookings = reportable().filter(in_month(self.month))
        if not self.include_unattributed:
            bookings = bookings.filter(department__in=self.departments)
        per_department: dict[int | None, Figures] = {
            v["department"]: Figures.from_values(v)
            for v in bookings.order_by()
            .values("department")
            .annotate(**figure_aggregates())
        }
        rows = [
            DepartmentRow(d, per_department.get(d.pk, Figures()))
            for d in self.departments.order_by("name")
        ]
        if self.include_unattributed:
            rows.append(DepartmentRow(None, per_department.get(None, Figures())))
        return rows

    @cached_property
    def totals(self) -> Figures:
        return sum((r.figures for r in self.rows), Figures())

    @property
    def budget(self) -> Decimal | None:
        budgets = [r.budget for r in self.rows if r.budget is not None]
        return sum(budgets, ZERO) if budgets else None


class MonthlySummary:
    """The documented monthly report: every completed booking of the month."""

    def __init__(self, month: Month) -> None:
        self.month = month

    def bookings(self) -> BookingQuerySet:
        return (
            reportable()
            .filter(in_month(self.month), status=BookingStatus.COMPLETED)
            .select_related("department")
            .order_by("reservation_start", "pk")
        )

    @cached_property
    def totals(self) -> tuple[int, Decimal]:
        values = self.bookings().aggregate(
            count=Count(ROWS), amount=Sum("client_price", default=ZERO)
        )
        return int(values["count"]), money(values["amount"])

    def rows(self, bookings: Iterable[Booking] | None = None) -> Iterator[list[Any]]:
        """Every row, or those of `bookings` (a page of them)."""
        if bookings is None:
            bookings = self.bookings().iterator(chunk_size=2000)
        for b in bookings:
            yield [
                local_date(b),
                b.external_id,
                b.department.code if b.department else "",
                b.location_city,
                b.client_price if b.client_price is not None else ZERO,
            ]


def unattributed_bookings() -> BookingQuerySet:
    return reportable().unattributed().order_by("-reservation_start", "pk")
