"""Import staff from a CSV file: validate every row first, then write all or nothing.

The columns are documented in docs/using.md (Importing staff). Multi-valued
cells (roles, manages) take values separated by spaces, commas, semicolons or
"|", so the file may use either "," or ";" as its delimiter (German
spreadsheet programs use ";").
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Field
from django.utils.translation import gettext as _

from portal import formatting
from portal.models import Department, Employee, Site, User
from portal.roles import Role
from portal.validators import RESERVED_DEPARTMENT_CODES, code_validator

COLUMNS = [
    "email",
    "first_name",
    "last_name",
    "department_code",
    "department_name",
    "employee_id",
    "customer_id",
    "token_id",
    "roles",
    "manages",
    "home_site",
]
REQUIRED = {"email", "department_code", "employee_id"}
SPLIT = re.compile(r"[\s,;|]+")


class ImportFileError(Exception):
    """The file as a whole cannot be read (encoding, header, empty)."""


@dataclass
class RowError:
    line: int
    message: str
    # The column the problem is about, so that sign-in with the company
    # account (portal/sso) can name the directory's claim instead.
    column: str = ""

    def __str__(self) -> str:
        return _("line %(line)d: %(message)s") % {
            "line": self.line,
            "message": self.message,
        }


@dataclass
class StaffRow:
    line: int
    email: str
    first_name: str
    last_name: str
    department_code: str
    department_name: str
    employee_id: str
    customer_id: str
    token_id: str
    roles: set[str]
    manages: set[str]
    home_site: str


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    departments_created: list[str] = field(default_factory=list)


def _header_key(name: str) -> str:
    return re.sub(r"[\s_-]+", "_", name.strip().lower())


def column_limits() -> dict[str, int]:
    """The longest value of each column: its model field's max_length.

    Checked on every row before anything is written, so that a file is
    refused the same way on SQLite (which stores any length) as on
    PostgreSQL (which would fail in the middle of the import).
    """
    fields = {
        "email": User._meta.get_field("email"),
        "first_name": User._meta.get_field("first_name"),
        "last_name": User._meta.get_field("last_name"),
        "department_code": Department._meta.get_field("code"),
        "department_name": Department._meta.get_field("name"),
        "employee_id": Employee._meta.get_field("employee_id"),
        "customer_id": Employee._meta.get_field("customer_id"),
        "token_id": Employee._meta.get_field("token_id"),
        "home_site": Site._meta.get_field("name"),
    }
    return {
        column: cast("Field[Any, Any]", f).max_length or 0
        for column, f in fields.items()
    }


def read_rows(data: bytes) -> list[dict[str, str | int]]:
    """Decode and parse the file; raise ImportFileError for a file-level problem."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            _(
                "The file is not UTF-8 encoded (unreadable byte at position "
                "%(pos)d). Save it as “CSV UTF-8” and try again."
            )
            % {"pos": exc.start}
        ) from exc
    # After decoding: a file of nothing but a byte order mark is empty too.
    if not text.strip():
        raise ImportFileError(_("The file is empty."))
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _parse(reader)
    except csv.Error as exc:
        # The one error this reader raises: a field past csv.field_size_limit().
        raise ImportFileError(
            _(
                "line %(line)d: a field is longer than %(limit)s characters, far "
                "longer than any column allows (or a quote is not closed)."
            )
            # The underlying reader's count: the DictReader's own is not
            # updated for the line that failed.
            % {"line": reader.reader.line_num, "limit": _count(csv.field_size_limit())}
        ) from exc


