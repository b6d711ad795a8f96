"""/bookings/<id>/ and its .ics file: the owner's only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import responses
from django.test import Client
from django.utils import timezone

from bookings.models import Booking
from portal.models import User
from tests.bookings.factories import make_booking, remote_of
from tests.fake_api import FakePetitmonde

pytestmark = pytest.mark.django_db


@pytest.fixture
def mine(login: Callable[[User], Client], employee: User, api_settings: Any) -> Client:
    return login(employee)


@pytest.fixture
def booking(employee: User) -> Booking:
    return make_booking(
        employee.employee, start=timezone.now() + timedelta(days=2), status="CONFIRMED"
    )


def test_the_owner_sees_the_booking(mine: Client, booking: Booking) -> None:
    page = mine.get(f"/bookings/{booking.pk}/").content.decode()

    assert "Charging at Karlsruhe HQ – Garage P1" in page
    assert 'data-symbol="✓">confirmed</span>' in page
    assert booking.external_id in page
    assert "Kaiserstraße 120, Karlsruhe" in page
    assert f'href="/bookings/{booking.pk}/calendar.ics"' in page
    assert f'href="/bookings/{booking.pk}/cancel/"' in page


@pytest.mark.parametrize("who", ["colleague", "outsider"])
def test_someone_elses_booking_is_not_found(
    login: Callable[[User], Client],
    booking: Booking,
    who: str,
    request: pytest.FixtureRequest,
) -> None:
    client = login(request.getfixturevalue(who))
    for path in ("", "calendar.ics", "cancel/"):
        assert client.get(f"/bookings/{booking.pk}/{path}").status_code == 404
    response = client.post(f"/bookings/{booking.pk}/cancel/confirm/")
    assert response.status_code == 404


def test_a_final_price_is_labelled_final(mine: Client, employee: User) -> None:
    done = make_booking(
        employee.employee,
        start=timezone.now() - timedelta(days=2),
        status="COMPLETED",
        client_price=Decimal("11.30"),
        energy_kwh=Decimal("25.5"),
    )
    page = mine.get(f"/bookings/{done.pk}/").content.decode()
    assert "€11.30 <span" in page
    assert "(final)" in page
    assert "25.5 kWh" in page
    assert "Cancel this booking" not in page


def test_a_waiting_booking_is_refreshed_on_its_page(
    mine: Client,
    booking: Booking,
    api_mock: responses.RequestsMock,
    fake_api: FakePetitmonde,
) -> None:
    Booking.objects.filter(pk=booking.pk).update(
        status="PENDING", last_synced_at=timezone.now() - timedelta(minutes=5)
    )
    fake_api.load([remote_of(booking, status="CONFIRMED")])

    page = mine.get(f"/bookings/{booking.pk}/").content.decode()

    assert ">confirmed</span>" in page
    assert len(api_mock.calls) == 1


@pytest.mark.parametrize(
    ("reference", "name"),
    [
        ('cal"; filename="evil.html', "cal-filename-evil.html.ics"),
        ("../../etc/passwd", "etc-passwd.ics"),
        ("ref\r\nSet-Cookie: x=1", "ref-Set-Cookie-x-1.ics"),
        ('"";', "booking-{pk}.ics"),
    ],
)
def test_the_calendar_file_name_cannot_add_to_the_header(
    mine: Client, booking: Booking, reference: str, name: str
) -> None:
    # References made by other tools reach the portal through the sync.
    Booking.objects.filter(pk=booking.pk).update(external_id=reference)

    response = mine.get(f"/bookings/{booking.pk}/calendar.ics")

    expected = name.format(pk=booking.pk)
    assert response["Content-Disposition"] == f'attachment; filename="{expected}"'


def test_the_calendar_file_downloads_in_the_sites_time_zone(
    mine: Client, booking: Booking
) -> None:
    response = mine.get(f"/bookings/{booking.pk}/calendar.ics")

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{booking.external_id}.ics"'
    )
    text = response.content.decode()
    local = booking.reservation_start.astimezone(booking.site.tzinfo)
    assert f"DTSTART;TZID=Europe/Berlin:{local:%Y%m%dT%H%M%S}" in text
    assert "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n" in text
    assert f"URL:http://testserver/bookings/{booking.pk}/" in text
    assert "STATUS:CONFIRMED" in text
