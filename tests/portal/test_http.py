"""Whose address a request comes from, with and without trusted proxies."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from pytest_django.fixtures import Settings as SettingsFixture

from portal.http import _warn_header_ignored, client_address

PROXY = "10.9.9.9"


def address(settings: SettingsFixture, proxies: int, **meta: str) -> str | None:
    settings.TRUSTED_PROXY_COUNT = proxies
    return client_address(RequestFactory().get("/", **meta))


def test_without_trusted_proxies_the_connection_counts_and_that_is_logged_once(
    settings: SettingsFixture, caplog: pytest.LogCaptureFixture
) -> None:
    _warn_header_ignored.cache_clear()
    forged = {"REMOTE_ADDR": "192.0.2.7", "HTTP_X_FORWARDED_FOR": "198.51.100.1"}
    assert address(settings, 0, **forged) == "192.0.2.7"
    assert address(settings, 0, **forged) == "192.0.2.7"
    warnings = [r for r in caplog.records if "TRUSTED_PROXY_COUNT" in r.message]
    assert len(warnings) == 1


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        # What our one proxy appended, whatever the client wrote before it.
        (1, "192.0.2.7", "192.0.2.7"),
        (1, "198.51.100.1, 192.0.2.7", "192.0.2.7"),
        (1, "198.51.100.1,192.0.2.7", "192.0.2.7"),
        # Two proxies: the second appended the first's address.
        (2, "198.51.100.1, 192.0.2.7, 10.1.1.1", "192.0.2.7"),
        (1, "2001:DB8::0001", "2001:db8::1"),
        # Fewer entries than proxies: it did not pass them all.
        (2, "192.0.2.7", PROXY),
        (1, "", PROXY),
        # Not an address: only the peer is known.
        (1, "unknown", PROXY),
        (1, "192.0.2.7:5123", PROXY),
    ],
)
def test_behind_trusted_proxies_the_entry_they_wrote_counts(
    settings: SettingsFixture, proxies: int, forwarded: str, expected: str
) -> None:
    meta = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded}
    assert address(settings, proxies, **meta) == expected


def test_no_address_at_all(settings: SettingsFixture) -> None:
    assert address(settings, 1, REMOTE_ADDR="") is None
