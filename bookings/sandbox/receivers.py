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
    claimed = claim_demo_bookings()
    logger.info(
        "Sandbox: %s; %s; %s upcoming bookings made in the portal.",
        world,
        history,
        claimed,
    )


def claim_demo_bookings() -> int:
    """The demo's story is that its people booked their coming charging in
    the portal: their upcoming sandbox bookings become the portal's own, so
    that a demo employee can follow and cancel them. Only in the demo, and
    only bookings with a demo person's own reference; the portal's rule of
    acting only on what it made holds for everything else.

    They are written the way the portal writes a booking whose answer it is
    still waiting for (its reference, charger and window); the first sync
    adopts them like any other, with the API's id and status.
    """
    from django.utils import timezone

    from bookings import external_ids
    from bookings.models import Booking as PortalBooking
    from bookings.sandbox.models import Booking as SandboxBooking
    from bookings.statuses import CANCELLABLE
    from portal.demo import DEMO_DOMAIN
    from portal.models import Employee

    people = {
        (e.department.code, e.employee_id): e
        for e in Employee.objects.select_related("department", "user").filter(
            user__email__endswith=f"@{DEMO_DOMAIN}"
        )
    }
    known = set(
        PortalBooking.objects.exclude(external_id="").values_list(
            "external_id", flat=True
        )
    )
    claimed = 0
    upcoming = SandboxBooking.objects.filter(
        reservation_start__gt=timezone.now(), status__in=CANCELLABLE
    ).select_related("location", "evse")
    for remote in upcoming:
        reference = external_ids.parse(remote.external_id)
        if reference is None or remote.external_id in known:
            continue
        person = people.get((reference.department, reference.employee_id))
        if person is None:
            continue
        PortalBooking.objects.create(
            external_id=remote.external_id,
            status=PortalBooking.Status.SUBMITTING,
            origin=PortalBooking.Origin.PORTAL,
            attribution=PortalBooking.Attribution.PORTAL,
            employee=person,
            department=person.department,
            location_id=remote.location.location_id,
            location_name=remote.location.name,
            evse_uid=remote.evse.evse_uid,
            reservation_start=remote.reservation_start,
            reservation_end=remote.reservation_end,
            token_strategy=remote.token_strategy,
            customer_id=remote.customer_id,
        )
        claimed += 1
    return claimed


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
