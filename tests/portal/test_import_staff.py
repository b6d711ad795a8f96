"""The staff import: `portal.staff_import` and the `import_staff` command."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from portal.models import Department, Employee, Site, User
from portal.roles import Role
from portal.staff_import import ImportFileError, RowError, import_staff

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "staff"
HEADER = (
    "email,first_name,last_name,department_code,department_name,employee_id,"
    "customer_id,token_id,roles,manages,home_site"
)
# A row that is fine on its own; the bad-row cases add their rows after it.
GOOD_ROW = "anna.becker@example.com,Anna,Becker,engineering,,e001,cust_e001,,,,"


@pytest.fixture
def company(site: Site, engineering: Department) -> None:
    """What the good files expect to exist: the site and one department."""


def run(path: Path, *args: str, verbosity: int = 1) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(
        "import_staff", str(path), *args, stdout=out, stderr=err, verbosity=verbosity
    )
    return out.getvalue(), err.getvalue()


def people() -> dict[str, tuple[Any, ...]]:
    """Everything the import writes about each person, by employee id."""
    return {
        e.employee_id: (
            e.user.pk,
            e.user.password,
            e.user.email,
            e.user.first_name,
            e.user.last_name,
            e.user.is_active,
            e.department.code,
            e.customer_id,
            e.token_id,
            e.home_site_id,
            e.is_active,
            sorted(e.user.groups.values_list("name", flat=True)),
            sorted(e.user.managed_departments.values_list("code", flat=True)),
        )
        for e in Employee.objects.select_related("user", "department")
    }


def snapshot() -> tuple[dict[str, tuple[Any, ...]], list[tuple[str, str]]]:
    """People and departments, to compare before and after."""
    return people(), sorted(Department.objects.values_list("code", "name"))


def write(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "staff.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


# --- a good file ------------------------------------------------------------


def test_good_file_creates_people_departments_and_roles(
    company: None, site: Site
) -> None:
    out, _err = run(FIXTURES / "good.csv")

    assert "4 created, 0 updated, 0 unchanged, 0 deactivated, 1 new department" in out
    logistics = Department.objects.get(code="logistics")
    assert logistics.name == "Logistics"
    ben = User.objects.get(email="ben.schulz@example.com")  # stored lowercased
    assert ben.employee.employee_id == "e002"
    assert ben.roles == {Role.EMPLOYEE, Role.MANAGER}
    assert set(ben.managed_departments.values_list("code", flat=True)) == {
        "engineering",
        "logistics",
    }
    clara = User.objects.get(email="clara.wagner@example.com")
    assert clara.roles == {Role.EMPLOYEE, Role.RECEPTIONIST}
    assert clara.employee.token_id == "tok_e003"
    assert clara.employee.home_site is None
    david = User.objects.get(email="david.koch@example.com")
    assert david.roles == {Role.EMPLOYEE, Role.FINANCE}
    assert david.employee.home_site == site  # "karlsruhe hq" matched the site
    anna = User.objects.get(email="anna.becker@example.com")
    assert anna.roles == {Role.EMPLOYEE}  # an empty cell would mean employee too
    # Imported people have no password: they set one with "Forgot your password?".
    assert not anna.has_usable_password()
    assert not anna.is_staff


def test_semicolon_file_with_spelled_out_header_imports_the_same(
    company: None,
) -> None:
    run(FIXTURES / "good.csv")
    from_commas, departments = snapshot()
    Employee.objects.all().delete()
    User.objects.all().delete()
    Department.objects.filter(code="logistics").delete()

    out, _err = run(FIXTURES / "good_semicolon.csv")

    assert "4 created" in out
    from_semicolons, departments_again = snapshot()
    # Same people, departments and roles; only the keys and the (random)
    # unusable passwords differ.
    assert {k: v[2:] for k, v in from_semicolons.items()} == {
        k: v[2:] for k, v in from_commas.items()
    }
    assert departments_again == departments


def test_utf8_file_with_byte_order_mark_is_read(company: None) -> None:
    data = "\ufeff" + (FIXTURES / "good.csv").read_text(encoding="utf-8")
    result, errors = import_staff(data.encode("utf-8"))
    assert errors == []
    assert result is not None
    assert len(result.created) == 4


def test_reimporting_the_same_file_changes_nothing(company: None) -> None:
    run(FIXTURES / "good.csv")
    before = snapshot()

    out, _err = run(FIXTURES / "good.csv")

    assert "0 created, 0 updated, 4 unchanged, 0 deactivated, 0 new" in out
    assert snapshot() == before


def test_changed_row_updates_only_that_person(company: None, tmp_path: Path) -> None:
    run(FIXTURES / "good.csv")
    before = people()
    text = (FIXTURES / "good.csv").read_text(encoding="utf-8")
    changed = text.replace(
        "anna.becker@example.com,Anna,Becker,engineering,Engineering,e001,cust_e001,,"
        "employee,,Karlsruhe HQ",
        "anna.becker@example.com,Anna,Becker-Roth,logistics,,e001,cust_e901,,"
        "employee receptionist,,",
    )
    assert changed != text
    path = tmp_path / "changed.csv"
    path.write_text(changed, encoding="utf-8")

    out, _err = run(path, verbosity=2)

    assert "updated: anna.becker@example.com" in out
    assert "0 created, 1 updated, 3 unchanged" in out
    anna = Employee.objects.select_related("user").get(employee_id="e001")
    assert anna.user.last_name == "Becker-Roth"
    assert anna.department.code == "logistics"
    assert anna.customer_id == "cust_e901"
    assert anna.home_site is None
    assert anna.user.roles == {Role.EMPLOYEE, Role.RECEPTIONIST}
    after = people()
    assert {k for k in after if after[k] != before[k]} == {"e001"}


def test_changed_email_updates_the_person_with_that_employee_id(
    company: None, tmp_path: Path
) -> None:
    run(FIXTURES / "good.csv")
    anna_pk = User.objects.get(email="anna.becker@example.com").pk
    path = write(
        tmp_path,
        "Anna.Roth@Example.com,Anna,Roth,engineering,,e001,cust_e001,,,,",
    )

    run(path)

    anna = User.objects.get(pk=anna_pk)
    assert anna.email == "anna.roth@example.com"
    assert User.objects.count() == 4  # nobody new


def test_nobody_is_duplicated_by_repeated_imports_in_any_case(
    company: None, tmp_path: Path
) -> None:
    run(FIXTURES / "good.csv")
    shouting = (FIXTURES / "good.csv").read_text(encoding="utf-8")
    shouting = shouting.replace("anna.becker@example.com", "ANNA.BECKER@EXAMPLE.COM")
    path = tmp_path / "upper.csv"
    path.write_text(shouting, encoding="utf-8")

    run(path)
    run(FIXTURES / "good_semicolon.csv")

    assert User.objects.count() == 4
    assert Employee.objects.count() == 4
    assert Department.objects.count() == 2


def test_existing_account_without_employee_record_gets_one(
    company: None, tmp_path: Path
) -> None:
    user = User.objects.create_user("anna.becker@example.com", "a-long-password-9")

    run(write(tmp_path, GOOD_ROW))

    user.refresh_from_db()
    assert user.employee.employee_id == "e001"
    assert user.check_password("a-long-password-9")  # the password is kept
    assert User.objects.count() == 1


def test_removed_roles_and_managed_departments_are_taken_away(
    company: None, tmp_path: Path
) -> None:
    run(FIXTURES / "good.csv")
    path = write(
        tmp_path, "ben.schulz@example.com,Ben,Schulz,engineering,,e002,cust_e002,,,,"
    )

    run(path)

    ben = User.objects.get(email="ben.schulz@example.com")
    assert ben.roles == {Role.EMPLOYEE}
    assert not ben.managed_departments.exists()


def test_import_keeps_groups_that_are_not_roles(company: None, tmp_path: Path) -> None:
    from django.contrib.auth.models import Group

    run(FIXTURES / "good.csv")
    anna = User.objects.get(email="anna.becker@example.com")
    anna.groups.add(Group.objects.create(name="Fire wardens"))

    run(FIXTURES / "good.csv")

    assert anna.groups.filter(name="Fire wardens").exists()


# --- bad rows ---------------------------------------------------------------

BAD_ROWS = {
    "bad department code": (
        ["bob@example.com,Bob,B,Sales-EU,Sales EU,e002,,,,,"],
        [(3, "department code “Sales-EU” must be lowercase letters and digits")],
    ),
    "reserved department code": (
        ["bob@example.com,Bob,B,visitor,Visitors,e002,,,,,"],
        [(3, "department code “visitor” is reserved for visitor bookings")],
    ),
    "bad employee id": (
        ["bob@example.com,Bob,B,engineering,,E-02,,,,,"],
        [(3, "employee id “E-02” must be lowercase letters and digits")],
    ),
    "duplicate employee id": (
        [
            "bob@example.com,Bob,B,engineering,,e001,,,,,",
        ],
        [
            (2, "employee id e001 appears more than once in the file"),
            (3, "employee id e001 appears more than once in the file"),
        ],
    ),
    "duplicate e-mail": (
        ["Anna.Becker@example.com,Anna,B,engineering,,e002,,,,,"],
        [
            (2, "e-mail anna.becker@example.com appears more than once"),
            (3, "e-mail anna.becker@example.com appears more than once"),
        ],
    ),
    "unknown role": (
        ["bob@example.com,Bob,B,engineering,,e002,,,employee boss,,"],
        [(3, "unknown role boss (known roles: employee, receptionist, manager")],
    ),
    "malformed e-mail": (
        ["bob-at-example.com,Bob,B,engineering,,e002,,,,,"],
        [(3, "“bob-at-example.com” is not a valid e-mail address")],
    ),
    "missing e-mail": (
        [",Bob,B,engineering,,e002,,,,,"],
        [(3, "email is empty")],
    ),
    "missing department and employee id": (
        ["bob@example.com,Bob,B,,,,,,,,"],
        [(3, "department_code is empty"), (3, "employee_id is empty")],
    ),
    "unknown site": (
        ["bob@example.com,Bob,B,engineering,,e002,,,,,Mars Base"],
        [(3, "unknown site “Mars Base” (known sites: Karlsruhe HQ)")],
    ),
    "manager without manages": (
        ["bob@example.com,Bob,B,engineering,,e002,,,manager,,"],
        [(3, "has the manager role but manages no department")],
    ),
    "manages without manager role": (
        ["bob@example.com,Bob,B,engineering,,e002,,,employee,engineering,"],
        [(3, "manages departments but does not have the manager role")],
    ),
    "unknown managed department": (
        ["bob@example.com,Bob,B,engineering,,e002,,,manager,engineering nowhere,"],
        [(3, "manages unknown department nowhere")],
    ),
    "new department without name": (
        ["bob@example.com,Bob,B,logistics,,e002,,,,,"],
        [(3, "department logistics is new, so it needs a department name")],
    ),
    "over-long employee id": (
        [f"bob@example.com,Bob,B,engineering,,e{'1' * 30},,,,,"],
        [(3, "employee_id is 31 characters long; at most 30 are allowed")],
    ),
    "over-long customer and token ids": (
        [f"bob@example.com,Bob,B,engineering,,e002,{'c' * 101},{'t' * 5000},,,"],
        [
            (3, "customer_id is 101 characters long; at most 100 are allowed"),
            (3, "token_id is 5,000 characters long; at most 100 are allowed"),
        ],
    ),
    "over-long e-mail and names": (
        [f"{'b' * 245}@example.com,{'B' * 151},{'C' * 151},engineering,,e002,,,,,"],
        [
            (3, "email is 257 characters long; at most 254 are allowed"),
            (3, "first_name is 151 characters long; at most 150 are allowed"),
            (3, "last_name is 151 characters long; at most 150 are allowed"),
        ],
    ),
    "over-long department and site": (
        [f"bob@example.com,Bob,B,{'d' * 31},{'D' * 201},e002,,,,,{'S' * 201}"],
        [
            (3, "department_code is 31 characters long; at most 30 are allowed"),
            (3, "department_name is 201 characters long; at most 200 are allowed"),
            (3, "home_site is 201 characters long; at most 200 are allowed"),
        ],
    ),
    "NUL characters": (
        ["bob@example.com,Bob\x00,B,engineering,,e002,cust\x00,,employee\x00,,"],
        [
            (3, "first_name contains a NUL character"),
            (3, "customer_id contains a NUL character"),
            (3, "roles contains a NUL character"),
        ],
    ),
    "one department, two names": (
        [
            "bob@example.com,Bob,B,logistics,Logistics,e002,,,,,",
            "cleo@example.com,Cleo,C,logistics,Warehouse,e003,,,,,",
        ],
        [
            (3, "department logistics has different names in the file"),
            (4, "department logistics has different names in the file"),
        ],
    ),
}


@pytest.mark.parametrize("case", list(BAD_ROWS))
def test_bad_row_is_reported_with_line_and_reason_and_nothing_is_written(
    company: None, tmp_path: Path, case: str
) -> None:
    rows, expected = BAD_ROWS[case]
    path = write(tmp_path, GOOD_ROW, *rows)
    before = snapshot()

    with pytest.raises(CommandError, match="Nothing was imported"):
        run(path)

    _result, errors = import_staff(path.read_bytes())
    assert len(errors) == len(expected)
    for line, text in expected:
        assert any(e.line == line and text in e.message for e in errors), (line, text)
    assert snapshot() == before  # the good row was not written either


@pytest.mark.parametrize("case", list(BAD_ROWS))
def test_command_prints_each_problem_with_file_and_line(
    company: None, tmp_path: Path, case: str
) -> None:
    rows, expected = BAD_ROWS[case]
    path = write(tmp_path, GOOD_ROW, *rows)
    err = StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("import_staff", str(path), stderr=err)

    for line, text in expected:
        assert f"{path}: line {line}: {text}" in err.getvalue()
    problems = len(expected)
    lines = len({line for line, _text in expected})
    assert f"{problems} problem(s) in {lines} row(s)" in str(raised.value)


def test_several_bad_rows_are_all_reported_at_once(company: None) -> None:
    _result, errors = import_staff((FIXTURES / "bad.csv").read_bytes())

    reported = [str(e) for e in errors]
    assert reported == [
        "line 3: “not-an-address” is not a valid e-mail address",
        "line 3: department code “Sales-EU” must be lowercase letters and digits only",
        "line 3: unknown role boss (known roles: employee, receptionist, manager, "
        "finance, admin)",
        "line 3: unknown site “Mars Base” (known sites: Karlsruhe HQ)",
        "line 4: department logistics is new, so it needs a department name",
        "line 4: has the manager role but manages no department",
    ]
    assert not User.objects.exists()


def test_employee_id_of_someone_else_in_the_file_is_refused(
    company: None, employee: User, tmp_path: Path
) -> None:
    # emp042 belongs to emp042@example.com, who is also in the file with a
    # new id: that would swap two people's ids, which an import must not do.
    path = write(
        tmp_path,
        "emp042@example.com,Erika,Muster,engineering,,e050,,,,,",
        "newcomer@example.com,New,Comer,engineering,,emp042,,,,,",
    )
    before = snapshot()

    _result, errors = import_staff(path.read_bytes())

    assert [str(e) for e in errors] == [
        "line 2: emp042@example.com already has employee id emp042",
        "line 3: employee id emp042 belongs to emp042@example.com, who is also in "
        "the file",
    ]
    assert snapshot() == before


def test_employee_id_cannot_move_to_an_address_of_another_account(
    company: None, employee: User, tmp_path: Path
) -> None:
    User.objects.create_user("someone@example.com")
    path = write(tmp_path, "someone@example.com,Some,One,engineering,,emp042,,,,,")

    _result, errors = import_staff(path.read_bytes())

    assert [str(e) for e in errors] == [
        "line 2: employee id emp042 would move to someone@example.com, but that "
        "address belongs to another account"
    ]


# --- files that cannot be read ------------------------------------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("cp1252.csv", "The file is not UTF-8 encoded (unreadable byte at position"),
        ("empty.csv", "The file is empty."),
        ("header_only.csv", "The file has a header but no people in it."),
        ("missing_column.csv", "Missing: employee_id."),
    ],
)
def test_unreadable_file_gets_a_clear_message(
    company: None, name: str, message: str
) -> None:
    with pytest.raises(ImportFileError, match=message.replace("(", r"\(")):
        import_staff((FIXTURES / name).read_bytes())
    with pytest.raises(CommandError) as raised:
        run(FIXTURES / name)
    assert message in str(raised.value)
    assert str(FIXTURES / name) in str(raised.value)
    assert not User.objects.exists()


def test_values_as_long_as_the_columns_allow_are_imported(
    company: None, tmp_path: Path
) -> None:
    email = f"{'b' * 242}@example.com"  # 254 characters
    path = write(
        tmp_path,
        f"{email},{'B' * 150},{'C' * 150},{'d' * 30},{'D' * 200},{'e' * 30},"
        f"{'c' * 100},{'t' * 100},,,",
    )

    result, errors = import_staff(path.read_bytes())

    assert errors == []
    assert result is not None and result.created == [email]
    employee = Employee.objects.get(employee_id="e" * 30)
    assert (employee.customer_id, employee.token_id) == ("c" * 100, "t" * 100)
    assert employee.department.name == "D" * 200


@pytest.mark.parametrize("data", [b"\xef\xbb\xbf", b"\xef\xbb\xbf \r\n\n"])
def test_a_file_of_only_a_byte_order_mark_is_empty(
    company: None, tmp_path: Path, data: bytes
) -> None:
    path = tmp_path / "staff.csv"
    path.write_bytes(data)

    with pytest.raises(CommandError, match=r"The file is empty\."):
        run(path)


def test_a_field_longer_than_csv_reads_is_said_with_its_line(
    company: None, tmp_path: Path
) -> None:
    huge = "x" * 131_073
    path = write(tmp_path, GOOD_ROW, GOOD_ROW.replace("e001", "e002"), f"a,{huge}")

    with pytest.raises(CommandError) as raised:
        run(path)

    assert str(raised.value) == (
        f"{path}: line 4: a field is longer than 131,072 characters, far longer "
        "than any column allows (or a quote is not closed)."
    )
    assert not User.objects.exists()


def test_an_unclosed_quote_in_the_header_is_said_too(company: None) -> None:
    data = ('"email' + "x" * 131_073 + "\n").encode()

    with pytest.raises(ImportFileError, match=r"^line 1: a field is longer"):
        import_staff(data)


def test_wrong_encoding_tells_how_to_save_the_file(company: None) -> None:
    with pytest.raises(ImportFileError, match="Save it as “CSV UTF-8”"):
        import_staff((FIXTURES / "cp1252.csv").read_bytes())


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"Cannot read .*nowhere\.csv"):
        run(tmp_path / "nowhere.csv")


def test_blank_lines_are_not_people(company: None, tmp_path: Path) -> None:
    path = write(tmp_path, "", GOOD_ROW, ",,,,,,,,,,", "")
    result, errors = import_staff(path.read_bytes())
    assert errors == []
    assert result is not None
    assert result.created == ["anna.becker@example.com"]


# --- options -----------------------------------------------------------------


def test_dry_run_reports_and_writes_nothing(company: None) -> None:
    before = snapshot()

    out, _err = run(FIXTURES / "good.csv", "--dry-run")

    assert "Dry run, nothing written: 4 created" in out
    assert snapshot() == before
    assert not User.objects.exists()
    assert not Department.objects.filter(code="logistics").exists()


def test_dry_run_still_reports_bad_rows(company: None) -> None:
    with pytest.raises(CommandError, match="Nothing was imported"):
        run(FIXTURES / "bad.csv", "--dry-run")


def test_people_missing_from_the_file_are_kept_active_by_default(
    company: None, employee: User
) -> None:
    run(FIXTURES / "good.csv")

    employee.refresh_from_db()
    assert employee.is_active
    assert employee.employee.is_active


def test_deactivate_missing_deactivates_and_deletes_nobody(
    company: None, employee: User
) -> None:
    users_before = User.objects.count()

    out, _err = run(FIXTURES / "good.csv", "--deactivate-missing", verbosity=2)

    assert "deactivated: emp042@example.com" in out
    assert "4 created, 0 updated, 0 unchanged, 1 deactivated" in out
    employee.refresh_from_db()
    assert not employee.is_active
    assert not employee.employee.is_active
    assert User.objects.count() == users_before + 4
    assert Employee.objects.filter(employee_id="emp042").exists()


def test_deactivated_person_in_a_later_file_is_active_again(
    company: None, employee: User, tmp_path: Path
) -> None:
    run(FIXTURES / "good.csv", "--deactivate-missing")
    path = write(
        tmp_path, "emp042@example.com,Erika,Muster,engineering,,emp042,cust_emp042,,,,"
    )

    run(path)

    employee.refresh_from_db()
    assert employee.is_active
    assert employee.employee.is_active


def test_dry_run_with_deactivate_missing_deactivates_nobody(
    company: None, employee: User
) -> None:
    out, _err = run(FIXTURES / "good.csv", "--dry-run", "--deactivate-missing")

    assert "1 deactivated" in out
    employee.refresh_from_db()
    assert employee.is_active


def test_quiet_run_prints_nothing(company: None) -> None:
    out, _err = run(FIXTURES / "good.csv", verbosity=0)
    assert out == ""
    assert User.objects.count() == 4


def test_row_error_reads_as_line_and_message() -> None:
    assert str(RowError(7, "unknown role boss")) == "line 7: unknown role boss"
