from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from portal import demo


class Command(BaseCommand):
    help = (
        "Create the demo company (sites, departments, people with logins). "
        "Idempotent: a second run changes nothing."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = demo.seed()
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"Demo company: {len(result.created)} people created, "
                f"{len(result.updated)} updated, {len(result.unchanged)} unchanged."
            )
            print_logins(self.stdout.write)


def print_logins(write: Any) -> None:
    write("")
    write("Demo logins (every demo account has the same password):")
    for what, email in demo.logins():
        write(f"  {what:<32} {email}")
    write(f"  {'Password':<32} {demo.DEMO_PASSWORD}")
    write(
        f"  All 37 demo people log in as first.last@{demo.DEMO_DOMAIN} "
        "(see Administration → Users)."
    )
    write("")
