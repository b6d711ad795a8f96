"""The home page's report cards (registered in ReportsConfig)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bookings.months import Month
from portal.models import User
from reports.access import reportable_departments, sees_all
from reports.figures import DepartmentReport, unattributed_bookings


def reports_card(user: User, now: datetime) -> dict[str, Any]:
    if sees_all(user):
        # Finance: what waits for them, not every department's figures.
        return {"attribution": {"waiting": unattributed_bookings().count()}}
    departments = list(reportable_departments(user).order_by("name"))
    if not departments:
        return {}
    month = Month.of(now)
    return {
        "department_month": month,
        "department_reports": [DepartmentReport(d, month) for d in departments],
    }
