"""The employee's own bookings: search, review, confirm, follow, cancel.

Everything here is for a person booking for themselves: it needs the
"book charging" permission and an employee record (else 403), and shows only
their own bookings (another person's booking is a 404).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from bookings import ics, notify, policy
from bookings.chargers import find_chargers
from bookings.formatting import format_window
from bookings.forms import (
    CancelForm,
    ConfirmForm,
    ReviewForm,
    SearchForm,
    search_for_offer,
    search_query,
)
from bookings.models import Booking, BookingQuerySet
from bookings.petitmonde import PetitmondeError
from bookings.services import (
    AlreadyCancelled,
    AlreadyConfirmed,
    BeingChecked,
    Booked,
    BookingFailed,
    BookingUncertain,
    Cancelled,
    NotAllowed,
    NotBooked,
    NotCancelled,
    cancel_booking,
    create_booking,
    explain,
    is_settleable,
    refresh_bookings,
    resolve_submitting,
)
from bookings.statuses import BookingStatus
from portal import formatting
from portal.home import admin_contact
from portal.models import Employee, Site, SiteCharger
from portal.roles import BOOK_CHARGING

PAST_PER_PAGE = 20
# The last page of past bookings asked for (20 million bookings).
PAST_PAGES = 1_000_000
# More upcoming bookings than the policy allows can only come from the sync
# (bookings made elsewhere with this person's reference); the nearest are shown.
UPCOMING_SHOWN = 20


def _employee(request: HttpRequest) -> Employee:
    """The person booking for themselves; 403 without the permission or record."""
    employee: Employee | None = getattr(request.user, "employee", None)
    if employee is None or not request.user.has_perm(BOOK_CHARGING):
        raise PermissionDenied
    return employee


def _mine(employee: Employee) -> BookingQuerySet:
    # employee.user is the request's user (fetched together, no query).
    return Booking.objects.visible_to(employee.user).select_related("site")


def _errors(form: forms.Form) -> list[str]:
    return [str(error) for errors in form.errors.values() for error in errors]


def _detail(booking: Booking) -> HttpResponse:
    return redirect("bookings:detail", pk=booking.pk)


def _search_url(search: str) -> str:
    """The search page with the search as typed (re-encoded: only our fields)."""
    query = search_query(QueryDict(search)) if search else ""
    return reverse("bookings:new") + (f"?{query}" if query else "")


# --- following bookings -----------------------------------------------------------


def _bring_up_to_date(request: HttpRequest, bookings: list[Booking]) -> list[Booking]:
    """Settle bookings stuck "being checked", refresh statuses due to move.

    A booking the API has is adopted; one it still lacks once no create can
    land is given up ("not booked", kept with its reference), and the person
    is told. Returns the bookings that still exist.
    """
    now = timezone.now()
    for booking in bookings:
        if is_settleable(booking, now):
            _settle(request, booking)
    kept = [b for b in bookings if b.pk is not None]
    refresh_bookings(kept, now=now)
    return kept


def _settle(request: HttpRequest, booking: Booking) -> None:
    what = {
        "charger": booking.location_name or booking.evse_uid,
        "window": format_window(
            booking.reservation_start, booking.reservation_end, booking.tzinfo
        ),
    }
    try:
        resolve_submitting(booking)
    except BookingFailed as failure:
        messages.warning(
            request,
            _("Your booking at %(charger)s for %(window)s was not made.") % what
            + " "
            + failure.message,
        )
    except BookingUncertain:
        pass  # still "being checked"; the page says so
    else:
        notify.booking_made(booking)


@dataclass
class PastPage:
    """One page of past bookings, newest first, without counting them all:
    a person's history only grows, and a count would read all of it."""

    number: int
    bookings: list[Booking]
    has_next: bool

    @classmethod
    def of(cls, past: BookingQuerySet, page: str | None) -> PastPage:
        # Anything but a page number a history can reach (garbage, 0, -5, a
        # number past 64 bits that the database cannot even skip to) is page 1.
        text = (page or "").strip()
        digits = text.isascii() and text.isdigit() and len(text) < 8
        number = int(text) if digits else 1
        if not 1 <= number <= PAST_PAGES:
            number = 1
        first = (number - 1) * PAST_PER_PAGE
        rows = list(
            past.order_by("-reservation_start", "-pk")[
                first : first + PAST_PER_PAGE + 1
            ]
        )
        return cls(number, rows[:PAST_PER_PAGE], len(rows) > PAST_PER_PAGE)


