"""The sync's upsert throughput alone: quick to run while working on it.

    .venv/bin/pytest tests/benchmarks/bench_sync_upsert.py -s -q \\
        -p no:cacheprovider -o python_files='bench_*.py'

Loads BENCH_UPSERT_BACKGROUND bookings first (default 100,000; the full
reports benchmark has 1,000,000), then upserts 20,000 new bookings, the same
20,000 all changed, and again unchanged, in BENCH_UPSERT_ROUNDS rounds
(default 3), and prints the median bookings/s of each. Like bench_reports, a
run on SQLite runs itself again on PostgreSQL when one answers
(BENCH_POSTGRES_URL). Prints figures, asserts nothing about time.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
from django.db import connection

from bookings.months import Month
from tests.benchmarks.bench_reports import (
    MONTHS,
    NESTED,
    again_on_postgres,
    load,
    people,
    rows,
    upsert_figures,
)

BACKGROUND = int(os.environ.get("BENCH_UPSERT_BACKGROUND", 100_000))
ROUNDS = int(os.environ.get("BENCH_UPSERT_ROUNDS", 3))


@pytest.mark.django_db(transaction=True)
def test_sync_upsert_throughput() -> None:
    print(
        f"\n=== Sync upsert on {connection.vendor}: {BACKGROUND:,} bookings "
        f"already stored"
    )
    _departments, employees, _managers, _finance = people()
    first = Month.current().shifted(-(MONTHS - 1))
    load(rows(employees, first, datetime.now(UTC), count=BACKGROUND))
    upsert_figures(employees, rounds=ROUNDS)
    if connection.vendor == "sqlite" and not os.environ.get(NESTED):
        again_on_postgres(__file__)
