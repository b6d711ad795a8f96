"""Bookings as the portal knows them: made here, or found on the account by sync."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings import external_ids, signals
from bookings.petitmonde import RemoteBooking
from bookings.statuses import (
    CANCELLABLE,
    FREE_CANCELLATION,
    SYMBOLS,
    TERMINAL,
    TONES,
    UNFINISHED,
    BookingStatus,
)
from portal.i18n import site_language
from portal.models import Department, Employee, Site, User
from portal.roles import BOOK_VISITORS
from portal.validators import validate_language


class VisitQuerySet(models.QuerySet["Visit"]):
    def visible_to(self, user: User) -> VisitQuerySet:
        """The visits a receptionist handles: of their sites, or of every site."""
        if not user.has_perm(BOOK_VISITORS):
            return self.none()
        return self.filter(site__in=Visit.sites_for(user))

    def personal_data_expired(self, now: datetime) -> VisitQuerySet:
        """Visits whose visitor details are past VISITOR_DATA_RETENTION_DAYS."""
        kept = timedelta(days=settings.VISITOR_DATA_RETENTION_DAYS)
        return self.filter(
            departure__lt=now - kept, personal_data_removed_at__isnull=True
        )

    def remove_personal_data(self, now: datetime) -> int:
        """Blank the visitor's details; the visit, host and bookings stay."""
        return self.update(
            visitor_name="",
            visitor_company="",
            visitor_email="",
            licence_plate="",
            personal_data_removed_at=now,
        )


