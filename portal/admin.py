from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _

from portal.models import Department, Employee, Site, SiteCharger, User

# The admin imports each app's admin.py only: the scheduler's lives in its
# room, and importing it here registers it.
from portal.scheduler import admin as scheduler_admin  # noqa: F401

admin.site.site_header = _("EV charging portal administration")
admin.site.site_title = _("EV charging portal")
admin.site.index_title = _("Departments, people, sites and roles")


class EmployeeInline(admin.StackedInline[Employee, User]):
    model = Employee
    can_delete = False
    fk_name = "user"
    autocomplete_fields = ["department", "home_site"]
    verbose_name_plural = _("employee record")


def _person(request: HttpRequest) -> User:
    # The admin lets only logged-in staff in.
    return cast(User, request.user)


class UserChangeForm(DjangoUserChangeForm[User]):
    """The user form, refusing groups that carry rights the giver lacks."""

    # Who is giving the groups; set per request by UserAdmin.get_form.
    giver: User | None = None

    def clean_groups(self) -> Any:
        groups = self.cleaned_data["groups"]
        if self.giver is None:
            return groups
        held = set(self.instance.groups.all()) if self.instance.pk else set()
        for group in groups:
            if group not in held and not self.giver.may_give(group):
                raise forms.ValidationError(
                    _(
                        "You cannot give the group “%(group)s”: it carries "
                        "rights you do not hold."
                    ),
                    code="not_yours_to_give",
                    params={"group": group.name},
                )
        return groups


@admin.register(User)
class UserAdmin(DjangoUserAdmin[User]):
    form = UserChangeForm
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

    # The Admin role must not take over a superuser (set their password and
    # log in as them) or anyone holding rights it could not hand out itself:
    # superusers are not there for it at all (not listed, their pages a 404),
    # people with more rights are shown read-only.

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        users = super().get_queryset(request)
        if not request.user.is_superuser:
            users = users.filter(is_superuser=False)
        return users

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> User | None:
        user = super().get_object(request, object_id, from_field)
        if user is None and not request.user.is_superuser:
            # Not the admin's "perhaps it was deleted?" redirect: a plain 404
            # on the change, password, history and delete pages alike.
            raise Http404
        return user

    def has_change_permission(
        self, request: HttpRequest, obj: User | None = None
    ) -> bool:
        return super().has_change_permission(request, obj) and (
            obj is None or _person(request).may_manage(obj)
        )

    def has_delete_permission(
        self, request: HttpRequest, obj: User | None = None
    ) -> bool:
        return super().has_delete_permission(request, obj) and (
            obj is None or _person(request).may_manage(obj)
        )

    def get_form(
        self,
        request: HttpRequest,
        obj: User | None = None,
        change: bool = False,
        **kwargs: Any,
    ) -> type[ModelForm[User]]:
        form = super().get_form(request, obj, change=change, **kwargs)
        if request.user.is_superuser:
            return form
        return type(form.__name__, (form,), {"giver": _person(request)})

    def save_related(
        self, request: HttpRequest, form: ModelForm[User], formsets: Any, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        form.instance.refresh_staff_flag()


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin[Department]):
    list_display = ["code", "name", "monthly_budget", "default_monthly_cap"]
    search_fields = ["code", "name"]
    filter_horizontal = ["managers"]


class SiteChargerInline(admin.TabularInline[SiteCharger, Site]):
    model = SiteCharger
    extra = 1


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin[Site]):
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
class EmployeeAdmin(admin.ModelAdmin[Employee]):
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

    # A person's employee record is part of them: whoever may not change the
    # person (UserAdmin) may not change or remove it, nor give one to a
    # superuser.

    def has_change_permission(
        self, request: HttpRequest, obj: Employee | None = None
    ) -> bool:
        return super().has_change_permission(request, obj) and (
            obj is None or _person(request).may_manage(obj.user)
        )

    def has_delete_permission(
        self, request: HttpRequest, obj: Employee | None = None
    ) -> bool:
        return super().has_delete_permission(request, obj) and (
            obj is None or _person(request).may_manage(obj.user)
        )

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.name == "user" and not request.user.is_superuser:
            kwargs["queryset"] = User.objects.filter(is_superuser=False)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
