"""The directory's claims about a person, written like a row of the staff import.

A sign-in turns the ID token's claims into the one row of a staff file and
hands it to portal.staff_import, which checks it exactly as it checks a CSV
file and writes it in one transaction. What the directory does not hold
(token id, home site, and the customer id unless OIDC_CLAIM_CUSTOMER_ID names
a claim) is taken from the person's record, so a sign-in never erases what
the CSV import or the administration set. Problems come back naming the claim
and its value, and then nothing is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from portal import staff_import
from portal.models import Department, Employee, User
from portal.sso import config


@dataclass(frozen=True)
class Refusal:
    claim: str
    value: str
    message: str


class Refused(Exception):
    """The claims cannot become a person of the portal; nothing was written."""

    def __init__(self, refusals: list[Refusal]) -> None:
        super().__init__(
            "; ".join(f"{r.claim}={r.value!r}: {r.message}" for r in refusals)
        )
        self.refusals = refusals


def claim_names() -> dict[str, str]:
    """Which claim fills which column of the staff import ("" for none)."""
    return {
        "email": "email",
        "first_name": "given_name",
        "last_name": "family_name",
        "department_code": settings.OIDC_CLAIM_DEPARTMENT,
        "department_name": settings.OIDC_CLAIM_DEPARTMENT_NAME,
        "employee_id": settings.OIDC_CLAIM_EMPLOYEE_ID,
        "customer_id": settings.OIDC_CLAIM_CUSTOMER_ID,
        "roles": settings.OIDC_CLAIM_ROLES,
        "manages": settings.OIDC_CLAIM_MANAGES,
    }


def _values(value: Any) -> list[str]:
    """A claim as a list of strings: JSON arrays as they are, text split."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v for v in staff_import.SPLIT.split(str(value)) if v]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value)
    return str(value).strip()


def _claim(claims: Mapping[str, Any], name: str) -> Any:
    return claims.get(name) if name else None


def staff_row(
    claims: Mapping[str, Any],
) -> tuple[dict[str, str | int], list[Refusal]]:
    """The staff-import row the claims describe, and what only SSO refuses."""
    names = claim_names()
    employee_id = _text(_claim(claims, names["employee_id"]))
    existing = (
        Employee.objects.select_related("home_site")
        .filter(employee_id=employee_id)
        .first()
    )
    refusals: list[Refusal] = []
    directory_roles = _values(_claim(claims, names["roles"]))
    mapping = config.role_map()
    roles = directory_roles
    if mapping:
        # Values the map does not name are other applications' roles.
        roles = sorted({mapping[v] for v in directory_roles if v in mapping})
        if not roles:
            refusals.append(
                Refusal(
                    names["roles"],
                    ", ".join(directory_roles),
                    _("none of these values gives a role in the portal"),
                )
            )
    code = _text(_claim(claims, names["department_code"]))
    department_name = _text(_claim(claims, names["department_name"]))
    if code and not Department.objects.filter(code=code).exists():
        # The staff import wants a name for a new department; the code stands
        # in when the directory has none. Whether it may be created at all is
        # decided after the import's own checks, in refusals().
        department_name = department_name or code
    if existing is not None and not names["customer_id"]:
        customer_id = existing.customer_id
    else:
        customer_id = _text(_claim(claims, names["customer_id"]))
    row: dict[str, str | int] = {
        "line": 1,
        "email": _text(claims.get("email")).lower(),
        "first_name": _text(claims.get("given_name")),
        "last_name": _text(claims.get("family_name")),
        "department_code": code,
        "department_name": department_name,
        "employee_id": employee_id,
        "customer_id": customer_id,
        "token_id": existing.token_id if existing else "",
        "roles": " ".join(roles),
        "manages": " ".join(_values(_claim(claims, names["manages"]))),
        "home_site": existing.home_site.name if existing and existing.home_site else "",
    }
    return row, refusals


def sync_person(claims: Mapping[str, Any]) -> User:
    """Create or update the person the claims describe; raise Refused if not."""
    row, refusals = staff_row(claims)
    rows, errors = staff_import.validate([row])
    names = claim_names()
    for error in errors:
        claim = names.get(error.column) or error.column
        refusals.append(Refusal(claim, str(row.get(error.column, "")), error.message))
    code = str(row["department_code"])
    if (
        not settings.OIDC_CREATES_DEPARTMENTS
        and code
        and not any(e.column == "department_code" for e in errors)
        and not Department.objects.filter(code=code).exists()
    ):
        refusals.append(
            Refusal(
                names["department_code"],
                code,
                _("the portal has no department with this code"),
            )
        )
    if refusals:
        raise Refused(refusals)
    staff_import.apply(rows)
    return (
        Employee.objects.select_related("user")
        .get(employee_id=rows[0].employee_id)
        .user
    )
