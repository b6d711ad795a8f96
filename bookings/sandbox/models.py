"""The sandbox's own tables: the remote side of the Petitmonde API, served offline.

Nothing here is the portal's record of a booking. These tables hold what the
real service would hold (its world of chargers, its bookings, its counters), so
that the sandbox can answer over HTTP exactly as the API would.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

CURRENCY = "EUR"
# A car takes no more than a full battery, whatever the charger could deliver;
# without this cap a 4-hour window at 350 kW would "estimate" 1,400 kWh.
BATTERY_KWH = Decimal("75")
CENT = Decimal("0.01")
WATT_HOUR = Decimal("0.001")
REJECTED_BY_CPO = "Rejected by CPO"
CANCELLED_BY_CLIENT = "Cancelled by client"

# OCPI 2.2.1 ConnectorType: the Agent API names its connector types after it.
OCPI_STANDARDS = (
    "CHADEMO",
    "CHAOJI",
    "DOMESTIC_A",
    "DOMESTIC_B",
    "DOMESTIC_C",
    "DOMESTIC_D",
    "DOMESTIC_E",
    "DOMESTIC_F",
    "DOMESTIC_G",
    "DOMESTIC_H",
    "DOMESTIC_I",
    "DOMESTIC_J",
    "DOMESTIC_K",
    "DOMESTIC_L",
    "DOMESTIC_M",
    "DOMESTIC_N",
    "DOMESTIC_O",
    "GBT_AC",
    "GBT_DC",
    "IEC_60309_2_single_16",
    "IEC_60309_2_three_16",
    "IEC_60309_2_three_32",
    "IEC_60309_2_three_64",
    "IEC_62196_T1",
    "IEC_62196_T1_COMBO",
    "IEC_62196_T2",
    "IEC_62196_T2_COMBO",
    "IEC_62196_T3A",
    "IEC_62196_T3C",
    "NEMA_5_20",
    "NEMA_6_30",
    "NEMA_6_50",
    "NEMA_10_30",
    "NEMA_10_50",
    "NEMA_14_30",
    "NEMA_14_50",
    "PANTOGRAPH_BOTTOM_UP",
    "PANTOGRAPH_TOP_DOWN",
    "TESLA_R",
    "TESLA_S",
)


def whole_seconds(moment: datetime) -> datetime:
    """The sandbox keeps times to the second, like the documented examples."""
    return moment.replace(microsecond=0)


def iso(moment: datetime) -> str:
    """How the sandbox writes a time: UTC with a Z, like the documentation."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def number(value: Decimal) -> float:
    """A JSON number for an amount.

    The API sends numbers, not strings. A float's shortest repr gives back
    exactly these few decimals, so a client's Decimal(str(x)) is exact.
    """
    return float(value)


def key_digest(key: str) -> str:
    """How a key is stored: never the key itself."""
    return hashlib.sha256(key.encode()).hexdigest()


