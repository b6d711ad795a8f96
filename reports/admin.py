"""The monthly report deliveries in the admin, to look at."""

from __future__ import annotations

from django.contrib import admin

from portal.readonly_admin import ReadOnlyAdmin
from reports.models import ReportDelivery


@admin.register(ReportDelivery)
class ReportDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["month", "recipient", "kind", "sent_at"]
    list_filter = ["kind", "month"]
    search_fields = ["recipient"]
