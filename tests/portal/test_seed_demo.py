from __future__ import annotations

import io
import os
from unittest import mock

import pytest
from django.core.management import call_command
from django.test import override_settings

from portal import demo
from portal.models import Department, Employee, Site, SiteCharger, User
from portal.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded() -> str:
    out = io.StringIO()
    with override_settings(PETITMONDE_SANDBOX=False):
        call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_demo_company_has_what_the_issue_promises(seeded: str) -> None:
    assert Site.objects.count() >= 2
    assert Department.objects.count() >= 4
    employees = Employee.objects.filter(user__groups__name="Employee")
    assert employees.exclude(customer_id="").count() >= 30
    for role in (Role.RECEPTIONIST, Role.FINANCE, Role.ADMIN):
        assert any(role in u.roles for u in User.objects.all()), role
    for department in Department.objects.all():
        assert department.managers.exists(), department.code
    for site in Site.objects.all():
        kinds = set(site.chargers.values_list("kind", flat=True))
        assert kinds == {SiteCharger.Kind.WORKPLACE, SiteCharger.Kind.VISITOR}


def test_every_printed_login_works(seeded: str) -> None:
    for _what, email in demo.logins():
        assert email in seeded
        assert User.objects.get(email=email).check_password(demo.DEMO_PASSWORD)
    assert demo.DEMO_PASSWORD in seeded


def test_second_run_changes_nothing(seeded: str) -> None:
    users = {u.pk: (u.password, u.email) for u in User.objects.all()}
    out = io.StringIO()
    with override_settings(PETITMONDE_SANDBOX=False):
        call_command("seed_demo", stdout=out)
    assert "0 people created, 0 updated" in out.getvalue()
    assert {u.pk: (u.password, u.email) for u in User.objects.all()} == users


def test_quiet_run_prints_nothing() -> None:
    out = io.StringIO()
    with override_settings(PETITMONDE_SANDBOX=False):
        call_command("seed_demo", verbosity=0, stdout=out)
    assert out.getvalue() == ""
    assert User.objects.exists()


@override_settings(PETITMONDE_SANDBOX=True)
def test_runportal_prints_logins_and_points_the_client_at_its_own_sandbox() -> None:
    out = io.StringIO()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PETITMONDE_API_URL", "RUN_MAIN", "SYNC_WINDOW_DAYS")
    }
    with (
        mock.patch.dict(os.environ, env, clear=True),
        mock.patch("portal.management.commands.runportal.call_command") as run,
        mock.patch("portal.management.commands.runportal.start_jobs"),
        mock.patch("portal.management.commands.runportal.start_worker"),
    ):
        call_command("runportal", "127.0.0.1:8123", stdout=out)
        assert os.environ["PETITMONDE_API_URL"] == (
            "http://127.0.0.1:8123/sandbox/api/v1/client"
        )
        # The jobs beside the server sync the sandbox's whole demo year.
        assert os.environ["SYNC_WINDOW_DAYS"] == "400"
    run.assert_called_once_with("runserver", "127.0.0.1:8123")
    assert demo.DEMO_PASSWORD in out.getvalue()


@override_settings(PETITMONDE_SANDBOX=True)
def test_runportal_keeps_an_api_url_set_by_the_operator() -> None:
    with (
        mock.patch.dict(os.environ, {"PETITMONDE_API_URL": "https://api.example"}),
        mock.patch("portal.management.commands.runportal.call_command"),
        mock.patch("portal.management.commands.runportal.start_jobs"),
        mock.patch("portal.management.commands.runportal.start_worker"),
    ):
        call_command("runportal", "127.0.0.1:8123", stdout=io.StringIO())
        assert os.environ["PETITMONDE_API_URL"] == "https://api.example"


def test_runportal_runs_the_jobs_and_the_worker_beside_the_server_and_stops_them() -> (
    None
):
    env = {k: v for k, v in os.environ.items() if k != "RUN_MAIN"}
    with (
        mock.patch.dict(os.environ, env, clear=True),
        mock.patch("portal.management.commands.runportal.call_command") as run,
        mock.patch("subprocess.Popen") as popen,
    ):
        call_command("runportal", "127.0.0.1:8123", stdout=io.StringIO())
    started = [call.args[0][2:] for call in popen.call_args_list]
    assert started == [
        ["run_jobs", "--loop"],
        ["db_worker", "--no-reload", "--interval", "1"],
    ]
    run.assert_called_once_with("runserver", "127.0.0.1:8123")
    assert popen.return_value.terminate.call_count == 2


def test_the_reloaders_child_starts_no_second_scheduler() -> None:
    with (
        mock.patch.dict(os.environ, {"RUN_MAIN": "true"}),
        mock.patch("portal.management.commands.runportal.call_command"),
        mock.patch("subprocess.Popen") as popen,
    ):
        call_command("runportal", "127.0.0.1:8123", stdout=io.StringIO())
    popen.assert_not_called()