class Visit(models.Model):
    """A visitor's charging at an office, booked by reception for a host.

    The visitor's name, company, e-mail and plate are personal data: a clean-up
    blanks them some days after the visit, keeping the bookings and their costs.
    """

    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="visits", verbose_name=_("site")
    )
    host = models.ForeignKey(
        Employee,
        on_delete=models.PROTECT,
        related_name="hosted_visits",
        verbose_name=_("host"),
    )
    # Recorded when booked: visitor costs are charged to the host's department
    # of that day, even if the host moves later.
    host_department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="hosted_visits",
        verbose_name=_("host's department"),
    )
    visitor_name = models.CharField(_("visitor's name"), max_length=200)
    visitor_company = models.CharField(_("company"), max_length=200, blank=True)
    visitor_email = models.EmailField(_("visitor's e-mail"), blank=True)
    licence_plate = models.CharField(_("licence plate"), max_length=20, blank=True)
    language = models.CharField(
        _("language of the pass"),
        max_length=8,
        default=site_language,
        validators=[validate_language],
        help_text=_("The visitor's pass and e-mail are in this language."),
    )
    arrival = models.DateTimeField(_("arrival"))
    departure = models.DateTimeField(_("departure"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("booked by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    personal_data_removed_at = models.DateTimeField(
        _("personal data removed"), null=True, blank=True
    )
    # Set when the visit's charging was called off as a whole: by reception,
    # or because not every window could be booked. Its bookings must then all
    # end cancelled; one whose outcome was unclear is cancelled once known.
    cancelled_at = models.DateTimeField(_("called off"), null=True, blank=True)
    cancellation_reason = models.CharField(
        _("why it was called off"), max_length=500, blank=True
    )
    pass_sent_at = models.DateTimeField(_("pass e-mailed"), null=True, blank=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-arrival"]
        constraints = [
            models.CheckConstraint(
                condition=Q(departure__gt=models.F("arrival")),
                name="visit_departure_after_arrival",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.visitor_name or _('visitor')} ({self.arrival:%Y-%m-%d})"

    @staticmethod
    def sites_for(user: User) -> models.QuerySet[Site]:
        """The sites whose visitors this person handles (none chosen: all)."""
        chosen = user.reception_sites.all()
        return chosen if chosen.exists() else Site.objects.all()

    @property
    def tzinfo(self) -> Any:
        return self.site.tzinfo

    @property
    def is_called_off(self) -> bool:
        return self.cancelled_at is not None

    @property
    def has_personal_data(self) -> bool:
        return self.personal_data_removed_at is None


class BookingQuerySet(models.QuerySet["Booking"]):
    def visible_to(self, user: User) -> BookingQuerySet:
        """The bookings a person sees as their own: the ones they charge with."""
        employee = getattr(user, "employee", None)
        if employee is None:
            return self.none()
        return self.filter(employee=employee)

    def for_employee(self, employee: Employee) -> BookingQuerySet:
        return self.filter(employee=employee)

    def unfinished(self) -> BookingQuerySet:
        return self.filter(status__in=UNFINISHED)

    def live(self) -> BookingQuerySet:
        """Not ended: being checked, requested, pending, confirmed or charging."""
        return self.exclude(status__in=TERMINAL)

    def upcoming(self, now: datetime | None = None) -> BookingQuerySet:
        return self.live().filter(reservation_end__gt=now or timezone.now())

    def past(self, now: datetime | None = None) -> BookingQuerySet:
        return self.filter(
            Q(status__in=TERMINAL) | Q(reservation_end__lte=now or timezone.now())
        )

    def starting_between(self, start: datetime, end: datetime) -> BookingQuerySet:
        return self.filter(reservation_start__gte=start, reservation_start__lt=end)

    def unattributed(self) -> BookingQuerySet:
        return self.filter(attribution=Booking.Attribution.NONE)

    def made_here(self) -> BookingQuerySet:
        """Bookings the portal created itself: the only ones it acts on."""
        return self.filter(origin=Booking.Origin.PORTAL)

    def for_reception(self, user: User) -> BookingQuerySet:
        """The visitor bookings a receptionist handles (see Visit.visible_to)."""
        return self.filter(visit__in=Visit.objects.visible_to(user))


class BookingManager(models.Manager["Booking"]):
    def add_submitting(
        self, *, department_code: str, person_id: str, day: date, **fields: Any
    ) -> tuple[Booking, bool]:
        """Write a SUBMITTING booking with the first free external_id of that day.

        Call it inside the transaction where the caller checked its rules. Returns
        (booking, created); created is False when the same form was already
        submitted (same `submission_key`): the existing booking is returned.
        """
        key = fields.get("submission_key")
        base = external_ids.base_for(department_code, person_id, day)
        for _attempt in range(20):
            if key and (existing := self.filter(submission_key=key).first()):
                return existing, False
            taken = self.filter(external_id__startswith=base).values_list(
                "external_id", flat=True
            )
            reference = external_ids.first_free(department_code, person_id, day, taken)
            try:
                with transaction.atomic():
                    booking = self.create(
                        external_id=str(reference),
                        status=BookingStatus.SUBMITTING,
                        origin=Booking.Origin.PORTAL,
                        attribution=Booking.Attribution.PORTAL,
                        **fields,
                    )
            except IntegrityError:
                continue  # another request took that reference or that key first
            return booking, True
        raise RuntimeError(f"No free external_id for {base} after 20 attempts")


class Booking(models.Model):
    class Origin(models.TextChoices):
        PORTAL = "portal", _("made in the portal")
        API = "api", _("found on the account")

    class Attribution(models.TextChoices):
        PORTAL = "portal", _("made in the portal")
        EXTERNAL_ID = "external_id", _("from its reference")
        MANUAL = "manual", _("assigned by finance")
        NONE = "none", _("unattributed")

    Status = BookingStatus

    # --- identity ---------------------------------------------------------
    api_id = models.CharField(
        _("API id"), max_length=64, unique=True, null=True, blank=True
    )
    external_id = models.CharField(_("reference"), max_length=100, blank=True)
    # A random key per confirm form: a double click or a resubmitted form finds
    # the booking it already made instead of booking again.
    submission_key = models.UUIDField(unique=True, null=True, blank=True)
    origin = models.CharField(max_length=10, choices=Origin.choices)

    # --- who ----------------------------------------------------------------
    # Indexes of the foreign keys are in Meta: composite ones that also serve
    # the reports, and partial ones (NOT NULL) for keys most bookings leave
    # empty, which then cost nothing when the sync writes thousands of rows.
    employee = models.ForeignKey(
        Employee,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bookings",
        verbose_name=_("employee"),
        db_index=False,
    )
    visit = models.ForeignKey(
        Visit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bookings",
        verbose_name=_("visit"),
        db_index=False,
    )
    # The department that pays: the employee's, or the visit host's.
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bookings",
        verbose_name=_("department"),
        db_index=False,
    )
    attribution = models.CharField(
        _("attribution"),
        max_length=20,
        choices=Attribution.choices,
        default=Attribution.NONE,
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("booked by"),
        db_index=False,
    )
    site = models.ForeignKey(
        Site,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bookings",
        verbose_name=_("site"),
    )

    # --- what and when ----------------------------------------------------
    location_id = models.CharField(_("location id"), max_length=100)
    location_name = models.CharField(_("charger"), max_length=200, blank=True)
    location_address = models.CharField(_("address"), max_length=300, blank=True)
    location_city = models.CharField(_("city"), max_length=100, blank=True)
    evse_uid = models.CharField(_("EVSE"), max_length=100)
    connector_id = models.CharField(max_length=20, blank=True)
    reservation_start = models.DateTimeField(_("start"))
    reservation_end = models.DateTimeField(_("end"))
    token_strategy = models.CharField(max_length=20, blank=True)
    customer_id = models.CharField(max_length=100, blank=True)
    token_id = models.CharField(max_length=100, blank=True)
    # The temporary token of an ad_hoc (visitor) booking.
    token_uid = models.CharField(_("token"), max_length=64, blank=True)
    token_valid_from = models.DateTimeField(null=True, blank=True)
    token_valid_until = models.DateTimeField(null=True, blank=True)

    # --- state, as the API last told us -------------------------------------
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=BookingStatus.choices,
        default=BookingStatus.SUBMITTING,
    )
    status_updated_at = models.DateTimeField(null=True, blank=True)
    remote_created_at = models.DateTimeField(null=True, blank=True)
    cpo_reservation_id = models.CharField(max_length=100, blank=True)
    # The estimate shown when it was booked; client_price is the API's figure
    # (an estimate until the booking ends, then final: price or fee).
    estimated_price = models.DecimalField(
        _("estimated price"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    client_price = models.DecimalField(
        _("price"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(max_length=3, default="EUR")
    energy_kwh = models.DecimalField(
        _("energy (kWh)"), max_digits=10, decimal_places=3, null=True, blank=True
    )
    cancellation_reason = models.CharField(
        _("cancellation reason"), max_length=300, blank=True
    )
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    # Set while the portal owes the API a cancellation it could not make yet
    # (a window of a called-off visit, a booking the API made after the
    # portal had given up on it): why the last attempt failed. The follow-up
    # job tries again; an employee's own cancel that failed never sets it.
    uncancelled_reason = models.CharField(
        _("why it is not cancelled yet"), max_length=500, blank=True
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)

    objects = BookingManager.from_queryset(BookingQuerySet)()

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["-reservation_start"]
        constraints = [
            # The portal never makes two bookings with one reference; bookings
            # other tools made on the account may repeat theirs.
            models.UniqueConstraint(
                fields=["external_id"],
                condition=Q(origin="portal"),
                name="booking_portal_external_id_unique",
            ),
            models.CheckConstraint(
                condition=Q(reservation_end__gt=models.F("reservation_start")),
                name="booking_end_after_start",
            ),
            # Only a booking being sent or checked, or given up as never
            # made, may lack its API id.
            models.CheckConstraint(
                condition=Q(api_id__isnull=False)
                | Q(status__in=["SUBMITTING", "NOT_BOOKED"]),
                name="booking_api_id_unless_submitting",
            ),
            # A visit's bookings are the ones reception made for it: a
            # booking found on the account is never attached to a visit by a
            # guess (same site, same day, overlapping time).
            models.CheckConstraint(
                condition=Q(visit__isnull=True) | Q(origin="portal"),
                name="booking_visit_only_if_made_here",
            ),
        ]
        indexes = [
            models.Index(fields=["employee", "reservation_start"]),
            # The reports read whole months: these hold every column their
            # sums need, so a department's year or a month of all departments
            # is read from the index alone.
            models.Index(
                fields=[
                    "department",
                    "reservation_start",
                    "status",
                    "client_price",
                    "employee",
                ],
                name="booking_department_months",
            ),
            models.Index(
                fields=["reservation_start", "department", "status", "client_price"],
                name="booking_months",
            ),
            models.Index(fields=["status"]),
            models.Index(
                fields=["attribution"],
                condition=Q(attribution="none"),
                name="booking_unattributed",
            ),
            *(
                models.Index(
                    fields=[key],
                    condition=Q(**{f"{key}__isnull": False}),
                    name=f"booking_{key}_set",
                )
                for key in ("visit", "assigned_by", "requested_by", "cancelled_by")
            ),
        ]

    def __str__(self) -> str:
        return self.external_id or self.api_id or f"#{self.pk}"

    # --- presentation ---------------------------------------------------------
    @property
    def status_symbol(self) -> str:
        return SYMBOLS.get(self.status, "?")

    @property
    def status_tone(self) -> str:
        return TONES.get(self.status, "wait")

    @property
    def is_final(self) -> bool:
        return self.status in TERMINAL

    @property
    def made_here(self) -> bool:
        return self.origin == Booking.Origin.PORTAL

    @property
    def is_cancellable(self) -> bool:
        """Whether the portal may cancel it: one it made, in a state the API
        accepts. A booking found on the account is another tool's to cancel."""
        return self.made_here and self.status in CANCELLABLE

    @property
    def cancellation_is_free(self) -> bool:
        return self.status in FREE_CANCELLATION

    @property
    def price(self) -> Decimal | None:
        """The API's price, or the estimate shown when booking."""
        return (
            self.client_price
            if self.client_price is not None
            else (self.estimated_price)
        )

    @property
    def price_is_final(self) -> bool:
        return self.is_final and self.client_price is not None

    @property
    def tzinfo(self) -> Any:
        return self.site.tzinfo if self.site else timezone.get_current_timezone()

    def assign(
        self, *, department: Department, employee: Employee | None, by: User
    ) -> None:
        """Finance's attribution by hand; the sync never overrides it."""
        self.department = department
        self.employee = employee
        self.attribution = Booking.Attribution.MANUAL
        self.assigned_by = by
        self.assigned_at = timezone.now()
        self.save(
            update_fields=[
                "department",
                "employee",
                "attribution",
                "assigned_by",
                "assigned_at",
                "updated_at",
            ]
        )

    # --- the API's view -----------------------------------------------------
    def record_remote(self, remote: RemoteBooking) -> None:
        """Save what the API says about this booking, and that it was asked now."""
        before = self.status
        self.apply_remote(remote)
        self.last_synced_at = timezone.now()
        self.save()
        if self.status != before:
            signals.status_changed.send(sender=Booking, booking=self, before=before)

    def apply_remote(self, remote: RemoteBooking) -> list[str]:
        """Copy what the API says about this booking; return the changed fields.

        Undocumented fields are optional in the API, so a missing one never
        erases what we know.
        """
        changed = []
        for name, value in remote_fields(remote).items():
            if getattr(self, name) != value:
                setattr(self, name, value)
                changed.append(name)
        return changed


# Booking columns that hold an API booking field under another name. Every
# other field of RemoteBooking is copied into the column of the same name,
# where the model has one (`fleet_group_id` has none: the portal books no
# fleet groups), and the ad_hoc token's fields into the token_* columns.
COLUMN_OF_API_FIELD = {
    "id": "api_id",
    "created_at": "remote_created_at",
    "client_price_currency": "currency",
}
TOKEN_COLUMNS = {
    "token_uid": "uid",
    "token_valid_from": "valid_from",
    "token_valid_until": "valid_until",
}


def _remote_columns() -> dict[str, str]:
    """The Booking columns an API booking sets, each with its RemoteBooking field,
    derived from RemoteBooking's fields: the one list of them."""
    columns = {field.name for field in Booking._meta.concrete_fields}
    mapping = {}
    for api_field in dataclasses.fields(RemoteBooking):
        column = COLUMN_OF_API_FIELD.get(api_field.name, api_field.name)
        if column in columns:
            mapping[column] = api_field.name
    return mapping


REMOTE_COLUMNS = _remote_columns()
# Every column an API booking sets: what a sync writes, and compares.
REMOTE_FIELDS = (*REMOTE_COLUMNS, *TOKEN_COLUMNS)


@cache
def _column_shapes() -> dict[str, Decimal | int]:
    """How the columns store what the API sends: decimal places, length."""
    shapes: dict[str, Decimal | int] = {}
    for name in REMOTE_FIELDS:
        field = Booking._meta.get_field(name)
        if isinstance(field, models.DecimalField):
            shapes[name] = Decimal(1).scaleb(-(field.decimal_places or 0))
        elif isinstance(field, models.CharField) and field.max_length:
            shapes[name] = field.max_length
    return shapes


def remote_fields(remote: RemoteBooking) -> dict[str, Any]:
    """The Booking fields an API booking object sets (None values left out).

    One mapping for everything that reads bookings from the API: the status
    refresh, the create and cancel flows, and the bulk sync. Values are shaped
    as the columns hand them back (decimals rounded to their places, text cut
    to its length), here and nowhere else, so that comparing them with a
    stored row is exact and a second sync changes nothing.
    """
    values = {column: getattr(remote, name) for column, name in REMOTE_COLUMNS.items()}
    if remote.token is not None:
        values |= {c: getattr(remote.token, n) for c, n in TOKEN_COLUMNS.items()}
    shaped: dict[str, Any] = {}
    for column, value in values.items():
        if value is None:
            continue
        shape = _column_shapes().get(column)
        if isinstance(shape, Decimal):
            value = value.quantize(shape)
        elif shape is not None:
            value = str(value)[:shape]
        shaped[column] = value
    return shaped


class SyncRunQuerySet(models.QuerySet["SyncRun"]):
    def requests_since(self, start: datetime) -> int:
        """API requests the sync has spent since `start`."""
        total = self.filter(started_at__gte=start).aggregate(
            total=models.Sum("requests", default=0)
        )["total"]
        return int(total)

    def last_complete(self) -> SyncRun | None:
        return (
            self.filter(outcome=SyncRun.Outcome.COMPLETE)
            .order_by("-started_at")
            .first()
        )


class SyncRun(models.Model):
    """One run of the booking sync: what it read, wrote and spent.

    The counters are saved after every batch, so a run that was killed still
    counts the API requests it used against the sync's share of the quota.
    """

    class Outcome(models.TextChoices):
        RUNNING = "running", _("running (or killed)")
        COMPLETE = "complete", _("complete")
        PARTIAL = "partial", _("stopped early")
        FAILED = "failed", _("failed")

    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    window_start = models.DateTimeField(_("window start"))
    window_end = models.DateTimeField(_("window end"))
    incremental = models.BooleanField(_("incremental"), default=False)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.RUNNING
    )
    fetched = models.PositiveIntegerField(_("fetched"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    unattributed = models.PositiveIntegerField(_("unattributed"), default=0)
    requests = models.PositiveIntegerField(_("API requests"), default=0)
    quota_left = models.IntegerField(_("monthly quota left"), null=True, blank=True)
    message = models.TextField(_("message"), blank=True)

    objects = SyncRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("sync run")
        verbose_name_plural = _("sync runs")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["started_at"])]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.get_outcome_display()}"


# The waiting list's models live in their room (bookings/waitlist/); importing
# them here registers them as the bookings app's models.
from bookings.waitlist.models import (  # noqa: E402, F401
    NoticePreferences,
    Offer,
    QuotaUse,
    SentNotice,
    WaitlistEntry,
)
