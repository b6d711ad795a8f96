"""The e-mails of the waiting list, the reminders and every status change.

Each is written in the person's language (portal.i18n), queued after the
commit (portal.emails), and a status notice or a reminder goes out once per
booking and kind (SentNotice), whichever host notices first. People switch
each kind off on their notices page (NoticePreferences).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.formatting import format_window
from bookings.models import Booking
from bookings.statuses import FREE_CANCELLATION, BookingStatus
from bookings.waitlist.models import NoticePreferences, Offer, SentNotice
from portal import formatting
from portal.emails import send_email_on_commit
from portal.i18n import in_language_of, language_of
from portal.models import User

logger = logging.getLogger(__name__)

# A status learned this long after the booking ended is not told any more.
STALE = timedelta(days=1)


def absolute(path: str) -> str:
    base: str = settings.PORTAL_BASE_URL.rstrip("/")
    return base + path


def _send(
    person: User,
    *,
    subject: str,
    paragraphs: list[str],
    links: list[dict[str, str]],
    booking: Booking | None = None,
) -> None:
    send_email_on_commit(
        template="waitlist_notice",
        context={
            "person": person,
            "subject": subject,
            "paragraphs": paragraphs,
            "links": links,
            "booking": booking,
            "preferences_url": absolute(reverse("waitlist:notices")),
        },
        to=[person.email],
        language=language_of(person),
    )


def _once(booking: Booking, kind: str) -> bool:
    """Claim the notice `kind` of `booking`; False when it was sent already."""
    try:
        with transaction.atomic():
            SentNotice.objects.create(booking=booking, kind=kind)
    except IntegrityError:
        return False
    return True


def offer_made(offer: Offer) -> None:
    person = offer.entry.employee.user
    tzinfo = offer.entry.site.tzinfo
    with in_language_of(person):
        window = format_window(offer.start, offer.end, tzinfo)
        until = formatting.clock(timezone.localtime(offer.expires_at, tzinfo))
        _send(
            person,
            subject=_("A charger is free for you: %(window)s") % {"window": window},
            paragraphs=[
                _(
                    "A charger has come free at %(site)s for the time you are "
                    "waiting for: %(charger)s, %(window)s."
                )
                % {
                    "site": offer.entry.site.name,
                    "charger": offer.label or offer.name,
                    "window": window,
                },
                _(
                    "It is kept for you until %(until)s. If you do not take it "
                    "by then, it goes to the next person in line."
                )
                % {"until": until},
            ],
            links=[
                {
                    "text": _("Book it or pass it on"),
                    "url": absolute(reverse("waitlist:offer", kwargs={"pk": offer.pk})),
                }
            ],
        )


# --- status changes ------------------------------------------------------------


def kind_of_change(
    booking: Booking, before: str, *, cancelled_here: bool = False
) -> str | None:
    """Which notice a change of status deserves (None: none)."""
    after = booking.status
    if after == before or before == BookingStatus.SUBMITTING:
        # A booking's first answer is told by its "booked" e-mail.
        return None
    if after == BookingStatus.CONFIRMED:
        return "confirmed"
    if after == BookingStatus.CANCELLED and not cancelled_here:
        # Not cancelled by anybody here: the operator turned it down.
        return "rejected"
    if after in (BookingStatus.NO_SHOW, BookingStatus.EXPIRED):
        return "no_show"
    if after == BookingStatus.COMPLETED:
        return "completed"
    return None


def status_notice(booking: Booking, kind: str) -> bool:
    """Tell the person about the change; False when not wanted or sent already."""
    if booking.employee is None or not booking.made_here:
        return False
    if booking.reservation_end < timezone.now() - STALE:
        return False  # learned long after (the portal was down): old news
    person = booking.employee.user
    if not NoticePreferences.wants(person, kind) or not _once(booking, kind):
        return False
    with in_language_of(person):
        window = format_window(
            booking.reservation_start, booking.reservation_end, booking.tzinfo
        )
        what = {"window": window, "charger": booking.location_name or booking.evse_uid}
        price = formatting.money(booking.client_price, booking.currency)
        link = {"text": _("The booking"), "url": _booking_url(booking)}
        links = [link]
        if kind == "confirmed":
            subject = _("Confirmed: %(window)s") % what
            paragraphs = [
                _("The operator has confirmed your booking of %(charger)s, %(window)s.")
                % what
            ]
        elif kind == "rejected":
            subject = _("Turned down by the operator: %(window)s") % what
            paragraphs = [
                _(
                    "The operator has turned down your booking of %(charger)s, "
                    "%(window)s. Nothing is charged for it."
                )
                % what
            ]
            others = _other_chargers(booking)
            if others:
                paragraphs.append(
                    _("Still free at that time: %(chargers)s.")
                    % {"chargers": ", ".join(others)}
                )
            links.append(
                {"text": _("Book another charger"), "url": _search_url(booking)}
            )
        elif kind == "no_show":
            subject = _("Not used: %(window)s") % what
            paragraphs = [
                _(
                    "Your booking of %(charger)s, %(window)s was not used, so "
                    "the operator has closed it as a no-show."
                )
                % what
                if booking.status == BookingStatus.NO_SHOW
                else _("Your booking of %(charger)s, %(window)s ran out unused.")
                % what,
                _("The operator charges %(price)s for it.") % {"price": price}
                if booking.client_price
                else _("The operator has charged nothing for it so far."),
                _(
                    "If you cannot come, release a booking beforehand: the "
                    "charger then goes to someone who is waiting."
                ),
            ]
        else:
            subject = _("Charging completed: %(window)s") % what
            paragraphs = [
                _("Your charging at %(charger)s, %(window)s has ended.") % what,
                _("The final price is %(price)s.") % {"price": price},
            ]
        _send(
            person, subject=subject, paragraphs=paragraphs, links=links, booking=booking
        )
    return True


def _booking_url(booking: Booking) -> str:
    return absolute(reverse("bookings:detail", kwargs={"pk": booking.pk}))


def _search_url(booking: Booking) -> str:
    from bookings.forms import search_query

    url = absolute(reverse("bookings:new"))
    if booking.site is None:
        return url
    start = booking.reservation_start.astimezone(booking.site.tzinfo)
    end = booking.reservation_end.astimezone(booking.site.tzinfo)
    return f"{url}?" + search_query(
        {
            "site": str(booking.site_id),
            "date": start.date().isoformat(),
            "start": formatting.clock(start),
            "end": formatting.clock(end),
        }
    )


def _other_chargers(booking: Booking) -> list[str]:
    """The site's chargers still free for the booking's time: one search."""
    from bookings.chargers import find_chargers
    from bookings.petitmonde import PetitmondeError
    from bookings.waitlist import quota

    if booking.site is None or booking.reservation_start <= timezone.now():
        return []
    if not quota.may_spend(1):
        return []
    try:
        offers = find_chargers(
            site=booking.site,
            start=booking.reservation_start,
            end=booking.reservation_end,
        )
    except PetitmondeError as error:
        logger.warning("Could not search for other chargers: %s", error)
        return []
    finally:
        quota.spent("rejected_alternatives", 1)
    return [
        o.site_label or o.name for o in offers[:5] if o.evse_uid != booking.evse_uid
    ]


# --- reminders -------------------------------------------------------------------


@dataclass(frozen=True)
class Costs:
    """What releasing a booking now costs, against what a no-show costs."""

    release_free: bool
    release_fee: Decimal | None  # the last cancellation fee seen at this charger
    no_show_fee: Decimal | None  # the last no-show fee seen at this charger


def costs(booking: Booking) -> Costs:
    seen = Booking.objects.filter(evse_uid=booking.evse_uid, client_price__gt=0)
    fee = (
        seen.filter(status=BookingStatus.CANCELLED)
        .order_by("-reservation_start")
        .values_list("client_price", flat=True)
        .first()
    )
    no_show = (
        seen.filter(status__in=(BookingStatus.NO_SHOW, BookingStatus.EXPIRED))
        .order_by("-reservation_start")
        .values_list("client_price", flat=True)
        .first()
    )
    return Costs(booking.status in FREE_CANCELLATION, fee, no_show)


def costs_in_words(booking: Booking) -> list[str]:
    found = costs(booking)
    money = {"currency": booking.currency}
    if found.release_free:
        release = _("Releasing it now is free: the operator has not confirmed it yet.")
    elif found.release_fee is not None:
        release = _(
            "Releasing it now may cost the operator's cancellation fee "
            "(%(fee)s the last time at this charger)."
        ) % {"fee": formatting.money(found.release_fee, money["currency"])}
    else:
        release = _("Releasing it now may cost the operator's cancellation fee.")
    if found.no_show_fee is not None:
        no_show = _(
            "Not coming without releasing it is a no-show: the operator charges "
            "for it (%(fee)s the last time at this charger), and it counts "
            "towards the portal's no-show limit."
        ) % {"fee": formatting.money(found.no_show_fee, money["currency"])}
    else:
        no_show = _(
            "Not coming without releasing it is a no-show: the operator may "
            "charge for it, and it counts towards the portal's no-show limit."
        )
    return [release, no_show]


def reminder(booking: Booking, kind: str) -> bool:
    """The reminder before the start or the end, if still fitting and wanted."""
    if booking.employee is None or not booking.made_here:
        return False
    if kind == "remind_before_start":
        fitting = booking.status in (
            BookingStatus.REQUESTED,
            BookingStatus.PENDING,
            BookingStatus.CONFIRMED,
        )
    else:
        fitting = booking.status in (BookingStatus.CONFIRMED, BookingStatus.ATTENDING)
    person = booking.employee.user
    if not fitting or not NoticePreferences.wants(person, kind):
        return False
    if not _once(booking, kind):
        return False
    with in_language_of(person):
        window = format_window(
            booking.reservation_start, booking.reservation_end, booking.tzinfo
        )
        what = {"window": window, "charger": booking.location_name or booking.evse_uid}
        links = [{"text": _("The booking"), "url": _booking_url(booking)}]
        if kind == "remind_before_start":
            subject = _("Soon: your charging %(window)s") % what
            paragraphs = [
                _("Your charging at %(charger)s starts soon: %(window)s.") % what,
                *costs_in_words(booking),
            ]
            links.insert(
                0,
                {
                    "text": _("Not coming? Release it"),
                    "url": absolute(
                        reverse("waitlist:release", kwargs={"pk": booking.pk})
                    ),
                },
            )
        else:
            subject = _("Time to move your car: %(window)s") % what
            paragraphs = [
                _(
                    "Your charging at %(charger)s ends soon (%(window)s). Please "
                    "move your car then, so the next person can charge."
                )
                % what
            ]
        _send(
            person, subject=subject, paragraphs=paragraphs, links=links, booking=booking
        )
    return True