def _parse(reader: csv.DictReader[str]) -> list[dict[str, str | int]]:
    header = [_header_key(h) for h in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ImportFileError(
            _(
                "The first line must be a header naming the columns %(columns)s. "
                "Missing: %(missing)s."
            )
            % {"columns": ", ".join(COLUMNS), "missing": ", ".join(missing)}
        )
    reader.fieldnames = header
    rows: list[dict[str, str | int]] = []
    for raw in reader:
        if not any((v or "").strip() for k, v in raw.items() if k):
            continue  # blank lines are not people
        row: dict[str, str | int] = {c: (raw.get(c) or "").strip() for c in COLUMNS}
        row["line"] = reader.line_num
        rows.append(row)
    if not rows:
        raise ImportFileError(_("The file has a header but no people in it."))
    return rows


def validate(
    raw_rows: list[dict[str, str | int]],
) -> tuple[list[StaffRow], list[RowError]]:
    """Check every row against the file and the database; write nothing."""
    errors: list[RowError] = []
    rows: list[StaffRow] = []
    emails = Counter(str(r["email"]).lower() for r in raw_rows)
    employee_ids = Counter(str(r["employee_id"]) for r in raw_rows)
    dept_names: dict[str, set[str]] = {}
    for r in raw_rows:
        if r["department_name"]:
            dept_names.setdefault(str(r["department_code"]), set()).add(
                str(r["department_name"])
            )
    known_departments = set(Department.objects.values_list("code", flat=True))
    file_departments = {str(r["department_code"]) for r in raw_rows}
    sites = {name.lower(): name for name in Site.objects.values_list("name", flat=True)}
    id_owner = dict(Employee.objects.values_list("employee_id", "user__email"))
    email_owner = dict(Employee.objects.values_list("user__email", "employee_id"))
    user_emails = set(User.objects.values_list("email", flat=True))
    role_values = set(Role.values)

    limits = column_limits()
    for r in raw_rows:
        line = int(r["line"])
        # Values no column can hold are said first, and the row is not looked
        # at further: each other message would quote the value.
        problems = _storage_problems(r, limits)
        if problems:
            errors.extend(RowError(line, p, column) for column, p in problems)
            continue
        email = str(r["email"]).lower()
        code = str(r["department_code"])
        emp_id = str(r["employee_id"])
        for column in sorted(REQUIRED):
            if not r[column]:
                problems.add(column, _("%(column)s is empty") % {"column": column})
        if email:
            try:
                validate_email(email)
            except ValidationError:
                problems.add(
                    "email",
                    _("“%(email)s” is not a valid e-mail address") % {"email": email},
                )
            if emails[email] > 1:
                problems.add(
                    "email",
                    _("e-mail %(email)s appears more than once in the file")
                    % {"email": email},
                )
        if code:
            try:
                code_validator(code)
            except ValidationError:
                problems.add(
                    "department_code",
                    _(
                        "department code “%(code)s” must be lowercase letters and "
                        "digits only"
                    )
                    % {"code": code},
                )
            if code in RESERVED_DEPARTMENT_CODES:
                problems.add(
                    "department_code",
                    _("department code “%(code)s” is reserved for visitor bookings")
                    % {"code": code},
                )
            if len(dept_names.get(code, set())) > 1:
                problems.add(
                    "department_code",
                    _("department %(code)s has different names in the file")
                    % {"code": code},
                )
            if code not in known_departments and not dept_names.get(code):
                problems.add(
                    "department_code",
                    _("department %(code)s is new, so it needs a department name")
                    % {"code": code},
                )
        if emp_id:
            try:
                code_validator(emp_id)
            except ValidationError:
                problems.add(
                    "employee_id",
                    _("employee id “%(id)s” must be lowercase letters and digits only")
                    % {"id": emp_id},
                )
            if employee_ids[emp_id] > 1:
                problems.add(
                    "employee_id",
                    _("employee id %(id)s appears more than once in the file")
                    % {"id": emp_id},
                )
            owner = id_owner.get(emp_id)
            if owner and owner != email and emails.get(owner):
                problems.add(
                    "employee_id",
                    _(
                        "employee id %(id)s belongs to %(owner)s, who is also in "
                        "the file"
                    )
                    % {"id": emp_id, "owner": owner},
                )
        if email and email_owner.get(email) not in (None, emp_id):
            problems.add(
                "employee_id",
                _("%(email)s already has employee id %(id)s")
                % {"email": email, "id": email_owner[email]},
            )
        elif emp_id in id_owner and id_owner[emp_id] != email and email in user_emails:
            problems.add(
                "employee_id",
                _(
                    "employee id %(id)s would move to %(email)s, but that address "
                    "belongs to another account"
                )
                % {"id": emp_id, "email": email},
            )
        roles = {v.lower() for v in SPLIT.split(str(r["roles"])) if v}
        unknown_roles = roles - role_values
        if unknown_roles:
            problems.add(
                "roles",
                _("unknown role %(roles)s (known roles: %(known)s)")
                % {
                    "roles": ", ".join(sorted(unknown_roles)),
                    "known": ", ".join(Role.values),
                },
            )
        roles = (roles & role_values) or {Role.EMPLOYEE}
        manages = {v for v in SPLIT.split(str(r["manages"])) if v}
        unknown_depts = manages - known_departments - file_departments
        if unknown_depts:
            problems.add(
                "manages",
                _("manages unknown department %(codes)s")
                % {"codes": ", ".join(sorted(unknown_depts))},
            )
        if manages and Role.MANAGER not in roles:
            problems.add(
                "manages", _("manages departments but does not have the manager role")
            )
        if Role.MANAGER in roles and not manages:
            problems.add("roles", _("has the manager role but manages no department"))
        home_site = str(r["home_site"])
        if home_site and home_site.lower() not in sites:
            problems.add(
                "home_site",
                _("unknown site “%(site)s” (known sites: %(known)s)")
                % {"site": home_site, "known": ", ".join(sorted(sites.values()))},
            )
        if problems:
            errors.extend(RowError(line, p, column) for column, p in problems)
            continue
        rows.append(
            StaffRow(
                line=line,
                email=email,
                first_name=str(r["first_name"]),
                last_name=str(r["last_name"]),
                department_code=code,
                department_name=str(r["department_name"]),
                employee_id=emp_id,
                customer_id=str(r["customer_id"]),
                token_id=str(r["token_id"]),
                roles=roles,
                manages=manages,
                home_site=sites.get(home_site.lower(), ""),
            )
        )
    return rows, errors


class _Problems(list[tuple[str, str]]):
    """A row's problems, each with the column it is about."""

    def add(self, column: str, message: str) -> None:
        self.append((column, message))


def _storage_problems(row: dict[str, str | int], limits: dict[str, int]) -> _Problems:
    problems = _Problems()
    for column in COLUMNS:
        value = str(row[column])
        if "\x00" in value:
            problems.add(
                column, _("%(column)s contains a NUL character") % {"column": column}
            )
        elif column in limits and len(value) > limits[column]:
            problems.add(
                column,
                _(
                    "%(column)s is %(length)s characters long; at most "
                    "%(limit)d are allowed"
                )
                % {
                    "column": column,
                    "length": _count(len(value)),
                    "limit": limits[column],
                },
            )
    return problems


def _count(number: int) -> str:
    return formatting.number(number)


@transaction.atomic
def apply(rows: list[StaffRow], *, deactivate_missing: bool = False) -> ImportResult:
    """Write validated rows. Runs in one transaction: all or nothing."""
    result = ImportResult()
    departments = {d.code: d for d in Department.objects.select_for_update()}
    for row in rows:
        dept = departments.get(row.department_code)
        if dept is None:
            dept = Department.objects.create(
                code=row.department_code, name=row.department_name
            )
            departments[dept.code] = dept
            result.departments_created.append(dept.code)
        elif row.department_name and dept.name != row.department_name:
            dept.name = row.department_name
            dept.save(update_fields=["name"])
    sites = {s.name: s for s in Site.objects.all()}
    seen_users: list[int] = []
    for row in rows:
        created, changed, user = _apply_person(row, departments, sites)
        seen_users.append(user.pk)
        if created:
            result.created.append(row.email)
        elif changed:
            result.updated.append(row.email)
        else:
            result.unchanged.append(row.email)
    if deactivate_missing:
        missing = Employee.objects.filter(is_active=True).exclude(user__in=seen_users)
        for employee in missing.select_related("user"):
            employee.is_active = False
            employee.save(update_fields=["is_active"])
            employee.user.is_active = False
            employee.user.save(update_fields=["is_active"])
            result.deactivated.append(employee.user.email)
    return result


def _apply_person(
    row: StaffRow, departments: dict[str, Department], sites: dict[str, Site]
) -> tuple[bool, bool, User]:
    employee = (
        Employee.objects.select_related("user")
        .filter(employee_id=row.employee_id)
        .first()
    )
    user = employee.user if employee else User.objects.filter(email=row.email).first()
    created = user is None
    changed = False
    if user is None:
        user = User(email=row.email)
        user.set_unusable_password()
    for attr in ("email", "first_name", "last_name"):
        if getattr(user, attr) != getattr(row, attr):
            setattr(user, attr, getattr(row, attr))
            changed = True
    if not user.is_active:
        user.is_active = True
        changed = True
    if created or changed:
        user.save()
    if employee is None:
        employee = Employee(
            user=user,
            employee_id=row.employee_id,
            department=departments[row.department_code],
        )
        changed = True
    wanted = {
        "department": departments[row.department_code],
        "customer_id": row.customer_id,
        "token_id": row.token_id,
        "home_site": sites.get(row.home_site),
        "is_active": True,
    }
    for attr, value in wanted.items():
        if getattr(employee, attr) != value:
            setattr(employee, attr, value)
            changed = True
    if changed:
        employee.full_clean(exclude=["user"])
        employee.save()
    if user.group_roles() != row.roles:
        user.set_roles(row.roles)
        changed = True
    managed = {d.code for d in user.managed_departments.all()}
    if managed != row.manages:
        user.managed_departments.set([departments[c] for c in row.manages])
        changed = True
    return created, changed and not created, user


def import_staff(
    data: bytes, *, dry_run: bool = False, deactivate_missing: bool = False
) -> tuple[ImportResult | None, list[RowError]]:
    """Read, validate and (unless dry_run or invalid) write. Raises ImportFileError."""
    rows, errors = validate(read_rows(data))
    if errors:
        return None, errors
    if dry_run:
        with transaction.atomic():
            result = apply(rows, deactivate_missing=deactivate_missing)
            transaction.set_rollback(True)
        return result, []
    return apply(rows, deactivate_missing=deactivate_missing), []
