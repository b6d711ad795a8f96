"""/bookings/new/ (search) and /bookings/new/review/ (the summary before confirming)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest
import responses
from django.test import Client
from django.utils import timezone

from bookings.chargers import ChargerOffer
from portal.models import Department, Employee, Site, User
from tests.bookings.factories import make_booking
from tests.bookings.test_policy import offer_at, tomorrow_at
from tests.fake_api import API_KEY, FakePetitmonde

pytestmark = [
    pytest.mark.django_db,
    # A Tuesday, 10:00 in Berlin: "tomorrow", "soon" and "this month" are
    # the same every time the tests run.
    pytest.mark.time_machine(datetime(2027, 5, 4, 8, tzinfo=UTC)),
]

BERLIN = ZoneInfo("Europe/Berlin")
NEW = "/bookings/new/"
REVIEW = "/bookings/new/review/"


def tomorrow() -> str:
    return (timezone.now().astimezone(BERLIN).date() + timedelta(days=1)).isoformat()


def search(where: Site, **changes: str) -> dict[str, str]:
    return {
        "site": str(where.pk),
        "date": tomorrow(),
        "start": "08:00",
        "end": "10:00",
        "connector_type": "",
        "power_min": "",
    } | changes


@pytest.fixture
def searching(api_settings: Any, fake_api: FakePetitmonde) -> FakePetitmonde:
    """The fake API, answering searches with the site's chargers."""
    return fake_api


# --- who may search -----------------------------------------------------------


def test_without_the_booking_role_it_is_403(
    login: Callable[[User], Client], admin_user: User
) -> None:
    assert login(admin_user).get(NEW).status_code == 403


def test_a_user_without_an_employee_record_gets_403(client: Client, db: None) -> None:
    from django.contrib.auth.models import Permission

    user = User.objects.create_user("guest@example.com", "a-long-test-password-1")
    user.user_permissions.add(Permission.objects.get(codename="book_charging"))
    client.force_login(user)
    assert client.get(NEW).status_code == 403


def test_without_a_customer_or_token_id_the_person_is_told_before_searching(
    login: Callable[[User], Client], employee: User, api_mock: responses.RequestsMock
) -> None:
    Employee.objects.filter(user=employee).update(customer_id="", token_id="")

    response = login(employee).get(NEW, search(employee.employee.home_site))

    assert response.status_code == 200
    assert "an administrator must first set your Petitmonde customer id" in (
        response.content.decode()
    )
    assert b"Find chargers" not in response.content
    assert len(api_mock.calls) == 0


def test_without_a_customer_id_the_page_says_whom_to_ask(
    login: Callable[[User], Client], employee: User, settings: Any
) -> None:
    settings.PORTAL_ADMIN_NAME = "Petra Admin"
    settings.PORTAL_ADMIN_EMAIL = "petra@example.com"
    Employee.objects.filter(user=employee).update(customer_id="", token_id="")

    page = login(employee).get(NEW).content.decode()

    assert 'Ask: Petra Admin, <a href="mailto:petra@example.com">' in page


def test_an_inactive_employee_is_refused_clearly(
    login: Callable[[User], Client], employee: User
) -> None:
    Employee.objects.filter(user=employee).update(is_active=False)

    response = login(employee).get(NEW)

    assert response.status_code == 403
    assert b"Your employee record is inactive" in response.content


# --- the form -----------------------------------------------------------------


