"""The demo history that seed_demo writes into the sandbox."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.db.models.functions import TruncMonth

from bookings.sandbox.history import seed_history
from bookings.sandbox.models import Booking, Clock
from portal.models import Employee, Site

pytestmark = [
    pytest.mark.django_db,
    # A Tuesday morning in Berlin; the history is about a year up to "now".
    pytest.mark.time_machine(datetime(2027, 5, 4, 8, tzinfo=UTC)),
]

CONVENTION = re.compile(r"([a-z0-9]+)-([a-z0-9]+)-(\d{8})(?:-(\d+))?")


@pytest.fixture
def demo(settings) -> None:
    # The demo's 37 logins need password hashes; a fast hasher saves seconds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", verbosity=0)


def test_seed_demo_fills_the_sandbox(demo: None) -> None:
    assert Booking.objects.count() > 1000


def test_a_second_seed_demo_adds_nothing(demo: None, settings) -> None:
    before = set(Booking.objects.values_list("id", "status"))
    call_command("seed_demo", verbosity=0)
    assert set(Booking.objects.values_list("id", "status")) == before


def test_seeding_a_day_later_adds_only_that_day(demo: None) -> None:
    ids = set(Booking.objects.values_list("id", flat=True))
    result = seed_history(now=Clock.now() + timedelta(days=1))
    new = Booking.objects.exclude(id__in=ids)
    assert result.added == new.count()
    assert {b.reservation_start.date() for b in new} <= {
        (Clock.now() + timedelta(days=d)).date() for d in (4, 5, 6)
    }


def test_more_than_100_completed_bookings_in_a_month(demo: None) -> None:
    months = (
        Booking.objects.filter(status=Booking.Status.COMPLETED)
        .annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(n=Count("id"))
    )
    assert max(m["n"] for m in months) > 100
    assert len(months) >= 12


def test_every_state_is_there(demo: None) -> None:
    statuses = set(Booking.objects.values_list("status", flat=True))
    assert set(Booking.Status.values) - {"ATTENDING"} <= statuses
    assert Booking.objects.filter(cancellation_reason="Rejected by CPO").exists()
    assert Booking.objects.filter(
        status=Booking.Status.CANCELLED, client_price__gt=0
    ).exists()


def test_employee_bookings_follow_the_convention(demo: None) -> None:
    employees = {
        e.employee_id: e for e in Employee.objects.select_related("department")
    }
    per_person_day: dict[tuple[str, str], list[int]] = defaultdict(list)
    berlin = Site.objects.first().tzinfo
    bookings = Booking.objects.filter(token_strategy="driver_token").exclude(
        external_id__in=["", "ops manual booking"]
    )
    for booking in bookings:
        match = CONVENTION.fullmatch(booking.external_id)
        assert match, booking.external_id
        department, employee_id, day, n = match.groups()
        employee = employees[employee_id]
        assert employee.department.code == department
        assert booking.customer_id == employee.customer_id
        assert booking.reservation_start.astimezone(berlin).strftime("%Y%m%d") == day
        per_person_day[(employee_id, day)].append(int(n or 1))
    assert all(
        sorted(ns) == list(range(1, len(ns) + 1)) for ns in per_person_day.values()
    )
    assert any(len(ns) > 1 for ns in per_person_day.values())
    people = {employee for employee, _ in per_person_day}
    assert "emp030" not in people  # no customer id, no bookings
    assert len(people) == 36


def test_visitors_book_ad_hoc_with_the_reception_convention(demo: None) -> None:
    visitors = Booking.objects.filter(token_strategy="ad_hoc")
    assert visitors.count() > 50
    per_day = Counter()
    for booking in visitors:
        assert re.fullmatch(r"visitor-reception-\d{8}(-\d+)?", booking.external_id)
        assert booking.ad_hoc_token_uid
        per_day[booking.external_id[18:26]] += 1
    assert max(per_day.values()) > 1
    assert visitors.filter(external_id__regex=r"-2$").exists()


# 23:45 on New Year's Eve 2028: the year before had no blank reference by
# chance until each tool was made to book once a month.
@pytest.mark.time_machine(datetime(2028, 12, 31, 22, 45, tzinfo=UTC))
def test_other_tools_left_their_own_references(demo: None) -> None:
    references = set(Booking.objects.values_list("external_id", flat=True))
    assert "" in references
    assert "ops manual booking" in references
    assert any(re.fullmatch(r"fleet-van\d-\d{8}", r) for r in references)
    fleet = Booking.objects.filter(external_id__startswith="fleet-van")
    assert set(fleet.values_list("token_strategy", "fleet_group_id")) == {
        ("group_token", "group_pool_vans")
    }


def test_some_bookings_are_still_to_come(demo: None) -> None:
    upcoming = Booking.objects.filter(reservation_start__gt=Clock.now())
    statuses = set(upcoming.values_list("status", flat=True))
    assert {"REQUESTED", "PENDING", "CONFIRMED"} <= statuses


def test_no_evse_is_double_booked(demo: None) -> None:
    active = Booking.objects.active().order_by("evse_id", "reservation_start")
    last: dict[int, Booking] = {}
    for booking in active:
        before = last.get(booking.evse_id)
        assert before is None or before.reservation_end <= booking.reservation_start
        last[booking.evse_id] = booking
    finished = Booking.objects.order_by("evse_id", "reservation_start")
    previous = None
    for booking in finished:
        if previous and previous.evse_id == booking.evse_id:
            assert previous.reservation_end <= booking.reservation_start
        previous = booking


def test_prices_are_final_for_completed_bookings(demo: None) -> None:
    for booking in Booking.objects.filter(status="COMPLETED")[:200]:
        assert booking.energy_kwh == booking.plan_energy_kwh
        assert booking.client_price == booking.location.price_for(booking.energy_kwh)