class Clock(models.Model):
    """Sandbox time is real time plus this offset.

    It lives in the database so that a test, a management command and the
    server thread all agree on what time it is.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    offset_seconds = models.BigIntegerField(_("offset (seconds)"), default=0)

    class Meta:
        verbose_name = _("sandbox clock")
        verbose_name_plural = _("sandbox clock")

    def __str__(self) -> str:
        return f"real time + {self.offset}"

    @property
    def offset(self) -> timedelta:
        return timedelta(seconds=self.offset_seconds)

    @classmethod
    def current_offset(cls) -> timedelta:
        seconds = (
            cls.objects.filter(pk=1).values_list("offset_seconds", flat=True).first()
        )
        return timedelta(seconds=seconds or 0)

    @classmethod
    def now(cls) -> datetime:
        return timezone.now() + cls.current_offset()

    @classmethod
    def advance(cls, by: timedelta) -> datetime:
        """Move sandbox time forward (never back: transitions are not undone)."""
        if by < timedelta(0):
            raise ValueError("The sandbox clock only moves forward.")
        cls.objects.get_or_create(pk=1)
        cls.objects.filter(pk=1).update(
            offset_seconds=F("offset_seconds") + int(by.total_seconds())
        )
        return cls.now()

    @classmethod
    def reset(cls) -> None:
        """Back to real time. Bookings keep the states they already reached."""
        cls.objects.filter(pk=1).update(offset_seconds=0)


class Location(models.Model):
    """A charging location of some CPO, as the API's search shows it."""

    location_id = models.CharField(_("location id"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300)
    postal_code = models.CharField(_("postal code"), max_length=20)
    city = models.CharField(_("city"), max_length=100)
    country = models.CharField(_("country"), max_length=2, default="DE")
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    cpo_name = models.CharField(_("CPO"), max_length=100)
    supports_reservation = models.BooleanField(_("supports reservation"), default=True)
    rejection_percent = models.PositiveSmallIntegerField(
        _("rejection percentage"),
        default=0,
        help_text=_("Share of bookings the CPO rejects; above 0 means unreliable."),
    )
    price_per_kwh = models.DecimalField(
        _("price per kWh (EUR)"), max_digits=6, decimal_places=4
    )
    reservation_fee = models.DecimalField(
        _("reservation fee (EUR)"), max_digits=6, decimal_places=2
    )
    cancellation_fee = models.DecimalField(
        _("cancellation fee (EUR)"), max_digits=6, decimal_places=2
    )

    class Meta:
        verbose_name = _("sandbox location")
        verbose_name_plural = _("sandbox locations")
        ordering = ["location_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rejection_percent__lte=100),
                name="sandbox_location_rejection_percent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.location_id})"

    @property
    def cpo_code(self) -> str:
        """ENB for DE-ENB-E123456; the CPO's short name for anything else."""
        parts = self.location_id.split("-")
        return parts[1] if len(parts) == 3 else "CPO"

    def price_for(self, energy_kwh: Decimal) -> Decimal:
        return (energy_kwh * self.price_per_kwh + self.reservation_fee).quantize(
            CENT, rounding=ROUND_HALF_UP
        )


def energy_for(duration: timedelta, power_kw: Decimal) -> Decimal:
    """The most energy a car can take in this time at this power."""
    hours = Decimal(int(duration.total_seconds())) / Decimal(3600)
    return min(hours * power_kw, BATTERY_KWH).quantize(WATT_HOUR)


class Evse(models.Model):
    class Status(models.TextChoices):
        # OCPI 2.2 EVSE statuses. CHARGING and RESERVED are also worked out
        # from the bookings at read time.
        AVAILABLE = "AVAILABLE", _("Available")
        BLOCKED = "BLOCKED", _("Blocked")
        CHARGING = "CHARGING", _("Charging")
        INOPERATIVE = "INOPERATIVE", _("Inoperative")
        OUTOFORDER = "OUTOFORDER", _("Out of order")
        PLANNED = "PLANNED", _("Planned")
        REMOVED = "REMOVED", _("Removed")
        RESERVED = "RESERVED", _("Reserved")
        UNKNOWN = "UNKNOWN", _("Unknown")

    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="evses"
    )
    evse_uid = models.CharField(_("EVSE uid"), max_length=100, unique=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.AVAILABLE
    )

    class Meta:
        verbose_name = _("sandbox EVSE")
        verbose_name_plural = _("sandbox EVSEs")
        ordering = ["location", "evse_uid"]

    def __str__(self) -> str:
        return self.evse_uid

    @property
    def max_power_kw(self) -> Decimal:
        return max((c.max_power_kw for c in self.connectors.all()), default=Decimal(0))

    @property
    def is_working(self) -> bool:
        """Whether the charger itself could take a car (bookings aside)."""
        return self.status not in {
            self.Status.OUTOFORDER,
            self.Status.INOPERATIVE,
            self.Status.PLANNED,
            self.Status.REMOVED,
        }


class Connector(models.Model):
    evse = models.ForeignKey(Evse, on_delete=models.CASCADE, related_name="connectors")
    connector_id = models.CharField(_("connector id"), max_length=36)
    standard = models.CharField(
        _("standard"), max_length=30, choices=[(s, s) for s in OCPI_STANDARDS]
    )
    max_power_kw = models.DecimalField(
        _("max power (kW)"), max_digits=6, decimal_places=1
    )

    class Meta:
        verbose_name = _("sandbox connector")
        verbose_name_plural = _("sandbox connectors")
        ordering = ["evse", "connector_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["evse", "connector_id"], name="sandbox_connector_unique_id"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evse} #{self.connector_id} {self.standard}"


class BookingQuerySet(models.QuerySet["Booking"]):
    def active(self) -> BookingQuerySet:
        """Bookings that still hold their EVSE for their window."""
        return self.filter(status__in=Booking.ACTIVE)

    def overlapping(self, start: datetime, end: datetime) -> BookingQuerySet:
        return self.filter(reservation_start__lt=end, reservation_end__gt=start)

    def newest_first(self) -> BookingQuerySet:
        return self.order_by("-created_at", "-id")

    def advance(self, now: datetime) -> int:
        """Bring every booking's status up to `now`; return how many changed.

        There is no background worker: each request materialises the
        transitions that are due with a few bulk UPDATEs, each stamping
        `status_updated_at` with the moment the transition happened (not the
        moment we noticed), so that filtering by status works in SQL.
        """
        S, Fate = Booking.Status, Booking.Outcome
        changed = 0
        with transaction.atomic():
            changed += self.filter(status=S.REQUESTED, plan_pending_at__lte=now).update(
                status=S.PENDING, status_updated_at=F("plan_pending_at")
            )
            due = self.filter(status=S.PENDING, plan_confirmed_at__lte=now)
            changed += due.filter(plan_outcome=Fate.REJECTED).update(
                status=S.CANCELLED,
                status_updated_at=F("plan_confirmed_at"),
                cancellation_reason=REJECTED_BY_CPO,
                client_price=Decimal("0.00"),
            )
            changed += due.update(
                status=S.CONFIRMED,
                status_updated_at=F("plan_confirmed_at"),
                cpo_reservation_id=F("plan_cpo_reservation_id"),
            )
            started = self.filter(status=S.CONFIRMED, reservation_start__lte=now)
            changed += started.filter(plan_outcome=Fate.ATTENDING).update(
                status=S.ATTENDING, status_updated_at=F("reservation_start")
            )
            changed += started.filter(plan_outcome=Fate.NO_SHOW).update(
                status=S.NO_SHOW,
                status_updated_at=F("reservation_start"),
                client_price=F("plan_fee"),
            )
            # An unused window is only known to be unused once it has passed.
            changed += self.filter(
                status=S.CONFIRMED, plan_outcome=Fate.EXPIRED, reservation_end__lte=now
            ).update(
                status=S.EXPIRED,
                status_updated_at=F("reservation_end"),
                client_price=F("plan_fee"),
            )
            changed += self.filter(status=S.ATTENDING, reservation_end__lte=now).update(
                status=S.COMPLETED,
                status_updated_at=F("reservation_end"),
                energy_kwh=F("plan_energy_kwh"),
                client_price=F("plan_final_price"),
            )
        return changed


class NotCancellable(Exception):
    """The booking's state does not allow a cancellation."""


class Booking(models.Model):
    """A booking as the API holds it, plus its plan: what will happen to it.

    The plan (the `plan_*` fields) is fixed at creation, deterministically
    from the booking id, so that moving the clock always gives the same story
    and the lifecycle can be materialised with plain UPDATEs.
    """

    # The sandbox states the documented statuses and strategies itself rather
    # than importing the client's: it plays the remote API, and the contract
    # tests can only catch a misspelt value if the two sides spell it apart.
    class Status(models.TextChoices):
        REQUESTED = "REQUESTED", _("Requested")
        PENDING = "PENDING", _("Pending")
        CONFIRMED = "CONFIRMED", _("Confirmed")
        ATTENDING = "ATTENDING", _("Attending")
        COMPLETED = "COMPLETED", _("Completed")
        CANCELLED = "CANCELLED", _("Cancelled")
        EXPIRED = "EXPIRED", _("Expired")
        NO_SHOW = "NO_SHOW", _("No show")

    class TokenStrategy(models.TextChoices):
        DRIVER_TOKEN = "driver_token", _("Driver token")
        GROUP_TOKEN = "group_token", _("Group token")
        AD_HOC = "ad_hoc", _("Ad hoc")
        PIPELET = "pipelet", _("Pipelet")

    class Outcome(models.TextChoices):
        ATTENDING = "ATTENDING", _("The car comes and charges")
        NO_SHOW = "NO_SHOW", _("The car never comes")
        EXPIRED = "EXPIRED", _("The window passes unused")
        REJECTED = "REJECTED", _("The CPO rejects the booking")

    ACTIVE = (Status.REQUESTED, Status.PENDING, Status.CONFIRMED, Status.ATTENDING)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.REQUESTED
    )
    status_updated_at = models.DateTimeField(_("status updated at"))
    created_at = models.DateTimeField(_("created at"))
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="bookings"
    )
    evse = models.ForeignKey(Evse, on_delete=models.PROTECT, related_name="bookings")
    connector_id = models.CharField(_("connector id"), max_length=36, blank=True)
    reservation_start = models.DateTimeField(_("reservation start"))
    reservation_end = models.DateTimeField(_("reservation end"))
    # Not unique: the API does not promise it, so neither does the sandbox.
    external_id = models.CharField(_("external id"), max_length=255, blank=True)
    token_strategy = models.CharField(
        _("token strategy"), max_length=20, choices=TokenStrategy.choices
    )
    customer_id = models.CharField(_("customer id"), max_length=100, blank=True)
    token_id = models.CharField(_("token id"), max_length=100, blank=True)
    fleet_group_id = models.CharField(_("fleet group id"), max_length=100, blank=True)
    token_uid = models.CharField(_("token uid"), max_length=20, blank=True)
    cpo_reservation_id = models.CharField(
        _("CPO reservation id"), max_length=50, blank=True
    )
    client_price = models.DecimalField(
        _("client price (EUR)"), max_digits=10, decimal_places=2
    )
    energy_kwh = models.DecimalField(
        _("energy (kWh)"), max_digits=8, decimal_places=3, null=True, blank=True
    )
    cancellation_reason = models.CharField(
        _("cancellation reason"), max_length=500, blank=True
    )
    ad_hoc_token_uid = models.CharField(
        _("ad hoc token uid"), max_length=20, blank=True
    )
    ad_hoc_valid_from = models.DateTimeField(
        _("ad hoc token valid from"), null=True, blank=True
    )
    ad_hoc_valid_until = models.DateTimeField(
        _("ad hoc token valid until"), null=True, blank=True
    )

    plan_pending_at = models.DateTimeField(_("becomes pending at"))
    plan_confirmed_at = models.DateTimeField(_("is confirmed or rejected at"))
    plan_outcome = models.CharField(
        _("outcome"), max_length=20, choices=Outcome.choices
    )
    plan_energy_kwh = models.DecimalField(
        _("energy if attended (kWh)"), max_digits=8, decimal_places=3
    )
    plan_final_price = models.DecimalField(
        _("price if attended (EUR)"), max_digits=10, decimal_places=2
    )
    plan_fee = models.DecimalField(
        _("price of a no-show or an expiry (EUR)"), max_digits=6, decimal_places=2
    )
    plan_cpo_reservation_id = models.CharField(
        _("CPO reservation id once confirmed"), max_length=50
    )

    objects = BookingQuerySet.as_manager()

    class Meta:
        verbose_name = _("sandbox booking")
        verbose_name_plural = _("sandbox bookings")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["created_at"], name="sandbox_booking_created"),
            models.Index(
                fields=["status", "created_at"], name="sandbox_booking_status_created"
            ),
            models.Index(
                fields=["evse", "reservation_start"], name="sandbox_booking_evse_start"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(reservation_end__gt=F("reservation_start")),
                name="sandbox_booking_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(client_price__gte=0), name="sandbox_booking_price_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.id} {self.status} {self.external_id}"

    @classmethod
    def plan(
        cls,
        *,
        evse: Evse,
        start: datetime,
        end: datetime,
        created_at: datetime,
        token_strategy: str,
        connector: Connector | None = None,
        outcome: str | None = None,
        booking_id: uuid.UUID | None = None,
        **fields: str,
    ) -> Booking:
        """A new, unsaved booking in REQUESTED with its whole future planned.

        `outcome` overrides the fate the id would give (tests and the demo
        history use it); `fields` are the plain request fields (external_id,
        customer_id, ...).
        """
        location = evse.location
        booking = cls(
            id=booking_id or uuid.uuid4(),
            status=cls.Status.REQUESTED,
            created_at=whole_seconds(created_at),
            status_updated_at=whole_seconds(created_at),
            location=location,
            evse=evse,
            connector_id=connector.connector_id if connector else "",
            reservation_start=whole_seconds(start),
            reservation_end=whole_seconds(end),
            token_strategy=token_strategy,
            **fields,
        )
        h = booking.id.int
        pending = timedelta(seconds=settings.PETITMONDE_SANDBOX_PENDING_AFTER)
        confirm = timedelta(seconds=settings.PETITMONDE_SANDBOX_CONFIRM_AFTER)
        # Never confirmed after the window has begun, whatever the settings.
        booking.plan_pending_at = min(
            booking.created_at + pending, booking.reservation_start
        )
        booking.plan_confirmed_at = min(
            booking.created_at + pending + confirm, booking.reservation_start
        )
        booking.plan_outcome = outcome or cls.fate(h, location.rejection_percent)
        power = connector.max_power_kw if connector else evse.max_power_kw
        most = energy_for(booking.reservation_end - booking.reservation_start, power)
        booking.client_price = location.price_for(most)  # the estimate
        # 35 % to 95 % of what the window could hold: plausible and repeatable.
        share = Decimal(35 + (h >> 16) % 61) / Decimal(100)
        booking.plan_energy_kwh = (most * share).quantize(WATT_HOUR)
        booking.plan_final_price = location.price_for(booking.plan_energy_kwh)
        booking.plan_fee = location.reservation_fee
        booking.plan_cpo_reservation_id = (
            f"{location.cpo_code}-R{booking.id.hex[:10].upper()}"
        )
        if token_strategy == cls.TokenStrategy.AD_HOC:
            booking.ad_hoc_token_uid = booking.id.hex[-14:].upper()
            booking.ad_hoc_valid_from = booking.reservation_start
            booking.ad_hoc_valid_until = booking.reservation_end
        return booking

    @classmethod
    def fate(cls, h: int, rejection_percent: int) -> str:
        """What happens to a booking, from its id: most cars come."""
        if h % 100 < rejection_percent:
            return cls.Outcome.REJECTED
        roll = (h >> 8) % 100
        if roll < 86:
            return cls.Outcome.ATTENDING
        if roll < 94:
            return cls.Outcome.NO_SHOW
        return cls.Outcome.EXPIRED

    def as_api(self) -> dict[str, object]:
        """The booking object every endpoint returns, whole: exactly B1's fields.

        A pipelet's `token_uid` is kept but not echoed (B1 does not list it). An
        absent `external_id` is "", not null: every documented example has one, and
        the documented report code splits it without checking.
        """
        return {
            "id": str(self.id),
            "status": self.status,
            "status_updated_at": iso(self.status_updated_at),
            "created_at": iso(self.created_at),
            "location_id": self.location.location_id,
            "location_name": self.location.name,
            "location_city": self.location.city,
            "evse_uid": self.evse.evse_uid,
            "connector_id": self.connector_id or None,
            "reservation_start": iso(self.reservation_start),
            "reservation_end": iso(self.reservation_end),
            "external_id": self.external_id,
            "token_strategy": self.token_strategy,
            "customer_id": self.customer_id or None,
            "token_id": self.token_id or None,
            "fleet_group_id": self.fleet_group_id or None,
            "cpo_reservation_id": self.cpo_reservation_id or None,
            "client_price": number(self.client_price),
            "client_price_currency": CURRENCY,
            "energy_kwh": None if self.energy_kwh is None else number(self.energy_kwh),
            "cancellation_reason": self.cancellation_reason or None,
            "token": self.ad_hoc_token(),
        }

    def ad_hoc_token(self) -> dict[str, str] | None:
        if not self.ad_hoc_token_uid:
            return None
        assert self.ad_hoc_valid_from and self.ad_hoc_valid_until
        return {
            "uid": self.ad_hoc_token_uid,
            "type": "AD_HOC",
            "valid_from": iso(self.ad_hoc_valid_from),
            "valid_until": iso(self.ad_hoc_valid_until),
        }

    def cancel(self, *, now: datetime, reason: str = "") -> None:
        """Cancel by the client: free before confirmation, the fee after."""
        if self.status in (self.Status.REQUESTED, self.Status.PENDING):
            self.client_price = Decimal("0.00")
        elif self.status == self.Status.CONFIRMED:
            self.client_price = self.location.cancellation_fee
        else:
            raise NotCancellable(self.status)
        self.status = self.Status.CANCELLED
        self.status_updated_at = whole_seconds(now)
        self.cancellation_reason = reason or CANCELLED_BY_CLIENT
        self.save(
            update_fields=[
                "status",
                "status_updated_at",
                "client_price",
                "cancellation_reason",
            ]
        )


