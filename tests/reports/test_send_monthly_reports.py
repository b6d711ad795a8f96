from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from bookings.models import Booking
from portal.models import User
from reports.models import ReportDelivery
from tests.reports.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(
    settings: Any,
    manager: User,
    employee: User,
    book: Callable[..., Booking],
    sales,
) -> None:
    settings.REPORT_RECIPIENTS = ["finance@example.com", "HR@example.com "]
    book(
        at("2026-03-02"),
        employee=employee.employee,
        price="12.34",
        external_id="engineering-emp042-20260302",
    )


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("send_monthly_reports", *args, stdout=out)
    return out.getvalue()


def by_recipient() -> dict[str, mail.EmailMessage]:
    return {m.to[0]: m for m in mail.outbox}


def attachment(message: Any, name: str) -> list[list[str]]:
    for filename, content, mimetype in message.attachments:
        if filename == name:
            assert mimetype.startswith("text/csv")
            text = (
                content.decode("utf-8-sig") if isinstance(content, bytes) else content
            )
            return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    raise AssertionError(f"no attachment {name}")


def test_finance_hr_and_managers_each_get_their_report(setup: None) -> None:
    output = run("--month", "2026-03")
    assert "3 sent, 0 already sent, 0 failed" in output
    messages = by_recipient()
    assert set(messages) == {
        "finance@example.com",
        "hr@example.com",
        "mgr001@example.com",
    }
    finance = messages["finance@example.com"]
    assert finance.subject == "EV charging report for March 2026: all departments"
    summary = attachment(finance, "ev-charging-all-summary-2026-03.csv")
    assert summary[1][1:] == [
        "engineering-emp042-20260302",
        "engineering",
        "Karlsruhe",
        "12.34",
    ]
    attachment(finance, "ev-charging-all-departments-2026-03.csv")
    html = finance.alternatives[0]
    assert html[1] == "text/html"
    assert "€12.34" in html[0]

    manager = messages["mgr001@example.com"]
    assert manager.subject == "EV charging report for March 2026: Engineering"
    assert "Spend: €12.34" in manager.body
    employees = attachment(manager, "ev-charging-engineering-employees-2026-03.csv")
    assert employees[1][:2] == ["Erika Muster", "emp042"]
    assert "Sales" not in manager.body


def test_a_second_run_sends_nothing_new(setup: None) -> None:
    run("--month", "2026-03")
    mail.outbox.clear()
    output = run("--month", "2026-03")
    assert mail.outbox == []
    assert "0 sent, 3 already sent" in output
    assert ReportDelivery.objects.count() == 3


def test_force_sends_again(setup: None) -> None:
    run("--month", "2026-03")
    mail.outbox.clear()
    run("--month", "2026-03", "--force")
    assert len(mail.outbox) == 3
    assert ReportDelivery.objects.count() == 3


def test_dry_run_sends_and_records_nothing(setup: None) -> None:
    output = run("--month", "2026-03", "--dry-run", "-v", "2")
    assert mail.outbox == []
    assert ReportDelivery.objects.count() == 0
    assert "mgr001@example.com: would send the manager report" in output


def test_one_failing_recipient_does_not_stop_the_others(
    setup: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.mail import EmailMultiAlternatives

    real_send = EmailMultiAlternatives.send

    def send(self: EmailMultiAlternatives, *args: Any, **kwargs: Any) -> int:
        if self.to == ["hr@example.com"]:
            raise ConnectionRefusedError("mail server said no")
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", send)
    with pytest.raises(CommandError, match=r"hr@example\.com"):
        run("--month", "2026-03")
    assert set(by_recipient()) == {"finance@example.com", "mgr001@example.com"}
    assert not ReportDelivery.objects.filter(recipient="hr@example.com").exists()
    # The next run sends only what is missing.
    monkeypatch.setattr(EmailMultiAlternatives, "send", real_send)
    mail.outbox.clear()
    run("--month", "2026-03")
    assert set(by_recipient()) == {"hr@example.com"}


def test_a_manager_who_is_also_a_finance_recipient_gets_one_email(
    setup: None, settings: Any
) -> None:
    settings.REPORT_RECIPIENTS = ["mgr001@example.com"]
    run("--month", "2026-03")
    assert len(mail.outbox) == 1
    assert "all departments" in mail.outbox[0].subject


# Five past midnight on New Year's Day in Berlin, still 2026 in UTC.
@pytest.mark.time_machine(datetime(2026, 12, 31, 23, 5, tzinfo=UTC))
def test_default_month_is_the_previous_one(setup: None) -> None:
    output = run("--dry-run")
    assert "for 2026-12" in output


def test_bad_month_is_refused(setup: None) -> None:
    with pytest.raises(CommandError):
        run("--month", "March")


@pytest.mark.parametrize("month", ["0001-01", "9998-12"])
def test_a_month_no_report_covers_is_refused(setup: None, month: str) -> None:
    with pytest.raises(CommandError, match="from 2000-01 to 2099-12"):
        run("--month", month)
