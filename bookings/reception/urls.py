from django.urls import path

from bookings.reception import views

app_name = "reception"

urlpatterns = [
    path("", views.day, name="day"),
    path("new/", views.visit_new, name="new"),
    path("passes/<int:pk>/", views.visit_pass, name="pass"),
    path("passes/<int:pk>/email/", views.pass_email, name="pass_email"),
    path("passes/<int:pk>/cancel/", views.visit_cancel, name="cancel_visit"),
    path("bookings/<int:pk>/cancel/", views.booking_cancel, name="cancel_booking"),
]
