"""The waiting list's tables; bookings/models.py imports them into the app."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Employee, Site, User


class EntryQuerySet(models.QuerySet["WaitlistEntry"]):
    def in_line(self) -> EntryQuerySet:
        """Waiting, or holding an offer: the people still in line."""
        return self.filter(
            state__in=(WaitlistEntry.State.WAITING, WaitlistEntry.State.OFFERED)
        )

    def visible_to(self, user: User) -> EntryQuerySet:
        employee = getattr(user, "employee", None)
        if employee is None:
            return self.none()
        return self.filter(employee=employee)


class WaitlistEntry(models.Model):
    """A person waiting for a charger at a site for a window (give or take)."""

    class State(models.TextChoices):
        WAITING = "waiting", _("waiting")
        OFFERED = "offered", _("has an offer")
        BOOKED = "booked", _("booked")
        LEFT = "left", _("left the line")
        LAPSED = "lapsed", _("the time has passed")

    employee = models.ForeignKey(
        Employee,
        on_delete=models.CASCADE,
        related_name="waitlist_entries",
        verbose_name=_("employee"),
    )
    site = models.ForeignKey(
        Site,
        on_delete=models.CASCADE,
        related_name="waitlist_entries",
        verbose_name=_("site"),
    )
    start = models.DateTimeField(_("wanted start"))
    end = models.DateTimeField(_("wanted end"))
    flex_minutes = models.PositiveIntegerField(_("flexibility (minutes)"), default=0)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.WAITING
    )
    booking = models.ForeignKey(
        "bookings.Booking",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("booking"),
    )
    created_at = models.DateTimeField(_("joined"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("waiting-list entry")
        verbose_name_plural = _("waiting-list entries")
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="waitlist_end_after_start"
            ),
        ]
        indexes = [models.Index(fields=["site", "state"])]

    def __str__(self) -> str:
        return f"{self.employee} {self.start:%Y-%m-%d %H:%M}"

    @property
    def flex(self) -> timedelta:
        return timedelta(minutes=self.flex_minutes)

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    @property
    def earliest(self) -> datetime:
        return self.start - self.flex

    @property
    def latest_end(self) -> datetime:
        return self.end + self.flex

    @property
    def in_line(self) -> bool:
        return self.state in (self.State.WAITING, self.State.OFFERED)


class OfferQuerySet(models.QuerySet["Offer"]):
    def open(self) -> OfferQuerySet:
        return self.filter(state=Offer.State.OPEN)

    def visible_to(self, user: User) -> OfferQuerySet:
        return self.filter(entry__in=WaitlistEntry.objects.visible_to(user))


class Offer(models.Model):
    """Freed charger time offered to the first person in line who may take it."""

    class State(models.TextChoices):
        OPEN = "open", _("open")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")
        EXPIRED = "expired", _("ran out")
        FAILED = "failed", _("could not be booked")
        WITHDRAWN = "withdrawn", _("withdrawn")

    entry = models.ForeignKey(
        WaitlistEntry,
        on_delete=models.CASCADE,
        related_name="offers",
        verbose_name=_("waiting-list entry"),
    )
    location_id = models.CharField(max_length=100)
    evse_uid = models.CharField(_("EVSE"), max_length=100)
    name = models.CharField(_("charger"), max_length=200)
    label = models.CharField(_("bay"), max_length=100, blank=True)
    address = models.CharField(max_length=300, blank=True)
    city = models.CharField(max_length=100, blank=True)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    estimated_price = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(max_length=3, default="EUR")
    # When the time was freed (what the offer answers), for the benchmark and admin.
    freed_at = models.DateTimeField(_("freed"), null=True, blank=True)
    created_at = models.DateTimeField(_("offered"), default=timezone.now)
    expires_at = models.DateTimeField(_("open until"))
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.OPEN
    )
    # Accepting books with this key: a double click finds the first booking.
    submission_key = models.UUIDField(default=uuid.uuid4, unique=True)
    booking = models.ForeignKey(
        "bookings.Booking",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    message = models.CharField(_("what happened"), max_length=500, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = OfferQuerySet.as_manager()

    class Meta:
        verbose_name = _("waiting-list offer")
        verbose_name_plural = _("waiting-list offers")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry"],
                condition=Q(state="open"),
                name="waitlist_one_open_offer_per_entry",
            ),
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="waitlist_offer_end_after_start"
            ),
        ]
        indexes = [models.Index(fields=["state", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.evse_uid} {self.start:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN and self.expires_at > timezone.now()


class NoticePreferences(models.Model):
    """Which e-mails a person wants; everything is on until they say otherwise."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notice_preferences",
    )
    remind_before_start = models.BooleanField(
        _("a reminder before my booking starts"), default=True
    )
    remind_before_end = models.BooleanField(
        _("a reminder before my booking ends"), default=True
    )
    confirmed = models.BooleanField(_("the operator confirmed"), default=True)
    rejected = models.BooleanField(_("the operator turned it down"), default=True)
    no_show = models.BooleanField(_("a no-show or an unused booking"), default=True)
    completed = models.BooleanField(
        _("charging completed, with the price"), default=True
    )

    KINDS = (
        "remind_before_start",
        "remind_before_end",
        "confirmed",
        "rejected",
        "no_show",
        "completed",
    )

    class Meta:
        verbose_name = _("notice preferences")
        verbose_name_plural = _("notice preferences")

    def __str__(self) -> str:
        return str(self.user)

    @classmethod
    def wants(cls, user: User, kind: str) -> bool:
        assert kind in cls.KINDS
        chosen = cls.objects.filter(user=user).values_list(kind, flat=True).first()
        return True if chosen is None else bool(chosen)


class SentNotice(models.Model):
    """A notice sent about a booking: each kind goes out once, on any host."""

    booking = models.ForeignKey(
        "bookings.Booking", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=30)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["booking", "kind"], name="waitlist_notice_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.booking_id}"


class QuotaUseQuerySet(models.QuerySet["QuotaUse"]):
    def requests_in(self, month: datetime) -> int:
        total = self.filter(month=month.date().replace(day=1)).aggregate(
            total=models.Sum("requests", default=0)
        )["total"]
        return int(total)


class QuotaUse(models.Model):
    """API requests this feature spent in a month (UTC, as the API counts)."""

    month = models.DateField(_("month"))
    purpose = models.CharField(_("for"), max_length=40)
    requests = models.PositiveIntegerField(_("API requests"), default=0)

    objects = QuotaUseQuerySet.as_manager()

    class Meta:
        verbose_name = _("waiting list's API use")
        verbose_name_plural = _("waiting list's API use")
        ordering = ["-month", "purpose"]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "purpose"], name="waitlist_quota_use_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.purpose}: {self.requests}"
