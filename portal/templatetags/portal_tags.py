"""Template filters of the portal's own pages."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.contrib.messages import WARNING
from django.contrib.messages.storage.base import Message

register = template.Library()


@register.filter
def urgent(messages: Iterable[Message]) -> list[Message]:
    """Errors and warnings: read out at once (role="alert")."""
    return [m for m in messages if m.level >= WARNING]


@register.filter
def calm(messages: Iterable[Message]) -> list[Message]:
    """Everything else: read out when the reader is free (role="status")."""
    return [m for m in messages if m.level < WARNING]
