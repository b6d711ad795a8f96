"""Fixtures for the booking views: the API at a fake address, the search answer."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_django.fixtures import Settings

from tests.fake_api import fixture, point_portal_at_fake


@pytest.fixture
def api_settings(settings: Settings) -> Settings:
    """The portal's client talks to BASE_URL (mocked with `api_mock`), quickly."""
    point_portal_at_fake(settings)
    settings.PORTAL_BASE_URL = "https://ev.example.com"
    return settings


@pytest.fixture
def search_answer() -> dict[str, Any]:
    return fixture("search_near_site")
