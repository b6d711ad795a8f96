"""The waiting list's one scheduled job (bookings/jobs.py imports this).

Timed work of single offers and bookings is queued as tasks; this job is the
sweep behind them, every minute: offers past their time, entries whose time
has passed, the statuses that decide whether a charger freed up (a no-show
is only known once asked), and matching at every site where people wait.
"""

from __future__ import annotations

from datetime import timedelta

from portal.scheduler import Every, Job, register

register(
    Job(
        "waitlist",
        "waitlist_tick",
        Every(minutes=1),
        max_runtime=timedelta(minutes=5),
    )
)
