from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from portal.scheduler import registry
from portal.scheduler.models import JobRun
from portal.scheduler.registry import Job
from portal.scheduler.schedules import Every

pytestmark = pytest.mark.django_db


def test_once_runs_the_due_jobs_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "JOBS", {"check": Job("check", "check", Every(15))})
    out = io.StringIO()
    call_command("run_jobs", "--once", stdout=out)
    assert "check: succeeded" in out.getvalue()
    assert JobRun.objects.get().job.name == "check"


def test_a_mode_is_required() -> None:
    with pytest.raises(CommandError):
        call_command("run_jobs")
