from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from bookings.models import Booking
from bookings.petitmonde import PetitmondeError, get_client
from bookings.sync.run import SyncAlreadyRunning, sync_bookings


class Command(BaseCommand):
    help = (
        "Bring every booking on the company's API account into the portal: those "
        "created in the last SYNC_WINDOW_DAYS days (or since --since), and every "
        "one still unfinished. Idempotent; stops early, saying so, rather than "
        "spend more than SYNC_MAX_QUOTA_SHARE of the monthly API quota."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--since",
            type=_date,
            help="Read bookings created from this date on (YYYY-MM-DD, local).",
        )
        parser.add_argument(
            "--incremental",
            action="store_true",
            help=(
                "Read only what can have changed since the last complete run "
                "(what the scheduled job does every few minutes)."
            ),
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Read and compare; write nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = options["verbosity"]

        def progress(line: str) -> None:
            if verbosity >= 2:
                self.stdout.write(line)

        since = options["since"]
        try:
            result = sync_bookings(
                client=get_client(),
                since=since,
                incremental=options["incremental"] and since is None,
                dry_run=options["dry_run"],
                progress=progress,
            )
        except SyncAlreadyRunning as error:
            # Not a failure: the other run does the work.
            self.stdout.write(f"Nothing done: {error}.")
            return
        except PetitmondeError as error:
            raise CommandError(f"Sync failed: {error}") from error
        if verbosity >= 1:
            c = result.counts
            local = timezone.localtime
            prefix = "Dry run, nothing written. " if options["dry_run"] else ""
            self.stdout.write(
                f"{prefix}Bookings created {local(result.window_start):%Y-%m-%d %H:%M}"
                f" – {local(result.window_end):%Y-%m-%d %H:%M}: "
                f"fetched {c.fetched}, created {c.created}, updated {c.updated}, "
                f"unchanged {c.unchanged}, unattributed {c.unattributed} "
                f"({Booking.objects.unattributed().count()} waiting for finance). "
                f"API requests used: {result.requests}"
                f" of {result.budget} allowed; monthly quota left: "
                f"{'unknown' if result.quota_left is None else result.quota_left}."
            )
        late = result.late_adopted + result.late_cancelled + result.late_open
        if late and verbosity >= 1:
            self.stdout.write(
                f"Bookings made after the portal had given up on them: "
                f"{result.late_adopted} kept, {result.late_cancelled} cancelled, "
                f"{result.late_open} still to cancel (the follow-up job retries)."
            )
        if result.stopped:
            self.stdout.write(self.style.WARNING(f"Sync {result.stopped}."))
        elif not result.complete:
            self.stdout.write(
                self.style.WARNING("Some bookings could not be read: see the log.")
            )


def _date(text: str) -> datetime:
    try:
        day = datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError as error:
        raise CommandError("--since must look like 2026-03-01.") from error
    return datetime.combine(day, time(), tzinfo=timezone.get_current_timezone())
