from __future__ import annotations

import signal
import threading
import time
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from portal.scheduler import runner

TICK_SECONDS = 60


class Command(BaseCommand):
    help = (
        "Run the scheduled jobs that are due (sync, monthly reports, clean-ups). "
        "--once runs one pass, for cron or a systemd timer every minute; --loop "
        "keeps going (what `make run` starts beside the server). Safe on several "
        "hosts sharing one database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        mode = parser.add_mutually_exclusive_group(required=True)
        mode.add_argument("--once", action="store_true", help="One pass, then exit.")
        mode.add_argument("--loop", action="store_true", help="A pass every minute.")

    def handle(self, *args: Any, **options: Any) -> None:
        def log(line: str) -> None:
            if options["verbosity"] >= 1:
                self.stdout.write(line)

        if options["once"]:
            runner.tick(log=log)
            return
        stop = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            # A job in progress finishes; the loop ends before the next pass.
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        log("Scheduled jobs: running every minute (Ctrl-C stops).")
        while not stop.is_set():
            close_old_connections()
            runner.tick(log=log)
            close_old_connections()
            stop.wait(TICK_SECONDS - time.time() % TICK_SECONDS)
