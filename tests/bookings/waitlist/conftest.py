"""The waiting list's tests run at a fixed moment: Tuesday 10 March 2026,
07:00 in Karlsruhe, so "this month" and "tomorrow" never depend on today."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from time_machine import TimeMachineFixture

from portal.models import Department, User

MOMENT = datetime(2026, 3, 10, 7, 0, tzinfo=ZoneInfo("Europe/Berlin"))


@pytest.fixture(autouse=True)
def _fixed_moment(time_machine: TimeMachineFixture) -> None:
    time_machine.move_to(MOMENT, tick=False)


@pytest.fixture
def third(make_person: Callable[..., User], engineering: Department) -> User:
    return make_person("emp077", engineering, first_name="Tara")
