"""Filters for booking pages and e-mails: windows, durations, connectors.

Money, dates and times are the built-in filters of portal.templatetags.formatting.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from bookings.formatting import (
    format_connector,
    format_duration,
    format_window,
)
from bookings.models import Booking

register = template.Library()


@register.filter
def window(booking: Booking) -> str:
    """The booking's time in its site's time zone."""
    return format_window(
        booking.reservation_start, booking.reservation_end, booking.tzinfo
    )


@register.filter
def duration(span: timedelta) -> str:
    return format_duration(span)


@register.filter
def connector(code: str | None) -> str:
    return format_connector(code)


@register.filter
def ago(moment: datetime | None) -> str:
    """“just now”, “3 minutes ago”."""
    if moment is None:
        return ""
    if timezone.now() - moment < timedelta(minutes=1):
        return _("just now")
    return _("%(time)s ago") % {"time": timesince(moment)}
