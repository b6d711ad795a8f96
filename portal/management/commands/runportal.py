from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from portal.management.commands.seed_demo import print_logins


class Command(BaseCommand):
    help = (
        "Development server for `make run`: prints the demo logins and serves "
        "the portal (with the sandbox) on ADDRPORT, with the scheduled jobs "
        "(`run_jobs --loop`) and the task worker (`db_worker`) running beside it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args: Any, **options: Any) -> None:
        addrport = options["addrport"]
        if settings.PETITMONDE_SANDBOX and "PETITMONDE_API_URL" not in os.environ:
            # The portal talks to the sandbox it serves itself, on whatever
            # port it was started (the server process inherits this).
            os.environ["PETITMONDE_API_URL"] = (
                f"http://{addrport}/sandbox/api/v1/client"
            )
        if settings.PETITMONDE_SANDBOX:
            # The sandbox's demo history covers a year: let the sync read all
            # of it, so the dashboards' twelve-month trends have something.
            os.environ.setdefault("SYNC_WINDOW_DAYS", "400")
        # The autoreloader runs this command again in a child process
        # (RUN_MAIN=true) after every code change: print the logins and start
        # the scheduled jobs once.
        beside: list[subprocess.Popen[bytes]] = []
        if os.environ.get("RUN_MAIN") != "true":
            print_logins(self.stdout.write)
            self.stdout.write(f"Open http://{addrport}/ in your browser.")
            beside = [start_jobs(), start_worker()]
        try:
            call_command("runserver", addrport)
        finally:
            for process in beside:
                stop(process)


def start_jobs() -> subprocess.Popen[bytes]:
    """`run_jobs --loop` beside the server: the sync and the monthly reports."""
    manage = str(settings.BASE_DIR / "manage.py")
    return subprocess.Popen([sys.executable, manage, "run_jobs", "--loop"])


def start_worker() -> subprocess.Popen[bytes]:
    """`db_worker` beside the server: e-mails, offers, reminders (portal.tasks)."""
    manage = str(settings.BASE_DIR / "manage.py")
    return subprocess.Popen(
        [sys.executable, manage, "db_worker", "--no-reload", "--interval", "1"]
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    # run_jobs and db_worker finish the job or task in progress, then exit.
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
