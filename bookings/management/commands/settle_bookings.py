from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from bookings.followup import open_bookings, settle_open_bookings


class Command(BaseCommand):
    help = (
        "Settle bookings whose create had no clear answer (adopt the ones the "
        "API made, drop the others) and finish called-off visits."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="list what would be settled"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = options["verbosity"]
        if options["dry_run"]:
            stale, visitors = open_bookings()
            if verbosity >= 1:
                self.stdout.write(
                    f"Would settle {len(stale)} booking(s) being sent and look at "
                    f"{len(visitors)} visitor booking(s)."
                )
            if verbosity >= 2:
                for booking in [*stale, *visitors]:
                    self.stdout.write(f"  {booking.pk} {booking.external_id}")
            return
        result = settle_open_bookings()
        if verbosity >= 1:
            self.stdout.write(
                f"{result.adopted} adopted, {result.dropped} never made, "
                f"{result.still_open} still unclear, {result.visit_bookings} "
                "visitor booking(s) looked at."
            )
