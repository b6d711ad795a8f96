"""The company's booking rules: each rule and its numbers."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from bookings import policy
from bookings.chargers import ChargerOffer
from bookings.statuses import BookingStatus
from portal.models import Department, Employee, Site, User
from tests.bookings.factories import make_booking

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # 10:00 in Berlin


def berlin(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=BERLIN)


def problems(rules: policy.Rules, start: datetime, end: datetime) -> list[str]:
    return [
        p.message
        for p in policy.window_problems(
            rules, start=start, end=end, tzinfo=BERLIN, now=NOW
        )
    ]


# --- the rules and where they come from ----------------------------------------


def test_company_rules_come_from_the_settings(settings: Any) -> None:
    settings.BOOKING_MAX_MINUTES = 120
    settings.BOOKING_MAX_UPCOMING = 5

    rules = policy.Rules.company()

    assert rules.max_duration == timedelta(hours=2)
    assert rules.max_upcoming == 5
    assert rules.min_lead == timedelta(minutes=15)


def test_a_site_overrides_only_the_rules_it_sets(site: Site) -> None:
    site.booking_max_minutes = 90
    site.booking_max_days_ahead = 3

    rules = policy.Rules.for_site(site)

    assert rules.max_duration == timedelta(minutes=90)
    assert rules.max_days_ahead == 3
    assert rules.min_lead == timedelta(minutes=15)
    assert rules.min_duration == timedelta(minutes=30)
    assert rules.max_per_day == 1


def test_a_site_cannot_make_the_longest_booking_shorter_than_the_shortest(
    site: Site,
) -> None:
    site.booking_min_minutes = 60
    site.booking_max_minutes = 45

    with pytest.raises(ValidationError) as error:
        site.full_clean()

    assert "booking_max_minutes" in error.value.message_dict


def test_rules_in_words() -> None:
    assert policy.Rules.company().describe() == [
        "Start at least 15 minutes from now.",
        "Book from 30 minutes to 4 hours at a time.",
        "Book at most 14 days ahead.",
        "One booking a day.",
        "At most 3 upcoming bookings at a time.",
    ]


def test_sites_with_their_own_rules_are_listed_with_what_differs(
    site: Site, other_site: Site
) -> None:
    other_site.booking_max_minutes = 120
    other_site.save()
    site.booking_max_minutes = 240  # the company's rule anyway
    site.save()

    assert policy.sites_with_own_rules() == [
        (other_site, ["Book from 30 minutes to 2 hours at a time."])
    ]


# --- the window ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (berlin(10, 10, 15), berlin(10, 12), []),
        (
            berlin(10, 10, 10),
            berlin(10, 12),
            [
                "A booking must start at least 15 minutes from now; "
                "this one would start in 10 minutes."
            ],
        ),
        (berlin(10, 9), berlin(10, 11), ["That start time has already passed."]),
        (berlin(11, 8), berlin(11, 8, 30), []),
        (berlin(11, 8), berlin(11, 12), []),
        (
            berlin(11, 8),
            berlin(11, 8, 20),
            [
                "A booking lasts from 30 minutes to 4 hours; "
                "this one would last 20 minutes."
            ],
        ),
        (
            berlin(11, 8),
            berlin(11, 12, 30),
            [
                "A booking lasts from 30 minutes to 4 hours; "
                "this one would last 4 hours 30 minutes."
            ],
        ),
        (berlin(11, 8), berlin(11, 8), ["The end must be after the start."]),
        (berlin(24, 10), berlin(24, 12), []),  # exactly 14 days ahead
    ],
)
def test_window_rules(start: datetime, end: datetime, expected: list[str]) -> None:
    assert problems(policy.Rules.company(), start, end) == expected


def test_too_far_ahead_says_how_far_is_allowed() -> None:
    [message] = problems(policy.Rules.company(), berlin(25, 10), berlin(25, 12))

    assert message.startswith(
        "You can book at most 14 days ahead (until Tue 24 Mar 2026, 10:00)"
    )
    assert message.endswith("this booking would start in 15 days.")


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 3, 9), "That day has already passed."),
        (date(1, 1, 1), "That day has already passed."),
        (date(2026, 3, 10), None),
        (date(2026, 3, 24), None),  # the latest start's day: its times decide
        (date(2026, 3, 25), "this booking would start in 15 days."),
        (date(9999, 12, 31), "this booking would start in 2912374 days."),
    ],
)
def test_a_day_outside_the_rules_is_refused_whatever_the_times(
    day: date, expected: str | None
) -> None:
    found = policy.day_problems(policy.Rules.company(), day=day, tzinfo=BERLIN, now=NOW)

    messages = [p.message for p in found]
    if expected is None:
        assert messages == []
    else:
        [message] = messages
        assert message.endswith(expected)


def test_a_site_with_shorter_bookings_refuses_a_longer_one(site: Site) -> None:
    site.booking_max_minutes = 60
    rules = policy.Rules.for_site(site)

    assert problems(rules, berlin(11, 8), berlin(11, 10)) == [
        "A booking lasts from 30 minutes to 1 hour; this one would last 2 hours."
    ]


# --- bookings a day, upcoming bookings -------------------------------------------


def counts(employee: User, start: datetime) -> list[policy.Problem]:
    return policy.count_problems(
        employee.employee,
        rules=policy.Rules.company(),
        start=start,
        end=start + timedelta(hours=1),
        tzinfo=BERLIN,
        now=NOW,
    )


def test_one_booking_a_day(employee: User) -> None:
    make_booking(employee.employee, start=berlin(11, 8))

    [problem] = counts(employee, berlin(11, 14))

    assert problem.rule == policy.PER_DAY
    assert problem.message == (
        "You can have 1 booking a day, and you already have 1 on Wed 11 Mar 2026."
    )
    assert counts(employee, berlin(12, 14)) == []


@pytest.mark.parametrize(
    "status",
    [BookingStatus.CANCELLED, BookingStatus.COMPLETED, BookingStatus.NO_SHOW],
)
def test_cancelled_and_ended_bookings_do_not_count(employee: User, status: str) -> None:
    make_booking(employee.employee, start=berlin(11, 8), status=status)
    assert counts(employee, berlin(11, 14)) == []


def test_a_booking_being_sent_counts(employee: User) -> None:
    make_booking(
        employee.employee, start=berlin(11, 8), status=BookingStatus.SUBMITTING
    )
    assert [p.rule for p in counts(employee, berlin(11, 14))] == [policy.PER_DAY]


def test_the_day_is_the_local_day_at_the_site(employee: User) -> None:
    # 00:30 in Berlin on the 12th is still the 11th in UTC.
    make_booking(employee.employee, start=berlin(12, 0, 30))

    assert counts(employee, berlin(11, 20)) == []
    assert [p.rule for p in counts(employee, berlin(12, 20))] == [policy.PER_DAY]


def test_other_peoples_bookings_do_not_count(employee: User, colleague: User) -> None:
    make_booking(colleague.employee, start=berlin(11, 8))
    assert counts(employee, berlin(11, 14)) == []


def test_more_bookings_a_day_when_the_setting_allows(
    employee: User, settings: Any
) -> None:
    settings.BOOKING_MAX_PER_DAY = 2
    make_booking(employee.employee, start=berlin(11, 8))
    assert counts(employee, berlin(11, 14)) == []


def test_at_most_three_upcoming(employee: User) -> None:
    for day in (11, 12, 13):
        make_booking(employee.employee, start=berlin(day, 8))
    make_booking(employee.employee, start=berlin(9, 8))  # over: not upcoming
    make_booking(employee.employee, start=berlin(14, 8), status="CANCELLED")

    [problem] = counts(employee, berlin(15, 8))

    assert problem.rule == policy.UPCOMING
    assert problem.message == (
        "You can have 3 upcoming bookings at a time, and you already have 3. "
        "Cancel one, or wait until one has ended."
    )


# --- the monthly cap -------------------------------------------------------------


def cap_of(employee: User, start: datetime) -> policy.CapUse:
    return policy.cap_use(employee.employee, start=start)


def spend_38_20_in_march(employee: Employee) -> None:
    """Ended at their final price, the others at their estimate: €38.20."""
    make_booking(
        employee, start=berlin(2, 8), status="COMPLETED", client_price=Decimal("30.00")
    )
    make_booking(  # a cancellation fee
        employee, start=berlin(3, 8), status="CANCELLED", client_price=Decimal("2.50")
    )
    make_booking(  # free: the API says 0.00
        employee, start=berlin(4, 8), status="CANCELLED", client_price=Decimal("0.00")
    )
    make_booking(employee, start=berlin(5, 8), status="EXPIRED", client_price=None)
    make_booking(  # the API's estimate wins over ours
        employee, start=berlin(20, 8), client_price=Decimal("3.00")
    )
    make_booking(  # still being sent: our estimate
        employee,
        start=berlin(21, 8),
        status="SUBMITTING",
        estimated_price=Decimal("2.70"),
    )
    # Not in March at the site: the last evening of February, the first
    # night of April (still March 31 in UTC).
    make_booking(employee, start=berlin(28, 22, month=2), client_price=Decimal("9"))
    make_booking(employee, start=berlin(1, 0, 30, month=4), client_price=Decimal("9"))


def test_the_cap_counts_final_prices_and_estimates_of_the_month(
    employee: User, colleague: User
) -> None:
    spend_38_20_in_march(employee.employee)
    make_booking(colleague.employee, start=berlin(20, 12), client_price=Decimal("9"))

    use = cap_of(employee, berlin(25, 8))

    assert use.used == Decimal("38.20")
    assert use.cap == Decimal("40.00")
    assert use.remaining == Decimal("1.80")


def test_over_the_cap_names_the_numbers(employee: User) -> None:
    spend_38_20_in_march(employee.employee)

    [problem] = cap_of(employee, berlin(25, 8)).problems(Decimal("6.50"))

    assert problem.rule == policy.CAP
    assert problem.message == (
        "You have used €38.20 of your €40.00 cap for March; "
        "this booking is estimated at €6.50."
    )


def test_reaching_the_cap_exactly_is_allowed(employee: User) -> None:
    spend_38_20_in_march(employee.employee)
    assert cap_of(employee, berlin(25, 8)).problems(Decimal("1.80")) == []


def test_the_month_of_the_booking_counts_not_this_month(employee: User) -> None:
    spend_38_20_in_march(employee.employee)
    april = cap_of(employee, berlin(2, 8, month=4))
    assert april.used == Decimal("9.00")
    assert april.problems(Decimal("6.50")) == []


def test_a_personal_cap_overrides_the_department_default(employee: User) -> None:
    spend_38_20_in_march(employee.employee)
    employee.employee.monthly_cap = Decimal("100.00")

    assert cap_of(employee, berlin(25, 8)).problems(Decimal("6.50")) == []


def test_no_cap_at_all(employee: User, engineering: Department) -> None:
    engineering.default_monthly_cap = None
    engineering.save()
    spend_38_20_in_march(employee.employee)
    use = cap_of(employee, berlin(25, 8))

    assert use.cap is None
    assert use.problems(Decimal("1000")) == []


# --- offers to book (the booking flow's tests use them too) ----------------------


def tomorrow_at(hour: int) -> datetime:
    day = timezone.now().astimezone(BERLIN).date() + timedelta(days=1)
    return datetime.combine(day, time(hour), tzinfo=BERLIN)


def offer_at(site: Site, start: datetime, **fields: Any) -> ChargerOffer:
    values: dict[str, Any] = {
        "location_id": "DE-ENB-E700101",
        "evse_uid": "DE*ENB*E700101*1",
        "start": start,
        "end": start + timedelta(hours=2),
        "name": "Karlsruhe HQ – Garage P1",
        "address": "Kaiserstraße 120",
        "city": "Karlsruhe",
        "estimated_price": Decimal("6.5"),
        "site_label": "Garage P1, bay 1",
        "site_id": site.pk,
    }
    return ChargerOffer(**(values | fields))


def test_the_cap_counts_the_month_in_the_portals_time_zone_whatever_the_site(
    employee: User, site: Site, settings: Any
) -> None:
    # A site in Lisbon, an hour behind the portal's Berlin: 23:30 on 31 March
    # there is already April in Berlin, so that booking is April's, as in the
    # reports (bookings.months), and does not fill March's cap.
    settings.TIME_ZONE = "Europe/Berlin"
    site.time_zone = "Europe/Lisbon"
    site.save()
    lisbon = ZoneInfo("Europe/Lisbon")
    make_booking(
        employee.employee,
        site=site,
        start=datetime(2026, 3, 31, 23, 30, tzinfo=lisbon),
        client_price=Decimal("39.00"),
    )

    problems = policy.problems_for(
        employee.employee,
        site=site,
        start=datetime(2026, 3, 20, 9, tzinfo=lisbon),
        end=datetime(2026, 3, 20, 10, tzinfo=lisbon),
        estimate=Decimal("5.00"),
        now=datetime(2026, 3, 19, 9, tzinfo=lisbon),
    )

    assert [p.rule for p in problems] == []
    assert cap_of(employee, berlin(15, 8, month=4)).used == Decimal("39.00")
