"""The sandbox must never be reachable in production settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.test.utils import override_settings

from tests.bookings.sandbox.conftest import BASE, Api

ROOT = Path(__file__).resolve().parents[3]
# Loads the settings as a fresh process would, without any .env file, and
# prints the computed switch.
PROBE = (
    "import environ, django, os\n"
    "environ.Env.read_env = classmethod(lambda cls, *a, **k: None)\n"
    "os.environ['DJANGO_SETTINGS_MODULE'] = 'portal.settings'\n"
    "from django.conf import settings\n"
    "print(settings.PETITMONDE_SANDBOX)\n"
)


def sandbox_setting(**env: str) -> str:
    clean = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PETITMONDE_", "DEBUG", "SECRET_KEY", "DJANGO_"))
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=clean | env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout.strip()


def test_production_settings_switch_the_sandbox_off() -> None:
    assert sandbox_setting(DEBUG="false", SECRET_KEY="x") == "False"


def test_production_settings_can_switch_it_on_explicitly() -> None:
    assert (
        sandbox_setting(DEBUG="false", SECRET_KEY="x", PETITMONDE_SANDBOX="true")
        == "True"
    )


def test_development_without_a_key_has_the_sandbox() -> None:
    assert sandbox_setting(DEBUG="true") == "True"


def test_development_with_a_real_key_has_no_sandbox() -> None:
    assert sandbox_setting(DEBUG="true", PETITMONDE_API_KEY="live-key") == "False"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "search?lat=49&lng=8.4",
        "bookings",
        "bookings/6f1c1a52-0000-4000-8000-000000000000",
        "usage",
        "anything/else",
    ],
)
def test_switched_off_sandbox_is_404_for_everything(
    client: Client, world: None, path: str
) -> None:
    with override_settings(PETITMONDE_SANDBOX=False):
        response = Api(client).get(path)
    assert response.status_code == 404
    # The portal's own 404 page: nothing says an API is there.
    assert response["Content-Type"].startswith("text/html")
    assert "X-RateLimit-Limit" not in response


@pytest.mark.django_db
def test_switched_off_sandbox_refuses_posts_too(client: Client, world: None) -> None:
    with override_settings(PETITMONDE_SANDBOX=False):
        response = client.post(BASE + "bookings", {}, headers={"X-API-Key": "sandbox"})
    assert response.status_code == 404


@pytest.mark.django_db
def test_the_switch_is_read_at_request_time(client: Client, world: None) -> None:
    with override_settings(PETITMONDE_SANDBOX=False):
        assert Api(client).get("usage").status_code == 404
    assert Api(client).get("usage").status_code == 200
