"""The bookings' scheduled jobs: the sync, settling, and the visitors' clean-up.

portal.scheduler runs them; PortalConfig.ready() imports this module.
"""

from __future__ import annotations

from datetime import timedelta

from portal.scheduler import DailyAt, Every, Job, register

register(
    Job(
        "sync_bookings",
        "sync_bookings",
        Every(setting="SYNC_INTERVAL_MINUTES"),
        arguments=lambda due: ["--incremental"],
        max_runtime=timedelta(minutes=30),
    )
)
register(Job("sync_bookings_full", "sync_bookings", DailyAt(2, 30)))
# Bookings left "being checked" by an unclear answer, when no page settled them,
# and cancellations the portal still owes.
register(
    Job(
        "settle_bookings",
        "settle_bookings",
        Every(minutes=5),
        max_runtime=timedelta(minutes=10),
    )
)
# The visitors' personal data, VISITOR_DATA_RETENTION_DAYS after their visit.
register(Job("purge_visitor_data", "purge_visitor_data", DailyAt(3, 15)))
# The waiting list's sweep, every minute (bookings/waitlist/jobs.py).
import bookings.waitlist.jobs  # noqa: E402, F401
