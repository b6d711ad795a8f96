"""The reception desk: the day's visitors, booking their charging, their pass."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bookings.chargers import ChargerOffer
from bookings.forms import CancelForm
from bookings.models import Booking, Visit
from bookings.petitmonde import PetitmondeError
from bookings.reception.forms import PlanForm, VisitForm, initial_visit
from bookings.reception.passes import (
    INSTRUCTIONS,
    common_charger,
    pass_windows,
    send_pass,
)
from bookings.reception.visits import (
    PlanOption,
    VisitNotBooked,
    book_visit,
    cancel_visit,
    cancel_window,
    refresh_visit_bookings,
    search_visit,
    sign_plan,
)
from bookings.services import explain
from bookings.statuses import CANCELLABLE
from portal import formatting
from portal.http import AuthenticatedRequest, is_pk
from portal.i18n import other_language
from portal.models import SiteCharger
from portal.roles import BOOK_VISITORS

reception_only = permission_required(BOOK_VISITORS, raise_exception=True)


# How far ahead the day view looks.
DAYS_AHEAD = 14


@require_GET
@reception_only
def day(request: AuthenticatedRequest) -> HttpResponse:
    """Today's and the coming days' visitor bookings, by local day."""
    now = timezone.now()
    sites = Visit.sites_for(request.user)
    chosen = request.GET.get("site", "")
    site = sites.filter(pk=chosen).first() if is_pk(chosen) else None
    bookings = (
        Booking.objects.for_reception(request.user)
        .filter(
            reservation_end__gte=now - timedelta(days=1),
            reservation_start__lt=now + timedelta(days=DAYS_AHEAD),
        )
        .select_related(
            "visit__host__user",
            "visit__host_department",
            "visit__site",
            "visit__created_by",
        )
        .order_by("reservation_start", "pk")
    )
    if site is not None:
        bookings = bookings.filter(visit__site=site)
    rows = refresh_visit_bookings(list(bookings))

    def local_day(booking: Booking) -> date:
        return timezone.localdate(booking.reservation_start, booking.tzinfo)

    today = timezone.localdate(now)
    rows = [b for b in rows if timezone.localdate(b.reservation_end, b.tzinfo) >= today]
    bays = dict(
        SiteCharger.objects.filter(site__in=sites).values_list("evse_uid", "label")
    )
    days = [
        (d, [(b, bays.get(b.evse_uid, "")) for b in group])
        for d, group in groupby(rows, key=local_day)
    ]
    return render(
        request,
        "reception/day.html",
        {
            "days": days,
            "today": today,
            "tomorrow": today + timedelta(days=1),
            "sites": sites,
            "site": site,
            "days_ahead": DAYS_AHEAD,
        },
    )


@require_http_methods(["GET", "POST"])
@reception_only
def visit_new(request: AuthenticatedRequest) -> HttpResponse:
    """Book a visitor's charging: the visit, then the charger, then (long) the plan.

    Every step posts the whole visit again (no personal data in URLs); the
    chosen plan travels as a signed token.
    """
    user = request.user
    if request.method == "GET":
        form = VisitForm(user=user, initial=initial_visit(user))
        return render(request, "reception/new.html", {"form": form})
    action = request.POST.get("action", "search")
    if action == "find_host":
        # Only the host list changes: no errors for fields not filled in yet.
        form = VisitForm(user=user, initial=request.POST.dict())
        return render(request, "reception/new.html", {"form": form})
    form = VisitForm(request.POST, user=user)
    if action == "edit" or not form.is_valid():
        return render(request, "reception/new.html", {"form": form})
    if action not in ("plan", "book"):
        return offer_chargers(request, form)
    plan_form = PlanForm(
        request.POST, site=form.cleaned_data["site"], windows=form.windows()
    )
    if not plan_form.is_valid():
        return offer_chargers(request, form, error=str(plan_form.errors["plan"][0]))
    plan = plan_form.cleaned_data["plan"]
    if action == "plan":
        return show_plan(request, form, plan)
    return book(request, form, plan)


def offer_chargers(
    request: AuthenticatedRequest, form: VisitForm, error: str = ""
) -> HttpResponse:
    site = form.cleaned_data["site"]
    try:
        search = search_visit(site=site, windows=form.windows())
    except PetitmondeError as failure:
        form.add_error(None, explain(failure))
        return render(request, "reception/new.html", {"form": form})
    options = [(option, option.sign(site)) for option in search.options]
    return render(
        request,
        "reception/choose.html",
        {
            "form": form,
            "carry": form.carried(),
            "site": site,
            "search": search,
            "options": options,
            "chosen": next(
                (token for o, token in options if o.same_charger_throughout),
                options[0][1] if options else "",
            ),
            "error": error,
        },
    )


def show_plan(
    request: AuthenticatedRequest,
    form: VisitForm,
    plan: list[ChargerOffer],
    error: str = "",
) -> HttpResponse:
    site = form.cleaned_data["site"]
    return render(
        request,
        "reception/plan.html",
        {
            "form": form,
            "carry": form.carried(),
            "site": site,
            "plan": plan,
            "plan_token": sign_plan(site, plan),
            "total": PlanOption(tuple(plan)).estimated_total,
            "error": error,
        },
    )


def book(
    request: AuthenticatedRequest, form: VisitForm, plan: list[ChargerOffer]
) -> HttpResponse:
    try:
        result = book_visit(
            visit=form.save(commit=False),
            plan=plan,
            by=request.user,
            form_key=form.cleaned_data["form_key"],
        )
    except VisitNotBooked as failure:
        form.renew_key()
        if failure.conflict:
            return offer_chargers(request, form, error=failure.message)
        return show_plan(request, form, plan, error=failure.message)
    visit = result.visit
    if not result.created:
        messages.info(request, _("This visit had already been sent; here it is."))
    elif result.pending:
        messages.warning(request, result.pending)
    else:
        messages.success(
            request,
            _("Charging is booked for %(visitor)s. Print or e-mail the pass below.")
            % {"visitor": visit.visitor_name},
        )
    return redirect("reception:pass", pk=visit.pk)


@require_GET
@reception_only
def visit_pass(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The printable pass (A4, or ?format=label for a label printer)."""
    visit = get_object_or_404(
        Visit.objects.visible_to(request.user).select_related(
            "site", "host__user", "host_department"
        ),
        pk=pk,
    )
    bookings = refresh_visit_bookings(
        list(visit.bookings.select_related("visit").order_by("reservation_start"))
    )
    windows = pass_windows(visit, bookings)
    return render(
        request,
        "reception/pass.html",
        {
            "visit": visit,
            "site": visit.site,
            "windows": windows,
            # A called-off visit's windows the API has not cancelled yet.
            "still_booked": [w for w in windows if w.is_live],
            "common": common_charger(windows),
            "instructions": INSTRUCTIONS,
            "other_language": other_language(visit.language),
            "label": request.GET.get("format") == "label",
        },
    )


