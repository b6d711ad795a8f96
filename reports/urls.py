from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("departments.csv", views.index_csv, name="index_csv"),
    path("departments.svg", views.index_chart, name="index_chart"),
    path("summary/", views.summary, name="summary"),
    path("summary.csv", views.summary_csv, name="summary_csv"),
    path("unattributed/", views.unattributed, name="unattributed"),
    path("unattributed.csv", views.unattributed_csv, name="unattributed_csv"),
    path("unattributed/<int:pk>/assign/", views.booking_assign, name="booking_assign"),
    path("departments/<slug:code>/", views.department, name="department"),
    path(
        "departments/<slug:code>/trend.svg",
        views.department_chart,
        name="department_chart",
    ),
    path(
        "departments/<slug:code>/<slug:table>.csv",
        views.department_csv,
        name="department_csv",
    ),
]
