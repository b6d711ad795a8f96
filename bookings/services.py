"""Flows that span the API and the database.

One way in per flow of an employee: `create_booking` and `cancel_booking`
judge, write, send and tell the person, and return an outcome that the view
puts into words. Their steps (`send_booking`, `send_cancel`, the settling of an
unclear create) serve the visitor flow and the follow-up jobs too.

No database transaction is ever held open across an HTTP call. A new booking
is first written locally as SUBMITTING (in a short transaction where its rules
are checked), then sent, then completed from the API's answer.

Only a clear refusal (a 4xx) proves that nothing was booked: the row is then
removed. When the answer is ambiguous (timeout, dropped connection, 5xx, an
unreadable answer), the booking is looked up by its external_id (Part B3).
Found, it is adopted. Not found, nothing is proven yet: create is asynchronous
(202) and a slow one may still land, so the row stays SUBMITTING ("being
checked"), which the booking rules count, so that time cannot be booked again
meanwhile. Once no create can still be on its way (`settle_after`), a look-up
that still finds nothing gives the booking up: the row becomes NOT_BOOKED and
keeps its external_id, so the reference is never reused, and a booking the API
makes even later is recognised by the sync (bookings.followup) and adopted or
cancelled, never left as a second one.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bookings import notify, policy, signals
from bookings.chargers import ChargerOffer
from bookings.models import Booking
from bookings.petitmonde import (
    BookingRequest,
    PetitmondeClient,
    PetitmondeError,
    RemoteBooking,
    TokenStrategy,
    get_client,
    window,
)
from bookings.statuses import BookingStatus
from portal import formatting
from portal.models import Employee, Site, User

logger = logging.getLogger(__name__)

# How far around our own clock the API's created_at may lie when we look a
# booking up after an ambiguous create.
LOOKUP_MARGIN = timedelta(minutes=5)
# A 429 asking us to wait longer than this is the monthly quota talking.
LONG_WAIT = timedelta(hours=1)


class BookingFailed(Exception):
    """Nothing was booked (or cancelled). `message` is for the person.

    `detail` says what happened without the advice on what to do next, for
    callers that do the next step themselves (reception's calling off is
    retried by the portal, so "please try again" would be wrong there).
    """

    def __init__(
        self,
        message: str,
        *,
        error: PetitmondeError | None = None,
        detail: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.error = error
        self.detail = detail or message

    @property
    def conflict(self) -> bool:
        """The charger was taken for this time: offer the others again."""
        return self.error is not None and self.error.conflict


class BookingUncertain(Exception):
    """The API could not tell us whether the booking exists; we will find out.

    `cause` is what went wrong, in words; `message` adds what the employee
    should know next (reception words its own from `cause`).
    """

    def __init__(self, message: str, *, cause: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.cause = cause


def what_happened(error: PetitmondeError) -> str:
    """An unclear failure, as it happened: no answer, a broken connection,
    the service's own error, or an answer we could not read."""
    if error.status is None:
        if error.timed_out:
            return _("The booking service did not answer in time.")
        return _("The connection to the booking service broke off without an answer.")
    if error.status >= 500:
        return _(
            "The booking service reported an error of its own (HTTP %(status)d)."
        ) % {"status": error.status}
    return _("The booking service sent an answer the portal could not read.")


