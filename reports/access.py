"""Who sees which department's reports.

Finance (VIEW_ALL_REPORTS) sees every department; a manager
(VIEW_DEPARTMENT_REPORTS) sees the departments they manage; nobody else any.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from portal.models import Department, User
from portal.roles import VIEW_ALL_REPORTS, VIEW_DEPARTMENT_REPORTS


def sees_all(user: User) -> bool:
    return user.has_perm(VIEW_ALL_REPORTS)


def may_view_reports(user: User) -> bool:
    return sees_all(user) or user.has_perm(VIEW_DEPARTMENT_REPORTS)


def reportable_departments(user: User) -> QuerySet[Department]:
    """The departments whose reports `user` may see (none without the role)."""
    if sees_all(user):
        return Department.objects.all()
    if user.has_perm(VIEW_DEPARTMENT_REPORTS):
        return user.managed_departments.all()
    return Department.objects.none()


def require(user: User, permission: str) -> None:
    """403 for a logged-in user without the permission."""
    if not user.has_perm(permission):
        raise PermissionDenied


def require_reports(user: User) -> None:
    if not may_view_reports(user):
        raise PermissionDenied
