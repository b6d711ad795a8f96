"""Forms of the employee booking journey: search, review/confirm, cancel."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core import signing
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings import policy
from bookings.chargers import ChargerOffer
from bookings.formatting import CONNECTOR_TYPES
from portal.models import Employee, Site

# Which search field a broken window rule is shown next to.
FIELD_OF_RULE = {
    policy.LEAD: "start",
    policy.DURATION: "end",
    policy.HORIZON: "date",
    policy.NO_SHOWS: "date",
}
SEARCH_FIELDS = ("site", "date", "start", "end", "connector_type", "power_min")


def local_datetime(
    day: date, clock: time, tzinfo: Any, *, after: datetime | None = None
) -> datetime | None:
    """The instant of a local date and time, or None when the clocks skip it.

    A time the clocks go through twice (02:30 the night they go back) is the
    first of the two, unless only the second is later than `after`: at 02:40
    winter time, 02:45 means in five minutes, not an hour ago.
    """
    naive = datetime.combine(day, clock)
    aware = naive.replace(tzinfo=tzinfo)
    if aware.astimezone(UTC).astimezone(tzinfo).replace(tzinfo=None) != naive:
        return None
    second = aware.replace(fold=1)
    # In UTC: aware datetimes of one zone compare as wall-clock times.
    if after is not None and aware.astimezone(UTC) <= after < second.astimezone(UTC):
        return second
    return aware


class SearchForm(forms.Form):
    """Where and when: a site, a local date and times there, optional filters."""

    site = forms.ModelChoiceField(
        label=_("Site"), queryset=Site.objects.none(), empty_label=None
    )
    date = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    start = forms.TimeField(
        label=_("From"),
        help_text=_("Local time at the site."),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    end = forms.TimeField(
        label=_("Until"),
        help_text=_("The same day, local time at the site."),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    connector_type = forms.ChoiceField(
        label=_("Connector"),
        required=False,
        choices=[("", _("Any connector")), *CONNECTOR_TYPES],
    )
    power_min = forms.DecimalField(
        label=_("Minimum power (kW)"),
        required=False,
        min_value=0,
        max_value=400,
        max_digits=4,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )

    def __init__(
        self,
        *args: Any,
        employee: Employee,
        now: datetime | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.employee = employee
        self.now = now or timezone.now()
        home = employee.home_site_id
        site_field: Any = self.fields["site"]
        site_field.queryset = Site.objects.annotate(
            is_home=Case(
                When(pk=home, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        ).order_by("is_home", "name")
        if not self.is_bound:
            site = employee.home_site or site_field.queryset.first()
            today = self.now.astimezone(site.tzinfo if site else UTC).date()
            self.initial.setdefault("site", site.pk if site else None)
            self.initial.setdefault("date", today + timedelta(days=1))
            self.initial.setdefault("start", time(8))
            self.initial.setdefault("end", time(10))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        site: Site | None = data.get("site")
        day, start, end = data.get("date"), data.get("start"), data.get("end")
        if site is None or day is None or start is None or end is None:
            return data
        tzinfo = site.tzinfo
        rules = policy.Rules.for_site(site)
        if refused := policy.day_problems(rules, day=day, tzinfo=tzinfo, now=self.now):
            for problem in refused:
                self.add_error("date", problem.message)
            return data
        start_at = local_datetime(day, start, tzinfo, after=self.now)
        end_at = local_datetime(day, end, tzinfo, after=start_at)
        for name, value in (("start", start_at), ("end", end_at)):
            if value is None:
                self.add_error(
                    name,
                    _(
                        "This time does not exist at the site on that day: the "
                        "clocks go forward. Please choose another time."
                    ),
                )
        if start_at is None or end_at is None:
            return data
        for problem in policy.window_problems(
            rules, start=start_at, end=end_at, tzinfo=tzinfo, now=self.now
        ):
            self.add_error(FIELD_OF_RULE[problem.rule], problem.message)
        for problem in policy.no_show_problems(
            self.employee, start=start_at, tzinfo=tzinfo, now=self.now
        ):
            self.add_error(FIELD_OF_RULE[problem.rule], problem.message)
        if not self.errors:
            for problem in policy.count_problems(
                self.employee,
                rules=rules,
                start=start_at,
                end=end_at,
                tzinfo=tzinfo,
                now=self.now,
            ):
                self.add_error(None, problem.message)
        data["start_at"] = start_at
        data["end_at"] = end_at
        return data

    def query(self) -> str:
        """The search as typed, for links back to it and for carrying it along."""
        return search_query(self.data)


def search_query(data: Mapping[str, Any]) -> str:
    return urlencode({name: data.get(name) or "" for name in SEARCH_FIELDS})


def search_for_offer(offer: ChargerOffer, **extra: str) -> str:
    """The search that finds this offer again (its site, date and times)."""
    site = Site.objects.filter(pk=offer.site_id or 0).first()
    if site is None:
        return ""
    start = offer.start.astimezone(site.tzinfo)
    end = offer.end.astimezone(site.tzinfo)
    return search_query(
        {
            "site": str(site.pk),
            "date": start.date().isoformat(),
            "start": start.strftime("%H:%M"),
            "end": end.strftime("%H:%M"),
            **extra,
        }
    )


class ReviewForm(forms.Form):
    """The charger picked from the results, carried signed, and the search."""

    offer = forms.CharField(widget=forms.HiddenInput)
    # The search as typed, so "back" and a new search after a refusal keep it.
    search = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)

    def clean_offer(self) -> ChargerOffer:
        token = self.cleaned_data["offer"]
        try:
            offer = ChargerOffer.unsign(token)
        except signing.SignatureExpired:
            raise forms.ValidationError(
                _(
                    "The charger you picked was found a while ago and may be gone "
                    "by now. Please search again."
                ),
                code="expired",
            ) from None
        except (signing.BadSignature, TypeError, ValueError, KeyError):
            raise forms.ValidationError(
                _("The charger you picked could not be read. Please search again."),
                code="invalid",
            ) from None
        if offer.site_id is None:
            raise forms.ValidationError(
                _("The charger you picked could not be read. Please search again."),
                code="invalid",
            )
        return offer


class ConfirmForm(ReviewForm):
    # A new random key per review page: the same form sent twice makes one booking.
    submission_key = forms.UUIDField(widget=forms.HiddenInput)


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you cancelling? (optional)"),
        required=False,
        max_length=300,
        help_text=_(
            "Sent to the operator with the cancellation. At most 300 characters."
        ),
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 300}),
    )
