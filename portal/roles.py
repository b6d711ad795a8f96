"""The portal's roles. Each role is a Django group with a fixed set of permissions.

A person may hold several roles. Views ask for permissions (``user.has_perm``),
never for group names, so an admin can also build custom groups.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    EMPLOYEE = "employee", _("Employee")
    RECEPTIONIST = "receptionist", _("Receptionist")
    MANAGER = "manager", _("Manager")
    FINANCE = "finance", _("Finance")
    ADMIN = "admin", _("Admin")


# Group name for each role, as created by the data migration.
GROUP_NAMES: dict[str, str] = {
    Role.EMPLOYEE: "Employee",
    Role.RECEPTIONIST: "Receptionist",
    Role.MANAGER: "Manager",
    Role.FINANCE: "Finance",
    Role.ADMIN: "Admin",
}

# Custom permissions, all declared on portal.User.
BOOK_CHARGING = "portal.book_charging"
BOOK_VISITORS = "portal.book_visitor_charging"
VIEW_DEPARTMENT_REPORTS = "portal.view_department_reports"
VIEW_ALL_REPORTS = "portal.view_all_reports"
ASSIGN_BOOKINGS = "portal.assign_bookings"
