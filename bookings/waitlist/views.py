"""The waiting list's pages: my place in line and my offers, the reception's
view of its sites' lines, my e-mail choices, and releasing a booking."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bookings import services
from bookings.formatting import format_window
from bookings.models import Booking, Visit
from bookings.views import _booked_message, _cancelled_message, _employee
from bookings.waitlist import line, notices, offers
from bookings.waitlist.forms import JoinForm, PreferencesForm
from bookings.waitlist.models import NoticePreferences, Offer, WaitlistEntry
from bookings.waitlist.tasks import match_site_soon
from portal.http import AuthenticatedRequest
from portal.roles import BOOK_VISITORS

# Sent to the operator with the cancel: protocol, not translated.
RELEASE_REASON = "Released by the driver: not coming"


@require_GET
def waitlist_list(request: AuthenticatedRequest) -> HttpResponse:
    employee = _employee(request)
    now = timezone.now()
    entries = list(
        WaitlistEntry.objects.visible_to(request.user)
        .in_line()
        .select_related("site")
        .order_by("start")
    )
    rows = [
        {
            "entry": entry,
            "place": line.place_of(entry, now),
            "window": format_window(entry.start, entry.end, entry.site.tzinfo),
            "offer": entry.offers.open().first(),
        }
        for entry in entries
    ]
    return render(request, "waitlist/list.html", {"rows": rows, "employee": employee})


@require_POST
def waitlist_join(request: AuthenticatedRequest) -> HttpResponse:
    employee = _employee(request)
    form = JoinForm(request.POST, employee=employee)
    if not form.is_valid():
        return render(request, "waitlist/join.html", {"form": form}, status=400)
    data = form.cleaned_data
    already = (
        WaitlistEntry.objects.in_line()
        .filter(
            employee=employee,
            site=data["site"],
            start__lt=data["end_at"],
            end__gt=data["start_at"],
        )
        .first()
    )
    if already is not None:
        messages.info(request, _("You are already in line for that time."))
        return redirect("waitlist:list")
    entry = WaitlistEntry.objects.create(
        employee=employee,
        site=data["site"],
        start=data["start_at"],
        end=data["end_at"],
        flex_minutes=data["flex_minutes"],
    )
    match_site_soon(entry.site_id)
    messages.success(
        request,
        _(
            "You are in line for %(window)s at %(site)s. We e-mail you as soon "
            "as a charger frees up for you."
        )
        % {
            "window": format_window(entry.start, entry.end, entry.site.tzinfo),
            "site": entry.site.name,
        },
    )
    return redirect("waitlist:list")


@require_POST
def waitlist_leave(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    _employee(request)
    entry = get_object_or_404(
        WaitlistEntry.objects.visible_to(request.user).in_line(),
        pk=pk,
    )
    offers.leave_line(entry=entry)
    messages.success(request, _("You have left the line."))
    return redirect("waitlist:list")


def _my_offer(request: AuthenticatedRequest, pk: int) -> Offer:
    _employee(request)
    return get_object_or_404(
        Offer.objects.visible_to(request.user).select_related(
            "entry__site", "entry__employee__user"
        ),
        pk=pk,
    )


@require_GET
def offer_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    offer = _my_offer(request, pk)
    site = offer.entry.site
    return render(
        request,
        "waitlist/offer.html",
        {
            "offer": offer,
            "site": site,
            "window": format_window(offer.start, offer.end, site.tzinfo),
            "until": timezone.localtime(offer.expires_at, site.tzinfo),
        },
    )


@require_POST
def offer_accept(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    offer = _my_offer(request, pk)
    outcome = offers.accept_offer(offer=offer, by=request.user)
    match outcome:
        case offers.Taken(booking=booking, outcome=services.BeingChecked(message=m)):
            messages.warning(request, m)
        case offers.Taken(booking=booking, outcome=services.AlreadyConfirmed()):
            messages.info(request, _("You had already taken this offer: here it is."))
        case offers.Taken(booking=booking):
            messages.success(request, _booked_message(booking))
        case offers.Lost(message=message):
            messages.error(request, message + " " + offers.freed_message())
            return redirect("waitlist:list")
        case offers.TryAgain(message=message):
            messages.error(request, message)
            return redirect("waitlist:offer", pk=offer.pk)
        case offers.Gone():
            messages.info(request, _("This offer is no longer open."))
            return redirect("waitlist:list")
    return redirect("bookings:detail", pk=booking.pk)


@require_POST
def offer_decline(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    offer = _my_offer(request, pk)
    if offers.decline_offer(offer=offer):
        messages.success(
            request,
            _("Passed on to the next person. You stay in line for other times."),
        )
    else:
        messages.info(request, _("This offer is no longer open."))
    return redirect("waitlist:list")


@require_GET
def waitlist_sites(request: AuthenticatedRequest) -> HttpResponse:
    """Reception: the line at each of its sites, in its fair order."""
    if not request.user.has_perm(BOOK_VISITORS):
        raise PermissionDenied
    now = timezone.now()
    sites = Visit.sites_for(request.user)
    entries = list(
        WaitlistEntry.objects.in_line()
        .filter(site__in=sites)
        .select_related("site", "employee__user")
    )
    by_site: dict[int, list[WaitlistEntry]] = {}
    for entry in line.in_fair_order(entries, now):
        by_site.setdefault(entry.site_id, []).append(entry)
    groups = [
        {
            "site": site,
            "rows": [
                {
                    "entry": e,
                    "window": format_window(e.start, e.end, site.tzinfo),
                }
                for e in by_site.get(site.pk, [])
            ],
        }
        for site in sites
    ]
    return render(request, "waitlist/sites.html", {"groups": groups})


@require_http_methods(["GET", "POST"])
def notices_edit(request: AuthenticatedRequest) -> HttpResponse:
    _employee(request)
    preferences, _created = NoticePreferences.objects.get_or_create(user=request.user)
    form = PreferencesForm(request.POST or None, instance=preferences)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your choice of e-mails is saved."))
        return redirect("waitlist:notices")
    return render(request, "waitlist/notices.html", {"form": form})


def _my_booking(request: AuthenticatedRequest, pk: int) -> Booking:
    _employee(request)
    return get_object_or_404(
        Booking.objects.visible_to(request.user).select_related("site"),
        pk=pk,
    )


@require_GET
def booking_release(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """ "Not coming? Release it": what it costs now against a no-show."""
    booking = _my_booking(request, pk)
    return render(
        request,
        "waitlist/release.html",
        {"booking": booking, "costs": notices.costs_in_words(booking)},
    )


@require_POST
def booking_release_confirm(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    booking = _my_booking(request, pk)
    outcome = services.cancel_booking(
        booking=booking,
        by=request.user,
        reason=RELEASE_REASON,
    )
    match outcome:
        case services.AlreadyCancelled():
            messages.info(request, _("This booking was already cancelled."))
        case services.NotCancelled(message=message):
            messages.error(request, message)
        case services.Cancelled():
            messages.success(
                request,
                _cancelled_message(outcome)
                + " "
                + _("Thank you: the charger goes to someone who is waiting."),
            )
    return redirect("bookings:detail", pk=booking.pk)