def test_the_empty_form_starts_at_the_home_site_tomorrow_and_shows_the_rules(
    login: Callable[[User], Client], employee: User, site: Site, other_site: Site
) -> None:
    other_site.booking_max_minutes = 120
    other_site.save()
    Employee.objects.filter(user=employee).update(home_site=other_site)

    response = login(employee).get(NEW)

    form = response.context["form"]
    assert [s.pk for s in form.fields["site"].queryset] == [other_site.pk, site.pk]
    assert form.initial["date"].isoformat() == tomorrow()
    page = response.content.decode()
    for rule in (
        "Start at least 15 minutes from now.",
        "Book from 30 minutes to 4 hours at a time.",
        "Book at most 14 days ahead.",
        "One booking a day.",
        "At most 3 upcoming bookings at a time.",
        "A monthly cap of €40.00: you have used €0.00",
    ):
        assert rule in page
    assert "Book from 30 minutes to 2 hours at a time." in page  # Berlin's own


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"date": ""}, "date", "This field is required."),
        ({"date": "31.02.2026"}, "date", "Enter a valid date."),
        ({"start": "25:00"}, "start", "Enter a valid time."),
        ({"end": ""}, "end", "This field is required."),
        ({"site": "999999"}, "site", "Select a valid choice."),
        ({"connector_type": "USB"}, "connector_type", "Select a valid choice."),
        ({"power_min": "-1"}, "power_min", "greater than or equal to 0"),
        ({"power_min": "lots"}, "power_min", "Enter a number."),
        ({"end": "08:10"}, "end", "this one would last 10 minutes."),
        ({"end": "07:00"}, "end", "The end must be after the start."),
        ({"date": "0001-01-01"}, "date", "That day has already passed."),
        ({"date": "0001-01-01", "start": "00:00"}, "date", "has already passed"),
        ({"date": "9999-12-31"}, "date", "You can book at most 14 days ahead"),
        ({"date": "9999-12-31", "end": "23:59"}, "date", "at most 14 days ahead"),
        ({"date": "2026-12-0\x00"}, "date", "Enter a valid date."),
        ({"power_min": "9" * 5_000}, "power_min", "less than or equal to 400"),
    ],
)
def test_each_field_is_checked_and_the_message_is_next_to_it(
    login: Callable[[User], Client],
    employee: User,
    site: Site,
    api_mock: responses.RequestsMock,
    changes: dict[str, str],
    field: str,
    message: str,
) -> None:
    response = login(employee).get(NEW, search(site, **changes))

    form = response.context["form"]
    assert any(message in error for error in form.errors[field])
    assert f'id="id_{field}_error"' in response.content.decode()
    assert len(api_mock.calls) == 0  # nothing is searched with a bad form
    for name, value in changes.items():  # what was typed is kept
        assert form[name].value() == value


def test_a_start_too_soon_and_a_date_too_far_are_explained(
    login: Callable[[User], Client], employee: User, site: Site
) -> None:
    too_far = (timezone.now().astimezone(BERLIN) + timedelta(days=20)).date()
    response = login(employee).get(NEW, search(site, date=too_far.isoformat()))
    assert (
        "You can book at most 14 days ahead"
        in response.context["form"].errors["date"][0]
    )

    soon = search(site, date="2027-05-04", start="10:05", end="10:45")
    response = login(employee).get(NEW, soon)
    assert (
        "must start at least 15 minutes from now"
        in (response.context["form"].errors["start"][0])
    )


# A week before the spring change in Berlin, so that the day can be booked.
@pytest.mark.time_machine(datetime(2027, 3, 21, 9, tzinfo=UTC))
def test_a_time_the_clocks_skip_is_refused(
    login: Callable[[User], Client], employee: User, site: Site
) -> None:
    # 02:00-03:00 does not exist that night.
    response = login(employee).get(
        NEW, search(site, date="2027-03-28", start="02:30", end="04:00")
    )
    errors = response.context["form"].errors
    assert "the clocks go forward" in errors["start"][0]
    assert "date" not in errors


# 02:40 winter time in the night the clocks go back: 02:00-03:00 comes twice.
@pytest.mark.time_machine(datetime(2027, 10, 31, 1, 40, tzinfo=UTC), tick=False)
def test_in_the_repeated_hour_a_time_said_twice_is_the_one_still_to_come(
    login: Callable[[User], Client], employee: User, site: Site, searching: Any
) -> None:
    response = login(employee).get(
        NEW, search(site, date="2027-10-31", start="02:45", end="04:00")
    )
    assert (
        "this one would start in 5 minutes"
        in (response.context["form"].errors["start"][0])
    )

    response = login(employee).get(
        NEW, search(site, date="2027-10-31", start="02:56", end="04:00")
    )
    assert not response.context["form"].errors
    [sent] = searching.searches
    assert sent.query["start_time"] == "2027-10-31T01:56:00Z"
    assert sent.query["end_time"] == "2027-10-31T03:00:00Z"


