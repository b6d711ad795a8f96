"""The monthly report e-mails: finance/HR get every department, managers theirs.

Each (month, address) is sent once: a ReportDelivery row records it, so a
second run sends nothing new unless forced. The mail goes out first and is
recorded after: a crash in between means one duplicate at worst, never a
report silently not sent. A failure for one address is reported and the others
still get theirs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone, translation

from bookings.months import Month
from portal.emails import Attachment, build_email
from portal.i18n import language_of
from portal.models import Department, User
from portal.roles import VIEW_DEPARTMENT_REPORTS
from reports.figures import DepartmentReport, MonthlySummary, MonthOverview
from reports.models import ReportDelivery
from reports.report_tables import (
    department_tables,
    departments_table,
    summary_table,
)
from reports.tables import csv_bytes, csv_filename

logger = logging.getLogger(__name__)

ALL_DEPARTMENTS = "all"
MANAGER = "manager"
# The tables attached for each of a manager's departments.
MANAGER_TABLES = ("overview", "employees", "anomalies", "locations", "visitors")


@dataclass(frozen=True)
class Recipient:
    email: str
    kind: str
    name: str = ""
    departments: tuple[Department, ...] = ()
    # The recipient's own language (portal.i18n.language_of): the text, the
    # CSV headers and the attachments' names are in it.
    language: str = ""


@dataclass
class Outcome:
    sent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def recipients() -> list[Recipient]:
    """Finance/HR from REPORT_RECIPIENTS, then every active manager.

    An address in both gets the all-department report only: it holds theirs.
    """
    addresses = [a.strip().lower() for a in settings.REPORT_RECIPIENTS if a.strip()]
    # A finance address that is also a person's account reads their language.
    known = {
        user.email.lower(): user
        for user in User.objects.filter(email__in=addresses).only("email", "language")
    }
    result = [
        Recipient(
            email=address,
            kind=ALL_DEPARTMENTS,
            language=language_of(known.get(address)),
        )
        for address in addresses
    ]
    seen = {r.email for r in result}
    managers = (
        User.objects.filter(is_active=True, managed_departments__isnull=False)
        .distinct()
        .prefetch_related("managed_departments")
        .order_by("email")
    )
    for user in managers:
        if user.email in seen or not user.has_perm(VIEW_DEPARTMENT_REPORTS):
            continue
        seen.add(user.email)
        result.append(
            Recipient(
                email=user.email,
                kind=MANAGER,
                name=user.get_full_name(),
                departments=tuple(
                    sorted(user.managed_departments.all(), key=lambda d: d.name)
                ),
                language=language_of(user),
            )
        )
    return result


def build_message(recipient: Recipient, month: Month) -> EmailMultiAlternatives:
    with translation.override(recipient.language or language_of(None)):
        return _build_message(recipient, month)


def _build_message(recipient: Recipient, month: Month) -> EmailMultiAlternatives:
    attachments: list[Attachment] = []
    context: dict[str, object] = {"month": month, "recipient": recipient}
    if recipient.kind == ALL_DEPARTMENTS:
        overview = MonthOverview(
            Department.objects.all(), month, include_unattributed=True
        )
        table = departments_table(overview)
        summary = summary_table(MonthlySummary(month))
        context.update({"overview": overview, "all_departments": True})
        attachments += [
            (csv_filename("all", t.name, str(month)), csv_bytes(t), "text/csv")
            for t in (table, summary)
        ]
    else:
        reports = [DepartmentReport(d, month) for d in recipient.departments]
        context["reports"] = reports
        for report in reports:
            tables = department_tables(report)
            attachments += [
                (
                    csv_filename(report.department.code, name, str(month)),
                    csv_bytes(tables[name]()),
                    "text/csv",
                )
                for name in MANAGER_TABLES
            ]
    return build_email(
        template="monthly_report",
        context=context,
        to=[recipient.email],
        attachments=attachments,
    )


def send_monthly_reports(
    *,
    month: Month,
    force: bool = False,
    dry_run: bool = False,
    log: Callable[[str], None] = lambda line: None,
) -> Outcome:
    outcome = Outcome()
    done = set(
        ReportDelivery.objects.filter(month=month.first_day).values_list(
            "recipient", flat=True
        )
    )
    for recipient in recipients():
        if recipient.email in done and not force:
            outcome.skipped.append(recipient.email)
            log(f"{recipient.email}: already sent for {month}")
            continue
        if dry_run:
            outcome.sent.append(recipient.email)
            log(f"{recipient.email}: would send the {recipient.kind} report")
            continue
        try:
            build_message(recipient, month).send()
        except Exception as exc:  # one bad address must not stop the others
            logger.exception("Monthly report to %s failed", recipient.email)
            outcome.failed.append((recipient.email, f"{type(exc).__name__}: {exc}"))
            log(f"{recipient.email}: FAILED ({type(exc).__name__}: {exc})")
            continue
        ReportDelivery.objects.update_or_create(
            month=month.first_day,
            recipient=recipient.email,
            defaults={"kind": recipient.kind, "sent_at": timezone.now()},
        )
        outcome.sent.append(recipient.email)
        log(f"{recipient.email}: sent the {recipient.kind} report")
    return outcome
