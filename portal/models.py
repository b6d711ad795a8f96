"""The organisation: people, departments, sites and their chargers."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from functools import cached_property
from itertools import chain
from typing import TYPE_CHECKING, Any, ClassVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.roles import GROUP_NAMES, ROLE_PERMISSIONS, Role

# Django looks for an app's models in its models.py only. The scheduler's live
# in their room with the rest of the scheduler, so that one folder holds all of
# it; importing them here registers them as the portal app's models.
from portal.scheduler.models import (  # noqa: F401
    HeldLease,
    JobRun,
    Lease,
    ScheduledJob,
)
from portal.validators import (
    code_validator,
    validate_department_code,
    validate_language,
    validate_time_zone,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import Group

money_validators = [MinValueValidator(Decimal("0.00"))]


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(
        self, email: str, password: str | None, **extra_fields: Any
    ) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(
        self, email: str, password: str | None = None, **extra_fields: Any
    ) -> User:
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(
        self, email: str, password: str | None = None, **extra_fields: Any
    ) -> User:
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username: str | None) -> User:
        # People type their address in any case; it is stored lowercased.
        return self.get(email__iexact=username)


class User(AbstractUser):
    """A person who can log in. Staff users also have an Employee record."""

    username = None  # type: ignore[assignment]
    email = models.EmailField(_("e-mail address"), unique=True)
    reception_sites: models.ManyToManyField[Site, Any] = models.ManyToManyField(
        "Site",
        blank=True,
        related_name="receptionists",
        verbose_name=_("reception sites"),
        help_text=_(
            "For receptionists: the sites whose visitors they handle. "
            "Leave empty for every site."
        ),
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        blank=True,
        validators=[validate_language],
        help_text=_(
            "The language of the portal and of e-mails for this person. "
            "Empty until they choose: the browser's language, else the site's."
        ),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["last_name", "first_name", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]
        permissions = [
            ("book_charging", _("Can book charging for themselves")),
            ("book_visitor_charging", _("Can book visitor charging")),
            ("view_department_reports", _("Can see reports of managed departments")),
            ("view_all_reports", _("Can see reports of all departments")),
            ("assign_bookings", _("Can assign unattributed bookings")),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    @cached_property
    def roles(self) -> frozenset[str]:
        """The roles this person holds: their groups, and admin for superusers."""
        held = set(self.group_roles())
        if self.is_superuser:
            held.add(Role.ADMIN)
        return frozenset(held)

    def group_roles(self) -> set[str]:
        names = {name: role for role, name in GROUP_NAMES.items()}
        groups = self.groups.values_list("name", flat=True)
        return {names[g] for g in groups if g in names}

    def role_labels(self) -> list[str]:
        return [str(label) for value, label in Role.choices if value in self.roles]

    def set_roles(self, roles: set[str]) -> None:
        """Make the person hold exactly these roles (other groups are kept)."""
        from django.contrib.auth.models import Group

        role_groups = Group.objects.filter(name__in=GROUP_NAMES.values())
        wanted = {GROUP_NAMES[r] for r in roles}
        self.groups.remove(*[g for g in role_groups if g.name not in wanted])
        self.groups.add(*[g for g in role_groups if g.name in wanted])
        self.__dict__.pop("roles", None)
        self.refresh_staff_flag()

    def granted_permissions(self) -> set[str]:
        """Every permission given to this person, directly or by a group.

        Unlike get_all_permissions() this counts for an inactive account too:
        whoever could reactivate it would get them.
        """
        from django.contrib.auth.models import Permission

        held = (
            Permission.objects.filter(models.Q(user=self) | models.Q(group__user=self))
            .values_list("content_type__app_label", "codename")
            .distinct()
        )
        return {f"{app_label}.{codename}" for app_label, codename in held}

    def grantable_permissions(self) -> set[str]:
        """The permissions this (non-superuser) person may hand out.

        Their own, and, for the Admin role, whose job is giving people the
        portal's roles, every role's permissions (an admin who is not an
        employee still makes people employees). Nothing beyond that.
        """
        grantable = self.granted_permissions()
        if Role.ADMIN in self.group_roles():
            grantable |= set(chain.from_iterable(ROLE_PERMISSIONS.values()))
        return grantable

    def may_manage(self, other: User) -> bool:
        """Whether this person may change `other` in the administration.

        Changing someone includes setting their password and so logging in
        as them: nobody may do it to an account holding rights they could not
        hand out themselves, and only a superuser to a superuser.
        """
        if self.is_superuser:
            return True
        if other.is_superuser:
            return False
        return other.granted_permissions() <= self.grantable_permissions()

    def may_give(self, group: Group) -> bool:
        """Whether this person may put someone (themselves too) into `group`."""
        if self.is_superuser:
            return True
        needs = {
            f"{app_label}.{codename}"
            for app_label, codename in group.permissions.values_list(
                "content_type__app_label", "codename"
            )
        }
        return needs <= self.grantable_permissions()

    def refresh_staff_flag(self) -> None:
        """Admins, and only they, may open the Django admin."""
        is_admin = (
            self.is_superuser
            or self.groups.filter(name=GROUP_NAMES[Role.ADMIN]).exists()
        )
        if self.is_staff != is_admin:
            self.is_staff = is_admin
            self.save(update_fields=["is_staff"])


class Department(models.Model):
    code = models.CharField(
        _("code"),
        max_length=30,
        unique=True,
        validators=[validate_department_code],
        help_text=_(
            "Lowercase letters and digits only, e.g. “engineering”. It starts "
            "every booking reference of this department, so change it with care."
        ),
    )
    name = models.CharField(_("name"), max_length=200)
    monthly_budget = models.DecimalField(
        _("monthly budget (EUR)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=money_validators,
    )
    default_monthly_cap = models.DecimalField(
        _("default monthly cap per employee (EUR)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=money_validators,
        help_text=_("Leave empty for no cap."),
    )
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="managed_departments",
        verbose_name=_("managers"),
    )

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(monthly_budget__gte=0)
                | models.Q(monthly_budget__isnull=True),
                name="department_budget_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(default_monthly_cap__gte=0)
                | models.Q(default_monthly_cap__isnull=True),
                name="department_cap_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Site(models.Model):
    """An office, with its chargers. Times at a site are shown in its time zone."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    address = models.CharField(_("street address"), max_length=300)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="Europe/Berlin",
        validators=[validate_time_zone],
    )
    # The site's own booking rules; empty means the company's default (the
    # BOOKING_* settings). They belong to the place: its operators' limits and
    # how scarce its chargers are.
    booking_min_lead_minutes = models.PositiveSmallIntegerField(
        _("earliest start (minutes from now)"),
        null=True,
        blank=True,
        help_text=_("Leave empty for the company's rule. The API needs at least 15."),
    )
    booking_min_minutes = models.PositiveSmallIntegerField(
        _("shortest booking (minutes)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Leave empty for the company's rule."),
    )
    booking_max_minutes = models.PositiveSmallIntegerField(
        _("longest booking (minutes)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Leave empty for the company's rule."),
    )
    booking_max_days_ahead = models.PositiveSmallIntegerField(
        _("latest start (days ahead)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Leave empty for the company's rule."),
    )

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__gte=-90, latitude__lte=90),
                name="site_latitude_range",
            ),
            models.CheckConstraint(
                condition=models.Q(longitude__gte=-180, longitude__lte=180),
                name="site_longitude_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        shortest = self.booking_min_minutes or settings.BOOKING_MIN_MINUTES
        longest = self.booking_max_minutes or settings.BOOKING_MAX_MINUTES
        if shortest > longest:
            raise ValidationError(
                {
                    "booking_max_minutes": _(
                        "The longest booking (%(longest)d minutes) must not be "
                        "shorter than the shortest (%(shortest)d minutes)."
                    )
                    % {"longest": longest, "shortest": shortest}
                }
            )

    @property
    def tzinfo(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def full_address(self) -> str:
        return ", ".join(
            part for part in (self.address, f"{self.postal_code} {self.city}".strip())
        )


class SiteCharger(models.Model):
    """A charger that belongs to a site: for its staff or for its visitors."""

    class Kind(models.TextChoices):
        WORKPLACE = "workplace", _("Workplace")
        VISITOR = "visitor", _("Visitor parking")

    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, related_name="chargers", verbose_name=_("site")
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=Kind.choices, default=Kind.WORKPLACE
    )
    location_id = models.CharField(
        _("location id"), max_length=100, help_text=_("For example DE-ENB-E123456.")
    )
    evse_uid = models.CharField(
        _("EVSE uid"), max_length=100, help_text=_("For example DE*ENB*E123456*1.")
    )
    label = models.CharField(
        _("label"), max_length=100, help_text=_("What people call it, e.g. “P2 left”.")
    )

    class Meta:
        verbose_name = _("site charger")
        verbose_name_plural = _("site chargers")
        ordering = ["site", "kind", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "evse_uid"], name="sitecharger_unique_evse_per_site"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.evse_uid})"


