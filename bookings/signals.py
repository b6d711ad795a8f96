"""What other parts of the portal may want to hear about a booking.

`status_changed(booking, before)`: the API told the portal a new status for a
booking it already held, through any path (the create and cancel flows, the
status refresh, the sync). Sent after the change is saved; receivers that do
more than note it queue a task (bookings.waitlist.receivers).
"""

from __future__ import annotations

from contextvars import ContextVar

from django.dispatch import Signal

status_changed = Signal()
# True while the portal itself cancels a booking (services.send_cancel): a
# CANCELLED learned then is ours, not the operator turning the booking down.
cancelling_here: ContextVar[bool] = ContextVar("cancelling_here", default=False)
