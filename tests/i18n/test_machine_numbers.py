"""What machines read stays the same in every language: the chart's SVG
geometry, and CSV cells (ISO dates, point decimals)."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from bookings.models import Booking
from portal.models import Department, User
from tests.reports.conftest import at

GEOMETRY = re.compile(r'\b(x|y|x1|x2|y1|y2|width|height|viewBox)="([^"]*)"')
PLAIN = re.compile(r"^-?\d+(\.\d+)?%?( -?\d+(\.\d+)?)*$")


@pytest.mark.django_db
def test_the_chart_geometry_is_never_localised(
    client: Client,
    finance: User,
    engineering: Department,
    book: Callable[..., Booking],
) -> None:
    engineering.monthly_budget = Decimal("1234.56")
    engineering.save()
    book(at("2026-11-05"), department=engineering, price="1017.35")
    client.force_login(finance)
    svg = client.get(
        reverse("reports:index_chart") + "?month=2026-11", HTTP_ACCEPT_LANGUAGE="de"
    ).content.decode()
    values = GEOMETRY.findall(svg)
    assert values, svg
    assert [v for v in values if not PLAIN.match(v[1])] == []
    # The figures people read in it are German.
    assert "1.017,35\u00a0€" in svg


@pytest.mark.django_db
def test_csv_keeps_iso_dates_and_point_decimals_in_german(
    client: Client,
    finance: User,
    engineering: Department,
    book: Callable[..., Booking],
) -> None:
    book(at("2026-11-05"), department=engineering, price="1017.35")
    client.force_login(finance)
    response = client.get(
        reverse("reports:summary_csv") + "?month=2026-11", HTTP_ACCEPT_LANGUAGE="de"
    )
    text = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    header, *rows = text.lstrip("\ufeff").splitlines()
    assert "Abteilung" in header or "Buchung" in header  # German headers
    assert any("1017.35" in row for row in rows)
    assert any("2026-11-05" in row for row in rows)
    assert not any("1.017,35" in row for row in rows)
