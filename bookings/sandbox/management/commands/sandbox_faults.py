from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from bookings.sandbox.models import Fault
from bookings.sandbox.spans import parse_span


class Command(BaseCommand):
    help = (
        "Make the sandbox misbehave on purpose: for the next N requests or for "
        "a while, on every endpoint or one. For reliability tests and demos."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        add = actions.add_parser(
            "add",
            help="add a fault",
            description="Kinds: "
            + "; ".join(f"{k.value}: {k.label}" for k in Fault.Kind),
        )
        add.add_argument("kind", choices=Fault.Kind.values)
        span = add.add_mutually_exclusive_group()
        span.add_argument(
            "--count", type=int, help="hit the next N requests (default 1)"
        )
        span.add_argument(
            "--for", dest="span", metavar="SPAN", help="hit every request for SPAN: 10m"
        )
        add.add_argument("--endpoint", choices=Fault.Endpoint.values)
        add.add_argument(
            "--seconds", type=float, help="latency or hang length in seconds"
        )
        add.add_argument(
            "--retry-after", type=int, help="the Retry-After of a 429 (seconds)"
        )
        actions.add_parser("list", help="list the faults still to come")
        actions.add_parser("clear", help="remove every fault")

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        Fault.objects.spent(now).delete()
        action = options["action"]
        if action == "add":
            fault = self._add(now, options)
            self._say(options, f"Added {fault}.")
        elif action == "list":
            faults = list(Fault.objects.all())
            for fault in faults:
                self.stdout.write(str(fault))
            if not faults:
                self._say(options, "No faults.")
        else:
            count, _ = Fault.objects.all().delete()
            self._say(options, f"Removed {count} fault(s).")

    def _add(self, now: Any, options: dict[str, Any]) -> Fault:
        until, count = None, options["count"]
        if options["span"]:
            try:
                until = now + parse_span(options["span"])
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        elif count is None:
            count = 1
        if count is not None and count < 1:
            raise CommandError("--count must be 1 or more")
        return Fault.objects.create(
            kind=options["kind"],
            endpoint=options["endpoint"] or "",
            remaining=count,
            until=until,
            seconds=options["seconds"],
            retry_after=options["retry_after"],
        )

    def _say(self, options: dict[str, Any], text: str) -> None:
        if options["verbosity"] >= 1:
            self.stdout.write(text)
