"""The money words, each defined once: what the cap counts and what reports call spend.

Spend
    What a booking cost in the end: the API's final `client_price` of an ended
    booking. That is the price of a completed one, and the fee the operator
    charges for a cancelled, expired or no-show one (0, or nothing, when it
    charges none). Reports, budgets and CSVs show spend, and only spend, so their
    totals are money actually owed.

Cap use
    What counts against a person's monthly cap: the spend of their ended
    bookings, plus the estimate of every booking not ended yet (including one
    still being checked), because the cap must stop a booking before it costs.
    The estimate is the API's `client_price` while the booking runs, else the
    estimated price the portal kept from the search.

Both are summed over the bookings of one month (bookings.months) as Decimal,
never float.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Case, DecimalField, Q, Sum, Value, When
from django.db.models.functions import Coalesce

from bookings.statuses import TERMINAL

ZERO = Decimal("0.00")
ENDED = Q(status__in=TERMINAL)
_MONEY = DecimalField(max_digits=12, decimal_places=2)


def spend(where: Q | None = None) -> Sum:
    """The spend of the bookings matching `where` (all when None)."""
    return Sum(
        "client_price", filter=ENDED if where is None else where & ENDED, default=ZERO
    )


def cap_use() -> Sum:
    """What the bookings aggregated count against a cap."""
    zero = Value(ZERO, output_field=_MONEY)
    return Sum(
        Case(
            When(ENDED, then=Coalesce("client_price", zero, output_field=_MONEY)),
            default=Coalesce(
                "client_price", "estimated_price", zero, output_field=_MONEY
            ),
            output_field=_MONEY,
        )
    )