class PlannedOutcome(models.Model):
    """A queued fate for the next booking created through the API (tests)."""

    outcome = models.CharField(max_length=20, choices=Booking.Outcome.choices)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.outcome

    @classmethod
    def take(cls) -> str | None:
        for planned in cls.objects.order_by("id"):
            # Delete-and-check, so two concurrent creates never share one.
            if cls.objects.filter(pk=planned.pk).delete()[0]:
                return planned.outcome
        return None


class RequestLog(models.Model):
    """One counted request, kept for the per-minute sliding window."""

    key_digest = models.CharField(max_length=64)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["key_digest", "at"], name="sandbox_log_key_at")]

    def __str__(self) -> str:
        return f"{self.key_digest[:8]} at {self.at:%H:%M:%S}"


class MonthlyUsage(models.Model):
    """Requests counted per key and calendar month (UTC)."""

    key_digest = models.CharField(max_length=64)
    month = models.DateField()
    used = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["key_digest", "month"], name="sandbox_usage_key_month"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key_digest[:8]} {self.month:%Y-%m}: {self.used}"

    @staticmethod
    def month_of(moment: datetime) -> date:
        return moment.date().replace(day=1)


class FaultQuerySet(models.QuerySet["Fault"]):
    def live(self, now: datetime) -> FaultQuerySet:
        return self.filter(Q(until__isnull=True) | Q(until__gt=now)).filter(
            Q(remaining__isnull=True) | Q(remaining__gt=0)
        )

    def take(self, endpoint: str, now: datetime) -> Fault | None:
        """The fault that hits this request, if any, used up by one."""
        matching = self.live(now).filter(Q(endpoint="") | Q(endpoint=endpoint))
        for fault in matching.order_by("id"):
            if fault.remaining is None:
                return fault
            used = Fault.objects.filter(pk=fault.pk, remaining__gt=0).update(
                remaining=F("remaining") - 1
            )
            if used:
                return fault
        return None

    def spent(self, now: datetime) -> FaultQuerySet:
        return self.filter(Q(remaining=0) | Q(until__lte=now))


