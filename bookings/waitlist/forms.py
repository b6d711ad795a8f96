"""The waiting list's forms: joining the line, choosing one's e-mails."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from bookings.forms import SearchForm
from bookings.waitlist.models import NoticePreferences

FLEX_CHOICES = (0, 15, 30, 60, 120)


def _flex_label(minutes: int) -> str:
    if minutes == 0:
        return str(_("Exactly that time"))
    return ngettext(
        "Up to %(minutes)d minute earlier or later",
        "Up to %(minutes)d minutes earlier or later",
        minutes,
    ) % {"minutes": minutes}


class JoinForm(SearchForm):
    """The search that found nothing, and how flexible the person is."""

    flex_minutes = forms.TypedChoiceField(
        label=_("How flexible are you?"),
        coerce=int,
        choices=[],
        initial=0,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["flex_minutes"]
        field.choices = [
            (m, _flex_label(m))
            for m in FLEX_CHOICES
            if m <= settings.WAITLIST_MAX_FLEX_MINUTES
        ]
        for name in ("connector_type", "power_min"):
            del self.fields[name]


class PreferencesForm(forms.ModelForm[NoticePreferences]):
    class Meta:
        model = NoticePreferences
        fields = list(NoticePreferences.KINDS)