@pytest.mark.parametrize(
    ("now", "day", "end", "errors"),
    [
        # 00:00-04:30 the night the clocks go forward is 3 1/2 hours.
        (datetime(2027, 3, 21, 9, tzinfo=UTC), "2027-03-28", "04:30", {}),
        # 00:00-04:00 the night they go back is 5 hours.
        (
            datetime(2027, 10, 24, 8, tzinfo=UTC),
            "2027-10-31",
            "04:00",
            {
                "end": [
                    "A booking lasts from 30 minutes to 4 hours; "
                    "this one would last 5 hours."
                ]
            },
        ),
    ],
)
def test_a_booking_lasts_the_real_time_on_a_night_the_clocks_change(
    login: Callable[[User], Client],
    employee: User,
    site: Site,
    searching: Any,
    time_machine: Any,
    now: datetime,
    day: str,
    end: str,
    errors: dict[str, list[str]],
) -> None:
    time_machine.move_to(now)
    response = login(employee).get(NEW, search(site, date=day, start="00:00", end=end))
    assert response.context["form"].errors == errors


def test_one_a_day_and_upcoming_limits_are_said_before_searching(
    login: Callable[[User], Client],
    employee: User,
    site: Site,
    api_mock: responses.RequestsMock,
) -> None:
    make_booking(employee.employee, start=tomorrow_at(14))

    response = login(employee).get(NEW, search(site))

    [error] = response.context["form"].non_field_errors()
    assert error.startswith("You can have 1 booking a day, and you already have 1 on ")
    assert 'role="alert"' in response.content.decode()
    assert len(api_mock.calls) == 0


# --- the results --------------------------------------------------------------


def test_search_asks_for_workplace_chargers_and_shows_them_first(
    login: Callable[[User], Client], employee: User, site: Site, searching: Any
) -> None:
    response = login(employee).get(
        NEW, search(site, connector_type="IEC_62196_T2", power_min="11")
    )

    assert response.status_code == 200
    query = parse_qs(urlparse(searching.searches[0].url).query)
    start = datetime.fromisoformat(tomorrow() + "T08:00").replace(tzinfo=BERLIN)
    assert query["start_time"] == [
        start.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")
    ]
    assert query["connector_type"] == ["IEC_62196_T2"]
    assert query["power_min"] == ["11"]
    assert searching.searches[0].headers["X-API-Key"] == API_KEY
    offers = [c["offer"] for c in response.context["choices"]]
    # The visitor bay is not offered to staff; the site's own bay comes first.
    assert [o.evse_uid for o in offers] == ["DE*ENB*E700101*1"]
    page = response.content.decode()
    assert "Our charger: Garage P1, bay 1" in page
    assert "€8.50" in page
    assert "22 kW" in page
    assert "Type 2 (AC)" in page
    assert "0.1 km" in page or "0.0 km" in page
    assert "Kaiserstraße 120, Karlsruhe" in page


def test_a_result_over_the_cap_cannot_be_chosen(
    login: Callable[[User], Client],
    employee: User,
    site: Site,
    searching: Any,
    engineering: Department,
) -> None:
    engineering.default_monthly_cap = Decimal("7.00")
    engineering.save()

    response = login(employee).get(NEW, search(site))

    fits = {c["offer"].evse_uid: c["fits_cap"] for c in response.context["choices"]}
    assert fits["DE*ENB*E700101*1"] is False  # €8.50 > €7.00
    assert "Over your monthly cap" in response.content.decode()


def test_results_over_the_cap_say_first_how_much_of_it_is_left(
    login: Callable[[User], Client],
    employee: User,
    site: Site,
    searching: Any,
    engineering: Department,
) -> None:
    engineering.default_monthly_cap = Decimal("7.00")
    engineering.save()

    page = login(employee).get(NEW, search(site)).content.decode()

    left = page.index("You have €7.00 left of your €7.00 cap")
    assert left < page.index("<table")


def test_results_within_the_cap_say_nothing_about_it(
    login: Callable[[User], Client], employee: User, site: Site, searching: Any
) -> None:
    page = login(employee).get(NEW, search(site)).content.decode()
    assert "left of your" not in page


