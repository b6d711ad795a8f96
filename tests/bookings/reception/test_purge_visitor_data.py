"""`manage.py purge_visitor_data`: the visitor clean-up by hand."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from bookings.models import Visit
from portal.models import Site, User
from tests.bookings.reception.visit_factory import make_visit

pytestmark = pytest.mark.django_db


def run(*args: str, verbosity: int = 1) -> str:
    out = StringIO()
    call_command("purge_visitor_data", *args, verbosity=verbosity, stdout=out)
    return out.getvalue()


@pytest.fixture
def old_visit(site: Site, employee: User) -> Visit:
    return make_visit(
        site=site, host=employee, start=timezone.now() - timedelta(days=40)
    )


def test_dry_run_says_what_would_go_and_changes_nothing(old_visit: Visit) -> None:
    output = run("--dry-run")
    assert "1 visit(s) would be cleaned" in output
    old_visit.refresh_from_db()
    assert old_visit.visitor_name == "Jane Visitor"


def test_run_removes_the_details_once(old_visit: Visit) -> None:
    assert "Removed the visitor details of 1 visit(s)" in run()
    old_visit.refresh_from_db()
    assert old_visit.visitor_name == "" and old_visit.personal_data_removed_at
    assert "of 0 visit(s)" in run()


def test_verbosity_lists_visits_but_never_names(old_visit: Visit) -> None:
    assert run(verbosity=0) == ""
    old_visit.visitor_name = "Jane Visitor"
    old_visit.personal_data_removed_at = None
    old_visit.save()
    output = run(verbosity=2)
    assert f"visit #{old_visit.pk}" in output
    assert "Jane" not in output


def test_recent_visits_are_kept(site: Site, employee: User) -> None:
    visit = make_visit(site=site, host=employee)
    run()
    visit.refresh_from_db()
    assert visit.visitor_name == "Jane Visitor"
