from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from portal.management.commands.seed_demo import print_logins


class Command(BaseCommand):
    help = (
        "Development server for `make run`: prints the demo logins and serves "
        "the portal (with the sandbox) on ADDRPORT."
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
        # The autoreloader runs this command again in a child process
        # (RUN_MAIN=true) after every code change: print the logins once.
        if os.environ.get("RUN_MAIN") != "true":
            print_logins(self.stdout.write)
            self.stdout.write(f"Open http://{addrport}/ in your browser.")
        call_command("runserver", addrport)
