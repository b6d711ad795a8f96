"""Who may open which URL: every URL of the project, for every persona.

The table ``ACCESS`` below lists every named URL of the project (found by
walking the URL resolver) and says, for each persona of ``tests/conftest.py``,
what it gets. ``test_every_url_is_in_the_table`` fails as soon as a URL exists
that the table does not know, so every new view must be registered here.

How to register a new URL
-------------------------
Add an entry keyed by the name you would give ``reverse()`` (with its
namespace: ``"bookings:detail"``)::

    # staff with the role get 200, every other persona 403
    "reports:department": Rule(ok={"manager", "finance"}),

    # an object of one person: the owner gets 200, people who may not see it
    # get 404 (``visible_to`` + ``get_object_or_404``), the rest 403
    "bookings:detail": Rule(
        ok={"employee"},
        not_found={"colleague", "outsider"},
        owner=lambda get: BookingFactory(employee=get("employee")),
        kwargs=lambda booking: {"pk": booking.pk},
    ),

    # a POST-only action that redirects when it worked
    "bookings:cancel": Rule(ok={"employee"}, method="post", ok_status=302, ...),

- ``ok``: personas that get ``ok_status`` (200 unless said otherwise).
- ``not_found``: personas that must get 404; needs ``owner``.
- every other persona must get 403.
- ``owner``: called with ``get`` (``get("employee")`` returns that persona, or
  any other fixture by name) before the request; it creates the object the URL
  shows. ``kwargs`` is then called with that object; without ``owner`` it is a
  plain dict (sample values for the pattern's parameters).
- ``public=True`` for the few URLs that need no login; a logged-out visitor
  then gets ``anonymous_status``. Everything else must send a logged-out
  visitor to ``/login/?next=…``.

What is not in the table: everything under ``admin/`` (the Django admin
checks its own permissions; tests/portal/test_admin.py covers it, and
tests/portal/test_login.py covers our ``/admin/login/`` stand-in).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.bookings.factories import make_booking
from tests.bookings.reception.visit_factory import make_visit
from tests.bookings.waitlist.factories import make_entry, make_offer

PERSONAS = (
    "employee",
    "colleague",
    "outsider",
    "receptionist",
    "manager",
    "finance",
    "admin_user",
)
EVERYONE = frozenset(PERSONAS)
# Everyone who holds the Employee role; the admin persona holds only Admin.
BOOKERS = EVERYONE - {"admin_user"}

# Route prefixes left out of the table, and why.
SKIPPED = {
    "admin/": "the Django admin: tests/portal/test_admin.py and test_login.py",
    "sandbox/api/v1/client/": (
        "the sandbox API answers to its API key, not to a login: "
        "tests/bookings/sandbox/ cover its auth"
    ),
}

Get = Callable[[str], Any]
RECEPTION = frozenset({"receptionist", "admin_user"})
Kwargs = Mapping[str, Any] | Callable[[Any], Mapping[str, Any]]


@dataclass(frozen=True)
class Rule:
    ok: Iterable[str]
    not_found: Iterable[str] = ()
    ok_status: int = 200
    method: str = "get"
    data: Mapping[str, Any] = field(default_factory=dict)
    kwargs: Kwargs = field(default_factory=dict)
    owner: Callable[[Get], Any] | None = None
    public: bool = False
    anonymous_status: int = 200

    @property
    def ok_set(self) -> frozenset[str]:
        return frozenset(self.ok)

    @property
    def not_found_set(self) -> frozenset[str]:
        return frozenset(self.not_found)

    def expected(self, persona: str) -> int:
        if persona in self.ok_set:
            return self.ok_status
        if persona in self.not_found_set:
            return 404
        return 403

    def url(self, name: str, get: Get) -> str:
        """The URL to request, creating the owner's object first if any."""
        if self.owner is not None:
            assert callable(self.kwargs), f"{name}: owner needs kwargs=lambda obj: …"
            kwargs = self.kwargs(self.owner(get))
        else:
            assert not callable(self.kwargs), f"{name}: kwargs=callable needs owner"
            kwargs = self.kwargs
        return reverse(name, kwargs=dict(kwargs))

    def request(self, client: Client, url: str) -> Any:
        return getattr(client, self.method)(url, self.data)


REPORT_READERS = frozenset({"manager", "finance", "admin_user"})
ALL_REPORTS = frozenset({"finance", "admin_user"})


