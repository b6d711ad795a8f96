"""Fixtures for the booking views: the API at a fake address, the search answer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pytest_django.fixtures import Settings

from tests.fake_petitmonde import API_KEY, BASE_URL

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "petitmonde"


@pytest.fixture
def api_settings(settings: Settings) -> Settings:
    """The portal's client talks to BASE_URL (mocked with `api_mock`), quickly."""
    settings.PETITMONDE_API_URL = BASE_URL
    settings.PETITMONDE_API_KEY = API_KEY
    settings.PETITMONDE_MAX_RETRIES = 0
    settings.BOOKING_LOOKUP_RETRY_SECONDS = 0
    settings.PORTAL_BASE_URL = "https://ev.example.com"
    return settings


@pytest.fixture
def search_answer() -> dict[str, Any]:
    return json.loads((FIXTURES / "search_near_site.json").read_text())
