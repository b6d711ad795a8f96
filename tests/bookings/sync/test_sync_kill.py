"""A real `kill -9` of a running sync, then the next run (PostgreSQL only).

The sync runs as its own process against the sandbox served by the live
server; it shares the test database, which only PostgreSQL allows (SQLite's
test database lives in the test process's memory).
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from pytest_django.live_server_helper import LiveServer

from bookings.models import Booking, SyncRun
from bookings.sandbox.receivers import claim_demo_bookings
from bookings.statuses import TERMINAL
from portal.scheduler.models import Lease

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.contract,
    pytest.mark.django_db(transaction=True),
]


def outcome() -> dict[str, tuple[Any, ...]]:
    """What the sync decides, per booking (statuses only once they are final:
    the sandbox moves unfinished ones along in real time)."""
    rows = Booking.objects.values_list(
        "api_id", "attribution", "department_id", "employee_id", "status"
    )
    return {
        api_id: (attribution, department, employee, status in TERMINAL and status)
        for api_id, attribution, department, employee, status in rows
    }


def test_a_sync_killed_mid_run_is_completed_by_the_next(
    live_server: LiveServer, settings: Any
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the killed process must share the test database")
    api_url = f"{live_server.url}/sandbox/api/v1/client"
    settings.PETITMONDE_SANDBOX = True
    settings.PETITMONDE_API_KEY = ""
    settings.PETITMONDE_API_URL = api_url
    call_command("seed_demo", verbosity=0)
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}"
            f"/{database['NAME']}"
        ),
        "PETITMONDE_API_URL": api_url,
        "PETITMONDE_SANDBOX": "true",
        "PETITMONDE_API_KEY": "",
    }
    manage = str(django_settings.BASE_DIR / "manage.py")
    process = subprocess.Popen(
        [sys.executable, manage, "sync_bookings", "-v", "2"],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    first_chunk = process.stdout.readline()  # printed once the chunk is written
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert "bookings in" in first_chunk
    written = Booking.objects.count()
    assert written > 0
    assert SyncRun.objects.get().outcome == SyncRun.Outcome.RUNNING  # never closed
    assert Lease.objects.get(name="sync_bookings").holder  # left behind

    out = io.StringIO()
    call_command("sync_bookings", stdout=out)  # takes the dead process's lease
    assert "Nothing done" not in out.getvalue()
    assert Booking.objects.count() > written
    after_kill = outcome()

    # The same from the start, uninterrupted: the demo's own upcoming
    # bookings, then one whole run.
    Booking.objects.all().delete()
    SyncRun.objects.all().delete()
    claim_demo_bookings()
    call_command("sync_bookings", stdout=io.StringIO())
    assert outcome() == after_kill
