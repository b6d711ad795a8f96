"""A URLconf for tests/test_access.py's own tests: one view per kind of refusal."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path

from portal.models import Employee
from portal.roles import VIEW_ALL_REPORTS
from portal.urls import urlpatterns as portal_urlpatterns


def all_reports(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(VIEW_ALL_REPORTS):
        raise PermissionDenied
    return HttpResponse("reports")


def employee_card(request: HttpRequest, employee_id: str) -> HttpResponse:
    # People of the same department see each other; others get a 404.
    visible = Employee.objects.filter(department__employees__user=request.user)
    employee = get_object_or_404(visible, employee_id=employee_id)
    return HttpResponse(employee.employee_id)


urlpatterns = [
    path("reports/", all_reports, name="all_reports"),
    path("people/<slug:employee_id>/", employee_card, name="employee_card"),
    # The login redirect and the error pages link to the portal's URLs.
    *portal_urlpatterns,
]