def explain(error: PetitmondeError) -> str:
    """What a person should read when the API refused or failed."""
    if error.conflict:
        return _("That charger was just taken for this time.")
    if error.auth_failed:
        # The key or the account is broken: nobody can book until an admin acts.
        logger.error(
            "Petitmonde refused our credentials (HTTP %s): %s",
            error.status,
            error.message,
        )
        return _(
            "Booking is unavailable at the moment; the administrator has been told."
        )
    if error.rate_limited and (error.retry_after or 0) > LONG_WAIT.total_seconds():
        # The monthly quota, not the per-minute limit: nobody can book for days.
        logger.error(
            "Petitmonde refuses us for %s seconds: %s", error.retry_after, error.message
        )
        until = timezone.localtime() + timedelta(seconds=error.retry_after or 0)
        return _(
            "Booking is unavailable until %(date)s: the portal has used up its "
            "monthly allowance of the booking service. The administrator has "
            "been told."
        ) % {"date": formatting.moment(until)}
    if error.rate_limited:
        seconds = int(error.retry_after or 60)
        return ngettext(
            "The booking service is busy. Please try again in %(seconds)d second.",
            "The booking service is busy. Please try again in %(seconds)d seconds.",
            seconds,
        ) % {"seconds": seconds}
    if error.not_found:
        return _("The booking service no longer knows that charger or booking.")
    if error.status == 400 and "spending limit" in error.message.lower():
        # Part A §4: the fleet group's monthly limit, the same 400 as bad input.
        return _(
            "The company's monthly spending limit at the booking service is "
            "reached: nothing more can be booked this month. Please tell the "
            "administrator."
        )
    if error.status == 400:
        # The API explains itself in English only: our sentence, then its words.
        return _(
            "The booking service did not accept the request. Its explanation: "
            "“%(reason)s”"
        ) % {"reason": error.message.rstrip(".") + "."}
    return _(
        "The booking service is not answering properly at the moment. "
        "Nothing was changed; please try again in a few minutes."
    )


# --- an employee's booking: the one way in ------------------------------------


@dataclass(frozen=True)
class Booked:
    """Sent, and the API has it (the operator may still have to confirm)."""

    booking: Booking


@dataclass(frozen=True)
class AlreadyConfirmed:
    """The same form was confirmed before: this is the booking it made."""

    booking: Booking


@dataclass(frozen=True)
class NotAllowed:
    """A rule stands in the way; nothing was written or sent."""

    problems: list[policy.Problem]


@dataclass(frozen=True)
class NotBooked:
    """The API refused or failed, so nothing was booked (the row is gone).

    `conflict`: the charger was taken for this time, so offer the others.
    """

    message: str
    conflict: bool = False


@dataclass(frozen=True)
class BeingChecked:
    """Nobody can tell yet whether the API made it; the row stays SUBMITTING."""

    booking: Booking
    message: str


BookingOutcome = Booked | AlreadyConfirmed | NotAllowed | NotBooked | BeingChecked


def create_booking(
    *,
    employee: Employee,
    offer: ChargerOffer,
    site: Site,
    submission_key: uuid.UUID,
    requested_by: User,
    client: PetitmondeClient | None = None,
) -> BookingOutcome:
    """Book `offer` for `employee`: judge the rules, write, send, tell them.

    The rules are judged and the booking written as SUBMITTING in one
    transaction with the employee's row locked (SELECT … FOR UPDATE; SQLite
    takes its write lock when the transaction starts), so a second booking of
    the same person waits and then sees the first. The booking is sent after
    the commit, and the e-mail goes out once it is made. A form submitted twice
    comes back as the booking of the first time.
    """
    with transaction.atomic():
        locked = (
            Employee.objects.select_for_update(of=("self",))
            .select_related("department", "user")
            .get(pk=employee.pk)
        )
        existing = Booking.objects.filter(submission_key=submission_key).first()
        if existing is not None:
            if existing.employee_id != locked.pk:
                return NotAllowed(
                    [policy.Problem(policy.FORM, _("Please search again."))]
                )
            return AlreadyConfirmed(existing)
        problems = policy.offer_problems(locked, offer=offer, site=site)
        if problems:
            return NotAllowed(problems)
        booking, created = Booking.objects.add_submitting(
            department_code=locked.department.code,
            person_id=locked.employee_id,
            day=offer.start.astimezone(site.tzinfo).date(),
            submission_key=submission_key,
            employee=locked,
            department=locked.department,
            requested_by=requested_by,
            site=site,
            token_strategy=TokenStrategy.DRIVER_TOKEN,
            # One identity only: the API does not say which wins when both come.
            customer_id=locked.customer_id,
            token_id="" if locked.customer_id else locked.token_id,
            **offer.booking_fields(),
        )
    if not created:
        return AlreadyConfirmed(booking)
    try:
        send_booking(booking, client=client)
    except BookingFailed as failure:
        return NotBooked(failure.message, conflict=failure.conflict)
    except BookingUncertain as uncertain:
        return BeingChecked(booking, uncertain.message)
    notify.booking_made(booking)
    return Booked(booking)


# --- the steps of a booking ---------------------------------------------------


