"""The employee's journey against the real sandbox over a real socket.

The portal runs in the test (Django's test client); its Petitmonde client
talks HTTP to the sandbox served by `live_server`. Nothing is mocked.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import OperationalError
from django.test import Client
from django.utils import timezone
from pytest_django.live_server_helper import LiveServer

from bookings.models import Booking
from bookings.petitmonde import BookingRequest, get_client
from bookings.sandbox import models as sandbox
from bookings.sync.run import sync_bookings
from portal.models import Site, User
from tests.bookings.test_policy import tomorrow_at
from tests.plugins.sandbox import SandboxClock, SandboxFaults

pytestmark = [pytest.mark.contract, pytest.mark.django_db(transaction=True)]

OWN_BAY = "DE*ENB*E700101*1"


@pytest.fixture
def sandbox_api(live_server: LiveServer, settings: Any, site: Site) -> None:
    settings.PETITMONDE_API_URL = live_server.url + "/sandbox/api/v1/client"
    settings.PETITMONDE_SANDBOX = True
    settings.PETITMONDE_API_KEY = ""
    settings.PETITMONDE_READ_TIMEOUT = 1.5
    settings.PETITMONDE_MAX_RETRIES = 1
    settings.BOOKING_LOOKUP_RETRY_SECONDS = 0.2
    settings.BOOKING_REFRESH_SECONDS = 0  # every page asks about due bookings
    call_command("sandbox_seed", verbosity=0)  # the world, and our site's bays


@pytest.fixture
def person(
    login: Callable[[User], Client], employee: User, sandbox_api: None
) -> Client:
    return login(employee)


def search(client: Client, site: Site) -> Any:
    start = tomorrow_at(8)
    return client.get(
        "/bookings/new/",
        {
            "site": site.pk,
            "date": start.date().isoformat(),
            "start": "08:00",
            "end": "10:00",
        },
    )


def choose(client: Client, site: Site, evse_uid: str = OWN_BAY) -> dict[str, str]:
    """Search, pick the EVSE, open the summary: the confirm form's data."""
    results = search(client, site)
    [choice] = [
        c for c in results.context["choices"] if c["offer"].evse_uid == evse_uid
    ]
    summary = client.get(choice["review_url"])
    assert summary.status_code == 200, summary.content
    confirm = summary.context["confirm"]
    return {name: str(confirm.initial[name]) for name in confirm.fields}


def remote_count(external_id: str) -> int:
    return sandbox.Booking.objects.filter(external_id=external_id).count()


def test_search_book_confirmed_cancel(
    person: Client, site: Site, sandbox_clock: SandboxClock
) -> None:
    results = search(person, site)
    offers = [c["offer"] for c in results.context["choices"]]
    assert offers[0].evse_uid == OWN_BAY  # the site's own workplace bay first
    assert "DE*ENB*E700102*1" not in [o.evse_uid for o in offers]  # visitors'
    assert offers[0].estimated_price is not None

    response = person.post("/bookings/new/confirm/", choose(person, site), follow=True)

    booking = Booking.objects.get()
    assert response.redirect_chain == [(f"/bookings/{booking.pk}/", 302)]
    assert booking.status == "REQUESTED"
    assert remote_count(booking.external_id) == 1
    assert booking.external_id == f"engineering-emp042-{tomorrow_at(8):%Y%m%d}"
    assert len(mail.outbox) == 1

    sandbox_clock.advance("10s")
    page = person.get(f"/bookings/{booking.pk}/").content.decode()
    assert ">confirmed</span>" in page

    response = person.post(
        f"/bookings/{booking.pk}/cancel/confirm/",
        {"reason": "Plans changed"},
        follow=True,
    )

    booking.refresh_from_db()
    assert booking.status == "CANCELLED"
    assert booking.cancellation_reason == "Plans changed"
    assert re.search(r"cancellation fee of €\d+\.\d\d", response.content.decode())
    remote = sandbox.Booking.objects.get(external_id=booking.external_id)
    assert remote.status == "CANCELLED"
    # Booked, confirmed by the operator (the status notice), cancelled.
    assert [m.subject.split(":")[0] for m in mail.outbox] == [
        mail.outbox[0].subject.split(":")[0],
        "Confirmed",
        mail.outbox[2].subject.split(":")[0],
    ]


def test_a_charger_taken_meanwhile_is_a_409_and_the_others_are_shown(
    person: Client, site: Site
) -> None:
    data = choose(person, site)
    # Someone else books the same bay for the same time first.
    get_client().create_booking(
        BookingRequest(
            location_id="DE-ENB-E700101",
            evse_uid=OWN_BAY,
            reservation_start=tomorrow_at(8),
            reservation_end=tomorrow_at(10),
            external_id="sales-emp077-x",
            token_strategy="driver_token",
            customer_id="cust_emp077",
        )
    )

    response = person.post("/bookings/new/confirm/", data, follow=True)

    page = response.content.decode()
    assert "That charger was just taken for this time." in page
    assert query_of(response.redirect_chain[0][0])["start"] == ["08:00"]
    shown = [c["offer"].evse_uid for c in response.context["choices"]]
    assert shown and OWN_BAY not in shown
    assert not Booking.objects.exists()


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_a_create_that_succeeds_but_answers_500_is_adopted_once(
    person: Client, site: Site, sandbox_faults: SandboxFaults
) -> None:
    data = choose(person, site)
    sandbox_faults.add("succeed_500", endpoint="create")

    response = person.post("/bookings/new/confirm/", data, follow=True)

    booking = Booking.objects.get()
    assert booking.api_id
    assert booking.status == "REQUESTED"
    assert "Booked:" in response.content.decode()
    assert remote_count(booking.external_id) == 1


