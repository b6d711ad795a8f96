"""Security headers, sessions, passwords, error pages and production settings.

Login-required-everywhere is checked URL by URL in tests/test_access.py.
The production checks run `manage.py` in a subprocess with a controlled
environment, because settings are read once, at import.
"""

from __future__ import annotations

import importlib.util
import os
import re
import secrets
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from portal.models import User

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"


# --- headers -------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/login/", "/", "/password-reset/", "/nowhere/"])
def test_pages_send_a_strict_content_security_policy(
    login: Callable[[User], Client], employee: User, url: str
) -> None:
    response = login(employee).get(url)
    policy = response["Content-Security-Policy"]
    directives = {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/login/", "/healthz"])
def test_pages_refuse_framing_and_sniffing(client: Client, url: str) -> None:
    response = client.get(url)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


# Every URL of tests/test_access.py is checked for it, for every persona.


def cache_directives(response: Any) -> set[str]:
    return {d.strip() for d in response.get("Cache-Control", "").split(",") if d}


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/admin/", "/admin/portal/user/", "/nowhere/"])
def test_admin_and_error_pages_of_a_logged_in_person_are_not_cached(
    login: Callable[[User], Client], admin_user: User, url: str
) -> None:
    response = login(admin_user).get(url)
    assert {"private", "no-store"} <= cache_directives(response)


@pytest.mark.django_db
def test_logging_in_and_out_is_not_cached(client: Client, employee: User) -> None:
    from tests.conftest import PASSWORD

    response = client.post(
        "/login/", {"username": employee.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert {"private", "no-store"} <= cache_directives(response)
    response = client.post("/logout/")
    assert {"private", "no-store"} <= cache_directives(response)


@pytest.mark.django_db
def test_anonymous_pages_need_not_be_private(client: Client) -> None:
    assert "no-store" not in cache_directives(client.get("/password-reset/sent/"))


@pytest.mark.parametrize(
    ("content_type", "private"),
    [
        ("text/csv; charset=utf-8", True),
        ("text/calendar; charset=utf-8", True),
        ("text/html; charset=utf-8", False),
    ],
)
def test_csv_and_ics_downloads_are_never_cached(
    content_type: str, private: bool
) -> None:
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpResponse
    from django.test import RequestFactory

    from portal.middleware import private_pages

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    middleware = private_pages(lambda r: HttpResponse(content_type=content_type))
    directives = cache_directives(middleware(request))
    assert ({"private", "no-store"} <= directives) is private


def test_templates_have_no_inline_scripts_styles_or_handlers() -> None:
    # The CSP would block them in the browser; better to find them here.
    offenders = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        if path.parts[len(TEMPLATES.parts)] == "emails":
            continue  # e-mails are not served under the CSP
        text = path.read_text(encoding="utf-8")
        for pattern in (
            r"<script(?![^>]*\bsrc=)[^>]*>",
            r"<style\b",
            r"\sstyle\s*=",
            r"\son[a-z]+\s*=",
            r"javascript:",
        ):
            if re.search(pattern, text, re.IGNORECASE):
                offenders.append(f"{path.relative_to(ROOT)}: {pattern}")
    assert offenders == []


# --- sessions and passwords ---------------------------------------------------


def test_sessions_last_at_most_ten_hours() -> None:
    assert 0 < settings.SESSION_COOKIE_AGE <= 10 * 60 * 60
    assert settings.SESSION_COOKIE_HTTPONLY


@pytest.mark.django_db
def test_session_cookie_of_a_login_expires_within_ten_hours(
    client: Client, employee: User
) -> None:
    from tests.conftest import PASSWORD

    response = client.post(
        "/login/", {"username": employee.email, "password": PASSWORD}
    )
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert 0 < int(cookie["max-age"]) <= 10 * 60 * 60
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


def test_password_of_eleven_characters_is_refused() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_password("Xq7!mzR2pLw")
    assert "at least 12 characters" in " ".join(raised.value.messages)


def test_password_of_twelve_characters_is_accepted() -> None:
    validate_password("Xq7!mzR2pLwe")


@pytest.mark.parametrize("password", ["123456789012345", "password12345"])
def test_numeric_and_common_passwords_are_refused(password: str) -> None:
    with pytest.raises(ValidationError):
        validate_password(password)


# --- friendly error pages with DEBUG off ------------------------------------


@pytest.mark.django_db
@pytest.mark.urls("tests.portal.error_urls")
def test_403_page_is_friendly(login: Callable[[User], Client], employee: User) -> None:
    assert not settings.DEBUG
    response = login(employee).get("/test-forbidden/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "You cannot open this page" in body
    assert "ask the portal administrator" in body
    assert "Log out" in body  # the normal page, with the header


@pytest.mark.django_db
@pytest.mark.parametrize("logged_in", [True, False])
def test_404_page_is_friendly(client: Client, employee: User, logged_in: bool) -> None:
    if logged_in:
        client.force_login(employee)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Page not found" in body
    assert ("Log out" in body) is logged_in


@pytest.mark.django_db
@pytest.mark.urls("tests.portal.error_urls")
def test_500_page_is_friendly(employee: User) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(employee)
    response = client.get("/test-broken/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong on our side" in body
    assert "a bug" not in body
    assert "Traceback" not in body
    assert "/static/css/portal.css" in body


@pytest.mark.django_db
def test_csrf_failure_page_is_friendly(employee: User) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": employee.email, "password": "x"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "Please try again" in body
    assert "Nothing was saved." in body
    assert "<style" not in body  # Django's own page has inline styles


# --- production settings, in a subprocess -----------------------------------


def readme_production_env() -> dict[str, str]:
    """The variables docs/operating.md's Production section exports, with values."""
    readme = (ROOT / "docs" / "operating.md").read_text(encoding="utf-8")
    block = re.search(r"```sh\n(export DEBUG=false.*?)\n\.venv", readme, re.DOTALL)
    assert block, "docs/operating.md → Production must show the exported variables"
    words = shlex.split(block.group(1).replace("\\\n", " "))
    assert words[0] == "export"
    values: dict[str, str] = {}
    for word in words[1:]:
        name, _, value = word.partition("=")
        # "…" marks a secret in the docs; any value will do for the checks.
        values[name] = value.replace("…", "x")
    values["SECRET_KEY"] = secrets.token_urlsafe(50)
    return values


def manage(
    *args: str, env: dict[str, str], cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=cwd,
        env=clean_env(env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def clean_env(extra: dict[str, str]) -> dict[str, str]:
    """Only what Python needs plus `extra`: nothing leaks in from this shell."""
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
    if "PYTHONPATH" in os.environ:
        base["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return {**base, **extra}


def test_readme_lists_the_production_variables() -> None:
    assert set(readme_production_env()) >= {
        "DEBUG",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "DATABASE_URL",
        "EMAIL_URL",
        "PETITMONDE_API_URL",
        "PETITMONDE_API_KEY",
    }


def test_production_refuses_to_start_without_secret_key() -> None:
    env = readme_production_env()
    del env["SECRET_KEY"]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert "DEBUG=false" in result.stderr


def test_development_starts_with_nothing_set() -> None:
    result = manage("check", env={})
    assert result.returncode == 0, result.stderr


def test_deploy_check_passes_with_the_readme_production_variables() -> None:
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", env=readme_production_env()
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("change", "warning"),
    [
        ({"ALLOWED_HOSTS": ""}, "security.W020"),
        ({"SECURE_HSTS_SECONDS": "0"}, "security.W004"),
        ({"SESSION_COOKIE_SECURE": "false"}, "security.W012"),
        ({"SECURE_SSL_REDIRECT": "false"}, "security.W008"),
    ],
)
def test_deploy_check_fails_when_a_protection_is_off(
    change: dict[str, str], warning: str
) -> None:
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={**readme_production_env(), **change},
    )
    assert result.returncode != 0
    assert warning in result.stderr + result.stdout


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """collectstatic with DEBUG off into a temporary STATIC_ROOT."""
    root = tmp_path_factory.mktemp("static")
    env = {
        **readme_production_env(),
        "STATIC_ROOT": str(root),
        "DATABASE_URL": f"sqlite:///{root.parent / 'unused.sqlite3'}",
    }
    result = manage("collectstatic", "--no-input", env=env)
    assert result.returncode == 0, result.stderr
    return root, env


def test_collectstatic_writes_hashed_and_compressed_files(
    collected: tuple[Path, dict[str, str]],
) -> None:
    root, _env = collected
    assert (root / "staticfiles.json").exists()
    hashed = [
        p
        for p in (root / "css").iterdir()
        if re.fullmatch(r"portal\.[0-9a-f]{12}\.css", p.name)
    ]
    assert len(hashed) == 1
    assert Path(f"{hashed[0]}.gz").exists()
    has_brotli = importlib.util.find_spec("brotli") is not None
    assert Path(f"{hashed[0]}.br").exists() is has_brotli
    assert (root / "admin").is_dir()  # the admin's own files too


WSGI_PROBE = """
import sys
from wsgiref.util import setup_testing_defaults

from portal.wsgi import application


def get(path, **headers):
    environ = {"PATH_INFO": path, "HTTP_HOST": "ev.example.com",
               "wsgi.url_scheme": "https", "SERVER_PORT": "443"}
    environ.update({"HTTP_" + k.upper(): v for k, v in headers.items()})
    setup_testing_defaults(environ)
    seen = {}

    def start_response(status, response_headers, exc_info=None):
        seen["status"] = status
        seen["headers"] = response_headers

    body = b"".join(application(environ, start_response))
    print("STATUS", path, seen["status"])
    for name, value in seen["headers"]:
        print("HEADER", path, name.lower(), value)
    return body


page = get("/login/").decode()
import re
css = re.search(r'href="(/static/css/portal\\.[0-9a-f]{12}\\.css)"', page).group(1)
print("CSS", css)
get(css, accept_encoding="gzip, br")
get("/static/css/portal.css")
"""


def test_whitenoise_serves_the_hashed_compressed_files(
    collected: tuple[Path, dict[str, str]],
) -> None:
    _root, env = collected
    result = subprocess.run(
        [sys.executable, "-c", WSGI_PROBE],
        cwd=ROOT,
        env=clean_env(env),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    css = next(line.split()[1] for line in lines if line.startswith("CSS "))
    assert f"STATUS {css} 200 OK" in lines
    headers = {
        line.split(" ", 3)[2]: line.split(" ", 3)[3]
        for line in lines
        if line.startswith(f"HEADER {css} ")
    }
    brotli = importlib.util.find_spec("brotli") is not None
    assert headers["content-encoding"] == ("br" if brotli else "gzip")
    assert "immutable" in headers["cache-control"]
    assert "max-age=315360000" in headers["cache-control"]
    # The unhashed name is served too, but must not be cached for ever.
    assert "STATUS /static/css/portal.css 200 OK" in lines
    plain = {
        line.split(" ", 3)[2]: line.split(" ", 3)[3]
        for line in lines
        if line.startswith("HEADER /static/css/portal.css ")
    }
    assert "immutable" not in plain.get("cache-control", "")