@require_GET
def booking_list(request: HttpRequest) -> HttpResponse:
    employee = _employee(request)
    now = timezone.now()
    mine = _mine(employee)
    upcoming = list(
        mine.upcoming(now).order_by("reservation_start")[: UPCOMING_SHOWN + 1]
    )
    more_upcoming = len(upcoming) > UPCOMING_SHOWN
    upcoming = upcoming[:UPCOMING_SHOWN]
    past = PastPage.of(mine.past(now), request.GET.get("page"))
    shown = _bring_up_to_date(request, [*upcoming, *past.bookings])
    past.bookings = [b for b in past.bookings if b.pk is not None]
    checked = [b.last_synced_at for b in shown if not b.is_final and b.last_synced_at]
    return render(
        request,
        "bookings/list.html",
        {
            "upcoming": [b for b in upcoming if b.pk is not None],
            "more_upcoming": more_upcoming,
            "past": past,
            "checked_at": min(checked, default=None),
            "submitting": any(b.status == BookingStatus.SUBMITTING for b in shown),
            "cap": policy.cap_use(employee, start=now),
        },
    )


@require_GET
def booking_detail(request: HttpRequest, pk: int) -> HttpResponse:
    employee = _employee(request)
    booking = get_object_or_404(_mine(employee), pk=pk)
    if not _bring_up_to_date(request, [booking]):
        return redirect("bookings:list")
    return render(request, "bookings/detail.html", {"booking": booking})


