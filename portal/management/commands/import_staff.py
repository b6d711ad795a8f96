from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.staff_import import ImportFileError, import_staff


class Command(BaseCommand):
    help = (
        "Import staff from a CSV file (columns in docs/using.md). Every row is "
        "checked first; if any row is bad nothing is written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="the CSV file")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and report, write nothing"
        )
        parser.add_argument(
            "--deactivate-missing",
            action="store_true",
            help="deactivate employees who are not in the file (nobody is deleted)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc
        try:
            result, errors = import_staff(
                data,
                dry_run=options["dry_run"],
                deactivate_missing=options["deactivate_missing"],
            )
        except ImportFileError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        if errors:
            for error in errors:
                self.stderr.write(f"{path}: {error}")
            raise CommandError(
                f"Nothing was imported: {len(errors)} problem(s) in "
                f"{len({e.line for e in errors})} row(s)."
            )
        assert result is not None
        verbosity = options["verbosity"]
        prefix = "Dry run, nothing written: " if options["dry_run"] else ""
        if verbosity >= 2:
            for label, emails in (
                ("created", result.created),
                ("updated", result.updated),
                ("deactivated", result.deactivated),
            ):
                for email in emails:
                    self.stdout.write(f"  {label}: {email}")
        if verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{prefix}{len(result.created)} created, "
                    f"{len(result.updated)} updated, "
                    f"{len(result.unchanged)} unchanged, "
                    f"{len(result.deactivated)} deactivated, "
                    f"{len(result.departments_created)} new department(s)."
                )
            )
