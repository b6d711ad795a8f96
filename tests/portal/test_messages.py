"""Messages are announced: errors and warnings as alerts, the rest as a status."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.template.loader import render_to_string
from django.test import RequestFactory


def rendered(*sent: tuple[int, str]) -> str:
    request = RequestFactory().get("/")
    request.session = {}  # type: ignore[assignment]
    storage = FallbackStorage(request)
    request._messages = storage  # type: ignore[attr-defined]
    for level, text in sent:
        messages.add_message(request, level, text)
    return render_to_string("includes/messages.html", {"messages": storage})


def test_an_error_is_an_alert_and_a_success_a_status() -> None:
    html = rendered((messages.ERROR, "It broke."), (messages.SUCCESS, "Booked."))

    alert = html.index('role="alert"')
    status = html.index('role="status"')
    assert alert < html.index("It broke.") < status < html.index("Booked.")


def test_no_empty_alert_without_errors() -> None:
    html = rendered((messages.INFO, "Nothing was left to cancel."))
    assert 'role="alert"' not in html
    assert 'role="status"' in html


def test_nothing_without_messages() -> None:
    assert rendered().strip() == ""
