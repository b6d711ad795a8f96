"""The waiting list against the real sandbox: a no-show learned from the API
with the sandbox's clock moved frees the rest of the window, and the person
waiting for it books it through the real client."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from bookings import services
from bookings.models import Booking
from bookings.waitlist import line, offers
from bookings.waitlist.models import Offer, QuotaUse, WaitlistEntry
from portal.models import Site, User
from tests.bookings.test_policy import offer_at
from tests.plugins.sandbox import SandboxClock, SandboxOutcomes

pytestmark = [pytest.mark.contract, pytest.mark.django_db(transaction=True)]


def test_a_no_show_learned_from_the_api_is_offered_and_booked(
    sandbox_url: str,
    site: Site,
    employee: User,
    colleague: User,
    sandbox_clock: SandboxClock,
    sandbox_outcomes: SandboxOutcomes,
    settings: Any,
) -> None:
    settings.BOOKING_REFRESH_SECONDS = 0
    start = (timezone.now() + timedelta(hours=1)).replace(second=0, microsecond=0)
    sandbox_outcomes.plan("NO_SHOW")
    made = services.create_booking(
        employee=colleague.employee,
        offer=offer_at(site, start),
        site=site,
        submission_key=uuid.uuid4(),
        requested_by=colleague,
    )
    assert isinstance(made, services.Booked)
    # Waiting for the second hour of the colleague's window.
    entry = WaitlistEntry.objects.create(
        employee=employee.employee,
        site=site,
        start=start + timedelta(hours=1),
        end=start + timedelta(hours=2),
    )
    assert line.tick().offers == 0  # the bay is taken

    # Past the start in the sandbox: the car never came. The portal asks
    # about the started booking as its own job would then.
    sandbox_clock.advance(timedelta(minutes=70))
    requests = line.refresh_where_waiting([site.pk], sandbox_clock.now())

    theirs = Booking.objects.get(pk=made.booking.pk)
    assert theirs.status == "NO_SHOW"
    assert requests >= 1
    assert QuotaUse.objects.get(purpose="status_refresh").requests == requests
    # The status change offered the freed hour at once.
    offer = Offer.objects.get(entry=entry)
    assert (offer.start, offer.end) == (entry.start, entry.end)
    assert offer.is_open

    taken = offers.accept_offer(offer=offer, by=employee)

    assert isinstance(taken, offers.Taken)
    assert isinstance(taken.outcome, services.Booked)
    assert taken.booking.evse_uid == theirs.evse_uid
    assert taken.booking.api_id
    entry.refresh_from_db()
    assert entry.state == WaitlistEntry.State.BOOKED
