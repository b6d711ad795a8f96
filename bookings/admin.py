"""The sync's runs in the admin, to look at: what each read, wrote and spent."""

from __future__ import annotations

from django.contrib import admin

from bookings.models import SyncRun
from portal.readonly_admin import ReadOnlyAdmin


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = [
        "started_at",
        "outcome",
        "incremental",
        "fetched",
        "created",
        "updated",
        "unchanged",
        "unattributed",
        "requests",
        "quota_left",
    ]
    list_filter = ["outcome", "incremental"]
    date_hierarchy = "started_at"


# The waiting list's admin lives in its room.
from bookings.waitlist import admin as _waitlist_admin  # noqa: E402, F401