def own_booking(status: str = "CONFIRMED", **rule: Any) -> Rule:
    """A page of one of the employee's bookings: theirs to open (others who
    book get 404, the rest 403); `status` is the booking's."""
    return Rule(
        ok={"employee"},
        not_found=BOOKERS - {"employee"},
        owner=lambda get: make_booking(get("employee").employee, status=status),
        kwargs=lambda booking: {"pk": booking.pk},
        **rule,
    )


def unattributed_booking(get: Get) -> Any:
    """A booking found on the account that nobody could be charged for."""
    booking = make_booking(
        get("employee").employee,
        origin="api",
        attribution="none",
        department=None,
        status="COMPLETED",
    )
    booking.employee = None
    booking.save(update_fields=["employee"])
    return booking


ACCESS: dict[str, Rule] = {
    "home": Rule(ok=EVERYONE),
    "healthz": Rule(ok=EVERYONE, public=True),
    # A logged-in person opening the login page is sent home.
    "login": Rule(ok=EVERYONE, ok_status=302, public=True),
    "login_break_glass": Rule(ok=EVERYONE, ok_status=302, public=True),
    # Sign-in with the company account is off here (no OIDC_ISSUER): its
    # routes are 404 for everybody; tests/sso cover them switched on.
    "openid_connect_login": Rule(
        ok=EVERYONE,
        method="post",
        ok_status=404,
        public=True,
        anonymous_status=404,
        kwargs={"provider_id": "company"},
    ),
    "openid_connect_callback": Rule(
        ok=EVERYONE,
        ok_status=404,
        public=True,
        anonymous_status=404,
        kwargs={"provider_id": "company"},
    ),
    "logout": Rule(
        ok=EVERYONE, method="post", ok_status=302, public=True, anonymous_status=302
    ),
    # The language switcher: everyone, the login page too; back where it was.
    "choose_language": Rule(
        ok=EVERYONE,
        method="post",
        data={"language": "de", "next": "/"},
        ok_status=302,
        public=True,
        anonymous_status=302,
    ),
    "password_reset": Rule(ok=EVERYONE, public=True),
    "password_reset_done": Rule(ok=EVERYONE, public=True),
    # A made-up token shows the "link no longer works" page.
    "password_reset_confirm": Rule(
        ok=EVERYONE, public=True, kwargs={"uidb64": "MQ", "token": "made-up-token"}
    ),
    "password_reset_complete": Rule(ok=EVERYONE, public=True),
    # --- reports: managers see the departments they manage, finance (and the
    # Admin role, which holds the finance permissions) every one.
    "reports:index": Rule(ok=REPORT_READERS),
    "reports:index_csv": Rule(ok=REPORT_READERS),
    "reports:index_chart": Rule(ok=REPORT_READERS),
    "reports:summary": Rule(ok=ALL_REPORTS),
    "reports:summary_csv": Rule(ok=ALL_REPORTS),
    "reports:unattributed": Rule(ok=ALL_REPORTS),
    "reports:unattributed_csv": Rule(ok=ALL_REPORTS),
    "reports:booking_assign": Rule(
        ok=ALL_REPORTS, owner=unattributed_booking, kwargs=lambda b: {"pk": b.pk}
    ),
    # Sales: the manager manages engineering only, so sales is a 404 to them.
    "reports:department": Rule(
        ok=ALL_REPORTS,
        not_found={"manager"},
        owner=lambda get: get("sales"),
        kwargs=lambda department: {"code": department.code},
    ),
    "reports:department_chart": Rule(
        ok=ALL_REPORTS,
        not_found={"manager"},
        owner=lambda get: get("sales"),
        kwargs=lambda department: {"code": department.code},
    ),
    "reports:department_csv": Rule(
        ok=ALL_REPORTS,
        not_found={"manager"},
        owner=lambda get: get("sales"),
        kwargs=lambda department: {"code": department.code, "table": "employees"},
    ),
    # Reception: receptionists and admins. On a visit's pages admin_user
    # plays a receptionist limited to another site, who must get 404.
    "reception:day": Rule(ok=RECEPTION),
    "reception:new": Rule(ok=RECEPTION),
    "reception:pass": Rule(
        ok={"receptionist"},
        not_found={"admin_user"},
        owner=lambda get: visit_of_one_site(get),
        kwargs=lambda visit: {"pk": visit.pk},
    ),
    "reception:pass_email": Rule(
        ok={"receptionist"},
        not_found={"admin_user"},
        method="post",
        ok_status=302,
        owner=lambda get: visit_of_one_site(get),
        kwargs=lambda visit: {"pk": visit.pk},
    ),
    "reception:cancel_visit": Rule(
        ok={"receptionist"},
        not_found={"admin_user"},
        owner=lambda get: visit_of_one_site(get),
        kwargs=lambda visit: {"pk": visit.pk},
    ),
    "reception:cancel_booking": Rule(
        ok={"receptionist"},
        not_found={"admin_user"},
        owner=lambda get: visit_of_one_site(get).bookings.get(),
        kwargs=lambda booking: {"pk": booking.pk},
    ),
    # --- bookings: everyone with the "book charging" permission, for themselves
    "bookings:list": Rule(ok=BOOKERS),
    "bookings:new": Rule(ok=BOOKERS),
    # Without a charger picked, both send the person back to the search.
    "bookings:review": Rule(ok=BOOKERS, ok_status=302),
    "bookings:create": Rule(ok=BOOKERS, method="post", ok_status=302),
    "bookings:detail": own_booking(),
    "bookings:ics": own_booking(),
    "bookings:cancel": own_booking(),
    # Already cancelled: the owner is told so, and no API call is made.
    "bookings:cancel_confirm": own_booking(
        method="post", ok_status=302, status="CANCELLED"
    ),
    # --- the waiting list: bookers for themselves, reception for its sites
    "waitlist:list": Rule(ok=BOOKERS),
    "waitlist:notices": Rule(ok=BOOKERS),
    # Empty: the form is shown again with what is missing.
    "waitlist:join": Rule(ok=BOOKERS, method="post", ok_status=400),
    "waitlist:leave": Rule(
        ok={"employee"},
        not_found=BOOKERS - {"employee"},
        method="post",
        ok_status=302,
        owner=lambda get: make_entry(get("employee").employee, get("site")),
        kwargs=lambda entry: {"pk": entry.pk},
    ),
    "waitlist:offer": Rule(
        ok={"employee"},
        not_found=BOOKERS - {"employee"},
        owner=lambda get: make_offer(make_entry(get("employee").employee, get("site"))),
        kwargs=lambda offer: {"pk": offer.pk},
    ),
    # Run out already: the owner is told so, and no API call is made.
    "waitlist:accept": Rule(
        ok={"employee"},
        not_found=BOOKERS - {"employee"},
        method="post",
        ok_status=302,
        owner=lambda get: make_offer(
            make_entry(get("employee").employee, get("site")), state="expired"
        ),
        kwargs=lambda offer: {"pk": offer.pk},
    ),
    "waitlist:decline": Rule(
        ok={"employee"},
        not_found=BOOKERS - {"employee"},
        method="post",
        ok_status=302,
        owner=lambda get: make_offer(make_entry(get("employee").employee, get("site"))),
        kwargs=lambda offer: {"pk": offer.pk},
    ),
    "waitlist:sites": Rule(ok=RECEPTION),
    "waitlist:release": own_booking(),
    "waitlist:release_confirm": own_booking(
        method="post", ok_status=302, status="CANCELLED"
    ),
}


