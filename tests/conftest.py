"""Personas and guards shared by the whole suite."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
import responses
from django.test import Client
from django.utils import translation
from pytest_django.fixtures import Settings as SettingsFixture

from portal.models import Department, Employee, Site, SiteCharger, User
from portal.roles import Role
from tests import tasks
from tests.fake_api import FakePetitmonde, point_portal_at_fake

pytest_plugins = ["tests.plugins.sandbox", "tests.plugins.oidc_provider"]

PASSWORD = "a-long-test-password-1"


@pytest.fixture(autouse=True)
def _no_network() -> Iterator[responses.RequestsMock]:
    """Any HTTP request a test did not register fails, except to the live server."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_passthru("http://localhost")
        mock.add_passthru("http://127.0.0.1")
        yield mock


@pytest.fixture(autouse=True)
def _english_unless_asked(settings: SettingsFixture) -> Iterator[None]:
    """The suite reads English by default; the site's default (German) and
    the German pages are tested where a test asks for them."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _tasks_at_once(settings: SettingsFixture) -> Iterator[None]:
    """Tasks run as they are enqueued; timed ones on `tests.tasks.run_due()`."""
    settings.TASKS = {"default": {"BACKEND": tasks.BACKEND}}
    tasks.DEFERRED.clear()
    yield
    tasks.DEFERRED.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: SettingsFixture) -> None:
    # The real hasher is slow on purpose; tests log in hundreds of times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def api_mock(_no_network: responses.RequestsMock) -> responses.RequestsMock:
    """The `responses` mock: register the API answers a test expects."""
    return _no_network


@pytest.fixture
def fake_api(
    api_mock: responses.RequestsMock, settings: SettingsFixture
) -> FakePetitmonde:
    """The fake Petitmonde API of tests/fake_api.py, the portal pointed at it."""
    point_portal_at_fake(settings)
    return FakePetitmonde(api_mock)


@pytest.fixture
def site(db: None) -> Site:
    site = Site.objects.create(
        name="Karlsruhe HQ",
        address="Kaiserstraße 120",
        postal_code="76133",
        city="Karlsruhe",
        latitude=Decimal("49.0094"),
        longitude=Decimal("8.4044"),
    )
    SiteCharger.objects.create(
        site=site,
        kind=SiteCharger.Kind.WORKPLACE,
        location_id="DE-ENB-E700101",
        evse_uid="DE*ENB*E700101*1",
        label="Garage P1, bay 1",
    )
    SiteCharger.objects.create(
        site=site,
        kind=SiteCharger.Kind.VISITOR,
        location_id="DE-ENB-E700102",
        evse_uid="DE*ENB*E700102*1",
        label="Visitor parking, bay 1",
    )
    return site


@pytest.fixture
def other_site(db: None) -> Site:
    return Site.objects.create(
        name="Berlin Office",
        address="Friedrichstraße 68",
        postal_code="10117",
        city="Berlin",
        latitude=Decimal("52.51"),
        longitude=Decimal("13.3889"),
    )


@pytest.fixture
def engineering(db: None) -> Department:
    return Department.objects.create(
        code="engineering",
        name="Engineering",
        monthly_budget=Decimal("1000.00"),
        default_monthly_cap=Decimal("40.00"),
    )


@pytest.fixture
def sales(db: None) -> Department:
    return Department.objects.create(
        code="sales", name="Sales", monthly_budget=Decimal("500.00")
    )


@pytest.fixture
def make_person(db: None, site: Site) -> Callable[..., User]:
    """Create a user with an Employee record and the given roles."""

    def make(
        employee_id: str,
        department: Department,
        *,
        roles: set[str] | None = None,
        manages: list[Department] | None = None,
        customer_id: str | None = None,
        first_name: str = "",
        last_name: str = "",
        home_site: Site | None = None,
    ) -> User:
        user = User.objects.create_user(
            f"{employee_id}@example.com",
            PASSWORD,
            first_name=first_name or employee_id.capitalize(),
            last_name=last_name or "Tester",
        )
        Employee.objects.create(
            user=user,
            employee_id=employee_id,
            department=department,
            customer_id=f"cust_{employee_id}" if customer_id is None else customer_id,
            home_site=home_site or site,
        )
        user.set_roles(roles if roles is not None else {Role.EMPLOYEE})
        if manages:
            user.managed_departments.set(manages)
        return User.objects.get(pk=user.pk)

    return make


@pytest.fixture
def employee(make_person: Callable[..., User], engineering: Department) -> User:
    return make_person("emp042", engineering, first_name="Erika", last_name="Muster")


@pytest.fixture
def colleague(make_person: Callable[..., User], engineering: Department) -> User:
    return make_person("emp043", engineering, first_name="Max", last_name="Kollege")


@pytest.fixture
def outsider(make_person: Callable[..., User], sales: Department) -> User:
    return make_person("emp077", sales, first_name="Olga", last_name="Andere")


@pytest.fixture
def receptionist(make_person: Callable[..., User], engineering: Department) -> User:
    return make_person("rec001", engineering, roles={Role.RECEPTIONIST, Role.EMPLOYEE})


@pytest.fixture
def manager(make_person: Callable[..., User], engineering: Department) -> User:
    return make_person(
        "mgr001",
        engineering,
        roles={Role.MANAGER, Role.EMPLOYEE},
        manages=[engineering],
    )


@pytest.fixture
def finance(make_person: Callable[..., User], sales: Department) -> User:
    return make_person("fin001", sales, roles={Role.FINANCE, Role.EMPLOYEE})


@pytest.fixture
def admin_user(make_person: Callable[..., User], sales: Department) -> User:
    return make_person("adm001", sales, roles={Role.ADMIN})


@pytest.fixture
def login(client: Client) -> Callable[[User], Client]:
    def do(user: User) -> Client:
        client.force_login(user)
        return client

    return do
