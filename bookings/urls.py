from __future__ import annotations

from django.urls import path

from bookings import views

app_name = "bookings"

urlpatterns = [
    path("", views.booking_list, name="list"),
    path("new/", views.booking_new, name="new"),
    path("new/review/", views.booking_review, name="review"),
    path("new/confirm/", views.booking_create, name="create"),
    path("<int:pk>/", views.booking_detail, name="detail"),
    path("<int:pk>/calendar.ics", views.booking_ics, name="ics"),
    path("<int:pk>/cancel/", views.booking_cancel, name="cancel"),
    path(
        "<int:pk>/cancel/confirm/", views.booking_cancel_confirm, name="cancel_confirm"
    ),
]