class EmployeeQuerySet(models.QuerySet["Employee"]):
    def active(self) -> EmployeeQuerySet:
        return self.filter(is_active=True, user__is_active=True)

    def search(self, text: str) -> EmployeeQuerySet:
        """Employees whose name, e-mail or employee id contains every word."""
        qs = self
        for word in text.split():
            qs = qs.filter(
                models.Q(user__first_name__icontains=word)
                | models.Q(user__last_name__icontains=word)
                | models.Q(user__email__icontains=word)
                | models.Q(employee_id__icontains=word)
            )
        return qs


class Employee(models.Model):
    """A staff user's place in the company and their Petitmonde identity."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="employee",
        verbose_name=_("user"),
    )
    employee_id = models.CharField(
        _("employee id"),
        max_length=30,
        unique=True,
        validators=[code_validator],
        help_text=_("Lowercase letters and digits only, e.g. “emp042”."),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="employees",
        verbose_name=_("department"),
    )
    customer_id = models.CharField(
        _("Petitmonde customer id"),
        max_length=100,
        blank=True,
        help_text=_(
            "For example cust_emp042. Needed to book, unless a token id is set."
        ),
    )
    token_id = models.CharField(_("Petitmonde token id"), max_length=100, blank=True)
    monthly_cap = models.DecimalField(
        _("personal monthly cap (EUR)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=money_validators,
        help_text=_("Overrides the department's default cap. Leave empty to use it."),
    )
    home_site = models.ForeignKey(
        Site,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="employees",
        verbose_name=_("home site"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = EmployeeQuerySet.as_manager()

    class Meta:
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        ordering = ["employee_id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(monthly_cap__gte=0)
                | models.Q(monthly_cap__isnull=True),
                name="employee_cap_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.employee_id})"

    @property
    def effective_monthly_cap(self) -> Decimal | None:
        """The personal cap if set, else the department's default (None: no cap)."""
        if self.monthly_cap is not None:
            return self.monthly_cap
        return self.department.default_monthly_cap

    @property
    def can_book(self) -> bool:
        """Whether the API can identify this person's token."""
        return bool(self.customer_id or self.token_id)


