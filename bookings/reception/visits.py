"""Visitor charging: plan a visit's windows, book them all or none, call it off,
and forget the visitor's personal data once it is no longer needed.

A visit is one booking ("window") when it fits in the site's longest booking
(BOOKING_MAX_MINUTES or the site's own rule) on one day.
A longer visit is split into equal windows no longer than that; a visit over
several days is booked every day from the arrival time to the departure time
(the visitor's car is parked at the office then, not overnight).

Availability differs per window, so each window is searched on its own. The
charger reception picks is offered for the first window; for each later window
the plan keeps it when it is free then, else takes another EVSE of the same
location (the visitor parks at the same place), else the first offer of that
window in `find_chargers` order (the site's visitor bays, then the nearest).

The windows are booked one by one, all or nothing: when one fails, the ones
already made are cancelled again and the visit is called off, so there is
never a visitor booking without its remote booking or the other way round.
"""

from __future__ import annotations

import logging
import math
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bookings import external_ids
from bookings.chargers import ChargerOffer, find_chargers
from bookings.models import Booking, Visit
from bookings.petitmonde import PetitmondeClient, TokenStrategy, get_client
from bookings.policy import Rules
from bookings.services import (
    BookingFailed,
    BookingUncertain,
    is_settleable,
    refresh_bookings,
    resolve_submitting,
    send_booking,
    send_cancel,
)
from bookings.statuses import CANCELLABLE, BookingStatus
from portal import formatting
from portal.emails import send_email_on_commit
from portal.i18n import language_of
from portal.models import Site, SiteCharger, User

logger = logging.getLogger(__name__)

Window = tuple[datetime, datetime]

# Each window costs a search when planning and a create when booking, and
# every window's token must fit on the one-page pass: two weeks of a morning
# and an afternoon window, or ten full days, is the most one visit books.
MAX_WINDOWS = 10
# How long after a failed cancel of a called-off visit's window it is tried again.
CANCEL_RETRY_PAUSE = timedelta(minutes=1)
_PLAN_SALT = "bookings.visit-plan"


# --- planning ----------------------------------------------------------------


def lead_time(site: Site | None) -> timedelta:
    return Rules.for_site(site).min_lead


def earliest_start(site: Site | None, now: datetime | None = None) -> datetime:
    """The earliest start the site's rules allow, on the next whole minute."""
    moment = (now or timezone.now()) + lead_time(site)
    if moment.second or moment.microsecond:
        moment = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return moment


def plan_windows(*, site: Site, arrival: datetime, departure: datetime) -> list[Window]:
    """The booking windows of a visit, in order (see the module docstring)."""
    tz = site.tzinfo
    local_arrival = arrival.astimezone(tz)
    local_departure = departure.astimezone(tz)
    first_day, last_day = local_arrival.date(), local_departure.date()
    if first_day == last_day:
        spans = [(arrival, departure)]
    else:
        spans = [
            (_at(day, local_arrival.time(), tz), _at(day, local_departure.time(), tz))
            for day in _days(first_day, last_day)
        ]
    longest = Rules.for_site(site).max_duration
    return [window for start, end in spans for window in _split(start, end, longest)]


def spans_several_days(*, site: Site, arrival: datetime, departure: datetime) -> bool:
    tz = site.tzinfo
    return arrival.astimezone(tz).date() != departure.astimezone(tz).date()