def walk(
    patterns: Iterable[URLPattern | URLResolver], prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str]]:
    """(name, route) of every URL pattern, with namespaces, recursively."""
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}{entry.namespace}:"
            yield from walk(entry.url_patterns, route, ns)
        else:
            # An unnamed URL cannot be registered: the test asks for a name.
            name = f"{namespace}{entry.name}" if entry.name else f"<unnamed {route}>"
            yield name, route


def project_urls(urlconf: str | None = None) -> dict[str, str]:
    return {
        name: route
        for name, route in walk(get_resolver(urlconf).url_patterns)
        if not route.startswith(tuple(SKIPPED))
    }


def login_redirect(path: str) -> str:
    return f"/login/?next={quote(path, safe='/')}"


def check(rule: Rule, name: str, persona: str | None, client: Client, get: Get) -> None:
    """Request the URL as the persona (None: logged out) and check the status."""
    user = get(persona) if persona else None
    url = rule.url(name, get)
    if user is not None:
        client.force_login(user)
    response = rule.request(client, url)
    if persona is None and not rule.public:
        assert response.status_code == 302, f"{name} must need a login"
        assert response["Location"] == login_redirect(url)
        return
    expected = rule.anonymous_status if persona is None else rule.expected(persona)
    assert response.status_code == expected, (
        f"{name} as {persona or 'logged out'}: {response.status_code}, "
        f"expected {expected}"
    )
    if user is not None:  # whatever the status: no cache may keep it
        directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
        assert {"private", "no-store"} <= directives, (
            f"{name} as {persona}: Cache-Control {response.get('Cache-Control')!r}"
        )


