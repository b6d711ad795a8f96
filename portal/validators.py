"""Validators shared by the admin, the forms and the staff import."""

from __future__ import annotations

import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

# Department codes and employee ids become parts of every booking's
# external_id, which reports split on "-"; so only lowercase letters and digits.
code_validator = RegexValidator(
    regex=r"^[a-z0-9]+$",
    message=_(
        "Use lowercase letters (a–z) and digits only: no spaces, capitals, "
        "hyphens or accents."
    ),
    code="invalid_code",
)


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("“%(value)s” is not a time zone name such as Europe/Berlin."),
            params={"value": value},
            code="invalid_time_zone",
        )


# Visitor bookings use the reference "visitor-reception-YYYYMMDD" (Part B3),
# which reads like department "visitor": no real department may take that code.
RESERVED_DEPARTMENT_CODES = frozenset({"visitor"})


def validate_department_code(value: str) -> None:
    code_validator(value)
    if value in RESERVED_DEPARTMENT_CODES:
        raise ValidationError(
            _("“%(value)s” is reserved for visitor bookings; choose another code."),
            params={"value": value},
            code="reserved_code",
        )


def validate_language(value: str) -> None:
    """Empty (not chosen) or one of the languages the portal speaks."""
    from portal.i18n import spoken

    if value and spoken(value) is None:
        raise ValidationError(
            _("The portal does not speak “%(value)s”."),
            params={"value": value},
            code="language",
        )