@require_GET
def booking_ics(request: HttpRequest, pk: int) -> HttpResponse:
    employee = _employee(request)
    booking = get_object_or_404(_mine(employee), pk=pk)
    url = request.build_absolute_uri(reverse("bookings:detail", kwargs={"pk": pk}))
    response = HttpResponse(
        ics.booking_calendar(booking, url=url),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = content_disposition_header(
        True, ics.filename(booking)
    )
    return response


# --- booking ------------------------------------------------------------------------


@require_GET
def booking_new(request: HttpRequest) -> HttpResponse:
    employee = _employee(request)
    blocked = policy.account_problems(employee)
    if blocked:
        # Told before they search: nothing they pick could be booked.
        status = 403 if blocked[0].rule == policy.INACTIVE else 200
        return render(
            request,
            "bookings/cannot_book.html",
            {"problems": blocked, "admin_contact": admin_contact()},
            status=status,
        )
    form = SearchForm(request.GET or None, employee=employee)
    offers = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            offers = find_chargers(
                site=data["site"],
                start=data["start_at"],
                end=data["end_at"],
                kind=SiteCharger.Kind.WORKPLACE,
                connector_type=data["connector_type"] or None,
                power_min=data["power_min"],
            )
        except PetitmondeError as error:
            form.add_error(None, explain(error))
    return render(request, "bookings/new.html", _search_context(employee, form, offers))


def join_form(employee: Employee, form: SearchForm) -> forms.Form:
    from bookings.waitlist.forms import JoinForm

    return JoinForm(initial=form.cleaned_data, employee=employee)


def _search_context(
    employee: Employee, form: SearchForm, offers: list[Any] | None
) -> dict[str, Any]:
    # What was valid of the search (all of it when results are shown).
    data = getattr(form, "cleaned_data", {}) if form.is_bound else {}
    cap = policy.cap_use(employee, start=data.get("start_at") or timezone.now())
    search = form.query() if form.is_bound else ""
    choices = [
        {
            "offer": offer,
            "fits_cap": cap.allows(offer.estimated_price),
            "review_url": reverse("bookings:review")
            + "?"
            + urlencode({"offer": offer.sign(), "search": search}),
        }
        for offer in offers or []
    ]
    return {
        "form": form,
        # Nothing free: the person may wait in line for that time instead.
        "join_form": join_form(employee, form) if offers == [] else None,
        "searched": offers is not None,
        "choices": choices,
        "over_cap": any(not choice["fits_cap"] for choice in choices),
        "rules": policy.Rules.company().describe(),
        "site_rules": policy.sites_with_own_rules(),
        "cap": cap,
    }


@require_GET
def booking_review(request: HttpRequest) -> HttpResponse:
    employee = _employee(request)
    return _review(request, employee, ReviewForm(request.GET))


def _review(
    request: HttpRequest,
    employee: Employee,
    form: ReviewForm,
    problems: list[policy.Problem] | None = None,
) -> HttpResponse:
    """The summary before confirming; with `problems`, why it was refused."""
    if not form.is_valid():
        for error in _errors(form):
            messages.error(request, error)
        return redirect(_search_url(form.data.get("search", "")))
    offer = form.cleaned_data["offer"]
    site = get_object_or_404(Site, pk=offer.site_id)
    search = form.cleaned_data["search"] or search_for_offer(offer)
    if problems is None:
        problems = policy.offer_problems(employee, offer=offer, site=site)
    cap = policy.cap_use(employee, start=offer.start)
    confirm = ConfirmForm(
        initial={
            "offer": form.data["offer"],
            "search": search,
            "submission_key": uuid.uuid4(),
        }
    )
    return render(
        request,
        "bookings/review.html",
        {
            "offer": offer,
            "site": site,
            "window": format_window(offer.start, offer.end, site.tzinfo),
            "cap": cap,
            "cap_after": cap.used + (offer.estimated_price or 0),
            "problems": problems,
            "confirm": confirm,
            "back_url": _search_url(search),
        },
        status=409 if problems and request.method == "POST" else 200,
    )


@require_POST
def booking_create(request: HttpRequest) -> HttpResponse:
    """Confirm: book the offer, and say how it went."""
    employee = _employee(request)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        for error in _errors(form):
            messages.error(request, error)
        return redirect(_search_url(request.POST.get("search", "")))
    offer = form.cleaned_data["offer"]
    site = get_object_or_404(Site, pk=offer.site_id)
    outcome = create_booking(
        employee=employee,
        offer=offer,
        site=site,
        submission_key=form.cleaned_data["submission_key"],
        requested_by=employee.user,
    )
    match outcome:
        case NotAllowed(problems=problems):
            return _review(request, employee, form, problems=problems)
        case NotBooked(message=message, conflict=conflict):
            messages.error(request, message)
            search = form.cleaned_data["search"] or search_for_offer(offer)
            if conflict:
                messages.info(
                    request, _("Here are the chargers still free at that time.")
                )
                return redirect(_search_url(search))
            query = urlencode({"offer": form.data["offer"], "search": search})
            return redirect(reverse("bookings:review") + f"?{query}")
        case AlreadyConfirmed(booking=booking):
            messages.info(
                request, _("You had already confirmed this booking: here it is.")
            )
        case BeingChecked(booking=booking, message=message):
            messages.warning(request, message)
        case Booked(booking=booking):
            messages.success(request, _booked_message(booking))
    return _detail(booking)


def _booked_message(booking: Booking) -> str:
    return _(
        "Booked: %(charger)s, %(window)s. The operator still has to confirm "
        "it; this page shows when they have. A confirmation e-mail is on its way."
    ) % {
        "charger": booking.location_name or booking.evse_uid,
        "window": format_window(
            booking.reservation_start, booking.reservation_end, booking.tzinfo
        ),
    }


# --- cancelling ------------------------------------------------------------------


@require_GET
def booking_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """The terms, and a reason to give; the POST goes to booking_cancel_confirm."""
    employee = _employee(request)
    booking = get_object_or_404(_mine(employee), pk=pk)
    # The terms depend on the status: free before confirmation, a fee after.
    if not _bring_up_to_date(request, [booking]):
        return redirect("bookings:list")
    return render(
        request, "bookings/cancel.html", {"booking": booking, "form": CancelForm()}
    )


@require_POST
def booking_cancel_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    employee = _employee(request)
    booking = get_object_or_404(_mine(employee), pk=pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return render(
            request, "bookings/cancel.html", {"booking": booking, "form": form}
        )
    outcome = cancel_booking(
        booking=booking, by=employee.user, reason=form.cleaned_data["reason"]
    )
    match outcome:
        case AlreadyCancelled():
            messages.info(request, _("This booking was already cancelled."))
        case NotCancelled(message=message):
            messages.error(request, message)
        case Cancelled():
            messages.success(request, _cancelled_message(outcome))
    return _detail(booking)


def _cancelled_message(cancelled: Cancelled) -> str:
    if cancelled.free:
        return _("Cancelled, free of charge. A confirmation e-mail is on its way.")
    if cancelled.fee:
        return _(
            "Cancelled. The operator charges a cancellation fee of %(fee)s. "
            "A confirmation e-mail is on its way."
        ) % {"fee": formatting.money(cancelled.fee, cancelled.booking.currency)}
    return _(
        "Cancelled. The operator may charge a cancellation fee. "
        "A confirmation e-mail is on its way."
    )
