from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django import template
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import urlencode

from reports.tables import Cell, Column, euros

register = template.Library()


@register.simple_tag
def cell(value: Cell, column: Column) -> str:
    """A table value as people read it: grouped money, local dates, a dash for none."""
    if value is None or value == "":
        return "—" if column.numeric or column.kind != "text" else ""
    if isinstance(value, Decimal):
        return formats.number_format(value, 2, force_grouping=True)
    if column.kind == "percent":
        return f"{value} %"
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


@register.simple_tag
def month_url(viewname: str, month: object, *args: object) -> str:
    """The address of a report view for a month: /reports/…?month=2026-11."""
    return f"{reverse(viewname, args=args)}?{urlencode({'month': str(month)})}"


register.filter("euros", euros)
