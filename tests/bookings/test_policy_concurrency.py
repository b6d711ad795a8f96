"""Two bookings of one person at the same moment cannot together break a rule.

Each request runs in its own thread with its own database connection. The
checks are slowed down so that, without the lock on the employee's row, both
requests would pass them before either writes: the test fails then.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import responses
from django.db import connection
from django.test import Client

from bookings import policy, services
from bookings.chargers import ChargerOffer
from bookings.models import Booking
from portal.models import Department, Site, User
from tests.bookings.test_policy import offer_at, tomorrow_at
from tests.fake_api import FakePetitmonde

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason=(
            "SQLite's in-memory test database is shared-cache, where a second "
            "writer fails at once ('database table is locked') instead of "
            "waiting. A real SQLite file (transaction_mode IMMEDIATE, 20 s "
            "timeout) makes the second request wait; run on PostgreSQL."
        ),
    ),
]


@pytest.fixture
def slow_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    checks = policy.problems_for

    def slowly(*args: Any, **kwargs: Any) -> list[policy.Problem]:
        found = checks(*args, **kwargs)
        threading.Event().wait(0.3)  # the other request reads meanwhile
        return found

    monkeypatch.setattr(policy, "problems_for", slowly)


def at_once(*actions: Callable[[], Any]) -> list[Any]:
    """Run the actions in threads started together; their results or errors."""
    barrier = threading.Barrier(len(actions))
    results: list[Any] = [None] * len(actions)

    def run(n: int, action: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[n] = action()
        except Exception as error:
            results[n] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(n, action))
        for n, action in enumerate(actions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def confirm(client: Client, offer: ChargerOffer) -> Callable[[], int]:
    data = {"offer": offer.sign(), "search": "", "submission_key": str(uuid.uuid4())}
    return lambda: client.post("/bookings/new/confirm/", data).status_code


def test_two_requests_at_once_make_one_booking_a_day(
    employee: User,
    site: Site,
    api_settings: Any,
    api_mock: responses.RequestsMock,
    fake_api: FakePetitmonde,
    slow_checks: None,
) -> None:
    clients = [Client(), Client()]
    for client in clients:
        client.force_login(employee)

    statuses = at_once(
        confirm(clients[0], offer_at(site, tomorrow_at(8))),
        confirm(clients[1], offer_at(site, tomorrow_at(14))),
    )

    assert sorted(statuses) == [302, 409]  # one made, one refused with the rule
    assert Booking.objects.count() == 1
    assert len(api_mock.calls) == 1


def test_two_bookings_at_once_cannot_together_pass_the_cap(
    employee: User,
    site: Site,
    engineering: Department,
    slow_checks: None,
    settings: Any,
    api_settings: Any,
    fake_api: FakePetitmonde,
) -> None:
    settings.BOOKING_MAX_PER_DAY = 2  # only the cap stands in the way
    engineering.default_monthly_cap = Decimal("10.00")
    engineering.save()
    offers = [
        offer_at(site, tomorrow_at(hour), estimated_price=Decimal("6.00"))
        for hour in (8, 14)
    ]

    def book(offer: ChargerOffer) -> Callable[[], str | services.BookingOutcome]:
        def attempt() -> str | services.BookingOutcome:
            outcome = services.create_booking(
                employee=employee.employee,
                offer=offer,
                site=site,
                submission_key=uuid.uuid4(),
                requested_by=employee,
            )
            return "made" if isinstance(outcome, services.Booked) else outcome

        return attempt

    results = at_once(book(offers[0]), book(offers[1]))

    refusals = [r for r in results if isinstance(r, services.NotAllowed)]
    assert results.count("made") == 1, results
    assert [p.rule for p in refusals[0].problems] == [policy.CAP]
    assert Booking.objects.count() == 1