class Fault(models.Model):
    """Misbehaviour on demand: for the next N requests or for a while."""

    class Kind(models.TextChoices):
        LATENCY = "latency", _("answer late (seconds)")
        HANG = "hang", _("process, then hang past the client's timeout")
        ERROR_500 = "500", _("500 Internal Server Error")
        BAD_GATEWAY = "502", _("502 Bad Gateway")
        UNAVAILABLE = "503", _("503 Service Unavailable")
        RATE_LIMITED = "429", _("429 with a Retry-After")
        NOT_JSON = "not_json", _("200 with a body that is not JSON")
        DROP = "drop", _("process, then drop the connection without an answer")
        SUCCEED_500 = "succeed_500", _("process, then answer 500")

    class Endpoint(models.TextChoices):
        CREATE = "create", _("create a booking")
        CANCEL = "cancel", _("cancel a booking")
        GET = "get", _("get a booking")
        LIST = "list", _("list bookings")
        SEARCH = "search", _("search")
        USAGE = "usage", _("usage")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    endpoint = models.CharField(
        max_length=10, choices=Endpoint.choices, blank=True, help_text=_("Empty: all.")
    )
    remaining = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Requests left to hit; empty: until then.")
    )
    until = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(
        null=True, blank=True, help_text=_("For latency and hang.")
    )
    retry_after = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = FaultQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(remaining__isnull=False) | Q(until__isnull=False),
                name="sandbox_fault_has_an_end",
            ),
        ]

    def __str__(self) -> str:
        scope = self.endpoint or "all endpoints"
        if self.remaining is not None:
            span = f"next {self.remaining} request(s)"
        else:
            span = f"until {self.until:%Y-%m-%d %H:%M:%S} UTC" if self.until else ""
        extra = ""
        if self.seconds is not None:
            extra += f", {self.seconds:g} s"
        if self.retry_after is not None:
            extra += f", Retry-After {self.retry_after}"
        return f"#{self.pk} {self.kind} on {scope}, {span}{extra}"
