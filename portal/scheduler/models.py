"""The scheduler's memory and the lease: shared infrastructure in the database.

These models are the `portal` app's (Django finds them because portal/models.py
imports this module), but their tables keep the names of the apps they came
from (`reports_scheduledjob`, `reports_jobrun`, `bookings_lease`): moving them
renamed nothing in the database. See portal/migrations/0006.
"""

from __future__ import annotations

import hashlib
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ScheduledJob(models.Model):
    """The database's memory of one scheduled job: when it is due, how it went.

    Rows are created by the scheduler from the registry (each app's jobs.py);
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
        db_table = "reports_scheduledjob"
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
    host = models.CharField(
        pgettext_lazy("the computer a job ran on", "host"), max_length=200, blank=True
    )

    class Meta:
        db_table = "reports_jobrun"
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["job", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.job} {self.started_at:%Y-%m-%d %H:%M}"


@dataclass
class HeldLease:
    """A lease this process holds; see Lease."""

    name: str
    token: str
    ttl: timedelta

    def renew(self) -> bool:
        """Extend the lease; False when another holder has taken it meanwhile."""
        return bool(
            Lease.objects.filter(name=self.name, holder=self.token).update(
                expires_at=timezone.now() + self.ttl
            )
        )

    def release(self) -> None:
        Lease.objects.filter(name=self.name, holder=self.token).update(
            holder="", expires_at=None
        )


# The holder column: long enough for any host name, which is only there for
# people reading the table.
HOLDER_MAX_LENGTH = 255


def _holder_token() -> str:
    """Who holds a lease: unique to this acquisition, and readable.

    ``random:space:pid:host``. The random part makes it unique on any
    platform (containers share host names and reuse process ids); the space
    says where ``pid`` means something (see _process_space), and the host
    name is for people only, so it is cut to fit rather than trusted.
    """
    head = f"{uuid.uuid4().hex}:{_process_space()}:{os.getpid()}:"
    return head + socket.gethostname()[: HOLDER_MAX_LENGTH - len(head)]


@cache
def _process_space() -> str:
    """The process-id space this process lives in, or "" where unknown.

    Two processes may compare process ids only within one running kernel
    and one pid namespace: containers on one machine, even with the same
    host name, each have their own, and another machine has its own kernel.
    Linux names both (the boot id, the namespace's inode); elsewhere it is
    unknown and a lease waits for its expiry.
    """
    try:
        boot_id = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""
    return hashlib.sha256(f"{boot_id} {namespace}".encode()).hexdigest()[:16]


def _left_by_dead_process(holder: str) -> bool:
    """Whether `holder` was a process that is known to be gone.

    Only a holder in this process's own pid space can be known gone; any
    other (another container, another host, an unknown platform, or a lease
    written before holders named their space) waits for the lease's expiry.
    A namespace lives as long as any of its processes, so a live holder's
    space is never mistaken for ours.
    """
    parts = holder.split(":", 3)
    if len(parts) != 4:
        return False
    _random, space, pid_text, _host = parts
    if not space or space != _process_space() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)  # signal 0 only asks whether the process exists
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, under another user
    return False


class Lease(models.Model):
    """A named lock with an expiry, shared by every portal host through the database.

    It is taken with one conditional UPDATE, which is atomic on SQLite and on
    PostgreSQL alike (a concurrent UPDATE waits for the row and re-checks the
    condition), so no transaction stays open while the holder works and calls
    the API. A holder that dies, even by kill -9, leaves a lease that expires
    after its ttl; a process of the same kernel and pid namespace takes it over
    at once, because it can see the holder's process is gone. Long work renews
    it as it goes.
    """

    name = models.CharField(max_length=100, primary_key=True)
    holder = models.CharField(max_length=HOLDER_MAX_LENGTH, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "bookings_lease"
        verbose_name = _("lease")
        verbose_name_plural = _("leases")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def acquire(cls, name: str, *, ttl: timedelta) -> HeldLease | None:
        """Take the lease if it is free or abandoned; None when someone holds it."""
        cls.objects.get_or_create(name=name)
        now = timezone.now()
        token = _holder_token()
        free = Q(expires_at__isnull=True) | Q(expires_at__lte=now)
        holder = cls.objects.filter(name=name).values_list("holder", flat=True).get()
        if holder and _left_by_dead_process(holder):
            free |= Q(holder=holder)
        taken = (
            cls.objects.filter(name=name)
            .filter(free)
            .update(holder=token, expires_at=now + ttl)
        )
        return HeldLease(name=name, token=token, ttl=ttl) if taken else None