def booking_request(booking: Booking) -> BookingRequest:
    return BookingRequest(
        location_id=booking.location_id,
        evse_uid=booking.evse_uid,
        connector_id=booking.connector_id or None,
        reservation_start=booking.reservation_start,
        reservation_end=booking.reservation_end,
        external_id=booking.external_id,
        token_strategy=booking.token_strategy,
        customer_id=booking.customer_id or None,
        token_id=booking.token_id or None,
    )


def send_booking(
    booking: Booking,
    *,
    client: PetitmondeClient | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Booking:
    """Create a SUBMITTING booking in the API and record the true outcome.

    Returns the booking as the API has it. Raises BookingFailed when the API
    refused, so nothing was booked (the local row is gone), BookingUncertain
    when the outcome is unknown (the row stays SUBMITTING, "being checked",
    and `resolve_submitting` settles it once no create can still land).
    """
    assert booking.status == BookingStatus.SUBMITTING
    client = client or get_client()
    try:
        remote = client.create_booking(booking_request(booking))
    except PetitmondeError as error:
        if not error.ambiguous:
            booking.delete()
            raise BookingFailed(explain(error), error=error) from error
        logger.warning("Create of %s was ambiguous (%s); looking it up", booking, error)
        return _look_up(booking, client=client, cause=what_happened(error), sleep=sleep)
    booking.record_remote(remote)
    return booking


def settle_after() -> timedelta:
    """How old a booking still "being checked" must be before it may be given up.

    A younger one may still have its create on the way (connect and read
    timeouts, then the second look-up): giving it up then could drop a
    booking the API is about to make.
    """
    return timedelta(
        seconds=settings.PETITMONDE_CONNECT_TIMEOUT
        + settings.PETITMONDE_READ_TIMEOUT
        + settings.BOOKING_LOOKUP_RETRY_SECONDS
        + 5
    )


def is_settleable(booking: Booking, now: datetime | None = None) -> bool:
    return (
        booking.status == BookingStatus.SUBMITTING
        and (now or timezone.now()) - booking.created_at >= settle_after()
    )


def resolve_submitting(
    booking: Booking, *, client: PetitmondeClient | None = None
) -> Booking:
    """Settle a booking whose create had no clear answer: adopt it or give it up.

    Only for bookings past `settle_after()`, whose create cannot still be on
    its way, so the look-up is not repeated after a pause. Raises
    BookingUncertain when the API cannot be asked, BookingFailed when it has
    no such booking: the row is then NOT_BOOKED (kept, with its reference).
    """
    client = client or get_client()
    try:
        remote = find_by_external_id(booking, client=client)
    except PetitmondeError as lookup_error:
        logger.warning("Could not look %s up: %s", booking, lookup_error)
        raise BookingUncertain(
            _uncertain_message(what_happened(lookup_error)),
            cause=what_happened(lookup_error),
        ) from lookup_error
    if remote is None:
        logger.warning("Giving %s up: the API has no such booking", booking)
        booking.status = BookingStatus.NOT_BOOKED
        booking.save(update_fields=["status", "updated_at"])
        raise BookingFailed(
            _(
                "The booking service has no record of it even now, so nothing "
                "was booked and you can book again. Should it still turn up, the "
                "portal keeps it only if you have booked nothing else for that "
                "time, and otherwise cancels it at once."
            )
        )
    booking.record_remote(remote)
    return booking


def _uncertain_message(cause: str) -> str:
    return (
        cause
        + " "
        + _(
            "We could not find out yet whether the booking was made. It shows "
            "as “being checked” until we know, usually within a few minutes; "
            "until then that time cannot be booked again, so nothing is booked "
            "twice. If it was made, you get the confirmation e-mail."
        )
    )


def _look_up(
    booking: Booking,
    *,
    client: PetitmondeClient,
    cause: str,
    sleep: Callable[[float], None],
) -> Booking:
    """Right after an ambiguous create: adopt the booking if it is there already.

    Not finding it proves nothing yet (the create may still land), so the row
    stays SUBMITTING either way.
    """
    try:
        remote = find_by_external_id(booking, client=client)
        if remote is None:
            # A create still in flight may land a moment later: look once more.
            sleep(settings.BOOKING_LOOKUP_RETRY_SECONDS)
            remote = find_by_external_id(booking, client=client)
    except PetitmondeError as lookup_error:
        logger.warning("Could not look %s up: %s", booking, lookup_error)
        raise BookingUncertain(_uncertain_message(cause), cause=cause) from lookup_error
    if remote is None:
        raise BookingUncertain(_uncertain_message(cause), cause=cause)
    booking.record_remote(remote)
    return booking


def same_window(booking: Booking, remote: RemoteBooking) -> bool:
    """Whether the API's booking is for this booking's charger and window."""
    return window.same_window(
        remote,
        evse_uid=booking.evse_uid,
        start=booking.reservation_start,
        end=booking.reservation_end,
    )


def find_by_external_id(
    booking: Booking, *, client: PetitmondeClient
) -> RemoteBooking | None:
    """The API's booking with this booking's external_id and window, made since
    we wrote it."""
    # A booking is always created before its window starts (the API wants 15
    # minutes' notice), so the window's start bounds the API's created_at even
    # when its clock runs ahead of ours (a sandbox whose clock was moved on).
    # Real bookings are never created in the future, so this costs nothing.
    return window.find_booking(
        client,
        external_id=booking.external_id,
        evse_uid=booking.evse_uid,
        start=booking.reservation_start,
        end=booking.reservation_end,
        made_from=booking.created_at - LOOKUP_MARGIN,
        made_until=max(timezone.now() + LOOKUP_MARGIN, booking.reservation_start),
    )


# --- an employee's cancel: the one way in ------------------------------------


@dataclass(frozen=True)
class Cancelled:
    """The API cancelled it. `free`: before the operator confirmed, so nothing
    is charged (whatever the API left in client_price)."""

    booking: Booking
    free: bool

    @property
    def fee(self) -> Decimal | None:
        """The operator's cancellation fee, when it is charged and known."""
        return None if self.free else self.booking.client_price


@dataclass(frozen=True)
class AlreadyCancelled:
    booking: Booking


@dataclass(frozen=True)
class NotCancelled:
    """The booking still stands (or is past cancelling); `message` says how."""

    booking: Booking
    message: str


CancelOutcome = Cancelled | AlreadyCancelled | NotCancelled


def cancel_booking(
    *,
    booking: Booking,
    by: User,
    reason: str,
    client: PetitmondeClient | None = None,
) -> CancelOutcome:
    """Cancel an employee's booking and tell them, or say why it still stands."""
    if booking.status == BookingStatus.CANCELLED:
        return AlreadyCancelled(booking)
    # The terms are those before the cancel: afterwards every booking is
    # CANCELLED, and free or not can no longer be told from its status.
    free = booking.cancellation_is_free
    try:
        send_cancel(booking, by=by, reason=reason, client=client)
    except BookingFailed as failure:
        return NotCancelled(booking, failure.message)
    notify.booking_cancelled(booking, free=free)
    return Cancelled(booking, free=free)


def send_cancel(
    booking: Booking,
    *,
    by: User | None,
    reason: str,
    client: PetitmondeClient | None = None,
) -> Booking:
    """Cancel in the API and record its answer. Raises BookingFailed if not done.

    Cancel is never blindly retried: after an unclear answer (or a refusal that
    may just mean someone else cancelled first), the booking is read back and
    its true status recorded. Only bookings the portal made are cancelled.
    """
    token = signals.cancelling_here.set(True)
    try:
        return _send_cancel(booking, by=by, reason=reason, client=client)
    finally:
        signals.cancelling_here.reset(token)


def _send_cancel(
    booking: Booking,
    *,
    by: User | None,
    reason: str,
    client: PetitmondeClient | None,
) -> Booking:
    if booking.status == BookingStatus.CANCELLED:
        return booking
    if not booking.made_here:
        raise BookingFailed(
            _(
                "This booking was made outside the portal, so the portal does "
                "not cancel it; it can be cancelled where it was made."
            )
        )
    if not booking.is_cancellable or not booking.api_id:
        raise BookingFailed(
            _("This booking can no longer be cancelled (its status: %(status)s).")
            % {"status": booking.get_status_display()}
        )
    client = client or get_client()
    try:
        remote = client.cancel_booking(booking.api_id, reason=reason or None)
    except PetitmondeError as error:
        if not (error.ambiguous or error.status == 400):
            detail = _("The booking was not cancelled.") + " " + explain(error)
            raise BookingFailed(detail, error=error) from error
        cause = what_happened(error) if error.ambiguous else ""
        try:
            remote = client.get_booking(booking.api_id)
        except PetitmondeError as read_error:
            detail = " ".join(
                part
                for part in (
                    cause or _("The booking service refused to cancel it."),
                    _(
                        "We could not check afterwards whether it was cancelled; "
                        "as far as we know the booking still stands."
                    ),
                )
                if part
            )
            raise BookingFailed(
                detail + " " + _("Please try again in a few minutes."),
                error=read_error,
                detail=detail,
            ) from read_error
        before = booking.status
        booking.record_remote(remote)
        if remote.status != BookingStatus.CANCELLED:
            raise _not_cancelled(
                booking, before=before, cause=cause, error=error
            ) from error
        return booking
    booking.cancelled_by = by
    booking.record_remote(remote)
    return booking


def _not_cancelled(
    booking: Booking, *, before: str, cause: str, error: PetitmondeError
) -> BookingFailed:
    """The booking read back after a failed cancel still stands: say how."""
    status = {"status": booking.get_status_display()}
    if booking.status == before:
        # Nothing moved: a refusal then has a reason of its own to tell.
        cause = cause or explain(error)
        state = _("The booking was not cancelled: it is still %(status)s.") % status
    else:
        state = _("The booking was not cancelled: it is now %(status)s.") % status
    detail = f"{cause} {state}" if cause else state
    message = detail
    if booking.is_cancellable:
        message += " " + _("Please try again in a few minutes.")
    return BookingFailed(message, error=error, detail=detail)


@dataclass(frozen=True)
class Refresh:
    refreshed: int
    requests: int


def needs_refresh(booking: Booking, now: datetime) -> bool:
    """Whether the API may have news about this booking worth a request.

    The monthly quota is small (10,000 requests), so a booking is only asked
    about when its status is due to move: while waiting for confirmation, and
    once its window has started or ended. The scheduled sync covers the rest.
    """
    if not booking.api_id or booking.status not in (
        BookingStatus.REQUESTED,
        BookingStatus.PENDING,
        BookingStatus.CONFIRMED,
        BookingStatus.ATTENDING,
    ):
        return False
    age = now - booking.last_synced_at if booking.last_synced_at else None
    fresh = timedelta(seconds=settings.BOOKING_REFRESH_SECONDS)
    due = (
        booking.status in (BookingStatus.REQUESTED, BookingStatus.PENDING)
        or (
            booking.status == BookingStatus.CONFIRMED
            and booking.reservation_start <= now
        )
        or (
            booking.status == BookingStatus.ATTENDING and booking.reservation_end <= now
        )
    )
    if not due:
        fresh = timedelta(minutes=settings.SYNC_INTERVAL_MINUTES)
    return age is None or age >= fresh


def refresh_bookings(
    bookings: Iterable[Booking],
    *,
    client: PetitmondeClient | None = None,
    now: datetime | None = None,
) -> Refresh:
    """Bring the given bookings up to date with as few requests as possible.

    One due booking: one GET. Several: one list page over their creation
    times, then a GET for any the page did not hold. An API failure leaves
    every status as it was (never a guessed one).
    """
    now = now or timezone.now()
    due = [b for b in bookings if needs_refresh(b, now)]
    if not due:
        return Refresh(0, 0)
    client = client or get_client()
    found: dict[str, RemoteBooking] = {}
    requests = 0
    try:
        if len(due) > 1:
            created = [b.remote_created_at or b.created_at for b in due]
            page = client.list_bookings(
                from_date=min(created) - timedelta(seconds=1),
                to_date=max(created) + timedelta(seconds=1),
                limit=100,
            )
            requests += 1
            wanted = {b.api_id for b in due}
            found = {r.id: r for r in page if r.id in wanted}
        for booking in due:
            if booking.api_id not in found:
                found[str(booking.api_id)] = client.get_booking(str(booking.api_id))
                requests += 1
    except PetitmondeError as error:
        logger.warning("Status refresh failed: %s", error)
    refreshed = 0
    for booking in due:
        remote = found.get(str(booking.api_id))
        if remote is not None:
            booking.record_remote(remote)
            refreshed += 1
    return Refresh(refreshed, requests)
