from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from portal.models import Department, Employee, Site, SiteCharger, User

admin.site.site_header = _("EV charging portal administration")
admin.site.site_title = _("EV charging portal")
admin.site.index_title = _("Departments, people, sites and roles")


class EmployeeInline(admin.StackedInline):
    model = Employee
    can_delete = False
    fk_name = "user"
    autocomplete_fields = ["department", "home_site"]
    verbose_name_plural = _("employee record")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "is_superuser", "groups"]
    search_fields = ["email", "first_name", "last_name", "employee__employee_id"]
    filter_horizontal = ["groups", "user_permissions", "reception_sites"]
    inlines = [EmployeeInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name")}),
        (
            _("Roles"),
            {
                "fields": ("is_active", "groups", "reception_sites"),
                "description": _(
                    "Roles are groups: Employee, Receptionist, Manager, Finance, "
                    "Admin. A person may hold several. Admins can open this "
                    "administration. Departments a manager manages are set on "
                    "the department."
                ),
            },
        ),
        (
            _("Advanced permissions"),
            {
                "classes": ["collapse"],
                "fields": ("is_superuser", "user_permissions"),
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ["wide"],
                "fields": (
                    "email",
                    "first_name",
                    "last_name",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )

    def get_readonly_fields(
        self, request: HttpRequest, obj: User | None = None
    ) -> tuple[str, ...]:
        # The Admin role manages people and roles; it must not be able to make
        # anybody (itself included) a superuser or hand out single permissions.
        readonly = tuple(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += ("is_superuser", "user_permissions")
        return readonly

    def save_related(
        self, request: HttpRequest, form: ModelForm, formsets: Any, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        form.instance.refresh_staff_flag()


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "monthly_budget", "default_monthly_cap"]
    search_fields = ["code", "name"]
    filter_horizontal = ["managers"]


class SiteChargerInline(admin.TabularInline):
    model = SiteCharger
    extra = 1


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "time_zone"]
    search_fields = ["name", "city"]
    inlines = [SiteChargerInline]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "name",
                    "address",
                    "postal_code",
                    "city",
                    ("latitude", "longitude"),
                    "time_zone",
                )
            },
        ),
        (
            _("Booking rules of this site"),
            {
                "description": _(
                    "Empty fields follow the company's rules, shown to everyone "
                    "on the booking page."
                ),
                "fields": (
                    "booking_min_lead_minutes",
                    ("booking_min_minutes", "booking_max_minutes"),
                    "booking_max_days_ahead",
                ),
            },
        ),
    )


@admin.register(Employee)
class EmployeeAdmin(admin.ModelAdmin):
    list_display = [
        "employee_id",
        "user",
        "department",
        "customer_id",
        "home_site",
        "is_active",
    ]
    list_filter = ["department", "home_site", "is_active"]
    search_fields = [
        "employee_id",
        "user__email",
        "user__first_name",
        "user__last_name",
        "customer_id",
    ]
    autocomplete_fields = ["user", "department", "home_site"]
    list_select_related = ["user", "department", "home_site"]
