from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.http import urlencode

register = template.Library()


@register.simple_tag
def month_url(viewname: str, month: object, *args: object) -> str:
    """The address of a report view for a month: /reports/…?month=2026-11."""
    return f"{reverse(viewname, args=args)}?{urlencode({'month': str(month)})}"