def check_table(table: Mapping[str, Rule]) -> None:
    for name, rule in table.items():
        assert rule.ok_set <= EVERYONE, f"{name}: unknown persona in ok"
        assert rule.not_found_set <= EVERYONE, f"{name}: unknown persona in not_found"
        assert not rule.ok_set & rule.not_found_set, f"{name}: ok and not_found overlap"
        assert rule.owner or not rule.not_found_set, f"{name}: not_found needs owner"
        assert rule.method in ("get", "post"), f"{name}: method get or post"


def visit_of_one_site(get: Get) -> Any:
    """A visit at `site`, with admin_user limited to the visitors of `other_site`."""
    get("admin_user").reception_sites.set([get("other_site")])
    return make_visit(site=get("site"), host=get("employee"))


# --- the project's URLs --------------------------------------------------------


def test_every_url_is_in_the_table() -> None:
    missing = sorted(set(project_urls()) - set(ACCESS))
    assert missing == [], (
        f"URLs without an entry in tests/test_access.py ACCESS: {missing}. "
        "Register them (see the module docstring)."
    )


def test_table_has_no_urls_that_do_not_exist() -> None:
    assert sorted(set(ACCESS) - set(project_urls())) == []


def test_table_is_consistent() -> None:
    check_table(ACCESS)


def test_only_the_listed_parts_are_skipped() -> None:
    routes = [r for _, r in walk(get_resolver().url_patterns)]
    for prefix in SKIPPED:  # each listed part exists, and is left to its tests
        assert any(r.startswith(prefix) for r in routes), prefix


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(ACCESS))
def test_logged_out_visitor(
    name: str, client: Client, request: pytest.FixtureRequest
) -> None:
    check(ACCESS[name], name, None, client, request.getfixturevalue)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(ACCESS))
def test_persona(
    name: str, persona: str, client: Client, request: pytest.FixtureRequest
) -> None:
    check(ACCESS[name], name, persona, client, request.getfixturevalue)


# --- the checker itself, on a URLconf made for it --------------------------------
# Nothing in the portal gives a 403 or 404 yet; this shows those branches work.

DEMO_URLCONF = "tests.access_demo_urls"
DEMO_ACCESS: dict[str, Rule] = {
    "all_reports": Rule(ok={"finance", "admin_user"}),
    "employee_card": Rule(
        ok={"employee", "colleague", "receptionist", "manager"},
        not_found={"outsider", "finance", "admin_user"},
        owner=lambda get: get("employee").employee,
        kwargs=lambda employee: {"employee_id": employee.employee_id},
    ),
}


def test_demo_table_covers_the_demo_urls() -> None:
    assert set(DEMO_ACCESS) <= set(project_urls(DEMO_URLCONF))
    check_table(DEMO_ACCESS)


@pytest.mark.django_db
@pytest.mark.urls(DEMO_URLCONF)
@pytest.mark.parametrize("persona", [*PERSONAS, None])
@pytest.mark.parametrize("name", sorted(DEMO_ACCESS))
def test_checker_sees_403_404_and_login_redirects(
    name: str, persona: str | None, client: Client, request: pytest.FixtureRequest
) -> None:
    check(DEMO_ACCESS[name], name, persona, client, request.getfixturevalue)


@pytest.mark.django_db
@pytest.mark.urls(DEMO_URLCONF)
def test_checker_fails_on_a_wrong_table(
    client: Client, request: pytest.FixtureRequest
) -> None:
    wrong = Rule(
        ok={"outsider"},
        owner=DEMO_ACCESS["employee_card"].owner,
        kwargs=DEMO_ACCESS["employee_card"].kwargs,
    )
    with pytest.raises(AssertionError, match="as outsider: 404, expected 200"):
        check(wrong, "employee_card", "outsider", client, request.getfixturevalue)
