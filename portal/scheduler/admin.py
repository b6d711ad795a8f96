"""The scheduled jobs in the admin: their health in words, and their runs."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from portal.readonly_admin import ReadOnlyAdmin
from portal.scheduler import registry
from portal.scheduler.models import JobRun, ScheduledJob
from portal.scheduler.runner import OVERDUE_GRACE


def job_health(job: ScheduledJob) -> str:
    """Whether the job runs as it should, in words (never by colour alone)."""
    now = timezone.now()
    registered = registry.JOBS.get(job.name)
    if registered is None:
        return _("– no longer registered")
    if (
        job.last_outcome == ScheduledJob.Outcome.RUNNING
        and job.last_started_at
        and job.last_started_at < now - registered.max_runtime
    ):
        return _("⚠ stuck: running since %(time)s") % {
            "time": timezone.localtime(job.last_started_at).strftime("%Y-%m-%d %H:%M")
        }
    overdue = job.overdue_since(now, grace=OVERDUE_GRACE)
    if overdue is not None and job.last_outcome != ScheduledJob.Outcome.RUNNING:
        return _("⚠ stopped running: due since %(time)s") % {
            "time": timezone.localtime(overdue).strftime("%Y-%m-%d %H:%M")
        }
    if job.last_outcome == ScheduledJob.Outcome.FAILED:
        return _("✕ last run failed; retried at %(time)s") % {
            "time": timezone.localtime(job.retry_at or job.next_due_at).strftime(
                "%H:%M"
            )
        }
    if job.last_outcome == ScheduledJob.Outcome.NEVER:
        return _("… not run yet")
    return _("✓ on schedule")


@admin.register(ScheduledJob)
class ScheduledJobAdmin(admin.ModelAdmin[ScheduledJob]):
    list_display = [
        "name",
        "schedule",
        "health",
        "last_started_at",
        "last_finished_at",
        "last_outcome",
        "next_due_at",
        "error_excerpt",
    ]
    readonly_fields = [
        "name",
        "schedule",
        "health",
        "next_due_at",
        "retry_at",
        "last_started_at",
        "last_finished_at",
        "last_outcome",
        "last_host",
        "last_error",
        "runs_link",
    ]
    fields = tuple(readonly_fields)
    actions = ["run_soon"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=gettext_lazy("schedule"))
    def schedule(self, job: ScheduledJob) -> str:
        registered = registry.JOBS.get(job.name)
        return registered.schedule.describe() if registered else "–"

    @admin.display(description=gettext_lazy("health"))
    def health(self, job: ScheduledJob) -> str:
        return job_health(job)

    @admin.display(description=gettext_lazy("last error"))
    def error_excerpt(self, job: ScheduledJob) -> str:
        return job.last_error.splitlines()[0][:120] if job.last_error else ""

    @admin.display(description=gettext_lazy("history"))
    def runs_link(self, job: ScheduledJob) -> str:
        url = reverse("admin:portal_jobrun_changelist") + f"?job__id__exact={job.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Every run of this job"))

    @admin.action(
        description=gettext_lazy("Run at the next tick"), permissions=["change"]
    )
    def run_soon(self, request: HttpRequest, queryset: QuerySet[ScheduledJob]) -> None:
        count = queryset.update(next_due_at=timezone.now(), retry_at=None)
        self.message_user(
            request,
            ngettext(
                "%(count)s job will run within a minute.",
                "%(count)s jobs will run within a minute.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdmin):
    list_display = ["job", "due_at", "started_at", "finished_at", "outcome", "host"]
    list_filter = ["job", "outcome"]
    list_select_related = ["job"]
    date_hierarchy = "started_at"
