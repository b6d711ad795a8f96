"""The sandbox's HTTP API, shaped like the Petitmonde client API (Part B1).

JSON in and out; authenticated by the API key, not by a portal session.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt

from bookings.sandbox import faults, ratelimit
from bookings.sandbox.forms import (
    BookingCreateForm,
    BookingListForm,
    CancelForm,
    SearchForm,
)
from bookings.sandbox.models import (
    Booking,
    Clock,
    Connector,
    Evse,
    Fault,
    Location,
    NotCancellable,
    PlannedOutcome,
)
from bookings.sandbox.search import SearchQuery, search

# A view gets the request, sandbox time and the URL's arguments.
Handler = Callable[..., HttpResponse]
NOT_AVAILABLE = "EVSE not available for requested time"


def error(status: int, message: str) -> HttpResponse:
    return JsonResponse({"error": message}, status=status)


def presented_key(request: HttpRequest) -> str:
    key = request.headers.get("X-API-Key", "")
    if not key:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer":
            key = token.strip()
    return key


def _refusal(request: HttpRequest, endpoints: dict[str, str]) -> HttpResponse | None:
    """401, 403 or 405: answers that neither count nor reach any fault."""
    key = presented_key(request)
    if key and key in settings.PETITMONDE_SANDBOX_SUSPENDED_KEYS:
        return error(403, "Account suspended or inactive")
    if not key or not constant_time_compare(key, settings.PETITMONDE_SANDBOX_KEY):
        return error(401, "Invalid or missing API key")
    if request.method not in endpoints:
        response = error(405, "Method not allowed")
        response["Allow"] = ", ".join(endpoints)
        return response
    return None


def api(endpoints: dict[str, str]) -> Callable[[Handler], Handler]:
    """An API view: `endpoints` maps each allowed method to its fault scope.

    In order: the sandbox must be on (else it does not exist), the key must
    be good, the rate limits must allow, then any fault planned for the
    endpoint acts around the real work. Every answer carries the rate-limit
    headers.
    """

    def decorate(handler: Handler) -> Handler:
        @csrf_exempt
        @login_not_required
        @wraps(handler)
        def view(request: HttpRequest, **kwargs: Any) -> HttpResponse:
            if not settings.PETITMONDE_SANDBOX:
                raise Http404
            real_now = timezone.now()
            key = presented_key(request)
            response = _refusal(request, endpoints)
            if response is not None:
                allowance = ratelimit.peek(key, real_now)
            else:
                allowance = ratelimit.charge(key, real_now)
                if allowance.refused_by:
                    response = _rate_limited(allowance)
                else:
                    endpoint = endpoints[request.method or ""]
                    response = _serve(request, endpoint, handler, kwargs, real_now)
            for name, value in allowance.headers().items():
                response.setdefault(name, value)
            return response

        return view

    return decorate


def _rate_limited(allowance: ratelimit.Allowance) -> HttpResponse:
    what = "Monthly quota" if allowance.refused_by == "month" else "Rate limit"
    return error(429, f"{what} exceeded. Retry after {allowance.retry_after} seconds.")


def _serve(
    request: HttpRequest,
    endpoint: str,
    handler: Handler,
    kwargs: dict[str, Any],
    real_now: datetime,
) -> HttpResponse:
    fault = Fault.objects.take(endpoint, real_now)
    if fault is not None and (canned := faults.before(fault)) is not None:
        return canned
    now = Clock.now()
    Booking.objects.advance(now)
    response = handler(request, now, **kwargs)
    if fault is not None:
        response = faults.after(fault, request, response)
    return response


def _json_body(request: HttpRequest) -> dict[str, Any] | None:
    if not request.body:
        return {}
    try:
        payload = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return None
    return payload if isinstance(payload, dict) else None


def _found(queryset: Any, booking_id: str) -> Booking | None:
    try:
        found: Booking | None = queryset.filter(pk=uuid.UUID(booking_id)).first()
        return found
    except ValueError:  # not a UUID, so no booking of ours
        return None


@api({"GET": "search"})
def search_locations(request: HttpRequest, now: datetime) -> HttpResponse:
    form = SearchForm(request.GET)
    if not form.is_valid():
        return error(400, form.first_error())
    return JsonResponse(search(SearchQuery(**form.cleaned_data), now=now))


@api({"GET": "list", "POST": "create"})
def bookings(request: HttpRequest, now: datetime) -> HttpResponse:
    if request.method == "POST":
        return _create(request, now)
    form = BookingListForm(request.GET)
    if not form.is_valid():
        return error(400, form.first_error())
    data = form.cleaned_data
    found = Booking.objects.select_related("location", "evse")
    if data["status"]:
        found = found.filter(status=data["status"])
    if data["from_date"]:
        found = found.filter(created_at__gte=data["from_date"])
    if data["to_date"]:
        found = found.filter(created_at__lte=data["to_date"])
    page = found.newest_first()[: data["limit"]]
    return JsonResponse({"bookings": [booking.as_api() for booking in page]})


def _create(request: HttpRequest, now: datetime) -> HttpResponse:
    payload = _json_body(request)
    if payload is None:
        return error(400, "Request body must be a JSON object")
    if problem := BookingCreateForm.type_error(payload):
        return error(400, problem)
    form = BookingCreateForm(payload, now=now)
    if not form.is_valid():
        return error(400, form.first_error())
    data = form.cleaned_data
    location = Location.objects.filter(location_id=data["location_id"]).first()
    if location is None:
        return error(404, f"Location not found: {data['location_id']}")
    evse = (
        Evse.objects.filter(location=location, evse_uid=data["evse_uid"])
        .prefetch_related("connectors")
        .first()
    )
    if evse is None:
        return error(404, f"EVSE not found at this location: {data['evse_uid']}")
    if not location.supports_reservation:
        return error(400, "Location does not support reservations")
    connector = None
    if data["connector_id"]:
        connector = next(
            (
                c
                for c in evse.connectors.all()
                if c.connector_id == data["connector_id"]
            ),
            None,
        )
        if connector is None:
            return error(
                400, f"Unknown connector_id for this EVSE: {data['connector_id']}"
            )
    return _book(evse, connector, data, now)


def _book(
    evse: Evse, connector: Connector | None, data: dict[str, Any], now: datetime
) -> HttpResponse:
    start, end = data["reservation_start"], data["reservation_end"]
    with transaction.atomic():
        # Lock the EVSE so that two overlapping requests cannot both pass.
        Evse.objects.select_for_update().filter(pk=evse.pk).first()
        if not evse.is_working or (
            Booking.objects.active().filter(evse=evse).overlapping(start, end).exists()
        ):
            return error(409, NOT_AVAILABLE)
        booking = Booking.plan(
            evse=evse,
            connector=connector,
            start=start,
            end=end,
            created_at=now,
            token_strategy=data["token_strategy"],
            outcome=PlannedOutcome.take(),
            external_id=data["external_id"],
            customer_id=data["customer_id"],
            token_id=data["token_id"],
            fleet_group_id=data["fleet_group_id"],
            token_uid=data["token_uid"],
        )
        booking.save(force_insert=True)
    return JsonResponse(booking.as_api(), status=202)


@api({"GET": "get"})
def booking_detail(
    request: HttpRequest, now: datetime, booking_id: str
) -> HttpResponse:
    booking = _found(Booking.objects.select_related("location", "evse"), booking_id)
    if booking is None:
        return error(404, "Booking not found")
    return JsonResponse(booking.as_api())


@api({"POST": "cancel"})
def booking_cancel(
    request: HttpRequest, now: datetime, booking_id: str
) -> HttpResponse:
    payload = _json_body(request)
    if payload is None:
        return error(400, "Request body must be a JSON object")
    if problem := CancelForm.type_error(payload):
        return error(400, problem)
    form = CancelForm(payload)
    if not form.is_valid():
        return error(400, form.first_error())
    with transaction.atomic():
        booking = _found(
            Booking.objects.select_for_update().select_related("location", "evse"),
            booking_id,
        )
        if booking is None:
            return error(404, "Booking not found")
        try:
            booking.cancel(now=now, reason=form.cleaned_data["reason"])
        except NotCancellable:
            return error(400, "Booking cannot be cancelled in current state")
    return JsonResponse(booking.as_api())


@api({"GET": "usage"})
def usage(request: HttpRequest, now: datetime) -> HttpResponse:
    allowance = ratelimit.peek(presented_key(request), timezone.now())
    return JsonResponse(allowance.as_usage())


@csrf_exempt
@login_not_required
def not_found(request: HttpRequest, path: str = "") -> HttpResponse:
    if not settings.PETITMONDE_SANDBOX:
        raise Http404
    return error(404, "Not found")
