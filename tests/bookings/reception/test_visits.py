"""Visitor charging: planning windows, all-or-nothing booking, calling off, privacy."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.core import mail, signing
from django.utils import timezone
from pytest_django.fixtures import Settings

from bookings.chargers import ChargerOffer
from bookings.models import Booking, Visit
from bookings.reception import visits
from bookings.reception.visits import VisitNotBooked
from bookings.statuses import BookingStatus
from portal.models import Site, User
from tests.bookings.factories import remote_of
from tests.bookings.reception.visit_factory import make_visit, tomorrow_at
from tests.fake_api import FakePetitmonde

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def offer(
    evse: str = "DE*ENB*E700102*1",
    *,
    start: datetime,
    hours: int = 2,
    location: str = "DE-ENB-E700102",
    price: str = "6.20",
) -> ChargerOffer:
    return ChargerOffer(
        location_id=location,
        evse_uid=evse,
        start=start,
        end=start + timedelta(hours=hours),
        name="Karlsruhe HQ – Visitor parking",
        address="Kaiserstraße 120",
        city="Karlsruhe",
        estimated_price=Decimal(price),
        site_label="Visitor parking, bay 1",
    )


def unsaved_visit(site: Site, host: User, *, days: int = 1) -> Visit:
    arrival = tomorrow_at(9, site)
    return Visit(
        site=site,
        host=host.employee,
        visitor_name="Jane Visitor",
        visitor_company="ACME GmbH",
        visitor_email="jane@acme.example",
        licence_plate="KA-AB 123",
        arrival=arrival,
        departure=arrival + timedelta(days=days - 1, hours=2),
    )


def daily_plan(site: Site, days: int) -> list[ChargerOffer]:
    return [offer(start=tomorrow_at(9, site) + timedelta(days=n)) for n in range(days)]


# --- planning the windows -----------------------------------------------------


def test_a_short_visit_is_one_window(site: Site) -> None:
    windows = visits.plan_windows(
        site=site, arrival=local(2027, 5, 4, 9), departure=local(2027, 5, 4, 11, 30)
    )
    assert windows == [(local(2027, 5, 4, 9), local(2027, 5, 4, 11, 30))]


def test_a_long_day_is_split_into_equal_windows_within_the_maximum(
    site: Site, settings: Settings
) -> None:
    settings.BOOKING_MAX_MINUTES = 240
    eight = visits.plan_windows(
        site=site, arrival=local(2027, 5, 4, 9), departure=local(2027, 5, 4, 17)
    )
    nine = visits.plan_windows(
        site=site, arrival=local(2027, 5, 4, 9), departure=local(2027, 5, 4, 18)
    )
    assert [
        (s.astimezone(BERLIN).hour, e.astimezone(BERLIN).hour) for s, e in eight
    ] == [
        (9, 13),
        (13, 17),
    ]
    assert [
        (s.astimezone(BERLIN).hour, e.astimezone(BERLIN).hour) for s, e in nine
    ] == [
        (9, 12),
        (12, 15),
        (15, 18),
    ]


def test_a_visit_over_several_days_is_booked_the_same_hours_each_day(
    site: Site,
) -> None:
    windows = visits.plan_windows(
        site=site, arrival=local(2027, 5, 4, 9), departure=local(2027, 5, 6, 11)
    )
    assert windows == [(local(2027, 5, d, 9), local(2027, 5, d, 11)) for d in (4, 5, 6)]


def test_daily_windows_keep_local_time_across_a_clock_change(site: Site) -> None:
    # Europe/Berlin moves to summer time in the night to 28 March 2027.
    windows = visits.plan_windows(
        site=site, arrival=local(2027, 3, 27, 9), departure=local(2027, 3, 28, 10)
    )
    assert [s.astimezone(UTC).hour for s, _e in windows] == [8, 7]
    assert [s.astimezone(BERLIN).hour for s, _e in windows] == [9, 9]


def test_window_boundaries_are_whole_minutes(site: Site) -> None:
    windows = visits.plan_windows(
        site=site, arrival=local(2027, 5, 4, 9), departure=local(2027, 5, 4, 17, 1)
    )
    assert len(windows) == 3
    assert all(s.second == 0 and s.microsecond == 0 for s, _e in windows)
    assert windows[-1][1] == local(2027, 5, 4, 17, 1)


# --- choosing chargers per window ----------------------------------------------


def test_later_windows_keep_the_picked_charger_when_it_is_free() -> None:
    start = local(2027, 5, 4, 9)
    picked = offer(start=start)
    later = [offer("DE*ENB*E700102*2", start=start), offer(start=start)]
    assert visits.choose_for_window(later, picked).evse_uid == "DE*ENB*E700102*1"


def test_later_windows_take_a_neighbour_at_the_same_place_then_the_best() -> None:
    start = local(2027, 5, 4, 9)
    picked = offer(start=start)
    nearest = offer("DE*ION*E789012*1", start=start, location="DE-ION-E789012")
    neighbour = offer("DE*ENB*E700102*2", start=start)
    assert visits.choose_for_window([nearest, neighbour], picked) == neighbour
    assert visits.choose_for_window([nearest], picked) == nearest


def test_each_window_is_searched_for_its_own_time(
    fake_api: FakePetitmonde, site: Site
) -> None:
    windows = visits.plan_windows(
        site=site,
        arrival=tomorrow_at(9, site),
        departure=tomorrow_at(11, site) + timedelta(days=1),
    )
    search = visits.search_visit(site=site, windows=windows)

    sent = [parse_qs(urlsplit(str(r.url)).query) for r in fake_api.searches]
    assert [(q["start_time"][0], q["end_time"][0]) for q in sent] == [
        (
            s.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            e.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        for s, e in windows
    ]
    # The site's visitor bay first, then the public charger; staff bays hidden.
    assert [o.first.evse_uid for o in search.options] == [
        "DE*ENB*E700102*1",
        "DE*ION*E789012*1",
    ]
    assert search.options[0].same_charger_throughout
    assert search.options[0].estimated_total == Decimal("12.4")


def test_a_window_without_any_charger_is_reported(
    fake_api: FakePetitmonde, site: Site
) -> None:
    fake_api.search_body = {"total": 0, "results": []}
    window = (tomorrow_at(9, site), tomorrow_at(11, site))
    search = visits.search_visit(site=site, windows=[window])
    assert search.options == []
    assert search.unavailable == [window]


def test_a_signed_plan_is_only_good_for_its_site(site: Site, other_site: Site) -> None:
    plan = daily_plan(site, 2)
    token = visits.sign_plan(site, plan)
    assert visits.unsign_plan(token, site=site) == plan
    with pytest.raises(signing.BadSignature):
        visits.unsign_plan(token, site=other_site)
    with pytest.raises(signing.BadSignature):
        visits.unsign_plan(token[:-2] + "xx", site=site)


# --- booking ------------------------------------------------------------------------


def test_booking_sends_ad_hoc_with_the_visitor_reference_and_no_customer(
    fake_api: FakePetitmonde, site: Site, employee: User, receptionist: User
) -> None:
    result = visits.book_visit(
        visit=unsaved_visit(site, employee),
        plan=daily_plan(site, 1),
        by=receptionist,
        form_key=uuid.uuid4(),
    )

    day = tomorrow_at(9, site)
    assert fake_api.created == [
        {
            "location_id": "DE-ENB-E700102",
            "evse_uid": "DE*ENB*E700102*1",
            "reservation_start": day.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "reservation_end": (day + timedelta(hours=2))
            .astimezone(UTC)
            .strftime("%Y-%m-%dT%H:%M:%SZ"),
            "external_id": f"visitor-reception-{day:%Y%m%d}",
            "token_strategy": "ad_hoc",
        }
    ]
    visit = result.visit
    assert result.created and not result.pending
    assert visit.host_department == employee.employee.department
    assert visit.created_by == receptionist
    booking = visit.bookings.get()
    assert booking.department == employee.employee.department
    assert booking.requested_by == receptionist
    assert booking.employee is None
    assert booking.site == site
    assert booking.status == BookingStatus.REQUESTED
    assert booking.token_uid == "04A2B3C4D5E601"
    assert booking.token_valid_until == booking.reservation_end
    assert booking.location_address == "Kaiserstraße 120"
    assert booking.estimated_price == Decimal("6.20")


def test_the_host_is_told_without_the_token(
    fake_api: FakePetitmonde,
    site: Site,
    employee: User,
    receptionist: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        visits.book_visit(
            visit=unsaved_visit(site, employee),
            plan=daily_plan(site, 2),
            by=receptionist,
            form_key=uuid.uuid4(),
        )
    [message] = mail.outbox
    assert message.to == [employee.email]
    assert "Jane Visitor" in message.subject
    html = message.alternatives[0][0]
    for text in (message.body, html):
        assert "Jane Visitor" in text
        assert "09:00" in text  # local time, not UTC
        assert "04A2B3C4D5E6" not in text


def test_more_visitors_on_a_day_get_numbered_references(
    fake_api: FakePetitmonde, site: Site, employee: User, receptionist: User
) -> None:
    for _n in range(2):
        visits.book_visit(
            visit=unsaved_visit(site, employee),
            plan=daily_plan(site, 1),
            by=receptionist,
            form_key=uuid.uuid4(),
        )
    day = tomorrow_at(9, site)
    assert [b["external_id"] for b in fake_api.created] == [
        f"visitor-reception-{day:%Y%m%d}",
        f"visitor-reception-{day:%Y%m%d}-2",
    ]


def test_each_day_of_a_long_visit_has_its_own_reference_and_token(
    fake_api: FakePetitmonde, site: Site, employee: User, receptionist: User
) -> None:
    result = visits.book_visit(
        visit=unsaved_visit(site, employee, days=3),
        plan=daily_plan(site, 3),
        by=receptionist,
        form_key=uuid.uuid4(),
    )
    days = [tomorrow_at(9, site) + timedelta(days=n) for n in range(3)]
    assert [b["external_id"] for b in fake_api.created] == [
        f"visitor-reception-{d:%Y%m%d}" for d in days
    ]
    tokens = list(result.visit.bookings.values_list("token_uid", flat=True))
    assert len(set(tokens)) == 3


def test_a_resubmitted_form_books_nothing_more(
    fake_api: FakePetitmonde, site: Site, employee: User, receptionist: User
) -> None:
    key = uuid.uuid4()
    first = visits.book_visit(
        visit=unsaved_visit(site, employee, days=2),
        plan=daily_plan(site, 2),
        by=receptionist,
        form_key=key,
    )
    again = visits.book_visit(
        visit=unsaved_visit(site, employee, days=2),
        plan=daily_plan(site, 2),
        by=receptionist,
        form_key=key,
    )
    assert again.visit == first.visit
    assert not again.created
    assert len(fake_api.created) == 2
    assert Visit.objects.count() == 1
    assert Booking.objects.count() == 2


def test_when_a_later_day_fails_the_days_before_are_cancelled(
    fake_api: FakePetitmonde,
    site: Site,
    employee: User,
    receptionist: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    fake_api.fail("create", 409, "EVSE not available for requested time", call=2)

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(VisitNotBooked) as failed,
    ):
        visits.book_visit(
            visit=unsaved_visit(site, employee, days=3),
            plan=daily_plan(site, 3),
            by=receptionist,
            form_key=uuid.uuid4(),
        )

    assert failed.value.conflict
    second = tomorrow_at(9, site) + timedelta(days=1)
    assert f"{second:%a %-d %b}, 09:00–11:00" in failed.value.message
    assert "just taken" in failed.value.message
    assert "cancelled again" in failed.value.message
    assert len(fake_api.created) == 2  # the third was never sent
    [cancelled] = fake_api.cancelled
    [booking] = Booking.objects.all()  # kept, with its reference, as cancelled
    assert booking.api_id == cancelled
    assert booking.status == BookingStatus.CANCELLED
    visit = Visit.objects.get()
    assert visit.is_called_off
    assert "just taken" in visit.cancellation_reason
    assert mail.outbox == []  # the host hears of nothing that was not booked


def test_when_the_only_window_fails_nothing_is_kept(
    fake_api: FakePetitmonde, site: Site, employee: User, receptionist: User
) -> None:
    fake_api.fail(
        "create", 400, "Reservation must start at least 15 minutes from now", call=1
    )

    with pytest.raises(VisitNotBooked) as failed:
        visits.book_visit(
            visit=unsaved_visit(site, employee),
            plan=daily_plan(site, 1),
            by=receptionist,
            form_key=uuid.uuid4(),
        )

    assert failed.value.message == (
        "The charging could not be booked. The booking service did not accept "
        "the request. Its explanation: “Reservation must start at least 15 "
        "minutes from now.”"
    )
    assert not failed.value.conflict
    assert not Visit.objects.exists()
    assert not Booking.objects.exists()


@pytest.mark.parametrize(
    ("status", "error", "says"),
    [
        (401, "Invalid or missing API key", "administrator has been told"),
        (403, "Account suspended or inactive", "administrator has been told"),
        (429, "Rate limit exceeded. Retry after 45 seconds.", "try again in"),
    ],
)
def test_refusals_are_explained(
    fake_api: FakePetitmonde,
    site: Site,
    employee: User,
    receptionist: User,
    status: int,
    error: str,
    says: str,
) -> None:
    fake_api.fail("create", status, error, call=1)
    with pytest.raises(VisitNotBooked) as failed:
        visits.book_visit(
            visit=unsaved_visit(site, employee, days=2),
            plan=daily_plan(site, 2),
            by=receptionist,
            form_key=uuid.uuid4(),
        )
    assert says in failed.value.message
    assert not Booking.objects.exists()
    assert not Visit.objects.exists()


def test_a_cancellation_that_fails_during_the_undo_is_said_and_finished_later(
    fake_api: FakePetitmonde, site: Site, employee: User, receptionist: User
) -> None:
    fake_api.fail("create", 409, "EVSE not available for requested time", call=2)
    fake_api.fail("cancel", 429, "Rate limit exceeded. Retry after 5 seconds.")

    with pytest.raises(VisitNotBooked) as failed:
        visits.book_visit(
            visit=unsaved_visit(site, employee, days=2),
            plan=daily_plan(site, 2),
            by=receptionist,
            form_key=uuid.uuid4(),
        )

    assert "is still booked" in failed.value.message
    booking = Booking.objects.get()
    assert booking.status == BookingStatus.REQUESTED
    assert Visit.objects.get().is_called_off

    # The next look at the day (or the pass) finishes the job.
    fake_api.clear_failures("cancel")
    visits.refresh_visit_bookings(list(Booking.objects.select_related("visit")))
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert fake_api.cancelled == [booking.api_id]


def test_an_unclear_create_of_the_only_window_is_left_to_be_settled(
    fake_api: FakePetitmonde, site: Site, employee: User, receptionist: User
) -> None:
    fake_api.fail("create", 503, "Service unavailable", call=1)
    # The look-up by reference cannot answer either.
    fake_api.fail("list", 503, "Service unavailable")

    result = visits.book_visit(
        visit=unsaved_visit(site, employee),
        plan=daily_plan(site, 1),
        by=receptionist,
        form_key=uuid.uuid4(),
    )

    assert result.pending.startswith(
        "The booking service reported an error of its own (HTTP 503)."
    )
    assert "“being checked”" in result.pending
    assert "did not answer in time" not in result.pending
    assert not result.visit.is_called_off
    assert result.visit.bookings.get().status == BookingStatus.SUBMITTING


def test_the_only_window_given_up_calls_the_visit_off_and_stays_as_not_booked(
    fake_api: FakePetitmonde, site: Site, employee: User, receptionist: User
) -> None:
    fake_api.fail("create", 503, "Service unavailable", call=1)
    result = visits.book_visit(
        visit=unsaved_visit(site, employee),
        plan=daily_plan(site, 1),
        by=receptionist,
        form_key=uuid.uuid4(),
    )
    booking = result.visit.bookings.get()
    Booking.objects.filter(pk=booking.pk).update(
        created_at=timezone.now() - timedelta(minutes=5)
    )

    kept = visits.refresh_visit_bookings(list(Booking.objects.select_related("visit")))

    booking.refresh_from_db()
    assert kept == [booking]
    assert booking.status == BookingStatus.NOT_BOOKED
    visit = Visit.objects.get()
    assert visit.is_called_off
    assert "no record of it" in visit.cancellation_reason
    # A later visit that day gets the next reference: this one is never reused.
    second = visits.book_visit(
        visit=unsaved_visit(site, employee),
        plan=daily_plan(site, 1),
        by=receptionist,
        form_key=uuid.uuid4(),
    )
    assert second.visit.bookings.get().external_id == booking.external_id + "-2"


def test_an_unclear_window_of_a_long_visit_calls_it_off_and_is_cancelled_once_known(
    fake_api: FakePetitmonde, site: Site, employee: User, receptionist: User
) -> None:
    fake_api.fail("list", 503, "Service unavailable")
    fake_api.fail("create", 500, "Internal server error", call=2, processed=True)

    with pytest.raises(VisitNotBooked) as failed:
        visits.book_visit(
            visit=unsaved_visit(site, employee, days=3),
            plan=daily_plan(site, 3),
            by=receptionist,
            form_key=uuid.uuid4(),
        )

    assert "reported an error of its own (HTTP 500)" in failed.value.message
    assert "cancelled as soon as the service answers" in failed.value.message
    first, unclear = Booking.objects.order_by("reservation_start")
    assert first.status == BookingStatus.CANCELLED
    assert unclear.status == BookingStatus.SUBMITTING
    assert Visit.objects.get().is_called_off
    assert len(fake_api.created) == 2  # the third was never sent

    # It was made after all; once the API answers, it is found and cancelled.
    fake_api.clear_failures("list")
    Booking.objects.filter(pk=unclear.pk).update(
        created_at=timezone.now() - timedelta(minutes=5)
    )
    visits.refresh_visit_bookings(list(Booking.objects.select_related("visit")))
    unclear.refresh_from_db()
    assert unclear.api_id is not None
    assert unclear.status == BookingStatus.CANCELLED
    assert sorted(fake_api.cancelled) == sorted([first.api_id, unclear.api_id])


# --- calling off -------------------------------------------------------------------


def test_calling_a_visit_off_cancels_every_open_window_and_tells_the_host(
    fake_api: FakePetitmonde,
    site: Site,
    employee: User,
    receptionist: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    result = visits.book_visit(
        visit=unsaved_visit(site, employee, days=2),
        plan=daily_plan(site, 2),
        by=receptionist,
        form_key=uuid.uuid4(),
    )

    with django_capture_on_commit_callbacks(execute=True):
        done = visits.cancel_visit(visit=result.visit, by=receptionist)

    assert len(done.cancelled) == 2 and done.failures == []
    assert len(fake_api.cancelled) == 2
    assert result.visit.is_called_off
    assert set(result.visit.bookings.values_list("status", flat=True)) == {
        BookingStatus.CANCELLED
    }
    [message] = mail.outbox
    assert message.to == [employee.email]
    assert "cancelled" in message.subject
    assert "04A2B3C4D5E6" not in message.body


def test_calling_off_hit_by_a_server_error_says_so_and_keeps_trying(
    fake_api: FakePetitmonde,
    site: Site,
    employee: User,
    receptionist: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    visit = make_visit(site=site, host=employee, created_by=receptionist)
    booking = visit.bookings.get()
    fake_api.load([remote_of(booking, status="CONFIRMED")])
    fake_api.fail("cancel", 503, "Service unavailable")

    with django_capture_on_commit_callbacks(execute=True):
        done = visits.cancel_visit(visit=visit, by=receptionist)

    assert done.cancelled == []
    [failure] = done.failures
    assert "reported an error of its own (HTTP 503)" in failure
    assert "The booking was not cancelled: it is still confirmed." in failure
    assert "The portal tries again every few minutes" in failure
    assert "is now" not in failure
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert "still confirmed" in booking.uncancelled_reason
    assert mail.outbox == []  # the host hears nothing: nothing was cancelled

    # A later look at the pass (or the follow-up job) makes the cancellation;
    # not the one straight after, which would only repeat the failure.
    fake_api.clear_failures("cancel")
    visits.refresh_visit_bookings(list(Booking.objects.select_related("visit")))
    assert Booking.objects.get().status == BookingStatus.CONFIRMED
    Booking.objects.filter(pk=booking.pk).update(
        updated_at=timezone.now() - timedelta(minutes=2)
    )
    visits.refresh_visit_bookings(list(Booking.objects.select_related("visit")))
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert booking.uncancelled_reason == ""


# --- privacy -------------------------------------------------------------------


def test_visitor_details_are_removed_after_the_retention_time(
    site: Site, employee: User, settings: Settings
) -> None:
    settings.VISITOR_DATA_RETENTION_DAYS = 30
    now = timezone.now()
    old = make_visit(site=site, host=employee, start=now - timedelta(days=31))
    recent = make_visit(site=site, host=employee, start=now - timedelta(days=29))

    assert visits.remove_expired_visitor_data(now) == 1

    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.visitor_name, old.visitor_company, old.visitor_email) == ("", "", "")
    assert old.licence_plate == ""
    assert old.personal_data_removed_at == now
    assert not old.has_personal_data
    # What reports need stays.
    assert old.host == employee.employee
    assert old.bookings.get().client_price == Decimal("6.20")
    assert recent.visitor_name == "Jane Visitor"
    # Idempotent.
    assert visits.remove_expired_visitor_data(now) == 0
    assert visits.remove_expired_visitor_data(now + timedelta(days=2)) == 1
