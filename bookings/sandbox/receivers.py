"""How the sandbox follows the organisation: the demo, and our sites' chargers."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings

from bookings.sandbox.history import seed_history
from bookings.sandbox.world import ensure_site_charger, seed_world
from portal.models import SiteCharger

logger = logging.getLogger(__name__)


def seed_demo_sandbox(**kwargs: Any) -> None:
    """seed_demo also fills the sandbox: its world and a year of history."""
    if not settings.PETITMONDE_SANDBOX:
        return
    world = seed_world()
    history = seed_history()
    logger.info("Sandbox: %s; %s.", world, history)


def mirror_site_charger(
    instance: SiteCharger, raw: bool = False, **kwargs: Any
) -> None:
    """A charger added to a site in the portal exists in the sandbox at once.

    Otherwise an operator trying the portal with the sandbox would configure
    their office and then be told by the "API" that it does not exist.
    """
    if raw or not settings.PETITMONDE_SANDBOX:
        return
    ensure_site_charger(instance)
