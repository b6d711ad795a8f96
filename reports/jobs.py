"""The reports' scheduled job: the monthly report e-mails.

portal.scheduler runs it; PortalConfig.ready() imports this module.
"""

from __future__ import annotations

from datetime import datetime

from bookings.months import Month
from portal.scheduler import Job, MonthlyAt, register


def _previous_month(due: datetime) -> list[str]:
    return ["--month", str(Month.of(due).previous)]


register(
    Job(
        "monthly_reports",
        "send_monthly_reports",
        MonthlyAt(day=1, hour=6),
        arguments=_previous_month,
    )
)
