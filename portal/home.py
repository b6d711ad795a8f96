"""What the home page shows a person: "what's next?" for each of their roles.

Each app that has something for the home page registers a function here when
it starts (its AppConfig.ready); the function gets the person and the moment
and returns the context of its card, or an empty dict when the person has no
use for it. The portal itself knows nothing of bookings or reports, so the
imports still run one way (reports -> bookings -> portal).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone

from portal.models import User

Provider = Callable[[User, datetime], dict[str, Any]]

_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    """Adds a card's data to the home page; usable as a decorator."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def home_context(user: User, now: datetime | None = None) -> dict[str, Any]:
    """Everything the home page's cards (templates/portal/home_cards.html) need."""
    moment = now or timezone.now()
    context: dict[str, Any] = {
        "employee": getattr(user, "employee", None),
        "admin_contact": admin_contact(),
    }
    for provider in _providers:
        context.update(provider(user, moment))
    return context


@dataclass(frozen=True)
class Contact:
    name: str
    email: str


def admin_contact() -> Contact | None:
    """Whom people ask to set up their account (PORTAL_ADMIN_NAME / _EMAIL)."""
    name = settings.PORTAL_ADMIN_NAME.strip()
    email = settings.PORTAL_ADMIN_EMAIL.strip()
    if not name and not email:
        return None
    return Contact(name=name or email, email=email)
