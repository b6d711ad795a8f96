"""The Petitmonde EV Suite client API, as the rest of the portal uses it.

`client` is the one module that talks HTTP to the API, `objects` what it sends
and takes, `errors` its one error type, and `window` reads every booking of a
date window although the list endpoint has no pagination. The names below are
what other rooms import; `from bookings.petitmonde import PetitmondeClient`.
"""

from __future__ import annotations

from bookings.petitmonde.client import MAX_LIMIT, PetitmondeClient, get_client
from bookings.petitmonde.errors import PetitmondeError
from bookings.petitmonde.objects import (
    BookingRequest,
    Evse,
    Location,
    RemoteBooking,
    TokenStrategy,
    format_datetime,
)

__all__ = [
    "MAX_LIMIT",
    "BookingRequest",
    "Evse",
    "Location",
    "PetitmondeClient",
    "PetitmondeError",
    "RemoteBooking",
    "TokenStrategy",
    "format_datetime",
    "get_client",
]
