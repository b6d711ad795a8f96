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
        "(`run_jobs --loop`) running beside it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args: Any, **options: Any) -> None:
        # The autoreloader runs this command again in a child process
        # (RUN_MAIN=true) after every code change: print the logins and start
        # the scheduled jobs once.
        jobs = None
        if os.environ.get("RUN_MAIN") != "true":
            print_logins(self.stdout.write)
            self.stdout.write(f"Open http://{options['addrport']}/ in your browser.")
            manage = str(settings.BASE_DIR / "manage.py")
            jobs = subprocess.Popen([sys.executable, manage, "run_jobs", "--loop"])
        try:
            call_command("runserver", options["addrport"])
        finally:
            if jobs is not None:
                jobs.terminate()
                try:
                    jobs.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    jobs.kill()
