"""Reports and sync at scale: 1,000,000 bookings, 10,000 employees, 40 departments.

Run by `make bench`. Prints figures, asserts nothing about time. On SQLite it
runs itself again on PostgreSQL when one answers (BENCH_POSTGRES_URL, default
postgres://postgres@127.0.0.1:5432/bench), so one run prints both.

Printed per database:
- the time to generate the data (COPY on PostgreSQL, executemany on SQLite);
- p50/p95 of a manager's department dashboard and of finance's month view (the
  whole page through Django's test client), each beside the bare SQL aggregate
  that page cannot do without, timed in the same run;
- the sync's upsert throughput for new, changed and unchanged bookings, the
  median of three rounds (tests/benchmarks/bench_sync_upsert.py prints only
  these, on a smaller table, when working on the sync).

Goals on PostgreSQL: dashboard p95 ≤ 150 ms, month view p95 ≤ 500 ms,
upsert ≥ 10,000 bookings/s.
"""

from __future__ import annotations

import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client

from bookings.models import Booking
from bookings.months import Month
from bookings.petitmonde import RemoteBooking
from bookings.statuses import TERMINAL
from bookings.sync.upsert import upsert
from portal.models import Department, Employee, User
from portal.roles import GROUP_NAMES, Role

BOOKINGS = int(os.environ.get("BENCH_BOOKINGS", 1_000_000))
EMPLOYEES = 10_000
DEPARTMENTS = 40
MONTHS = 24
SAMPLES = 30
UPSERT_BATCH = 20_000
CITIES = ["Karlsruhe", "Stuttgart", "München", "Berlin", "Hamburg", "Köln"]
STATUSES = ["COMPLETED"] * 80 + ["CANCELLED"] * 8 + ["EXPIRED"] * 5 + ["NO_SHOW"] * 4
NESTED = "BENCH_REPORTS_NESTED"

COLUMNS = [
    "api_id",
    "external_id",
    "origin",
    "employee_id",
    "department_id",
    "attribution",
    "location_id",
    "location_name",
    "location_address",
    "location_city",
    "evse_uid",
    "connector_id",
    "reservation_start",
    "reservation_end",
    "token_strategy",
    "customer_id",
    "token_id",
    "token_uid",
    "status",
    "status_updated_at",
    "remote_created_at",
    "cpo_reservation_id",
    "client_price",
    "currency",
    "energy_kwh",
    "cancellation_reason",
    "uncancelled_reason",
    "created_at",
    "updated_at",
    "last_synced_at",
]


def people() -> tuple[list[Department], list[Employee], dict[int, User], User]:
    departments = Department.objects.bulk_create(
        Department(
            code=f"dept{d:02d}",
            name=f"Department {d:02d}",
            monthly_budget=Decimal("25000.00"),
            default_monthly_cap=Decimal("80.00"),
        )
        for d in range(DEPARTMENTS)
    )
    users = User.objects.bulk_create(
        User(email=f"person{n:05d}@bench.example", password="!", first_name=f"P{n}")
        for n in range(EMPLOYEES)
    )
    employees = Employee.objects.bulk_create(
        Employee(
            user=user,
            employee_id=f"emp{n:05d}",
            department=departments[n % DEPARTMENTS],
            customer_id=f"cust_{n:05d}",
        )
        for n, user in enumerate(users)
    )
    managers = {}
    manager_group = Group.objects.get(name=GROUP_NAMES[Role.MANAGER])
    for d, dept in enumerate(departments):
        user = users[d]  # person d works in department d
        user.groups.add(manager_group)
        dept.managers.add(user)
        managers[dept.pk] = user
    finance = User.objects.create_user("finance@bench.example", "x" * 16)
    finance.groups.add(Group.objects.get(name=GROUP_NAMES[Role.FINANCE]))
    return departments, employees, managers, finance


def reference(person: Employee, day: datetime) -> str:
    return f"{person.department.code}-{person.employee_id}-{day:%Y%m%d}"


