"""python manage.py sandbox_clock"""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from bookings.sandbox.models import Clock
from bookings.sandbox.spans import parse_span

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("sandbox_clock", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("span", "expected"),
    [
        ("15m", timedelta(minutes=15)),
        ("2h", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("45s", timedelta(seconds=45)),
    ],
)
def test_advance_moves_sandbox_time(span: str, expected: timedelta) -> None:
    output = run("--advance", span)
    assert Clock.current_offset() == expected
    assert "Sandbox time:" in output


def test_advances_add_up() -> None:
    run("--advance", "1h")
    run("--advance", "1d")
    assert Clock.current_offset() == timedelta(days=1, hours=1)


def test_reset_returns_to_real_time() -> None:
    run("--advance", "2h")
    run("--reset")
    assert Clock.current_offset() == timedelta(0)


def test_show_is_the_default_and_changes_nothing() -> None:
    assert "ahead of real time by 0:00:00" in run()
    assert "ahead of real time by 0:00:00" in run("--show")
    assert Clock.current_offset() == timedelta(0)


@pytest.mark.parametrize("span", ["soon", "-1h", "2w", ""])
def test_a_bad_span_is_refused(span: str) -> None:
    with pytest.raises(CommandError):
        run("--advance", span)
    assert Clock.current_offset() == timedelta(0)


def test_the_clock_never_goes_back() -> None:
    with pytest.raises(ValueError):
        Clock.advance(timedelta(hours=-1))


def test_spans_refuse_garbage_around_parts() -> None:
    with pytest.raises(ValueError):
        parse_span("1h and 5m")
