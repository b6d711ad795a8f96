"""The sandbox API under /sandbox/api/v1/client/ (included by portal/urls.py)."""

from __future__ import annotations

from django.urls import path, re_path

from bookings.sandbox import views

app_name = "sandbox"

urlpatterns = [
    path("search", views.search_locations, name="search"),
    path("bookings", views.bookings, name="bookings"),
    path("bookings/<str:booking_id>", views.booking_detail, name="booking"),
    path("bookings/<str:booking_id>/cancel", views.booking_cancel, name="cancel"),
    path("usage", views.usage, name="usage"),
    re_path(r"^(?P<path>.*)$", views.not_found),
]