def _days(first: date, last: date) -> Iterable[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _at(day: date, clock: time, tz: Any) -> datetime:
    return timezone.make_aware(datetime.combine(day, clock.replace(tzinfo=None)), tz)


def _split(start: datetime, end: datetime, longest: timedelta) -> list[Window]:
    """[start, end] in equal parts no longer than `longest`."""
    # In UTC: aware datetimes of one zone subtract as wall-clock times.
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    parts = max(1, math.ceil((end - start) / longest))
    step = (end - start) / parts
    inner = [
        (start + step * n).replace(second=0, microsecond=0) for n in range(1, parts)
    ]
    bounds = [start, *inner, end]
    return list(pairwise(bounds))


def describe_window(window: Window, tz: Any) -> str:
    """E.g. “Tue 10 Mar, 09:00-13:00” (with an en dash) in the site's time."""
    start, end = (moment.astimezone(tz) for moment in window)
    day = formatting.day_month(start)
    if end.date() == start.date():
        return f"{day}, {formatting.clock(start)}–{formatting.clock(end)}"
    return f"{day}, {formatting.clock(start)} – {formatting.day_month_clock(end)}"


# --- offers ---------------------------------------------------------------------


@dataclass(frozen=True)
class PlanOption:
    """A charger reception can pick, and the charger of every window it leads to."""

    offers: tuple[ChargerOffer, ...]

    @property
    def first(self) -> ChargerOffer:
        return self.offers[0]

    @property
    def windows_at_first(self) -> int:
        """How many windows the picked charger itself serves."""
        return sum(o.evse_uid == self.first.evse_uid for o in self.offers)

    @property
    def same_charger_throughout(self) -> bool:
        return self.windows_at_first == len(self.offers)

    @property
    def estimated_total(self) -> Decimal | None:
        total = Decimal("0")
        for offer in self.offers:
            if offer.estimated_price is None:
                return None
            total += offer.estimated_price
        return total

    def sign(self, site: Site) -> str:
        return sign_plan(site, self.offers)


@dataclass(frozen=True)
class VisitSearch:
    windows: list[Window]
    options: list[PlanOption] = field(default_factory=list)
    # Windows for which no charger near the site can be booked.
    unavailable: list[Window] = field(default_factory=list)


def search_visit(
    *, site: Site, windows: Sequence[Window], client: PetitmondeClient | None = None
) -> VisitSearch:
    """Search each window; one option per charger free for the first window.

    API errors propagate as PetitmondeError for the view to explain.
    """
    client = client or get_client()
    per_window = [
        find_chargers(
            site=site,
            start=start,
            end=end,
            kind=SiteCharger.Kind.VISITOR,
            client=client,
        )
        for start, end in windows
    ]
    unavailable = [
        w for w, offers in zip(windows, per_window, strict=True) if not offers
    ]
    if unavailable:
        return VisitSearch(list(windows), unavailable=unavailable)
    options = [
        PlanOption(
            (first, *(choose_for_window(offers, first) for offers in per_window[1:]))
        )
        for first in per_window[0]
    ]
    return VisitSearch(list(windows), options=options)


def choose_for_window(
    offers: Sequence[ChargerOffer], picked: ChargerOffer
) -> ChargerOffer:
    """The charger for a later window: the picked one, its neighbour, or the best."""
    for key in ("evse_uid", "location_id"):
        wanted = getattr(picked, key)
        match = next((o for o in offers if getattr(o, key) == wanted), None)
        if match is not None:
            return match
    return offers[0]


def sign_plan(site: Site, offers: Sequence[ChargerOffer]) -> str:
    """A tamper-proof token of a plan, for the next step's form."""
    return signing.dumps(
        {"site": site.pk, "offers": [offer.sign() for offer in offers]},
        salt=_PLAN_SALT,
        compress=True,
    )


def unsign_plan(token: str, *, site: Site) -> list[ChargerOffer]:
    """Raises signing.BadSignature (or SignatureExpired) for a bad token."""
    data = signing.loads(
        token, salt=_PLAN_SALT, max_age=settings.BOOKING_OFFER_MAX_AGE_SECONDS
    )
    if data.get("site") != site.pk:
        raise signing.BadSignature("The plan is for another site.")
    return [ChargerOffer.unsign(offer) for offer in data["offers"]]


# --- booking ----------------------------------------------------------------------


class VisitNotBooked(Exception):
    """Nothing of the visit stands (or what could not be undone is said)."""

    def __init__(self, message: str, *, conflict: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.conflict = conflict


@dataclass(frozen=True)
class VisitBooked:
    visit: Visit
    # False when the same form had already been sent: nothing new was booked.
    created: bool = True
    # Set when the API could not tell yet whether the one window was booked.
    pending: str = ""


class _AlreadySent(Exception):
    def __init__(self, booking: Booking) -> None:
        self.booking = booking


def submission_keys(form_key: uuid.UUID, count: int) -> list[uuid.UUID]:
    """One key per window, from the form's key: a resubmitted form finds its set."""
    return [uuid.uuid5(form_key, str(n)) for n in range(count)]


def book_visit(
    *,
    visit: Visit,
    plan: Sequence[ChargerOffer],
    by: User,
    form_key: uuid.UUID,
    client: PetitmondeClient | None = None,
) -> VisitBooked:
    """Save the (unsaved) visit and book every window of the plan, or none.

    Raises VisitNotBooked, after cancelling what was already booked, when a
    window cannot be booked; `conflict` says a charger was taken meanwhile.
    """
    keys = submission_keys(form_key, len(plan))
    sent = Booking.objects.filter(submission_key=keys[0]).select_related("visit")
    if (existing := sent.first()) is not None and existing.visit is not None:
        return VisitBooked(existing.visit, created=False)
    try:
        bookings = _write_submitting(visit=visit, plan=plan, by=by, keys=keys)
    except _AlreadySent as already:
        assert already.booking.visit is not None
        return VisitBooked(already.booking.visit, created=False)

    client = client or get_client()
    made: list[Booking] = []
    for n, booking in enumerate(bookings):
        window = (booking.reservation_start, booking.reservation_end)
        try:
            send_booking(booking, client=client)
        except BookingFailed as failure:
            raise _undo(
                visit,
                made=made,
                unsent=bookings[n + 1 :],
                by=by,
                client=client,
                failed=window,
                reason=failure.message,
                single=len(bookings) == 1,
                conflict=failure.conflict,
            ) from failure
        except BookingUncertain as unclear:
            if len(bookings) == 1:
                # Nothing to undo: it is booked or not, and is settled later.
                return VisitBooked(
                    visit,
                    pending=unclear.cause
                    + " "
                    + _(
                        "We could not find out yet whether the charging was "
                        "booked. The pass shows it as “being checked” until we "
                        "know, usually within a few minutes, and then shows the "
                        "token, or that nothing was booked. Nothing is booked "
                        "twice."
                    ),
                )
            raise _undo(
                visit,
                made=made,
                unsent=bookings[n + 1 :],
                by=by,
                client=client,
                failed=window,
                single=False,
                reason=unclear.cause
                + " "
                + _(
                    "If that window was booked after all, it will be cancelled "
                    "as soon as the service answers."
                ),
            ) from unclear
        made.append(booking)
    _tell_host(visit, template="visitor_booked", bookings=made)
    return VisitBooked(visit)


@transaction.atomic
def _write_submitting(
    *, visit: Visit, plan: Sequence[ChargerOffer], by: User, keys: list[uuid.UUID]
) -> list[Booking]:
    visit.host_department = visit.host.department
    visit.created_by = by
    visit.save()
    tz = visit.site.tzinfo
    bookings = []
    for offer, key in zip(plan, keys, strict=True):
        booking, created = Booking.objects.add_submitting(
            department_code=external_ids.VISITOR_DEPARTMENT,
            person_id=external_ids.VISITOR_EMPLOYEE,
            day=offer.start.astimezone(tz).date(),
            submission_key=key,
            visit=visit,
            department=visit.host_department,
            requested_by=by,
            site=visit.site,
            token_strategy=TokenStrategy.AD_HOC,
            **offer.booking_fields(),
        )
        if not created:
            # A second click won the race: drop this visit, show theirs.
            raise _AlreadySent(booking)
        bookings.append(booking)
    return bookings


def _undo(
    visit: Visit,
    *,
    made: list[Booking],
    unsent: Sequence[Booking],
    by: User,
    client: PetitmondeClient,
    failed: Window,
    reason: str,
    single: bool,
    conflict: bool = False,
) -> VisitNotBooked:
    """Cancel what was booked, drop what was not sent; say what happened."""
    tz = visit.site.tzinfo
    Booking.objects.filter(pk__in=[b.pk for b in unsent]).delete()
    what = describe_window(failed, tz)
    if not made and not visit.bookings.exists():
        visit.delete()  # nothing was booked: keep no personal data either
        if single:
            message = _("The charging could not be booked. %(reason)s")
        else:
            message = _(
                "Nothing was booked: the window %(window)s could not be booked. "
                "%(reason)s"
            )
        return VisitNotBooked(
            message % {"window": what, "reason": reason}, conflict=conflict
        )
    visit.cancelled_at = timezone.now()
    visit.cancellation_reason = _(
        "Not every window could be booked (%(window)s: %(reason)s)"
    ) % {"window": what, "reason": reason}
    visit.save(update_fields=["cancelled_at", "cancellation_reason"])
    still_booked = []
    for booking in made:
        try:
            send_cancel(
                booking,
                by=by,
                reason="Visit could not be booked in full",
                client=client,
            )
        except BookingFailed as failure:
            logger.warning("Could not undo visitor booking %s: %s", booking, failure)
            still_booked.append(
                _("%(window)s is still booked: %(reason)s")
                % {
                    "window": describe_window(
                        (booking.reservation_start, booking.reservation_end), tz
                    ),
                    "reason": failure.message,
                }
            )
    undone = len(made) - len(still_booked)
    if still_booked:
        headline = _(
            "The visit could not be booked in full: the window %(window)s could "
            "not be booked."
        ) % {"window": what}
    elif undone:
        headline = ngettext(
            "Nothing was booked: the window %(window)s could not be booked, so "
            "the window booked before it was cancelled again.",
            "Nothing was booked: the window %(window)s could not be booked, so "
            "the %(count)d windows booked before it were cancelled again.",
            undone,
        ) % {"window": what, "count": undone}
    else:
        headline = _(
            "Nothing was booked: the window %(window)s could not be booked."
        ) % {"window": what}
    parts = [headline, reason]
    if still_booked:
        parts.extend(still_booked)
        parts.append(
            _(
                "It will be cancelled as soon as the booking service answers; "
                "you can also cancel it on the reception page."
            )
        )
    return VisitNotBooked(" ".join(parts), conflict=conflict)


# --- calling off, following up --------------------------------------------------


@dataclass(frozen=True)
class Cancelled:
    cancelled: list[Booking]
    failures: list[str]


def cancel_visit(
    *,
    visit: Visit,
    by: User,
    reason: str = "",
    client: PetitmondeClient | None = None,
) -> Cancelled:
    """Call the whole visit's charging off: cancel every window still open.

    A window the API does not cancel now stays booked, and the page says so
    next to it; the visit stays called off, so the portal keeps trying
    (`refresh_visit_bookings`, the follow-up job) until it is cancelled.
    """
    if not visit.is_called_off:
        visit.cancelled_at = timezone.now()
        visit.cancellation_reason = reason or _("Called off by reception")
        visit.save(update_fields=["cancelled_at", "cancellation_reason"])
    open_bookings = (
        visit.bookings.made_here()
        .filter(status__in=CANCELLABLE)
        .order_by("reservation_start")
    )
    return _cancel(list(open_bookings), by=by, reason=reason, client=client, owed=True)


def cancel_window(
    *,
    booking: Booking,
    by: User,
    reason: str = "",
    client: PetitmondeClient | None = None,
) -> Cancelled:
    """Cancel one window of a visit (the visitor comes on fewer days)."""
    return _cancel([booking], by=by, reason=reason, client=client, owed=False)


def _cancel(
    bookings: list[Booking],
    *,
    by: User,
    reason: str,
    client: PetitmondeClient | None,
    owed: bool,
) -> Cancelled:
    """Cancel each booking; `owed`: one that fails is tried again later."""
    client = client or (get_client() if bookings else None)
    cancelled, failures = [], []
    for booking in bookings:
        what = describe_window(
            (booking.reservation_start, booking.reservation_end), booking.tzinfo
        )
        try:
            send_cancel(
                booking,
                by=by,
                reason=reason or "Cancelled by reception",
                client=client,
            )
        except BookingFailed as failure:
            if owed and booking.is_cancellable:
                _owe_cancel(booking, failure.detail)
                failures.append(
                    _(
                        "%(window)s: %(reason)s The portal tries again every few "
                        "minutes until it is cancelled."
                    )
                    % {"window": what, "reason": failure.detail}
                )
            else:
                failures.append(
                    _("%(window)s: %(reason)s")
                    % {"window": what, "reason": failure.message}
                )
        else:
            _owe_cancel(booking, "")
            cancelled.append(booking)
    if cancelled and (visit := cancelled[0].visit) is not None:
        _tell_host(visit, template="visitor_cancelled", bookings=cancelled)
    return Cancelled(cancelled, failures)


def _owe_cancel(booking: Booking, reason: str) -> None:
    """Record why a cancellation the portal owes has not been made (or that
    it has, with no reason)."""
    if booking.uncancelled_reason != reason[:500]:
        booking.uncancelled_reason = reason[:500]
        booking.save(update_fields=["uncancelled_reason", "updated_at"])


def refresh_visit_bookings(
    bookings: list[Booking], *, client: PetitmondeClient | None = None
) -> list[Booking]:
    """Bring visitor bookings up to date and finish what a failure left open.

    Statuses are refreshed frugally (`refresh_bookings`). A booking whose create
    had no clear answer is looked up once it is no longer in flight; a booking
    of a called-off visit that still stands is cancelled. Returns the bookings
    that still exist. API failures leave everything as it was.
    """
    if not bookings:
        return bookings
    client = client or get_client()
    refresh_bookings(bookings, client=client)
    now = timezone.now()
    kept = []
    for booking in bookings:
        visit = booking.visit
        if booking.status == BookingStatus.SUBMITTING:
            if not is_settleable(booking, now):
                kept.append(booking)
                continue
            try:
                resolve_submitting(booking, client=client)
            except BookingFailed:
                # Given up (kept as "not booked"): a visit is booked in full
                # or not at all, so it is called off, and a booking the API
                # makes even later is cancelled at once (bookings.followup).
                if visit is not None and not visit.is_called_off:
                    visit.cancelled_at = timezone.now()
                    visit.cancellation_reason = _(
                        "The charging could not be booked: the booking service "
                        "has no record of it."
                    )
                    visit.save(update_fields=["cancelled_at", "cancellation_reason"])
            except BookingUncertain:
                kept.append(booking)
                continue
        if (
            visit is not None
            and visit.is_called_off
            and booking.is_cancellable
            and not _tried_just_now(booking, now)
        ):
            try:
                send_cancel(
                    booking,
                    by=visit.created_by or booking.requested_by,
                    reason="Visit could not be booked in full",
                    client=client,
                )
            except BookingFailed as failure:
                logger.warning(
                    "Could not cancel %s of a called-off visit: %s", booking, failure
                )
                if booking.is_cancellable:
                    _owe_cancel(booking, failure.detail)
            else:
                _owe_cancel(booking, "")
        kept.append(booking)
    return kept


def _tried_just_now(booking: Booking, now: datetime) -> bool:
    """A cancel that failed moments ago is not sent again at once (the page
    reception is sent to after calling off would repeat it at once)."""
    return (
        bool(booking.uncancelled_reason)
        and now - booking.updated_at < CANCEL_RETRY_PAUSE
    )


def _tell_host(visit: Visit, *, template: str, bookings: Sequence[Booking]) -> None:
    """The host hears about their visitor's charging; never the token."""
    send_email_on_commit(
        template=template,
        context={
            "host": visit.host,
            "visitor_name": visit.visitor_name,
            "visitor_company": visit.visitor_company,
            "site": visit.site,
            "time_zone": visit.site.time_zone,
            "windows": [
                {
                    "start": b.reservation_start,
                    "end": b.reservation_end,
                    "charger": b.location_name or b.location_id,
                }
                for b in bookings
            ],
        },
        to=[visit.host.user.email],
        language=language_of(visit.host.user),
    )


# --- privacy ------------------------------------------------------------------------


def remove_expired_visitor_data(now: datetime | None = None) -> int:
    """Blank the personal data of visits past VISITOR_DATA_RETENTION_DAYS.

    Returns how many visits were cleaned. Idempotent: a cleaned visit is not
    touched again. The visits, hosts, bookings and costs stay for reports.
    Run daily (the scheduled jobs) or by hand: `manage.py purge_visitor_data`.
    """
    now = now or timezone.now()
    return Visit.objects.personal_data_expired(now).remove_personal_data(now)
