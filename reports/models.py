from __future__ import annotations

from datetime import datetime, timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReportDelivery(models.Model):
    """A monthly report e-mailed to one address: sent once unless forced."""

    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    recipient = models.EmailField(_("recipient"))
    kind = models.CharField(_("kind"), max_length=20)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("report delivery")
        verbose_name_plural = _("report deliveries")
        ordering = ["-month", "recipient"]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "recipient"], name="reportdelivery_once_per_month"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} → {self.recipient}"


class ScheduledJob(models.Model):
    """The database's memory of one scheduled job: when it is due, how it went.

    Rows are created by the scheduler from the registry in reports/jobs.py;
    the due time lives here so that every portal host agrees on it and a run
    missed while no host was up is caught up on the next tick.
    """

    class Outcome(models.TextChoices):
        NEVER = "", _("never run")
        RUNNING = "running", _("running")
        OK = "ok", _("succeeded")
        FAILED = "failed", _("failed")

    name = models.CharField(_("name"), max_length=100, unique=True)
    next_due_at = models.DateTimeField(_("next due"))
    # After a failure the job is retried from this time on, for the same due
    # time (the monthly report of a failed 1st is still last month's).
    retry_at = models.DateTimeField(_("retry at"), null=True, blank=True)
    last_started_at = models.DateTimeField(_("last started"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("last finished"), null=True, blank=True)
    last_outcome = models.CharField(
        _("last outcome"),
        max_length=10,
        choices=Outcome.choices,
        default=Outcome.NEVER,
        blank=True,
    )
    last_error = models.TextField(_("last error"), blank=True)
    last_host = models.CharField(_("last host"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("scheduled job")
        verbose_name_plural = _("scheduled jobs")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def overdue_since(self, now: datetime, *, grace: timedelta) -> datetime | None:
        """When the job should have run, if that is longer ago than `grace`.

        A job this old means no scheduler is running, or one is stuck.
        """
        due = self.retry_at or self.next_due_at
        return due if due < now - grace else None


class JobRun(models.Model):
    """One run of a scheduled job, kept as history for the admin."""

    job = models.ForeignKey(ScheduledJob, on_delete=models.CASCADE, related_name="runs")
    due_at = models.DateTimeField(_("due"))
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"),
        max_length=10,
        choices=ScheduledJob.Outcome.choices,
        default=ScheduledJob.Outcome.RUNNING,
    )
    output = models.TextField(_("output"), blank=True)
    error = models.TextField(_("error"), blank=True)
    host = models.CharField(_("host"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["job", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.job} {self.started_at:%Y-%m-%d %H:%M}"
