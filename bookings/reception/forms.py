"""Forms of the reception desk: the visit, and the charger plan picked for it."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta, tzinfo
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from bookings.chargers import ChargerOffer
from bookings.models import Visit
from bookings.policy import Rules
from bookings.reception.visits import (
    MAX_WINDOWS,
    Window,
    earliest_start,
    plan_windows,
    spans_several_days,
    unsign_plan,
)
from portal import formatting
from portal.http import is_pk
from portal.models import Employee, EmployeeQuerySet, Site, User

# Loose on purpose: plates differ by country. Letters (any alphabet), digits,
# spaces and hyphens, as people write them.
_PLATE = re.compile(r"^[^\W_][\w -]*$")
_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
# How many people a host search lists at most.
HOST_CHOICES = 25
# The longest host search, in characters and in words: every word is one more
# condition on four columns, so a pasted paragraph must not reach the database.
HOST_QUERY_LENGTH = 100
HOST_QUERY_WORDS = 5


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=_LOCAL_FORMAT)


class HostChoiceField(forms.ModelChoiceField[Employee]):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.user.get_full_name() or obj.user.email} · {obj.department.name}"


class VisitForm(forms.ModelForm[Visit]):
    """Who comes, whom they visit, where and when (times in the site's time)."""

    host_query = forms.CharField(
        label=_("Host's name"),
        required=False,
        max_length=HOST_QUERY_LENGTH,
        help_text=_("Type part of the host's name, then press “Find host”."),
    )
    form_key = forms.UUIDField(widget=forms.HiddenInput)

    field_order = [
        "visitor_name",
        "visitor_company",
        "visitor_email",
        "language",
        "licence_plate",
        "host_query",
        "host",
        "site",
        "arrival",
        "departure",
    ]

    class Meta:
        model = Visit
        fields = [
            "visitor_name",
            "visitor_company",
            "visitor_email",
            "language",
            "licence_plate",
            "host",
            "site",
            "arrival",
            "departure",
        ]
        field_classes = {"host": HostChoiceField}
        widgets = {
            "arrival": LocalDateTimeInput(),
            "departure": LocalDateTimeInput(),
        }
        labels = {
            "host": _("Choose the host"),
            "visitor_email": _("Visitor's e-mail address"),
        }
        help_texts = {
            "visitor_email": _("Optional: to e-mail the pass to the visitor."),
            "licence_plate": _("Optional."),
            "arrival": _("In the site's local time."),
            "departure": _(
                "For a visit over several days, the car is booked every day "
                "from the arrival time to the departure time."
            ),
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        site = cast("forms.ModelChoiceField[Site]", self.fields["site"])
        site.queryset = Visit.sites_for(user)
        site.empty_label = None
        host = cast(HostChoiceField, self.fields["host"])
        host.required = False
        host.queryset = Employee.objects.active().select_related("user", "department")
        # Said next to the field also when only the host list is asked for
        # (an unbound form shows no errors).
        self.host_query_problem = host_query_problem(self._raw("host_query"))
        self.host_matches = self._host_matches(host)
        host.widget.choices = [("", _("— choose —"))] + [
            (p.pk, host.label_from_instance(p)) for p in self.host_matches
        ]
        if not self.is_bound and len(self.host_matches) == 1:
            self.initial["host"] = self.host_matches[0].pk
        self.fields["visitor_email"].widget.attrs["autocomplete"] = "off"
        self.fields["language"] = forms.ChoiceField(
            label=_("Language of the pass"),
            choices=list(settings.LANGUAGES),
            initial=settings.LANGUAGE_CODE,
            required=False,
            help_text=_("The pass and its e-mail, with a short line in the other."),
        )
        self.fields["visitor_name"].widget.attrs["autocomplete"] = "off"

    def clean_language(self) -> str:
        """Not chosen (a form from before the field, a script): the site's."""
        return str(self.cleaned_data.get("language") or settings.LANGUAGE_CODE)

    def _raw(self, name: str) -> str:
        if self.is_bound:
            return str(self.data.get(self.add_prefix(name), "") or "")
        return str(self.initial.get(name, "") or "")

    def _host_matches(self, host: HostChoiceField) -> list[Employee]:
        """The people found for the typed name, and the one already chosen."""
        employees = cast(EmployeeQuerySet, host.queryset)
        people = []
        query = self._raw("host_query").strip()
        if query and self.host_query_problem is None:
            people = list(
                employees.search(query).order_by("user__last_name", "user__first_name")[
                    :HOST_CHOICES
                ]
            )
        chosen = self._raw("host")
        if is_pk(chosen) and all(str(p.pk) != chosen for p in people):
            people[:0] = employees.filter(pk=chosen)
        return people

    def clean_host_query(self) -> str:
        query: str = self.cleaned_data["host_query"]
        if problem := host_query_problem(query):
            raise forms.ValidationError(problem)
        return query

    def clean_visitor_name(self) -> str:
        return " ".join(self.cleaned_data["visitor_name"].split())

    def clean_visitor_company(self) -> str:
        return " ".join(self.cleaned_data["visitor_company"].split())

    def clean_licence_plate(self) -> str:
        plate = " ".join(self.cleaned_data["licence_plate"].split()).upper()
        if plate and (len(plate) > 15 or not _PLATE.match(plate)):
            raise forms.ValidationError(
                _("Letters, digits, spaces and hyphens only, at most 15 characters.")
            )
        return plate

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        self._clean_host(data)
        site = data.get("site")
        if site is None:
            return data
        for name in ("arrival", "departure"):
            if data.get(name) is not None:
                data[name] = _at_site(data[name], site)
        arrival, departure = data.get("arrival"), data.get("departure")
        if arrival is None or not self._clean_arrival(site, arrival):
            return data
        if departure is not None:
            self._clean_times(site, arrival, departure)
        return data

    def _clean_arrival(self, site: Site, arrival: datetime) -> bool:
        """Refuse an arrival the site's rules do not allow, by its day first.

        Returns whether the arrival lies on a bookable day, so that the times
        can be checked: an instant of year 1 or 9999 cannot even be compared
        across time zones, and a departure years ahead would make the planner
        build a window for every day in between.
        """
        now = timezone.now()
        rules = Rules.for_site(site)
        tz = site.tzinfo
        earliest = earliest_start(site, now)
        latest = now + timedelta(days=rules.max_days_ahead)
        # The wall-clock day as typed: arrival is in the site's zone already.
        day = arrival.date()
        first_day, last_day = (
            earliest.astimezone(tz).date(),
            latest.astimezone(tz).date(),
        )
        if day < first_day or (day == first_day and arrival < earliest):
            self.add_error(
                "arrival",
                _(
                    "Charging can be booked from %(time)s on at the earliest "
                    "(%(minutes)d minutes from now)."
                )
                % {
                    "time": formatting.day_month_clock(earliest.astimezone(tz)),
                    "minutes": int((earliest - now) / timedelta(minutes=1)),
                },
            )
            return day >= first_day
        if day > last_day or (day == last_day and arrival > latest):
            self.add_error("arrival", _too_far_ahead(rules, latest.astimezone(tz)))
            return day <= last_day
        return True

    def _clean_host(self, data: dict[str, Any]) -> None:
        if data.get("host") is not None or "host_query" in self.errors:
            return
        query = (data.get("host_query") or "").strip()
        if not query:
            self.add_error("host_query", _("Type the host's name."))
        elif len(self.host_matches) == 1:
            data["host"] = self.host_matches[0]
        elif not self.host_matches:
            self.add_error(
                "host_query",
                _("Nobody at the company matches “%(query)s”.") % {"query": query},
            )
        else:
            self.add_error(
                "host", _("Several people match; choose the host from the list.")
            )

    def _clean_times(self, site: Site, arrival: datetime, departure: datetime) -> None:
        if departure <= arrival:
            self.add_error("departure", _("The departure must be after the arrival."))
            return
        # Every day of a visit is one window at least: count the days before
        # building any window.
        days = (departure.date() - arrival.date()).days + 1
        if days > MAX_WINDOWS:
            self.add_error(
                "departure",
                _(
                    "A visit can span at most %(most)d days (it has one charging "
                    "window a day at least); this one spans %(days)s days. Book "
                    "a long visit as several visits."
                )
                % {
                    "days": formatting.number(days),
                    "most": MAX_WINDOWS,
                },
            )
            return
        several_days = spans_several_days(
            site=site, arrival=arrival, departure=departure
        )
        tz = site.tzinfo
        if several_days and (
            departure.astimezone(tz).time() <= arrival.astimezone(tz).time()
        ):
            self.add_error(
                "departure",
                _(
                    "A visit over several days is booked for the same hours every "
                    "day: the departure time must be later in the day than the "
                    "arrival time. Book an overnight stay as two visits."
                ),
            )
            return
        windows = plan_windows(site=site, arrival=arrival, departure=departure)
        if len(windows) > MAX_WINDOWS:
            self.add_error(
                "departure",
                _(
                    "That is %(count)d charging windows; one visit can have at "
                    "most %(most)d. Book a long visit as several visits."
                )
                % {"count": len(windows), "most": MAX_WINDOWS},
            )
            return
        rules = Rules.for_site(site)
        latest = timezone.now() + timedelta(days=rules.max_days_ahead)
        if windows[-1][0] > latest:
            self.add_error(
                "departure",
                _("The last charging window would start on %(start)s. %(rule)s")
                % {
                    "start": formatting.day_month_clock(windows[-1][0].astimezone(tz)),
                    "rule": _too_far_ahead(rules, latest.astimezone(tz)),
                },
            )

    # --- what the next steps carry --------------------------------------------

    def windows(self) -> list[Window]:
        data = self.cleaned_data
        return plan_windows(
            site=data["site"], arrival=data["arrival"], departure=data["departure"]
        )

    def renew_key(self) -> None:
        """A new form key: the next submission is a new attempt, not a repeat."""
        self.cleaned_data["form_key"] = uuid.uuid4()

    def carried(self) -> dict[str, str]:
        """The cleaned visit as form data, for hidden fields of the next step."""
        data = self.cleaned_data
        tz = data["site"].tzinfo
        return {
            "visitor_name": data["visitor_name"],
            "visitor_company": data["visitor_company"],
            "visitor_email": data["visitor_email"],
            "language": data["language"],
            "licence_plate": data["licence_plate"],
            "host_query": data.get("host_query") or "",
            "host": str(data["host"].pk),
            "site": str(data["site"].pk),
            "arrival": data["arrival"].astimezone(tz).strftime(_LOCAL_FORMAT),
            "departure": data["departure"].astimezone(tz).strftime(_LOCAL_FORMAT),
            "form_key": str(data["form_key"]),
        }


def initial_visit(user: User, now: datetime | None = None) -> dict[str, Any]:
    """A new visit form: the receptionist's site, the earliest arrival, two hours."""
    sites = Visit.sites_for(user)
    employee = getattr(user, "employee", None)
    site = (
        employee.home_site
        if employee is not None and employee.home_site in sites
        else sites.first()
    )
    start = earliest_start(site, now)
    # The next quarter hour people would say.
    start += timedelta(minutes=-start.minute % 15)
    tz = site.tzinfo if site is not None else timezone.get_current_timezone()
    start = _first_unambiguous(start, tz)
    local_start = start.astimezone(tz)
    # Two real hours: wall-clock arithmetic would land in the hour skipped or
    # repeated when the clocks change.
    local_end = _first_unambiguous(start + timedelta(hours=2), tz).astimezone(tz)
    # Late in the evening, stay on the same day: two days mean daily hours.
    local_end = min(local_end, local_start.replace(hour=23, minute=59))
    return {
        "form_key": uuid.uuid4(),
        "site": site.pk if site is not None else None,
        "arrival": local_start.strftime(_LOCAL_FORMAT),
        "departure": local_end.strftime(_LOCAL_FORMAT),
    }


def host_query_problem(query: str) -> str | None:
    """Why a host search cannot be run as typed, or None when it can."""
    if len(query) > HOST_QUERY_LENGTH:
        return gettext("Type at most %(most)d characters of the host's name.") % {
            "most": HOST_QUERY_LENGTH
        }
    if "\x00" in query:
        return gettext("The host's name cannot contain a null character.")
    if len(query.split()) > HOST_QUERY_WORDS:
        return gettext("Type at most %(most)d words of the host's name.") % {
            "most": HOST_QUERY_WORDS
        }
    return None


def _too_far_ahead(rules: Rules, latest: datetime) -> str:
    return ngettext(
        "Charging can be booked at most %(days)d day ahead (until %(latest)s).",
        "Charging can be booked at most %(days)d days ahead (until %(latest)s).",
        rules.max_days_ahead,
    ) % {
        "days": rules.max_days_ahead,
        "latest": formatting.day_month_clock(latest),
    }


def _first_unambiguous(moment: datetime, tz: tzinfo) -> datetime:
    """The moment, or the first quarter hour after it that its wall-clock time
    names alone.

    A datetime-local field carries no offset: in the night the clocks go back,
    02:15 is two instants, and Django refuses such a value when it is sent.
    """
    while True:
        local = moment.astimezone(tz)
        if local.replace(fold=0).utcoffset() == local.replace(fold=1).utcoffset():
            return moment
        moment += timedelta(minutes=15)


def _at_site(value: datetime, site: Site) -> datetime:
    """The typed wall-clock time, read in the site's zone (not the server's)."""
    naive = timezone.make_naive(value, timezone.get_current_timezone())
    return timezone.make_aware(naive, site.tzinfo)


class PlanForm(forms.Form):
    """The charger plan picked from the offers (a signed token of it)."""

    plan = forms.CharField(
        error_messages={"required": _("Choose a charger.")},
    )

    def __init__(self, *args: Any, site: Site, windows: list[Window], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.site = site
        self.expected_windows = windows

    def clean_plan(self) -> list[ChargerOffer]:
        try:
            offers = unsign_plan(self.cleaned_data["plan"], site=self.site)
        except signing.SignatureExpired as expired:
            raise forms.ValidationError(
                _("Those offers are too old; here are the chargers free now.")
            ) from expired
        except signing.BadSignature as bad:
            raise forms.ValidationError(
                _("The chosen charger could not be read; please choose again.")
            ) from bad
        if [(o.start, o.end) for o in offers] != self.expected_windows:
            raise forms.ValidationError(
                _("The times have changed; please choose the charger again.")
            )
        return offers
