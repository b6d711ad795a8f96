from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bookings.sandbox.models import Clock, iso
from bookings.sandbox.spans import parse_span


class Command(BaseCommand):
    help = (
        "Show or move the sandbox's clock. Sandbox time is real time plus an "
        "offset; bookings move through their lifecycle as it passes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--advance",
            metavar="SPAN",
            help="move forward by SPAN: 30s, 15m, 2h, 1d, 1h30m",
        )
        group.add_argument(
            "--reset",
            action="store_true",
            help="back to real time (bookings keep the states they reached)",
        )
        group.add_argument(
            "--show", action="store_true", help="print sandbox time (the default)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["advance"] is not None:
            try:
                span = parse_span(options["advance"])
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            Clock.advance(span)
        elif options["reset"]:
            Clock.reset()
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"Sandbox time: {iso(Clock.now())} "
                f"(ahead of real time by {Clock.current_offset()})"
            )
