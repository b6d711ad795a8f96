"""Signals the organisation sends, for apps that build on it.

portal never imports bookings; apps that need to react to the organisation
connect to these instead.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent at the end of portal.demo.seed(), inside its transaction.
demo_seeded = Signal()