def test_each_result_links_to_its_review_with_the_search(
    login: Callable[[User], Client], employee: User, site: Site, searching: Any
) -> None:
    response = login(employee).get(NEW, search(site))

    link = response.context["choices"][0]["review_url"]
    query = parse_qs(urlparse(link).query)
    offer = ChargerOffer.unsign(query["offer"][0])
    assert offer.site_id == site.pk
    assert parse_qs(query["search"][0])["start"] == ["08:00"]


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (401, {"error": "Invalid or missing API key"}, "administrator has been told"),
        (403, {"error": "Account suspended"}, "administrator has been told"),
        (429, {"error": "Rate limit exceeded. Retry after 30 seconds."}, "30 seconds"),
        (400, {"error": "Invalid latitude"}, "Its explanation: “Invalid latitude.”"),
        (503, {"error": "Service unavailable"}, "not answering properly"),
    ],
)
def test_a_failed_search_is_explained_and_keeps_the_form(
    login: Callable[[User], Client],
    employee: User,
    site: Site,
    api_settings: Any,
    fake_api: FakePetitmonde,
    caplog: pytest.LogCaptureFixture,
    status: int,
    body: dict[str, str],
    expected: str,
) -> None:
    fake_api.fail("search", status, body["error"], retry_after=30)

    with caplog.at_level(logging.DEBUG):
        response = login(employee).get(NEW, search(site, start="09:15"))

    assert expected in response.content.decode()
    assert response.context["form"]["start"].value() == "09:15"
    assert API_KEY not in caplog.text


def test_no_results_says_what_to_try(
    login: Callable[[User], Client],
    employee: User,
    site: Site,
    api_settings: Any,
    fake_api: FakePetitmonde,
) -> None:
    fake_api.search_body = {"total": 0, "results": []}
    response = login(employee).get(NEW, search(site))
    assert b"No charger near the site can be reserved for that time." in (
        response.content
    )


# --- the review page ----------------------------------------------------------


def review(client: Client, offer: ChargerOffer, search: str = "") -> Any:
    return client.get(REVIEW, {"offer": offer.sign(), "search": search})


def test_review_shows_everything_before_confirming(
    login: Callable[[User], Client], employee: User, site: Site
) -> None:
    make_booking(
        employee.employee,
        start=tomorrow_at(8) - timedelta(days=3),
        status="COMPLETED",
        client_price=Decimal("12.00"),
    )
    offer = offer_at(site, tomorrow_at(8))

    response = review(login(employee), offer, "site=1&date=x")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Karlsruhe HQ – Garage P1 (our charger: Garage P1, bay 1)" in page
    assert "08:00–10:00 CE" in page  # CET or CEST: the site's time
    assert "€6.50" in page
    assert "Free until the operator confirms the booking." in page
    confirm = response.context["confirm"]
    assert confirm.initial["submission_key"]
    assert confirm.initial["offer"] == response.wsgi_request.GET["offer"]
    assert 'name="submission_key"' in page
    assert "Confirm the booking" in page
    assert "/bookings/new/?site=1&amp;date=x" in page  # back, with the search
    expected = "used €12.00 of €40.00; with this booking it would be €18.50"
    assert expected in page


def test_review_shows_why_a_booking_cannot_be_made(
    login: Callable[[User], Client], employee: User, site: Site
) -> None:
    make_booking(employee.employee, start=tomorrow_at(14))

    response = review(login(employee), offer_at(site, tomorrow_at(8)))

    assert "This booking cannot be made:" in response.content.decode()
    assert "1 booking a day" in response.content.decode()
    assert b"Confirm the booking" not in response.content


def test_review_of_a_tampered_offer_goes_back_to_the_search(
    login: Callable[[User], Client], employee: User, site: Site
) -> None:
    token = offer_at(site, tomorrow_at(8)).sign()
    tampered = {"offer": token[:-3] + "abc", "search": "site=1&start=08:00"}
    response = login(employee).get(REVIEW, tampered, follow=True)
    assert response.redirect_chain[0][0].startswith("/bookings/new/?site=1")
    assert "could not be read. Please search again." in response.content.decode()


def test_review_of_an_old_offer_asks_to_search_again(
    login: Callable[[User], Client], employee: User, site: Site, settings: Any
) -> None:
    token = offer_at(site, tomorrow_at(8)).sign()
    settings.BOOKING_OFFER_MAX_AGE_SECONDS = -1
    response = login(employee).get(REVIEW, {"offer": token}, follow=True)
    assert "may be gone by now. Please search again." in response.content.decode()
