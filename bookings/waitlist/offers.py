"""Taking an offer, or passing it on.

Accepting books through the one way in, bookings.services.create_booking,
with all its rules and outcomes; this module only says what each outcome
means for the offer and the line.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from bookings import services
from bookings.chargers import ChargerOffer
from bookings.models import Booking
from bookings.waitlist.line import close_offer
from bookings.waitlist.models import Offer, WaitlistEntry
from bookings.waitlist.tasks import match_site_soon
from portal.models import User


def charger_offer(offer: Offer) -> ChargerOffer:
    return ChargerOffer(
        location_id=offer.location_id,
        evse_uid=offer.evse_uid,
        start=offer.start,
        end=offer.end,
        name=offer.name,
        address=offer.address,
        city=offer.city,
        estimated_price=offer.estimated_price,
        currency=offer.currency,
        site_label=offer.label,
        site_id=offer.entry.site_id,
    )


@dataclass(frozen=True)
class Taken:
    """Booked (or being checked): the booking's own outcome says how."""

    booking: Booking
    outcome: services.BookingOutcome


@dataclass(frozen=True)
class Lost:
    """The offer could not be booked and has passed to the next person."""

    message: str


@dataclass(frozen=True)
class TryAgain:
    """The booking service failed; the offer stays open until it runs out."""

    message: str


@dataclass(frozen=True)
class Gone:
    """The offer had already run out, been declined or been taken."""


AcceptOutcome = Taken | Lost | TryAgain | Gone


def accept_offer(*, offer: Offer, by: User) -> AcceptOutcome:
    entry = offer.entry
    if offer.state == Offer.State.ACCEPTED and offer.booking is not None:
        return Taken(offer.booking, services.AlreadyConfirmed(offer.booking))
    if not offer.is_open:
        if offer.state == Offer.State.OPEN:
            close_offer(offer, Offer.State.EXPIRED, now=timezone.now())
            match_site_soon(entry.site_id)
        return Gone()
    outcome = services.create_booking(
        employee=entry.employee,
        offer=charger_offer(offer),
        site=entry.site,
        submission_key=offer.submission_key,
        requested_by=by,
    )
    now = timezone.now()
    match outcome:
        case (
            services.Booked(booking=booking)
            | services.AlreadyConfirmed(booking=booking)
            | services.BeingChecked(booking=booking)
        ):
            Offer.objects.filter(pk=offer.pk).update(
                state=Offer.State.ACCEPTED, booking=booking, closed_at=now
            )
            WaitlistEntry.objects.filter(pk=entry.pk).update(
                state=WaitlistEntry.State.BOOKED, booking=booking, updated_at=now
            )
            return Taken(booking, outcome)
        case services.NotAllowed(problems=problems):
            message = " ".join(p.message for p in problems)
        case services.NotBooked(message=message, conflict=True):
            pass
        case services.NotBooked(message=message):
            return TryAgain(message)
    close_offer(offer, Offer.State.FAILED, now=now, message=message)
    match_site_soon(entry.site_id, freed_at=now)
    return Lost(message)


def decline_offer(*, offer: Offer) -> bool:
    now = timezone.now()
    if not close_offer(offer, Offer.State.DECLINED, now=now):
        return False
    match_site_soon(offer.entry.site_id, freed_at=now)
    return True


def leave_line(*, entry: WaitlistEntry) -> None:
    now = timezone.now()
    had_offer = (
        Offer.objects.open()
        .filter(entry=entry)
        .update(state=Offer.State.WITHDRAWN, closed_at=now)
    )
    entry.state = WaitlistEntry.State.LEFT
    entry.save(update_fields=["state", "updated_at"])
    if had_offer:
        match_site_soon(entry.site_id, freed_at=now)


def freed_message() -> str:
    return _("The charger has gone to the next person in line.")