@require_POST
@reception_only
def pass_email(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    visit = get_object_or_404(Visit.objects.visible_to(request.user), pk=pk)
    if not visit.has_personal_data or not visit.visitor_email:
        messages.error(request, _("There is no e-mail address for this visitor."))
    elif send_pass(visit=visit):
        messages.success(
            request,
            _("The pass was e-mailed to %(email)s.") % {"email": visit.visitor_email},
        )
    else:
        messages.error(
            request,
            _(
                "The pass could not be e-mailed: there is no token to send yet, "
                "or the mail server refused. Please print it instead."
            ),
        )
    return redirect("reception:pass", pk=visit.pk)


@require_http_methods(["GET", "POST"])
@reception_only
def visit_cancel(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Call off the whole visit's charging (after a confirmation page)."""
    visit = get_object_or_404(
        Visit.objects.visible_to(request.user).select_related("site"), pk=pk
    )
    form = CancelForm(request.POST if request.method == "POST" else None)
    if not form.is_valid():
        open_bookings = visit.bookings.made_here().filter(status__in=CANCELLABLE)
        return render(
            request,
            "reception/cancel.html",
            {
                "visit": visit,
                "bookings": open_bookings.order_by("reservation_start"),
                "form": form,
            },
        )
    reason = form.cleaned_data["reason"]
    result = cancel_visit(visit=visit, by=request.user, reason=reason)
    _report_cancel(request, result.cancelled, result.failures)
    return redirect("reception:pass", pk=visit.pk)


@require_http_methods(["GET", "POST"])
@reception_only
def booking_cancel(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Cancel one window of a visit (after a confirmation page)."""
    booking = get_object_or_404(
        Booking.objects.for_reception(request.user).select_related("visit__site"), pk=pk
    )
    form = CancelForm(request.POST if request.method == "POST" else None)
    if not form.is_valid():
        return render(
            request,
            "reception/cancel.html",
            {
                "visit": booking.visit,
                "bookings": [booking] if booking.is_cancellable else [],
                "one": booking,
                "form": form,
            },
        )
    reason = form.cleaned_data["reason"]
    result = cancel_window(booking=booking, by=request.user, reason=reason)
    _report_cancel(request, result.cancelled, result.failures)
    return redirect("reception:day")


def _report_cancel(
    request: AuthenticatedRequest, cancelled: list[Booking], failures: list[str]
) -> None:
    for failure in failures:
        messages.error(request, failure)
    if cancelled:
        fees = sum((b.client_price or 0) for b in cancelled)
        text = _("Cancelled. The host has been told.")
        if fees:
            text += " " + _("The operator charges a cancellation fee of %(fee)s.") % {
                "fee": formatting.money(Decimal(fees))
            }
        messages.success(request, text)
    elif not failures:
        messages.info(request, _("Nothing was left to cancel."))
