"""The sandbox must never be reachable in production settings."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import pytest
import requests
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


# Runs manage.py as a fresh process would, without any .env file.
MANAGE = (
    "import environ, os, sys\n"
    "environ.Env.read_env = classmethod(lambda cls, *a, **k: None)\n"
    "os.environ['DJANGO_SETTINGS_MODULE'] = 'portal.settings'\n"
    "from django.core.management import execute_from_command_line\n"
    "execute_from_command_line(['manage.py', *sys.argv[1:]])\n"
)
# This session's ports for servers of its own.
PORTS = range(8170, 8180)


def clean_environment() -> dict[str, str]:
    """The environment without anything that would decide the switch for us."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(
            ("PETITMONDE_", "DEBUG", "SECRET_KEY", "DJANGO_", "DATABASE_URL")
        )
    }


def sandbox_setting(**env: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=clean_environment() | env,
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


# A real server process with production settings: nothing in the tests' own
# configuration can make these pass.


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Production settings (DEBUG off, no API key), a migrated database, the static
    files collected, and plain HTTP on 127.0.0.1 (with the HTTPS redirect on,
    every address would only answer 301)."""
    root = tmp_path_factory.mktemp("production")
    env = clean_environment() | {
        "DEBUG": "false",
        "SECRET_KEY": "production-like-secret-key-for-the-safety-test-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": f"sqlite:///{root / 'db.sqlite3'}",
        "STATIC_ROOT": str(root / "static"),
    }
    for command in (["migrate", "--no-input"], ["collectstatic", "--no-input"]):
        subprocess.run(
            [sys.executable, "-c", MANAGE, *command, "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
    return env


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError(f"No free port in {PORTS}")


@contextmanager
def serving(env: dict[str, str]) -> Iterator[str]:
    """`runserver` in a process of its own; its base URL while it runs."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            [
                sys.executable,
                "-c",
                MANAGE,
                "runserver",
                f"127.0.0.1:{port}",
                "--noreload",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_up(server, url, log)
            yield url
        finally:
            server.terminate()
            server.wait(timeout=10)


def wait_until_up(server: subprocess.Popen[bytes], url: str, log: IO[bytes]) -> None:
    for _ in range(150):
        if server.poll() is not None:
            log.seek(0)
            raise RuntimeError(log.read().decode(errors="replace"))
        try:
            if requests.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise RuntimeError("The server did not start.")


def test_a_production_server_has_no_sandbox(production: dict[str, str]) -> None:
    with serving(production) as url:
        base = f"{url}/sandbox/api/v1/client"
        headers = {"X-API-Key": "sandbox"}
        usage = requests.get(f"{base}/usage", headers=headers, timeout=10)
        create = requests.post(f"{base}/bookings", json={}, headers=headers, timeout=10)
    for response in (usage, create):
        assert response.status_code == 404
        assert response.headers["Content-Type"].startswith("text/html")
        assert "X-RateLimit-Limit" not in response.headers


def test_a_production_server_has_it_when_switched_on(
    production: dict[str, str],
) -> None:
    # The same server with the one switch: proves the 404 above is the switch.
    with serving(production | {"PETITMONDE_SANDBOX": "true"}) as url:
        response = requests.get(
            f"{url}/sandbox/api/v1/client/usage",
            headers={"X-API-Key": "sandbox"},
            timeout=10,
        )
    assert response.status_code == 200
    assert response.json()["rate_limit"]["limit"] == 100
    assert response.headers["X-RateLimit-Limit"] == "100"
