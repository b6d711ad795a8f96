"""An open offer is the first thing on the person's home page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bookings.waitlist.models import Offer
from portal.models import Site, User
from tests.bookings.waitlist.factories import make_entry, make_offer


@pytest.mark.django_db
def test_an_open_offer_leads_the_home_page(
    login: Callable[[User], Client], employee: User, site: Site
) -> None:
    offer = make_offer(make_entry(employee.employee, site))
    page = login(employee).get(reverse("home")).content.decode()
    assert "A charger is free for you" in page
    assert reverse("waitlist:offer", args=[offer.pk]) in page
    assert page.index("A charger is free for you") < page.index("Your charging")


@pytest.mark.django_db
@pytest.mark.parametrize("state", [Offer.State.DECLINED, Offer.State.EXPIRED])
def test_an_offer_no_longer_open_is_not_shown(
    login: Callable[[User], Client], employee: User, site: Site, state: str
) -> None:
    make_offer(make_entry(employee.employee, site), state=state)
    page = login(employee).get(reverse("home")).content.decode()
    assert "is free for you" not in page


@pytest.mark.django_db
def test_an_offer_past_its_time_is_not_shown(
    login: Callable[[User], Client], employee: User, site: Site
) -> None:
    make_offer(
        make_entry(employee.employee, site),
        expires_at=timezone.now() - timedelta(minutes=1),
    )
    page = login(employee).get(reverse("home")).content.decode()
    assert "is free for you" not in page


@pytest.mark.django_db
def test_someone_elses_offer_is_not_shown(
    login: Callable[[User], Client], employee: User, colleague: User, site: Site
) -> None:
    make_offer(make_entry(employee.employee, site))
    page = login(colleague).get(reverse("home")).content.decode()
    assert "is free for you" not in page
