"""The waiting list in the admin: the line, its offers, and the API quota it used."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.waitlist import quota
from bookings.waitlist.models import Offer, QuotaUse, WaitlistEntry
from portal.readonly_admin import ReadOnlyAdmin


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(ReadOnlyAdmin):
    list_display = ["employee", "site", "start", "end", "flex_minutes", "state"]
    list_filter = ["state", "site"]
    date_hierarchy = "start"


@admin.register(Offer)
class OfferAdmin(ReadOnlyAdmin):
    list_display = [
        "entry",
        "evse_uid",
        "start",
        "end",
        "freed_at",
        "created_at",
        "expires_at",
        "state",
    ]
    list_filter = ["state"]
    date_hierarchy = "created_at"


@admin.register(QuotaUse)
class QuotaUseAdmin(ReadOnlyAdmin):
    """Requests per month and purpose, with this month's total against the share."""

    list_display = ["month", "purpose", "requests"]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        now = timezone.now()
        context = {
            **(extra_context or {}),
            "title": _(
                "The waiting list's API requests: %(used)d of the %(allowed)d "
                "it may use this month"
            )
            % {"used": quota.used(now), "allowed": quota.allowed(now)},
        }
        return super().changelist_view(request, extra_context=context)
