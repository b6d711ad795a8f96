from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bookings.months import EARLIEST, LATEST, Month
from reports.emails import send_monthly_reports


class Command(BaseCommand):
    help = (
        "E-mail a month's report: every department to REPORT_RECIPIENTS "
        "(finance/HR), their departments to each manager, with CSV attachments. "
        "Each address gets a month's report once, unless --force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--month",
            help="YYYY-MM; the month before the current one when left out.",
        )
        parser.add_argument(
            "--force", action="store_true", help="Send again to those already sent."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="List who would get what."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        month = (
            Month.parse(options["month"])
            if options["month"]
            else Month.current().previous
        )
        if month is None:
            raise CommandError("--month must look like 2026-11.")
        if not month.reportable:
            raise CommandError(f"--month must lie from {EARLIEST} to {LATEST}.")

        def log(line: str) -> None:
            if options["verbosity"] >= 2 or "FAILED" in line:
                self.stdout.write(line)

        outcome = send_monthly_reports(
            month=month, force=options["force"], dry_run=options["dry_run"], log=log
        )
        if options["verbosity"] >= 1:
            verb = "would send" if options["dry_run"] else "sent"
            self.stdout.write(
                f"Monthly reports for {month}: {len(outcome.sent)} {verb}, "
                f"{len(outcome.skipped)} already sent, {len(outcome.failed)} failed."
            )
        if outcome.failed:
            failed = ", ".join(email for email, _error in outcome.failed)
            raise CommandError(f"Sending failed for: {failed}")