class LoginFailureQuerySet(models.QuerySet["LoginFailure"]):
    def recent(self, *, username: str, ip: str | None) -> LoginFailureQuerySet:
        window = timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
        return self.filter(
            username=username.strip().lower(), ip=ip, at__gte=timezone.now() - window
        )


class LoginFailure(models.Model):
    """One failed login, kept for the lockout window."""

    username = models.CharField(max_length=254)
    ip = models.GenericIPAddressField(null=True)
    at = models.DateTimeField(default=timezone.now)

    objects = LoginFailureQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["username", "ip", "at"])]

    def __str__(self) -> str:
        return f"{self.username} from {self.ip} at {self.at:%Y-%m-%d %H:%M}"

    @classmethod
    def lockout_ends(cls, *, username: str, ip: str | None) -> datetime | None:
        """When the lockout of this username from this address ends, or None."""
        failures = cls.objects.recent(username=username, ip=ip)
        times = list(
            failures.order_by("-at").values_list("at", flat=True)[
                : settings.LOGIN_LOCKOUT_FAILURES
            ]
        )
        if len(times) < settings.LOGIN_LOCKOUT_FAILURES:
            return None
        return times[0] + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)

    @classmethod
    def record(cls, *, username: str, ip: str | None) -> None:
        cls.objects.create(username=username.strip().lower()[:254], ip=ip)

    @classmethod
    def clear(cls, *, username: str, ip: str | None) -> None:
        cls.objects.filter(username=username.strip().lower(), ip=ip).delete()
        # Old failures of everybody are of no use any more.
        window = timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
        cls.objects.filter(at__lt=timezone.now() - window).delete()


class PasswordResetRequest(models.Model):
    """A password-reset request that was let through, kept for the limits.

    In the database rather than Django's cache: the default cache lives in
    each process (three gunicorn workers would allow three times the limit,
    and a restart forgets it), and the limit must hold across every worker
    and host without asking operators to configure a shared cache.
    """

    email = models.CharField(max_length=254)
    ip = models.GenericIPAddressField(null=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["email", "at"]),
            models.Index(fields=["ip", "at"]),
            models.Index(fields=["at"]),
        ]

    def __str__(self) -> str:
        return f"{self.email} from {self.ip} at {self.at:%Y-%m-%d %H:%M}"

    @classmethod
    def let_through(cls, *, email: str, ip: str | None) -> bool:
        """Record a request unless its account or address reached the limit.

        Only requests let through count, so however often someone else asks,
        the owner still gets the limit's e-mails every window (and may use any
        of them).
        """
        email = email.strip().lower()[:254]
        now = timezone.now()
        window_start = now - timedelta(minutes=settings.PASSWORD_RESET_LIMIT_MINUTES)
        recent = cls.objects.filter(at__gt=window_start)
        if (
            recent.filter(email=email).count()
            >= settings.PASSWORD_RESET_MAX_PER_ACCOUNT
        ):
            return False
        if (
            ip is not None
            and recent.filter(ip=ip).count() >= settings.PASSWORD_RESET_MAX_PER_ADDRESS
        ):
            return False
        cls.objects.create(email=email, ip=ip, at=now)
        cls.objects.filter(at__lte=window_start).delete()
        return True