def rows(
    employees: list[Employee], first: Month, now: datetime, count: int = BOOKINGS
) -> Iterator[tuple]:
    rng = random.Random(42)
    span = (first.shifted(MONTHS).start - first.start).total_seconds()
    for n in range(count):
        person = employees[rng.randrange(len(employees))]
        start = first.start + timedelta(seconds=rng.uniform(0, span))
        start = start.astimezone(UTC).replace(second=0, microsecond=0)
        status = rng.choice(STATUSES) if start < now else "CONFIRMED"
        price = (
            Decimal(rng.randrange(300, 6000)) / 100
            if status == "COMPLETED"
            else Decimal(rng.choice([0, 0, 500])) / 100
        )
        city = CITIES[n % len(CITIES)]
        created = start - timedelta(days=rng.randrange(1, 10))
        location = f"DE-ENB-E{n % 400:06d}"
        yield (
            f"bench-{n:07d}",
            reference(person, start),
            "api",
            person.pk,
            person.department_id,
            "external_id",
            location,
            f"Charger {n % 400}",
            "",
            city,
            location.replace("-", "*") + "*1",
            "1",
            start,
            start + timedelta(hours=2),
            "driver_token",
            person.customer_id,
            "",
            "",
            status,
            start + timedelta(hours=2),
            created,
            "CPO",
            price,
            "EUR",
            Decimal("20.000"),
            "",
            "",
            created,
            now,
            now,
        )


