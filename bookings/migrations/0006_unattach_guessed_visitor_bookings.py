"""Take bookings found on the account off the visits the sync had guessed.

Until now the sync attached a `visitor-reception-…` booking made by another
tool to a portal visit at the same site and an overlapping time: it then
appeared on that visitor's pass, was cancelled with the visit and was charged
to the host's department. Only bookings reception made belong to a visit. The
guessed ones become unattributed (finance assigns them); one finance assigned
by hand keeps its department and person, and loses only the visit.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


def unattach(apps: Any, schema_editor: Any) -> None:
    Booking = apps.get_model("bookings", "Booking")
    guessed = Booking.objects.filter(origin="api", visit__isnull=False)
    guessed.filter(attribution="external_id").update(
        visit=None, department=None, employee=None, attribution="none"
    )
    guessed.update(visit=None)


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0005_lease_holder_length"),
    ]

    operations = [
        migrations.RunPython(unattach, migrations.RunPython.noop),
    ]
