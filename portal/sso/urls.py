from __future__ import annotations

from django.urls import path

from portal.sso import views

# The names are allauth's: its provider reverses them.
urlpatterns = [
    path("<str:provider_id>/login/", views.sso_login, name="openid_connect_login"),
    path(
        "<str:provider_id>/callback/",
        views.sso_callback,
        name="openid_connect_callback",
    ),
]