@contextmanager
def indexes_built_after(table: str) -> Iterator[None]:
    """Drop the table's plain indexes, load, then build them again: much faster
    than maintaining them row by row. Constraint indexes stay."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid "
                "JOIN pg_class t ON t.oid = x.indrelid "
                "LEFT JOIN pg_constraint c ON c.conindid = i.oid "
                "WHERE t.relname = %s AND c.oid IS NULL",
                [table],
            )
        else:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                "AND tbl_name = %s AND sql IS NOT NULL AND sql NOT LIKE '%%UNIQUE%%'",
                [table],
            )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    yield
    with connection.cursor() as cursor:
        for _name, definition in indexes:
            cursor.execute(definition)


def load(data: Iterator[tuple]) -> None:
    table = Booking._meta.db_table
    names = ", ".join(COLUMNS)
    with indexes_built_after(table):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                raw = cursor.cursor
                with raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in data:
                        copy.write_row(row)
        else:
            marks = ", ".join(["?"] * len(COLUMNS))
            sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608
            raw = connection.connection
            chunk: list[tuple] = []
            for row in data:
                chunk.append(_sqlite_row(row))
                if len(chunk) == 50_000:
                    raw.executemany(sql, chunk)
                    chunk = []
            raw.executemany(sql, chunk)
            raw.commit()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"VACUUM ANALYZE {table}")
        else:
            cursor.execute("ANALYZE")


def _sqlite_row(row: tuple) -> tuple:
    # As Django's SQLite backend stores them: ISO text times, decimals as text.
    return tuple(
        v.astimezone(UTC).isoformat(sep=" ").replace("+00:00", "")
        if isinstance(v, datetime)
        else str(v)
        if isinstance(v, Decimal)
        else v
        for v in row
    )


def timed(action: Callable[[], Any], samples: int = SAMPLES) -> list[float]:
    for _ in range(3):
        action()
    result = []
    for _ in range(samples):
        started = time.perf_counter()
        action()
        result.append((time.perf_counter() - started) * 1000)
    return result


def p(samples: list[float]) -> str:
    p95 = statistics.quantiles(samples, n=100)[94]
    return f"p50 {statistics.median(samples):7.1f} ms   p95 {p95:7.1f} ms"


def sql(query: str, params: list[Any]) -> Callable[[], Any]:
    def run() -> Any:
        with connection.cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchall()

    return run


def remote_bookings(
    employees: list[Employee], count: int, status: str, prefix: str = "upsert"
) -> list[RemoteBooking]:
    start = datetime(2026, 3, 1, 8, tzinfo=UTC)
    people = [employees[n % len(employees)] for n in range(count)]
    return [
        RemoteBooking(
            id=f"{prefix}-{n:06d}",
            status=status,
            created_at=start - timedelta(days=2),
            status_updated_at=start,
            location_id="DE-ENB-E000001",
            location_name="Charger 1",
            location_city="Karlsruhe",
            evse_uid="DE*ENB*E000001*1",
            connector_id="1",
            reservation_start=start + timedelta(minutes=n),
            reservation_end=start + timedelta(minutes=n, hours=2),
            external_id=reference(person, start),
            token_strategy="driver_token",
            customer_id=person.customer_id,
            client_price=Decimal("12.34") if status == "COMPLETED" else Decimal("9.99"),
            client_price_currency="EUR",
            energy_kwh=Decimal("20.5"),
        )
        for n, person in enumerate(people)
    ]


def upsert_seconds(remotes: list[RemoteBooking]) -> float:
    started = time.perf_counter()
    upsert(remotes)
    return time.perf_counter() - started


def upsert_figures(employees: list[Employee], rounds: int) -> None:
    """Print the sync's upsert throughput: new, changed, unchanged bookings.

    Each round upserts UPSERT_BATCH bookings of its own three times: new, then
    all changed, then the same again (unchanged). With several rounds the
    median is printed, beside the slowest and fastest.
    """
    times: dict[str, list[float]] = {"new": [], "changed": [], "unchanged": []}
    for n in range(rounds):
        prefix = f"upsert{n}"
        new = remote_bookings(employees, UPSERT_BATCH, "CONFIRMED", prefix)
        changed = remote_bookings(employees, UPSERT_BATCH, "COMPLETED", prefix)
        times["new"].append(upsert_seconds(new))
        times["changed"].append(upsert_seconds(changed))
        times["unchanged"].append(upsert_seconds(changed))
        written = Booking.objects.filter(api_id__startswith=f"{prefix}-")
        assert written.filter(status="COMPLETED").count() == UPSERT_BATCH
    for kind, spent in times.items():
        rate = UPSERT_BATCH / statistics.median(spent)
        line = f"sync upsert, {kind:<10} {rate:9,.0f} bookings/s"
        if rounds > 1:
            low, high = UPSERT_BATCH / max(spent), UPSERT_BATCH / min(spent)
            line += f"  (median of {rounds} rounds, range {low:,.0f}–{high:,.0f})"
        print(f"{line}  [{UPSERT_BATCH:,} per round]")


@pytest.mark.django_db(transaction=True)
def test_reports_at_scale() -> None:
    vendor = connection.vendor
    now = datetime.now(UTC)
    this_month = Month.current()
    first = this_month.shifted(-(MONTHS - 1))
    print(
        f"\n=== Reports benchmark on {vendor}: {BOOKINGS:,} bookings, "
        f"{EMPLOYEES:,} employees, {DEPARTMENTS} departments, {MONTHS} months"
    )

    started = time.perf_counter()
    departments, employees, managers, finance = people()
    load(rows(employees, first, now))
    print(f"generated in {time.perf_counter() - started:.1f} s")

    month = this_month.previous
    dept = departments[7]
    manager = Client()
    manager.force_login(managers[dept.pk])
    finance_client = Client()
    finance_client.force_login(finance)

    def dashboard() -> None:
        url = f"/reports/departments/{dept.code}/?month={month}"
        assert manager.get(url).status_code == 200

    def month_view() -> None:
        assert finance_client.get(f"/reports/?month={month}").status_code == 200

    table = Booking._meta.db_table
    terminal = sorted(TERMINAL)
    marks = ", ".join(["%s"] * len(terminal))
    trend_start = month.shifted(-11).start
    bare_dashboard = sql(
        f"SELECT COUNT(*), SUM(client_price) FROM {table} "  # noqa: S608
        f"WHERE department_id = %s AND reservation_start >= %s "
        f"AND reservation_start < %s AND status IN ({marks})",
        [dept.pk, trend_start, month.end, *terminal],
    )
    bare_month = sql(
        f"SELECT department_id, COUNT(*), SUM(client_price) FROM {table} "  # noqa: S608
        f"WHERE reservation_start >= %s AND reservation_start < %s "
        f"GROUP BY department_id",
        [month.start, month.end],
    )
    print(f"manager dashboard ({dept.code}, {month})     {p(timed(dashboard))}")
    print(f"  bare SQL: its 12 months summed      {p(timed(bare_dashboard))}")
    print(f"finance month view (all, {month})     {p(timed(month_view))}")
    print(f"  bare SQL: the month by department   {p(timed(bare_month))}")

    upsert_figures(employees, rounds=3)

    if vendor == "sqlite" and not os.environ.get(NESTED):
        again_on_postgres(__file__)


def again_on_postgres(path: str) -> None:
    """Run the benchmark module at `path` again on PostgreSQL, if one answers."""
    url = os.environ.get(
        "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/bench"
    )
    parts = urlsplit(url)
    try:
        socket.create_connection(
            (parts.hostname, parts.port or 5432), timeout=2
        ).close()
    except OSError:
        print(f"PostgreSQL at {parts.hostname}:{parts.port} does not answer: skipped")
        return
    env = {**os.environ, "DATABASE_URL": url, NESTED: "1"}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            path,
            "-o",
            "python_files=bench_*.py",
            "-s",
            "-q",
            "-p",
            "no:cacheprovider",
        ],
        env=env,
        check=False,
    )
