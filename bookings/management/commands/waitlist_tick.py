from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from bookings.waitlist.line import tick


class Command(BaseCommand):
    help = (
        "The waiting list's sweep: run out overdue offers, let go of entries "
        "whose time has passed, ask the API about bookings at sites where "
        "people wait whose status is due to move (within "
        "WAITLIST_MAX_QUOTA_SHARE), and offer freed charger time."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = tick()
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"{result.offers} offer(s) made at {result.sites} site(s); "
                f"{result.requests} API request(s) for statuses."
            )
