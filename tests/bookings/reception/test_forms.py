"""The visit form against input no visit can have: far-off dates, huge searches.

Each is refused with a message next to its field before any work that grows
with the input (building a window per day, a condition per word) is done.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from unittest import mock

import pytest
import responses
from django.test import Client
from django.utils import timezone

from bookings.reception import forms as reception_forms
from portal.models import EmployeeQuerySet, Site, User
from tests.bookings.reception.test_views import NEW, visit_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(login: Callable[[User], Client], receptionist: User) -> Client:
    return login(receptionist)


@pytest.fixture
def no_planning() -> Iterator[mock.MagicMock]:
    """Fails the test if any visit's windows are built."""
    with mock.patch.object(
        reception_forms, "plan_windows", side_effect=AssertionError("planned")
    ) as planned:
        yield planned


@pytest.fixture
def no_host_search() -> Iterator[mock.MagicMock]:
    """Fails the test if the people are searched."""
    with mock.patch.object(
        EmployeeQuerySet, "search", side_effect=AssertionError("searched")
    ) as searched:
        yield searched


def local(site: Site, days: int, hour: int) -> str:
    day = timezone.localdate(timezone.now(), site.tzinfo) + timedelta(days=days)
    return f"{day:%Y-%m-%d}T{hour:02d}:00"


def refused(response: object, field: str) -> list[str]:
    """The messages next to a field, checking they are on the page."""
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert f'id="id_{field}_error"' in response.content.decode()  # type: ignore[attr-defined]
    return [str(e) for e in response.context["form"].errors[field]]  # type: ignore[attr-defined]


@pytest.mark.parametrize("departure", ["4000-01-01T11:00", "9999-12-31T23:59"])
def test_a_departure_years_ahead_is_refused_before_any_window_is_built(
    desk: Client,
    site: Site,
    employee: User,
    no_planning: mock.MagicMock,
    api_mock: responses.RequestsMock,
    departure: str,
) -> None:
    data = visit_data(site, employee, departure=departure)

    response = desk.post(NEW, {**data, "action": "search"})

    [message] = refused(response, "departure")
    assert message.startswith("A visit can span at most 10 days")
    assert "Book a long visit as several visits." in message
    assert no_planning.call_count == 0
    assert len(api_mock.calls) == 0


def test_eleven_days_are_too_many_even_in_few_hours(
    desk: Client, site: Site, employee: User, no_planning: mock.MagicMock
) -> None:
    data = visit_data(
        site, employee, arrival=local(site, 1, 9), departure=local(site, 11, 10)
    )

    [message] = refused(desk.post(NEW, data), "departure")
    assert "this one spans 11 days" in message


@pytest.mark.parametrize(
    ("arrival", "departure"),
    [
        ("0001-01-01T09:00", None),
        ("0001-01-01T00:00", "0001-01-01T01:00"),
        ("0001-01-01T00:00", "9999-12-31T23:59"),
    ],
)
def test_an_arrival_in_year_one_is_refused(
    desk: Client,
    site: Site,
    employee: User,
    no_planning: mock.MagicMock,
    arrival: str,
    departure: str | None,
) -> None:
    data = visit_data(site, employee, arrival=arrival)
    if departure is not None:
        data["departure"] = departure

    response = desk.post(NEW, data)

    [message] = refused(response, "arrival")
    assert "at the earliest" in message
    assert "departure" not in response.context["form"].errors


@pytest.mark.parametrize(
    ("arrival", "departure"),
    [("9999-12-31T22:00", "9999-12-31T23:59"), (None, None)],
)
def test_an_arrival_beyond_the_sites_latest_start_is_refused_without_searching(
    desk: Client,
    site: Site,
    employee: User,
    api_mock: responses.RequestsMock,
    no_planning: mock.MagicMock,
    arrival: str | None,
    departure: str | None,
) -> None:
    data = visit_data(
        site,
        employee,
        arrival=arrival or local(site, 20, 9),
        departure=departure or local(site, 20, 11),
    )

    [message] = refused(desk.post(NEW, {**data, "action": "search"}), "arrival")
    assert message.startswith("Charging can be booked at most 14 days ahead (until ")
    assert len(api_mock.calls) == 0


def test_a_site_with_a_nearer_latest_start_refuses_sooner(
    desk: Client, site: Site, employee: User, no_planning: mock.MagicMock
) -> None:
    site.booking_max_days_ahead = 3
    site.save()
    data = visit_data(
        site, employee, arrival=local(site, 5, 9), departure=local(site, 5, 11)
    )

    [message] = refused(desk.post(NEW, data), "arrival")
    assert message.startswith("Charging can be booked at most 3 days ahead")


def test_a_visit_whose_last_window_starts_too_far_ahead_is_refused(
    desk: Client, site: Site, employee: User, api_mock: responses.RequestsMock
) -> None:
    data = visit_data(
        site, employee, arrival=local(site, 12, 9), departure=local(site, 16, 11)
    )

    response = desk.post(NEW, {**data, "action": "search"})

    [message] = refused(response, "departure")
    assert message.startswith("The last charging window would start on ")
    assert "at most 14 days ahead" in message
    assert len(api_mock.calls) == 0


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("x" * 60_000, "at most 100 characters"),
        (" ".join(["ab"] * 3_000), "at most 100 characters"),
        ("a b c d e f", "Type at most 5 words of the host's name."),
        ("Erika\x00", "null character"),
    ],
)
@pytest.mark.parametrize("action", ["search", "find_host"])
def test_a_host_search_too_long_to_run_is_refused_without_searching(
    desk: Client,
    site: Site,
    employee: User,
    no_host_search: mock.MagicMock,
    query: str,
    message: str,
    action: str,
) -> None:
    data = visit_data(site, employee, host="", host_query=query)

    response = desk.post(NEW, {**data, "action": action})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_host_query_error"' in html
    assert "Nobody found yet" not in html
    problem = response.context["form"].host_query_problem
    assert message in problem
    if action == "search":
        errors = response.context["form"].errors["host_query"]
        assert len(errors) == 1  # not also "Type the host's name."
    assert no_host_search.call_count == 0


def test_five_words_are_still_searched(
    desk: Client, site: Site, employee: User
) -> None:
    response = desk.post(
        NEW, {"action": "find_host", "host_query": "Erika Muster", "site": site.pk}
    )
    assert "Erika Muster · Engineering" in response.content.decode()


@pytest.mark.parametrize("value", ["9" * 30, "²", "1" * 5_000, "-1"])
def test_a_host_or_site_that_cannot_be_an_id_is_no_error(
    desk: Client, site: Site, employee: User, value: str
) -> None:
    find = desk.post(NEW, {"action": "find_host", "host": value, "site": site.pk})
    assert find.status_code == 200
    search = desk.post(NEW, visit_data(site, employee, host=value, site=value))
    assert search.status_code == 200
    assert "Select a valid choice" in search.context["form"].errors["site"][0]
    assert desk.get("/reception/", {"site": value}).status_code == 200
