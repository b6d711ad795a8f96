from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from bookings.sandbox.history import seed_history
from bookings.sandbox.world import seed_world


class DryRun(Exception):
    """Raised to roll the seeding back after counting what it would add."""


class Command(BaseCommand):
    help = (
        "Create the sandbox's world: CPO locations across Germany, and chargers "
        "at and near every portal site. With --history, also about a year of "
        "bookings for the demo company. Idempotent: a second run adds nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--history",
            action="store_true",
            help="also write the demo company's booking history",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="say what would be added, keep nothing",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        lines = []
        try:
            with transaction.atomic():
                lines.append(f"Sandbox world: {seed_world()}.")
                if options["history"]:
                    lines.append(f"Sandbox history: {seed_history()}.")
                if options["dry_run"]:
                    raise DryRun
        except DryRun:
            lines.append("Dry run: nothing was kept.")
        if options["verbosity"] >= 1:
            for line in lines:
                self.stdout.write(line)
