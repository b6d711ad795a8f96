"""Reception against the real sandbox over a socket: the client and the sandbox agree.

The views run in the test; every API call goes over HTTP to the sandbox served
by the live server.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from bookings.models import Booking, Visit
from bookings.petitmonde import BookingRequest, get_client
from bookings.sandbox.models import Booking as RemoteRow
from bookings.statuses import BookingStatus
from portal.models import Site, User
from tests.bookings.reception.visit_factory import tomorrow_at

pytestmark = pytest.mark.contract

NEW = reverse("reception:new")


@pytest.fixture
def sandbox(live_server: LiveServer, settings: Settings, site: Site) -> None:
    settings.PETITMONDE_API_URL = live_server.url + "/sandbox/api/v1/client"
    settings.PETITMONDE_SANDBOX = True
    settings.PETITMONDE_API_KEY = ""
    settings.BOOKING_LOOKUP_RETRY_SECONDS = 0
    call_command("sandbox_seed", verbosity=0)


@pytest.fixture
def desk(login: Callable[[User], Client], receptionist: User) -> Client:
    return login(receptionist)


def visit_data(site: Site, host: User, /, *, days: int = 1) -> dict[str, Any]:
    start = tomorrow_at(9, site)
    end = start + timedelta(days=days - 1, hours=2)
    return {
        "visitor_name": "Jane Visitor",
        "visitor_company": "ACME GmbH",
        "visitor_email": "jane@acme.example",
        "licence_plate": "KA-AB 123",
        "host": host.employee.pk,
        "site": site.pk,
        "arrival": f"{start:%Y-%m-%dT%H:%M}",
        "departure": f"{end:%Y-%m-%dT%H:%M}",
        "form_key": str(uuid.uuid4()),
    }


def book(desk: Client, data: dict[str, Any]) -> Any:
    offers = desk.post(NEW, {**data, "action": "search"})
    option, token = offers.context["options"][0]
    assert option.first.site_label == "Visitor parking, bay 1"
    return desk.post(NEW, {**data, "plan": token, "action": "book"}, follow=True)


def test_a_visitor_booking_carries_the_sandbox_token_to_the_pass(
    sandbox: None, desk: Client, site: Site, employee: User
) -> None:
    response = book(desk, visit_data(site, employee))

    remote = RemoteRow.objects.get()
    assert remote.token_strategy == "ad_hoc"
    assert remote.customer_id == ""
    assert remote.external_id == f"visitor-reception-{tomorrow_at(9, site):%Y%m%d}"
    booking = Booking.objects.get()
    assert booking.api_id == str(remote.id)
    assert booking.token_uid == remote.ad_hoc_token_uid
    html = response.content.decode()
    assert remote.ad_hoc_token_uid in html
    assert f"QR code of token {remote.ad_hoc_token_uid}" in html


def test_when_the_second_day_fails_the_first_is_cancelled_and_nothing_is_left(
    sandbox: None, sandbox_faults: Any, desk: Client, site: Site, employee: User
) -> None:
    data = visit_data(site, employee, days=3)
    offers = desk.post(NEW, {**data, "action": "search"})
    token = offers.context["options"][0][1]
    # Faults are used up in order: the first create passes a harmless one,
    # the second meets the 503.
    sandbox_faults.add("latency", count=1, endpoint="create", seconds=0)
    sandbox_faults.add("503", count=1, endpoint="create")

    response = desk.post(NEW, {**data, "plan": token, "action": "book"})

    assert response.status_code == 200
    error = response.context["error"]
    assert "Nothing was booked" in error
    assert "cancelled again" in error
    assert "reported an error of its own (HTTP 503)" in error
    assert "did not answer in time" not in error
    [remote] = RemoteRow.objects.all()  # the third day was never sent
    assert remote.status == RemoteRow.Status.CANCELLED
    first, second = Booking.objects.order_by("reservation_start")
    assert first.api_id == str(remote.id)
    assert first.status == BookingStatus.CANCELLED
    # A 503 does not prove the second window was not booked: being checked,
    # and cancelled at once should it exist.
    assert second.status == BookingStatus.SUBMITTING
    assert Visit.objects.get().is_called_off

    # Once no create can still land, the look-up finds nothing: given up.
    Booking.objects.filter(pk=second.pk).update(
        created_at=timezone.now() - timedelta(minutes=2)
    )
    page = desk.get(reverse("reception:pass", args=[second.visit_id])).content
    second.refresh_from_db()
    assert second.status == BookingStatus.NOT_BOOKED
    assert b"not booked" in page
    assert RemoteRow.objects.count() == 1
    assert not Booking.objects.filter(status=BookingStatus.SUBMITTING).exists()


def test_a_charger_taken_meanwhile_undoes_the_visit_and_offers_the_others(
    sandbox: None, desk: Client, site: Site, employee: User
) -> None:
    data = visit_data(site, employee, days=2)
    offers = desk.post(NEW, {**data, "action": "search"})
    option, token = offers.context["options"][0]
    second = option.offers[1]
    get_client().create_booking(
        BookingRequest(
            location_id=second.location_id,
            evse_uid=second.evse_uid,
            reservation_start=second.start,
            reservation_end=second.end,
            external_id="ops manual booking",
            token_strategy="ad_hoc",
        )
    )

    response = desk.post(NEW, {**data, "plan": token, "action": "book"})

    assert "just taken" in response.context["error"]
    # Offered again: for the second day the bay is taken, so another is planned.
    again = response.context["options"][0][0]
    assert again.offers[1].evse_uid != second.evse_uid
    ours = Booking.objects.get()
    assert ours.status == BookingStatus.CANCELLED
    assert RemoteRow.objects.get(id=ours.api_id).status == RemoteRow.Status.CANCELLED
