"""The scheduled jobs in the admin: health in words, run now, who may look."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from portal.models import User
from portal.scheduler.models import ScheduledJob
from portal.scheduler.registry import JOBS

pytestmark = pytest.mark.django_db


def test_admin_sees_each_jobs_last_run_and_the_overdue_one_flagged(
    login: Callable[[User], Client], admin_user: User
) -> None:
    now = timezone.now()
    ScheduledJob.objects.create(
        name="sync_bookings",
        next_due_at=now - timedelta(hours=2),
        last_started_at=now - timedelta(hours=2, minutes=15),
        last_finished_at=now - timedelta(hours=2, minutes=14),
        last_outcome=ScheduledJob.Outcome.OK,
    )
    ScheduledJob.objects.create(
        name="monthly_reports",
        next_due_at=now + timedelta(days=3),
        last_outcome=ScheduledJob.Outcome.FAILED,
        last_error="SMTPException: relay denied\nTraceback…",
        retry_at=now + timedelta(minutes=10),
    )
    body = login(admin_user).get("/admin/portal/scheduledjob/").content.decode()
    assert "⚠ stopped running: due since" in body
    assert "✕ last run failed" in body
    assert "SMTPException: relay denied" in body
    assert JOBS["sync_bookings"].schedule.describe() in body


def test_admin_can_ask_a_job_to_run_now(
    login: Callable[[User], Client], admin_user: User
) -> None:
    job = ScheduledJob.objects.create(
        name="monthly_reports", next_due_at=timezone.now() + timedelta(days=20)
    )
    login(admin_user).post(
        "/admin/portal/scheduledjob/",
        {"action": "run_soon", "_selected_action": [job.pk]},
    )
    job.refresh_from_db()
    assert job.next_due_at <= timezone.now()


def test_manager_cannot_open_the_job_page(
    login: Callable[[User], Client], manager: User
) -> None:
    response = login(manager).get("/admin/portal/scheduledjob/")
    assert response.status_code == 302  # to the login page: not staff
