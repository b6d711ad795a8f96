"""Waiting-list entries and offers for tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from bookings.waitlist.models import Offer, WaitlistEntry
from portal.models import Employee, Site


def tomorrow_at(hour: int, minute: int = 0) -> datetime:
    now = timezone.localtime()
    return (now + timedelta(days=1)).replace(
        hour=hour, minute=minute, second=0, microsecond=0
    )


def make_entry(employee: Employee, site: Site, **fields: Any) -> WaitlistEntry:
    start = fields.pop("start", tomorrow_at(8))
    return WaitlistEntry.objects.create(
        employee=employee,
        site=site,
        start=start,
        end=fields.pop("end", start + timedelta(hours=2)),
        **fields,
    )


def make_offer(entry: WaitlistEntry, **fields: Any) -> Offer:
    charger = entry.site.chargers.filter(kind="workplace").first()
    assert charger is not None
    now = timezone.now()
    offer = Offer.objects.create(
        entry=entry,
        location_id=charger.location_id,
        evse_uid=charger.evse_uid,
        name="Karlsruhe HQ garage",
        label=charger.label,
        start=fields.pop("start", entry.start),
        end=fields.pop("end", entry.end),
        expires_at=fields.pop("expires_at", now + timedelta(minutes=15)),
        **fields,
    )
    if offer.state == Offer.State.OPEN:
        WaitlistEntry.objects.filter(pk=entry.pk).update(
            state=WaitlistEntry.State.OFFERED
        )
    return offer
