"""The lifecycle, computed from the sandbox clock: every state, at the right time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from django.test.utils import override_settings

from bookings.sandbox.forms import parse_instant
from bookings.sandbox.models import BATTERY_KWH, Booking, Clock, Evse, iso
from tests.bookings.sandbox.conftest import Api, ahead

pytestmark = pytest.mark.django_db


def status(api: Api, booking: dict) -> dict:
    return api.get(f"bookings/{booking['id']}").json()


def seconds_after(booking: dict, field: str, seconds: int) -> str:
    return iso(parse_instant(booking[field]) + timedelta(seconds=seconds))


# The real clock stands still: only the sandbox's moves, so a slow machine
# cannot carry the booking past a delay between two steps.
@pytest.mark.time_machine(datetime(2026, 2, 9, 10, 0, tzinfo=UTC), tick=False)
@override_settings(
    PETITMONDE_SANDBOX_PENDING_AFTER=10, PETITMONDE_SANDBOX_CONFIRM_AFTER=20
)
def test_requested_then_pending_then_confirmed_after_the_set_delays(
    api: Api, book, sandbox_clock
) -> None:
    booking = book()
    sandbox_clock.advance("9s")
    assert status(api, booking)["status"] == "REQUESTED"
    sandbox_clock.advance("1s")
    pending = status(api, booking)
    assert pending["status"] == "PENDING"
    assert pending["status_updated_at"] == seconds_after(booking, "created_at", 10)
    assert pending["cpo_reservation_id"] is None
    sandbox_clock.advance("20s")
    confirmed = status(api, booking)
    assert confirmed["status"] == "CONFIRMED"
    assert confirmed["status_updated_at"] == seconds_after(booking, "created_at", 30)
    assert confirmed["cpo_reservation_id"].startswith("ENB-R")
    assert confirmed["client_price"] == booking["client_price"]  # still the estimate


def test_attended_booking_completes_with_its_final_price(
    api: Api, book, sandbox_clock, sandbox_outcomes
) -> None:
    sandbox_outcomes.plan("ATTENDING")
    booking = book()
    sandbox_clock.advance("1h")
    attending = status(api, booking)
    assert attending["status"] == "ATTENDING"
    assert attending["status_updated_at"] == booking["reservation_start"]
    assert attending["energy_kwh"] is None
    sandbox_clock.advance("2h")
    done = status(api, booking)
    assert done["status"] == "COMPLETED"
    assert done["status_updated_at"] == booking["reservation_end"]
    energy = Decimal(str(done["energy_kwh"]))
    # EnBW Karlsruhe Zirkel: 0.49 per kWh plus a 1.50 reservation fee.
    expected = (energy * Decimal("0.49") + Decimal("1.50")).quantize(Decimal("0.01"))
    assert Decimal(str(done["client_price"])) == expected
    # Plausible: some, but no more than 2 h at 22 kW could give.
    assert Decimal(0) < energy <= Decimal(44)
    assert done["client_price"] <= booking["client_price"]


def test_no_show_at_the_start_costs_the_reservation_fee(
    api: Api, book, sandbox_clock, sandbox_outcomes
) -> None:
    sandbox_outcomes.plan("NO_SHOW")
    booking = book()
    sandbox_clock.advance("59m")
    assert status(api, booking)["status"] == "CONFIRMED"
    sandbox_clock.advance("1m")
    no_show = status(api, booking)
    assert no_show["status"] == "NO_SHOW"
    assert no_show["status_updated_at"] == booking["reservation_start"]
    assert no_show["client_price"] == 1.5
    assert no_show["energy_kwh"] is None


def test_unused_window_expires_at_its_end(
    api: Api, book, sandbox_clock, sandbox_outcomes
) -> None:
    sandbox_outcomes.plan("EXPIRED")
    booking = book()
    sandbox_clock.advance("2h")
    # The car could still come: the booking holds the EVSE until the end.
    assert status(api, booking)["status"] == "CONFIRMED"
    sandbox_clock.advance("1h")
    expired = status(api, booking)
    assert expired["status"] == "EXPIRED"
    assert expired["status_updated_at"] == booking["reservation_end"]
    assert expired["client_price"] == 1.5


def test_unreliable_cpo_rejects_instead_of_confirming(
    api: Api, book, sandbox_clock, sandbox_outcomes
) -> None:
    sandbox_outcomes.plan("REJECTED")
    booking = book(location_id="DE-ENB-E423001", evse_uid="DE*ENB*E423001*1")
    sandbox_clock.advance("2s")
    assert status(api, booking)["status"] == "PENDING"
    sandbox_clock.advance("3s")
    rejected = status(api, booking)
    assert rejected["status"] == "CANCELLED"
    assert rejected["cancellation_reason"] == "Rejected by CPO"
    assert rejected["status_updated_at"] == seconds_after(booking, "created_at", 5)
    assert rejected["client_price"] == 0
    assert rejected["cpo_reservation_id"] is None


def test_a_jump_in_time_passes_every_step_at_once(
    api: Api, book, sandbox_clock, sandbox_outcomes
) -> None:
    sandbox_outcomes.plan("ATTENDING")
    booking = book()
    sandbox_clock.advance("1d")
    done = status(api, booking)
    assert done["status"] == "COMPLETED"
    assert done["cpo_reservation_id"] is not None
    assert done["status_updated_at"] == booking["reservation_end"]


def test_the_list_sees_transitions_without_reading_each_booking(
    api: Api, book, sandbox_clock, sandbox_outcomes
) -> None:
    sandbox_outcomes.plan("ATTENDING", "ATTENDING")
    book()
    book(evse_uid="DE*ENB*E123456*2")
    sandbox_clock.advance("4h")
    completed = api.get("bookings", {"status": "COMPLETED"}).json()["bookings"]
    assert len(completed) == 2


@override_settings(
    PETITMONDE_SANDBOX_PENDING_AFTER=3600, PETITMONDE_SANDBOX_CONFIRM_AFTER=3600
)
def test_confirmation_never_comes_after_the_window_began(
    api: Api, book, sandbox_clock, sandbox_outcomes
) -> None:
    sandbox_outcomes.plan("ATTENDING")
    booking = book(reservation_start=ahead(minutes=30), reservation_end=ahead(hours=2))
    sandbox_clock.advance("30m")
    assert status(api, booking)["status"] == "ATTENDING"


def test_the_fate_comes_from_the_booking_id() -> None:
    ids = [UUID(int=n * 7919 + (n << 70)) for n in range(2000)]
    fates = [Booking.fate(i.int, 0) for i in ids]
    assert fates == [Booking.fate(i.int, 0) for i in ids]  # repeatable
    share = fates.count(Booking.Outcome.ATTENDING) / len(fates)
    assert 0.75 < share < 0.95  # most cars come
    assert {Booking.Outcome.NO_SHOW, Booking.Outcome.EXPIRED} <= set(fates)
    assert Booking.Outcome.REJECTED not in fates  # reliable CPO
    rejected = [Booking.fate(i.int, 40) for i in ids].count(Booking.Outcome.REJECTED)
    assert 0.3 < rejected / len(ids) < 0.5


def test_energy_is_repeatable_and_plausible(world: None) -> None:
    evse = Evse.objects.get(evse_uid="DE*ION*E789020*1")  # 350 kW
    start = Clock.now() + timedelta(days=1)
    booking_id = uuid4()
    plans = [
        Booking.plan(
            evse=evse,
            start=start,
            end=start + timedelta(hours=3),
            created_at=Clock.now(),
            token_strategy="ad_hoc",
            booking_id=booking_id,
        )
        for _ in range(2)
    ]
    assert plans[0].plan_energy_kwh == plans[1].plan_energy_kwh
    # A car is full long before 3 hours at 350 kW.
    assert Decimal(0) < plans[0].plan_energy_kwh <= BATTERY_KWH
    assert plans[0].client_price == (BATTERY_KWH * Decimal("0.69") + 2).quantize(
        Decimal("0.01")
    )
