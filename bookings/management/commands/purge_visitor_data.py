from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from bookings.models import Visit
from bookings.reception.visits import remove_expired_visitor_data


class Command(BaseCommand):
    help = (
        "Remove visitors' names, companies, e-mail addresses and licence plates "
        "VISITOR_DATA_RETENTION_DAYS after their visit. The visits, bookings and "
        "costs stay. Safe to run any number of times; meant to run daily."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="say what would be removed, change nothing",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        verbosity = options["verbosity"]
        if verbosity >= 2:
            # Which visits, never who: the names are what is being removed.
            for visit_id, departure in Visit.objects.personal_data_expired(
                now
            ).values_list("pk", "departure"):
                self.stdout.write(f"  visit #{visit_id}, departed {departure:%Y-%m-%d}")
        if options["dry_run"]:
            count = Visit.objects.personal_data_expired(now).count()
            message = f"Dry run, nothing changed: {count} visit(s) would be cleaned"
        else:
            count = remove_expired_visitor_data(now)
            message = f"Removed the visitor details of {count} visit(s)"
        if verbosity >= 1:
            days = settings.VISITOR_DATA_RETENTION_DAYS
            self.stdout.write(f"{message} (kept {days} days after the visit).")
