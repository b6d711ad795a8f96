"""python manage.py sandbox_faults add|list|clear"""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from bookings.sandbox.models import Fault

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("sandbox_faults", *args, stdout=out)
    return out.getvalue()


def test_add_defaults_to_the_next_request_anywhere() -> None:
    output = run("add", "503")
    fault = Fault.objects.get()
    assert (fault.kind, fault.endpoint, fault.remaining, fault.until) == (
        "503",
        "",
        1,
        None,
    )
    assert "Added #" in output and "503 on all endpoints, next 1 request(s)" in output


def test_add_with_count_endpoint_and_seconds() -> None:
    run("add", "latency", "--count", "3", "--endpoint", "search", "--seconds", "1.5")
    fault = Fault.objects.get()
    assert (fault.remaining, fault.endpoint, fault.seconds) == (3, "search", 1.5)


def test_add_for_a_while() -> None:
    run("add", "drop", "--for", "10m")
    fault = Fault.objects.get()
    assert fault.remaining is None
    assert abs(fault.until - timezone.now() - timedelta(minutes=10)) < timedelta(
        seconds=5
    )


def test_add_429_with_retry_after() -> None:
    run("add", "429", "--retry-after", "30", "--endpoint", "create")
    assert Fault.objects.get().retry_after == 30


@pytest.mark.parametrize(
    "args",
    [
        ("add", "teapot"),
        ("add", "500", "--count", "0"),
        ("add", "500", "--count", "2", "--for", "1m"),
        ("add", "500", "--for", "later"),
        ("add", "500", "--endpoint", "admin"),
    ],
)
def test_bad_additions_are_refused(args: tuple[str, ...]) -> None:
    with pytest.raises((CommandError, SystemExit)):
        run(*args)
    assert not Fault.objects.exists()


def test_list_shows_what_is_still_to_come() -> None:
    run("add", "500", "--count", "2")
    Fault.objects.create(kind="502", remaining=0)  # used up
    Fault.objects.create(kind="503", until=timezone.now() - timedelta(seconds=1))
    output = run("list")
    assert "500 on all endpoints, next 2 request(s)" in output
    assert "502" not in output and "503" not in output


def test_list_says_when_there_is_nothing() -> None:
    assert run("list").strip() == "No faults."


def test_clear_removes_everything() -> None:
    run("add", "500", "--for", "1h")
    run("add", "hang", "--count", "5")
    assert "Removed 2 fault(s)." in run("clear")
    assert not Fault.objects.exists()
