from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from portal import views
from portal.forms import PortalPasswordResetForm
from portal.sso import views as sso_views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("language/", views.choose_language, name="choose_language"),
    # The password form, and the company sign-in when configured (portal/sso).
    path("login/", sso_views.login_page, name="login"),
    path("login/break-glass/", sso_views.login_break_glass, name="login_break_glass"),
    path("sso/", include("portal.sso.urls")),
    # Logging out when already logged out (a second tab) must not send the
    # person through the login page to a GET of this POST-only view.
    path("logout/", sso_views.logout, name="logout"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            form_class=PortalPasswordResetForm,
            subject_template_name="emails/password_reset_subject.txt",
            email_template_name="emails/password_reset.txt",
            html_email_template_name="emails/password_reset.html",
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    # One login form for everybody, so the lockout cannot be side-stepped.
    path("admin/login/", views.admin_login),
    path("admin/", admin.site.urls),
    path("bookings/", include("bookings.urls")),
    path("waitlist/", include("bookings.waitlist.urls")),
    path("reception/", include("bookings.reception.urls")),
    path("sandbox/api/v1/client/", include("bookings.sandbox.urls")),
    path("reports/", include("reports.urls")),
]
