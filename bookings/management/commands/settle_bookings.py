from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from bookings.followup import open_bookings, settle_open_bookings


class Command(BaseCommand):
    help = (
        "Settle bookings whose create had no clear answer (adopt the ones the "
        "API made, give the others up as not booked), finish called-off visits "
        "and make the cancellations the portal still owes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="list what would be settled"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = options["verbosity"]
        if options["dry_run"]:
            stale, visitors, owed = open_bookings()
            if verbosity >= 1:
                self.stdout.write(
                    f"Would settle {len(stale)} booking(s) being checked, look at "
                    f"{len(visitors)} visitor booking(s) and cancel {len(owed)} "
                    "booking(s) still owed a cancellation."
                )
            if verbosity >= 2:
                for booking in [*stale, *visitors, *owed]:
                    self.stdout.write(f"  {booking.pk} {booking.external_id}")
            return
        result = settle_open_bookings()
        if verbosity >= 1:
            self.stdout.write(
                f"{result.adopted} adopted, {result.dropped} given up as not "
                f"booked, {result.still_open} still unclear, "
                f"{result.visit_bookings} visitor booking(s) looked at, "
                f"{result.cancels_owed} cancellation(s) still owed."
            )
