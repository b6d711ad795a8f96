from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from bookings.months import EARLIEST, LATEST, Month
from portal.models import Department, Employee
from portal.validators import code_validator


class MonthForm(forms.Form):
    month = forms.CharField(
        label=_("Month"),
        max_length=7,
        widget=forms.TextInput(
            attrs={
                "type": "month",
                "placeholder": "YYYY-MM",
                "min": str(EARLIEST),
                "max": str(LATEST),
            }
        ),
    )

    def clean_month(self) -> Month:
        month = Month.parse(self.cleaned_data["month"])
        if month is None:
            raise ValidationError(
                _("Give the month as year and month, e.g. 2026-11."),
                code="invalid_month",
            )
        if not month.reportable:
            raise ValidationError(
                _("Reports cover the months from %(first)s to %(last)s."),
                code="month_out_of_range",
                params={"first": EARLIEST.label, "last": LATEST.label},
            )
        return month


class AssignForm(forms.Form):
    """Who pays for a booking nobody could be found for."""

    department = forms.ModelChoiceField(
        queryset=Department.objects.order_by("name"),
        required=False,
        label=_("Department"),
        help_text=_("Leave empty to use the employee's department."),
    )
    employee_id = forms.CharField(
        label=_("Employee id"),
        max_length=30,
        required=False,
        validators=[code_validator],
        help_text=_("Optional: the person who charged, e.g. emp042."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        employee_id = cleaned.get("employee_id")
        employee = None
        if employee_id:
            employee = (
                Employee.objects.select_related("department")
                .filter(employee_id=employee_id)
                .first()
            )
            if employee is None:
                self.add_error("employee_id", _("There is no employee with this id."))
                return cleaned
            if cleaned.get("department") is None:
                cleaned["department"] = employee.department
        if cleaned.get("department") is None and "department" not in self.errors:
            raise ValidationError(
                _("Choose a department, or give the id of the employee."),
                code="missing",
            )
        cleaned["employee"] = employee
        return cleaned