def test_a_create_that_hangs_past_the_timeout_is_found_and_adopted(
    person: Client, site: Site, sandbox_faults: SandboxFaults
) -> None:
    data = choose(person, site)
    sandbox_faults.add("hang", endpoint="create", seconds=3)

    person.post("/bookings/new/confirm/", data)

    booking = Booking.objects.get()
    assert booking.api_id
    assert remote_count(booking.external_id) == 1


def test_a_create_that_cannot_be_checked_is_settled_later_by_the_list(
    person: Client, site: Site, sandbox_faults: SandboxFaults
) -> None:
    data = choose(person, site)
    sandbox_faults.add("hang", endpoint="create", seconds=3)
    sandbox_faults.add("503", endpoint="list", count=4)

    response = person.post("/bookings/new/confirm/", data, follow=True)

    booking = Booking.objects.get()
    assert booking.status == "SUBMITTING"
    assert "being checked" in response.content.decode()
    # Long enough after, the list page looks the booking up and adopts it.
    Booking.objects.filter(pk=booking.pk).update(
        created_at=timezone.now() - timedelta(minutes=2)
    )
    sandbox_faults.clear()

    page = person.get("/bookings/").content.decode()

    booking.refresh_from_db()
    assert booking.api_id
    assert booking.status != "SUBMITTING"
    assert ">being checked</span>" not in page
    assert remote_count(booking.external_id) == 1


# --- a create slower than the client waits (the 18 s against 15 s) ---------

# Scaled down: the client reads for 1.5 s and looks twice, 0.2 s apart; the
# sandbox books SLOW seconds after it received the create.
SLOW = 3.0


@pytest.fixture
def slow_create(sandbox_faults: SandboxFaults) -> Iterator[None]:
    """The next create is booked SLOW seconds late; the test waits for it.

    The server thread's answer goes out just after the booking is written;
    the short wait at the end lets it finish before the database goes away.
    """
    sandbox_faults.add("latency", endpoint="create", seconds=SLOW)
    yield
    time.sleep(0.5)


def landed(external_id: str, *, within: float = SLOW + 5) -> bool:
    """Wait until the slow create has been booked in the sandbox."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if remote_count(external_id):
                return True
        except OperationalError:
            pass  # SQLite's shared cache: the server thread is writing it
        time.sleep(0.1)
    return False


def test_a_create_slower_than_the_timeout_and_the_look_ups_is_never_booked_twice(
    person: Client,
    site: Site,
    slow_create: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    data = choose(person, site)

    response = person.post("/bookings/new/confirm/", data, follow=True)

    page = response.content.decode()
    assert "The booking service did not answer in time." in page
    assert ">being checked</span>" in page
    assert "nothing was booked" not in page
    booking = Booking.objects.get()
    assert booking.status == "SUBMITTING"

    # Confirming again (a fresh form for the same charger) is refused, not sent.
    again = person.post(
        "/bookings/new/confirm/", {**data, "submission_key": str(uuid.uuid4())}
    )
    assert again.status_code == 409
    assert "is still being checked with the booking service" in again.content.decode()

    assert landed(booking.external_id)
    # Past settle_after() the list looks it up once more, and adopts it.
    Booking.objects.filter(pk=booking.pk).update(
        created_at=timezone.now() - timedelta(minutes=2)
    )
    with django_capture_on_commit_callbacks(execute=True):
        page = person.get("/bookings/").content.decode()

    booking.refresh_from_db()
    (remote,) = sandbox.Booking.objects.all()  # one booking, one charger
    assert booking.api_id == str(remote.id)
    assert booking.status == "REQUESTED"
    assert ">requested</span>" in page
    assert [m.to for m in mail.outbox] == [["emp042@example.com"]]


def test_a_create_that_lands_after_it_was_given_up_is_cancelled_when_rebooked(
    person: Client, site: Site, slow_create: None
) -> None:
    data = choose(person, site)
    person.post("/bookings/new/confirm/", data)
    first = Booking.objects.get()

    # Given up while the sandbox is still busy with it: a create slower than
    # anything the portal waits for.
    Booking.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - timedelta(minutes=2)
    )
    page = person.get("/bookings/").content.decode()
    first.refresh_from_db()
    assert first.status == "NOT_BOOKED"
    assert "was not made." in page

    # Told nothing was booked, the person books another charger for that time
    # (once the slow create is in: SQLite's test database cannot take two
    # writers at once, which PostgreSQL and the real API can).
    assert landed(first.external_id)
    results = search(person, site)
    other = next(
        c for c in results.context["choices"] if c["offer"].evse_uid != OWN_BAY
    )
    summary = person.get(other["review_url"])
    confirm = summary.context["confirm"]
    person.post(
        "/bookings/new/confirm/",
        {name: str(confirm.initial[name]) for name in confirm.fields},
    )
    retry = Booking.objects.exclude(pk=first.pk).get()
    assert retry.external_id == first.external_id + "-2"  # never the same one
    assert retry.status == "REQUESTED"

    # The first create landed after all; the sync knows it by its reference,
    # charger and window, and cancels it at once, free of charge.
    result = sync_bookings(client=get_client())

    assert (result.late_adopted, result.late_cancelled) == (0, 1)
    first.refresh_from_db()
    late = sandbox.Booking.objects.get(external_id=first.external_id)
    assert first.api_id == str(late.id)
    assert first.status == late.status == "CANCELLED"
    assert first.client_price == 0
    assert Booking.objects.live().count() == 1  # one a day, as the rule says
    assert Booking.objects.count() == 2
