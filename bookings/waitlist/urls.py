from __future__ import annotations

from django.urls import path

from bookings.waitlist import views

app_name = "waitlist"

urlpatterns = [
    path("", views.waitlist_list, name="list"),
    path("join/", views.waitlist_join, name="join"),
    path("<int:pk>/leave/", views.waitlist_leave, name="leave"),
    path("offers/<int:pk>/", views.offer_detail, name="offer"),
    path("offers/<int:pk>/accept/", views.offer_accept, name="accept"),
    path("offers/<int:pk>/decline/", views.offer_decline, name="decline"),
    path("sites/", views.waitlist_sites, name="sites"),
    path("notices/", views.notices_edit, name="notices"),
    path("release/<int:pk>/", views.booking_release, name="release"),
    path(
        "release/<int:pk>/confirm/",
        views.booking_release_confirm,
        name="release_confirm",
    ),
]
