"""python manage.py sandbox_seed [--history] [--dry-run]"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from bookings.sandbox.models import Booking, Location

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("sandbox_seed", *args, stdout=out)
    return out.getvalue()


def test_seed_creates_the_world_only() -> None:
    output = run()
    assert Location.objects.filter(location_id="DE-ENB-E123456").exists()
    assert not Booking.objects.exists()
    assert "Sandbox world:" in output and "added" in output


def test_a_second_seed_adds_nothing() -> None:
    run()
    assert "0 locations and 0 EVSEs added" in run()


def test_dry_run_keeps_nothing() -> None:
    output = run("--dry-run", "--history")
    assert "Dry run: nothing was kept." in output
    assert not Location.objects.exists()


def test_history_for_the_demo_company(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", verbosity=0)
    Booking.objects.all().delete()
    output = run("--history")
    assert Booking.objects.count() > 1000
    assert "demo bookings added" in output
    assert "0 demo bookings added" in run("--history")


def test_quiet_when_asked() -> None:
    out = StringIO()
    call_command("sandbox_seed", verbosity=0, stdout=out)
    assert out.getvalue() == ""
