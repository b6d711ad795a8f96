"""Reception pages: the day, booking a visitor step by step, the pass, cancelling."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking, Visit
from bookings.reception.forms import VisitForm, initial_visit
from bookings.reception.visits import earliest_start
from bookings.statuses import BookingStatus
from portal.models import Site, User
from tests.bookings.reception.visit_factory import make_visit, tomorrow_at
from tests.fake_api import FakePetitmonde

pytestmark = pytest.mark.django_db

NEW = reverse("reception:new")
DAY = reverse("reception:day")


@pytest.fixture
def desk(login: Callable[[User], Client], receptionist: User) -> Client:
    return login(receptionist)


def visit_data(site: Site, host: User, /, *, days: int = 1, **changes: Any) -> dict:
    start = tomorrow_at(9, site)
    end = start + timedelta(days=days - 1, hours=2)
    data = {
        "visitor_name": "Jane  Visitor",
        "visitor_company": "ACME GmbH",
        "visitor_email": "jane@acme.example",
        "licence_plate": "ka-ab 123",
        "host_query": "",
        "host": host.employee.pk,
        "site": site.pk,
        "arrival": f"{start:%Y-%m-%dT%H:%M}",
        "departure": f"{end:%Y-%m-%dT%H:%M}",
        "form_key": str(uuid.uuid4()),
    }
    data.update(changes)
    return data


def choose(desk: Client, data: dict, n: int = 0) -> str:
    """Search, and return the signed plan of the n-th charger offered."""
    response = desk.post(NEW, {**data, "action": "search"})
    assert response.status_code == 200
    return response.context["options"][n][1]


# --- the day --------------------------------------------------------------------


def test_day_lists_todays_and_coming_visitors_by_day(
    desk: Client, site: Site, employee: User
) -> None:
    make_visit(site=site, host=employee, days=2)
    make_visit(
        site=site,
        host=employee,
        visitor_name="Past Person",
        start=tomorrow_at(9, site) - timedelta(days=3),
    )

    response = desk.get(DAY)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-label="Visitor">Jane Visitor') == 2
    assert "Tomorrow" in html
    assert "Past Person" not in html
    assert 'data-symbol="✓"' in html and "confirmed" in html  # word and symbol
    assert "Visitor parking, bay 1" in html
    assert "Erika Muster" in html
    # The token is for the pass only.
    assert "04A2B3C4D5E6" not in html


def test_day_asks_the_api_only_about_bookings_due_to_change(
    desk: Client, site: Site, employee: User, fake_api: FakePetitmonde
) -> None:
    make_visit(site=site, host=employee)  # confirmed, synced just now
    due = make_visit(site=site, host=employee, status=BookingStatus.REQUESTED)
    booking = due.bookings.get()
    Booking.objects.filter(pk=booking.pk).update(
        last_synced_at=timezone.now() - timedelta(minutes=5)
    )
    fake_api.bookings[booking.api_id] = {"id": booking.api_id, "status": "CONFIRMED"}

    desk.get(DAY)

    assert [c.request.url.rsplit("/", 1)[1] for c in fake_api.mock.calls] == [
        booking.api_id
    ]
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_a_receptionist_limited_to_a_site_sees_only_its_visitors(
    desk: Client, receptionist: User, site: Site, other_site: Site, employee: User
) -> None:
    make_visit(site=site, host=employee, visitor_name="Here Person")
    make_visit(site=other_site, host=employee, visitor_name="There Person")
    receptionist.reception_sites.set([other_site])

    html = desk.get(DAY).content.decode()

    assert "There Person" in html
    assert "Here Person" not in html


def test_day_filters_by_site(
    desk: Client, site: Site, other_site: Site, employee: User
) -> None:
    make_visit(site=site, host=employee, visitor_name="Here Person")
    make_visit(site=other_site, host=employee, visitor_name="There Person")

    html = desk.get(DAY, {"site": other_site.pk}).content.decode()

    assert "There Person" in html
    assert "Here Person" not in html


# --- the visit form -----------------------------------------------------------------


@pytest.mark.time_machine(datetime(2027, 5, 4, 8, 7, tzinfo=UTC), tick=False)
def test_new_form_starts_at_the_receptionists_site_soon(
    desk: Client, site: Site
) -> None:
    response = desk.get(NEW)
    form = response.context["form"]
    assert form["site"].value() == site.pk
    assert form["form_key"].value()
    # 10:07 in Karlsruhe: the quarter hour after the 15 minutes' lead.
    assert form["arrival"].value() == "2027-05-04T10:30"
    assert form["departure"].value() == "2027-05-04T12:30"


@pytest.mark.parametrize(
    ("now", "arrival", "departure"),
    [
        # 02:40 summer time, just before the clocks go back at 03:00: every
        # 02:xx is said twice tonight, so the first time it names alone.
        (datetime(2027, 10, 31, 0, 40, tzinfo=UTC), "03:00", "05:00"),
        # 02:40 winter time, inside the repeated hour.
        (datetime(2027, 10, 31, 1, 40, tzinfo=UTC), "03:00", "05:00"),
        # 00:10 summer time: two hours on would end inside the repeated hour.
        (datetime(2027, 10, 30, 22, 10, tzinfo=UTC), "00:30", "03:00"),
        # 00:10 winter time in March: two hours on is no wall-clock 02:30,
        # which does not exist tonight, but 03:30 summer time.
        (datetime(2027, 3, 27, 23, 10, tzinfo=UTC), "00:30", "03:30"),
    ],
)
def test_a_new_form_on_a_night_the_clocks_change_can_be_sent_as_it_is(
    receptionist: User,
    site: Site,
    employee: User,
    time_machine: Any,
    now: datetime,
    arrival: str,
    departure: str,
) -> None:
    time_machine.move_to(now, tick=False)
    initial = initial_visit(receptionist)
    day = f"{now.astimezone(site.tzinfo):%Y-%m-%d}"
    assert (initial["arrival"], initial["departure"]) == (
        f"{day}T{arrival}",
        f"{day}T{departure}",
    )
    data = visit_data(site, employee) | {
        "arrival": initial["arrival"],
        "departure": initial["departure"],
    }
    form = VisitForm(user=receptionist, data=data)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["arrival"] >= earliest_start(site)


def test_find_host_lists_matches_without_complaining_about_empty_fields(
    desk: Client, site: Site, employee: User, colleague: User
) -> None:
    response = desk.post(
        NEW, {"action": "find_host", "host_query": "emp04", "site": site.pk}
    )
    html = response.content.decode()
    assert "Erika Muster · Engineering" in html
    assert "Max Kollege · Engineering" in html
    assert "This field is required" not in html


def test_a_single_match_is_taken_as_the_host(
    desk: Client, site: Site, employee: User, fake_api: FakePetitmonde
) -> None:
    data = visit_data(site, employee, host="", host_query="Muster")
    response = desk.post(NEW, {**data, "action": "search"})
    assert response.status_code == 200
    assert response.context["carry"]["host"] == str(employee.employee.pk)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"host": "", "host_query": ""}, "host_query", "Type the host's name."),
        ({"host": "", "host_query": "Nobody"}, "host_query", "Nobody at the company"),
        ({"host": "", "host_query": "emp04"}, "host", "Several people match"),
        ({"visitor_name": ""}, "visitor_name", "This field is required."),
        ({"visitor_email": "jane@"}, "visitor_email", "valid email"),
        ({"licence_plate": "KA/AB 123"}, "licence_plate", "Letters, digits"),
        ({"departure": "2020-01-01T08:00"}, "departure", "after the arrival"),
        ({"arrival": "2020-01-01T08:00"}, "arrival", "at the earliest"),
    ],
)
def test_each_field_is_checked_with_a_message_next_to_it(
    desk: Client,
    site: Site,
    employee: User,
    colleague: User,
    changes: dict,
    field: str,
    message: str,
) -> None:
    response = desk.post(NEW, {**visit_data(site, employee, **changes)})

    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in error for error in form.errors[field])
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    assert 'value="ACME GmbH"' in html  # what was typed stays


def test_a_visit_over_days_needs_daily_hours(
    desk: Client, site: Site, employee: User
) -> None:
    start = tomorrow_at(14, site)
    data = visit_data(
        site,
        employee,
        arrival=f"{start:%Y-%m-%dT%H:%M}",
        departure=f"{start + timedelta(hours=20):%Y-%m-%dT%H:%M}",
    )
    form = desk.post(NEW, data).context["form"]
    assert "same hours every day" in form.errors["departure"][0]


def test_a_visit_of_too_many_windows_is_refused(
    desk: Client, site: Site, employee: User
) -> None:
    start = tomorrow_at(8, site)
    data = visit_data(
        site,
        employee,
        arrival=f"{start:%Y-%m-%dT%H:%M}",
        departure=f"{start + timedelta(days=5, hours=9):%Y-%m-%dT%H:%M}",
    )
    form = desk.post(NEW, data).context["form"]
    assert "18 charging windows" in form.errors["departure"][0]


def test_the_site_must_be_one_of_the_receptionists(
    desk: Client, receptionist: User, site: Site, other_site: Site, employee: User
) -> None:
    receptionist.reception_sites.set([site])
    form = desk.post(NEW, visit_data(other_site, employee)).context["form"]
    assert "site" in form.errors


# --- chargers and plan ----------------------------------------------------------------


def test_chargers_are_offered_with_the_visitor_bays_first(
    desk: Client, site: Site, employee: User, fake_api: FakePetitmonde
) -> None:
    response = desk.post(NEW, {**visit_data(site, employee), "action": "search"})

    html = response.content.decode()
    assert html.index("Visitor parking, bay 1") < html.index("IONITY Karlsruhe Süd")
    assert "Garage P1" not in html  # the staff bays are not for visitors
    assert "€6.20" in html
    assert "Book this charger" in html
    assert 'name="visitor_name" value="Jane Visitor"' in html  # carried, tidied


def test_the_visitor_chargers_show_their_connector_like_the_employees(
    desk: Client, site: Site, employee: User, fake_api: FakePetitmonde
) -> None:
    response = desk.post(NEW, {**visit_data(site, employee), "action": "search"})

    html = response.content.decode()
    assert '<th scope="col">Connector</th>' in html
    assert 'data-label="Connector">Type 2 (AC)</td>' in html


def test_a_search_failure_is_explained_on_the_form(
    desk: Client, site: Site, employee: User, fake_api: FakePetitmonde
) -> None:
    fake_api.fail(
        "search", 429, "Rate limit exceeded. Retry after 30 seconds.", retry_after=30
    )
    response = desk.post(NEW, {**visit_data(site, employee), "action": "search"})
    assert response.status_code == 200
    assert "try again in 30 seconds" in response.content.decode()
    assert response.context["form"]["visitor_company"].value() == "ACME GmbH"


def test_a_long_visit_shows_its_plan_before_booking(
    desk: Client, site: Site, employee: User, fake_api: FakePetitmonde
) -> None:
    data = visit_data(site, employee, days=3)
    plan = choose(desk, data)
    assert len(fake_api.searches) == 3

    response = desk.post(NEW, {**data, "plan": plan, "action": "plan"})

    html = response.content.decode()
    assert "Book all 3 windows" in html
    assert "Estimated total" in html and "€18.60" in html
    assert fake_api.created == []


def test_a_tampered_plan_offers_the_chargers_again(
    desk: Client, site: Site, employee: User, fake_api: FakePetitmonde
) -> None:
    data = visit_data(site, employee)
    response = desk.post(NEW, {**data, "plan": "forged", "action": "book"})
    assert "could not be read" in response.context["error"]
    assert response.context["options"]
    assert fake_api.created == []


def test_a_plan_for_other_times_is_not_booked(
    desk: Client, site: Site, employee: User, fake_api: FakePetitmonde
) -> None:
    data = visit_data(site, employee)
    plan = choose(desk, data)
    later = tomorrow_at(13, site)
    moved = {
        **data,
        "arrival": f"{later:%Y-%m-%dT%H:%M}",
        "departure": f"{later + timedelta(hours=2):%Y-%m-%dT%H:%M}",
    }
    response = desk.post(NEW, {**moved, "plan": plan, "action": "book"})
    assert "times have changed" in response.context["error"]
    assert fake_api.created == []


# --- booking ---------------------------------------------------------------------


def test_booking_sends_ad_hoc_and_opens_the_pass(
    desk: Client, site: Site, employee: User, fake_api: FakePetitmonde
) -> None:
    data = visit_data(site, employee)
    plan = choose(desk, data)

    response = desk.post(NEW, {**data, "plan": plan, "action": "book"}, follow=True)

    visit = Visit.objects.get()
    assert response.redirect_chain == [
        (reverse("reception:pass", args=[visit.pk]), 302)
    ]
    [sent] = fake_api.created
    assert sent["token_strategy"] == "ad_hoc"
    assert "customer_id" not in sent and "token_id" not in sent
    assert sent["external_id"] == f"visitor-reception-{tomorrow_at(9, site):%Y%m%d}"
    assert visit.visitor_name == "Jane Visitor"
    assert visit.licence_plate == "KA-AB 123"
    assert visit.host == employee.employee
    html = response.content.decode()
    assert "Charging is booked for Jane Visitor" in html
    assert "04A2B3C4D5E601" in html


def test_a_double_submit_books_one_set(
    desk: Client, site: Site, employee: User, fake_api: FakePetitmonde
) -> None:
    data = visit_data(site, employee, days=2)
    plan = choose(desk, data)

    first = desk.post(NEW, {**data, "plan": plan, "action": "book"})
    second = desk.post(NEW, {**data, "plan": plan, "action": "book"}, follow=True)

    assert first.status_code == 302
    assert len(fake_api.created) == 2
    assert Visit.objects.count() == 1
    assert "already been sent" in second.content.decode()


def test_a_taken_charger_offers_the_others_again_and_keeps_the_visit(
    desk: Client, site: Site, employee: User, fake_api: FakePetitmonde
) -> None:
    data = visit_data(site, employee, days=2)
    plan = choose(desk, data)
    fake_api.fail("create", 409, "EVSE not available for requested time", call=2)

    response = desk.post(NEW, {**data, "plan": plan, "action": "book"})

    assert response.status_code == 200
    assert "reception/choose.html" in [t.name for t in response.templates]
    assert "just taken" in response.context["error"]
    assert response.context["options"]
    carry = response.context["carry"]
    assert carry["visitor_company"] == "ACME GmbH"
    assert carry["form_key"] != data["form_key"]  # the next try is a new one
    assert len(fake_api.cancelled) == 1


def test_a_refusal_shows_the_api_message_on_the_plan(
    desk: Client, site: Site, employee: User, fake_api: FakePetitmonde
) -> None:
    data = visit_data(site, employee)
    plan = choose(desk, data)
    fake_api.fail(
        "create", 400, "Reservation must start at least 15 minutes from now", call=1
    )

    response = desk.post(NEW, {**data, "plan": plan, "action": "book"})

    assert "reception/plan.html" in [t.name for t in response.templates]
    assert (
        "Its explanation: “Reservation must start at least 15 minutes from now.”"
        in response.content.decode()
    )
    assert response.context["carry"]["form_key"] != data["form_key"]
    assert not Visit.objects.exists()


# --- the pass --------------------------------------------------------------------


def test_the_pass_has_token_qr_charger_and_local_window(
    desk: Client, site: Site, employee: User
) -> None:
    visit = make_visit(site=site, host=employee, days=2)

    response = desk.get(reverse("reception:pass", args=[visit.pk]))

    html = response.content.decode()
    assert "04A2B3C4D5E600" in html and "04A2B3C4D5E601" in html
    assert html.count('src="data:image/svg+xml') == 2
    assert 'alt="QR code of token 04A2B3C4D5E600"' in html
    assert "Karlsruhe HQ – Visitor parking" in html
    assert "Kaiserstraße 120, Karlsruhe" in html
    assert "DE*ENB*E700102*1" in html
    assert "Visitor parking, bay 1" in html
    assert "09:00–11:00" in html
    assert "css/print.css" in html
    assert "style=" not in html


def test_the_label_format_has_one_label_per_window(
    desk: Client, site: Site, employee: User
) -> None:
    visit = make_visit(site=site, host=employee, days=3)
    response = desk.get(reverse("reception:pass", args=[visit.pk]), {"format": "label"})
    assert response.content.decode().count('class="label"') == 3


def test_a_cancelled_window_shows_no_token(
    desk: Client, site: Site, employee: User
) -> None:
    visit = make_visit(site=site, host=employee, status=BookingStatus.CANCELLED)
    html = desk.get(reverse("reception:pass", args=[visit.pk])).content.decode()
    assert "04A2B3C4D5E6" not in html
    assert "cancelled" in html


def test_a_cancelled_pass_has_nothing_to_print(
    desk: Client, site: Site, employee: User
) -> None:
    visit = make_visit(site=site, host=employee, status=BookingStatus.CANCELLED)
    html = desk.get(reverse("reception:pass", args=[visit.pk])).content.decode()
    assert "data-print" not in html
    assert "Labels for the label printer" not in html


def test_a_booked_pass_can_be_printed(desk: Client, site: Site, employee: User) -> None:
    visit = make_visit(site=site, host=employee)
    html = desk.get(reverse("reception:pass", args=[visit.pk])).content.decode()
    assert "data-print" in html
    assert "Labels for the label printer" in html


def test_the_pass_is_emailed_with_its_qr_codes(
    desk: Client, site: Site, employee: User
) -> None:
    visit = make_visit(site=site, host=employee, days=2)

    response = desk.post(reverse("reception:pass_email", args=[visit.pk]), follow=True)

    [message] = mail.outbox
    assert message.to == ["jane@acme.example"]
    assert "04A2B3C4D5E600" in message.body
    assert "09:00" in message.body
    assert [(name, kind) for name, _c, kind in message.attachments] == [
        ("charging-token-04A2B3C4D5E600.png", "image/png"),
        ("charging-token-04A2B3C4D5E601.png", "image/png"),
    ]
    assert message.attachments[0][1].startswith(b"\x89PNG")
    assert "e-mailed to jane@acme.example" in response.content.decode()
    visit.refresh_from_db()
    assert visit.pass_sent_at is not None


def test_no_pass_mail_without_an_address(
    desk: Client, site: Site, employee: User
) -> None:
    visit = make_visit(site=site, host=employee, visitor_email="")
    response = desk.post(reverse("reception:pass_email", args=[visit.pk]), follow=True)
    assert mail.outbox == []
    assert "no e-mail address" in response.content.decode()


def test_the_pass_after_the_clean_up_names_nobody(
    desk: Client, site: Site, employee: User
) -> None:
    visit = make_visit(site=site, host=employee)
    Visit.objects.filter(pk=visit.pk).remove_personal_data(timezone.now())
    html = desk.get(reverse("reception:pass", args=[visit.pk])).content.decode()
    assert "Jane Visitor" not in html and "ACME" not in html and "KA-AB" not in html
    assert "removed after the visit" in html


@pytest.mark.parametrize("method", ["put", "delete"])
def test_pages_refuse_other_methods(
    desk: Client, site: Site, employee: User, method: str
) -> None:
    visit = make_visit(site=site, host=employee)
    for url in (
        DAY,
        NEW,
        reverse("reception:pass", args=[visit.pk]),
        reverse("reception:pass_email", args=[visit.pk]),
    ):
        assert getattr(desk, method)(url).status_code == 405


def test_pass_email_needs_post(desk: Client, site: Site, employee: User) -> None:
    visit = make_visit(site=site, host=employee)
    assert desk.get(reverse("reception:pass_email", args=[visit.pk])).status_code == 405


# --- cancelling ----------------------------------------------------------------------


def test_cancelling_a_window_asks_first_then_cancels_and_tells_the_host(
    desk: Client,
    site: Site,
    employee: User,
    fake_api: FakePetitmonde,
    django_capture_on_commit_callbacks: Any,
) -> None:
    visit = make_visit(site=site, host=employee)
    booking = visit.bookings.get()
    fake_api.bookings[booking.api_id] = {"id": booking.api_id, "status": "CONFIRMED"}
    url = reverse("reception:cancel_booking", args=[booking.pk])

    page = desk.get(url).content.decode()
    assert "cancellation fee" in page
    assert fake_api.cancelled == []

    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(url, follow=True)

    assert fake_api.cancelled == [booking.api_id]
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert "The host has been told" in response.content.decode()
    [message] = mail.outbox
    assert message.to == [employee.email]


def test_calling_off_a_visit_cancels_every_window(
    desk: Client, site: Site, employee: User, fake_api: FakePetitmonde
) -> None:
    visit = make_visit(site=site, host=employee, days=2)
    for booking in visit.bookings.all():
        fake_api.bookings[booking.api_id] = {
            "id": booking.api_id,
            "status": "CONFIRMED",
        }

    response = desk.post(reverse("reception:cancel_visit", args=[visit.pk]))

    assert response.status_code == 302
    assert len(fake_api.cancelled) == 2
    visit.refresh_from_db()
    assert visit.is_called_off


def test_reception_cancel_asks_for_an_optional_reason_and_sends_it(
    desk: Client, site: Site, employee: User, fake_api: FakePetitmonde
) -> None:
    visit = make_visit(site=site, host=employee)
    booking = visit.bookings.get()
    fake_api.bookings[booking.api_id] = {"id": booking.api_id, "status": "CONFIRMED"}
    url = reverse("reception:cancel_booking", args=[booking.pk])

    assert "Why are you cancelling? (optional)" in desk.get(url).content.decode()
    desk.post(url, {"reason": "The visitor comes by train"})

    [sent] = fake_api.calls("cancel")
    assert sent.body == {"reason": "The visitor comes by train"}


def test_calling_off_a_visit_keeps_the_reason_given(
    desk: Client, site: Site, employee: User, fake_api: FakePetitmonde
) -> None:
    visit = make_visit(site=site, host=employee)
    booking = visit.bookings.get()
    fake_api.bookings[booking.api_id] = {"id": booking.api_id, "status": "CONFIRMED"}

    desk.post(
        reverse("reception:cancel_visit", args=[visit.pk]), {"reason": "Meeting moved"}
    )

    visit.refresh_from_db()
    assert visit.cancellation_reason == "Meeting moved"
    assert fake_api.calls("cancel")[0].body == {"reason": "Meeting moved"}


def test_a_too_long_reason_cancels_nothing_and_says_why(
    desk: Client, site: Site, employee: User, fake_api: FakePetitmonde
) -> None:
    visit = make_visit(site=site, host=employee)
    booking = visit.bookings.get()
    url = reverse("reception:cancel_booking", args=[booking.pk])

    response = desk.post(url, {"reason": "x" * 301})

    assert response.status_code == 200
    assert 'aria-describedby="id_reason_helptext id_reason_error"' in (
        response.content.decode()
    )
    assert fake_api.cancelled == []


def test_a_failed_cancel_says_why(
    desk: Client, site: Site, employee: User, fake_api: FakePetitmonde
) -> None:
    visit = make_visit(site=site, host=employee)
    booking = visit.bookings.get()
    fake_api.bookings[booking.api_id] = {"id": booking.api_id, "status": "CONFIRMED"}
    fake_api.fail("cancel", 401, "Invalid or missing API key")

    response = desk.post(
        reverse("reception:cancel_booking", args=[booking.pk]), follow=True
    )

    assert "administrator has been told" in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_a_late_evening_form_does_not_start_a_visit_over_two_days(
    receptionist: User, site: Site
) -> None:
    late = timezone.make_aware(datetime(2027, 5, 4, 23, 0), site.tzinfo)
    initial = initial_visit(receptionist, now=late)
    assert initial["arrival"] == "2027-05-04T23:15"
    assert initial["departure"] == "2027-05-04T23:59"


def test_calling_off_hit_by_a_server_error_shows_the_window_as_not_cancelled(
    desk: Client, site: Site, employee: User, fake_api: FakePetitmonde
) -> None:
    visit = make_visit(site=site, host=employee)
    booking = visit.bookings.get()
    fake_api.bookings[booking.api_id] = {"id": booking.api_id, "status": "CONFIRMED"}
    fake_api.fail("cancel", 503, "Service unavailable")

    response = desk.post(
        reverse("reception:cancel_visit", args=[visit.pk]), follow=True
    )

    page = response.content.decode()
    assert "reported an error of its own (HTTP 503)" in page
    assert "The booking was not cancelled: it is still confirmed." in page
    assert "Not cancelled yet:" in page
    assert "The portal tries again every few minutes" in page
    assert "Being called off:" in page
    # Not "called off" beside a window that still stands.
    assert "Called off by reception" not in page
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED

    day = desk.get(DAY).content.decode()
    assert "Not cancelled yet:" in day
    assert "Called off by reception" not in day

    assert fake_api.cancelled == []
    # A minute later, once the service cancels it, the visit reads as called off.
    fake_api.clear_failures("cancel")
    Booking.objects.filter(pk=booking.pk).update(
        updated_at=timezone.now() - timedelta(minutes=2)
    )
    page = desk.get(reverse("reception:pass", args=[visit.pk])).content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert "Called off:" in page
    assert "Called off by reception" in page
    assert "Not cancelled yet" not in page
