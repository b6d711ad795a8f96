"""The demo company of `seed_demo`: deterministic, so re-runs change nothing."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from portal.models import Department, Site, SiteCharger, User
from portal.signals import demo_seeded
from portal.staff_import import ImportResult, apply, validate

DEMO_PASSWORD = "charge-demo-2026"  # noqa: S105 - printed on purpose, demo only
DEMO_DOMAIN = "demo.example"


@dataclass(frozen=True)
class DemoSite:
    name: str
    address: str
    postal_code: str
    city: str
    latitude: Decimal
    longitude: Decimal
    # (kind, location_id, number of EVSEs, label prefix)
    chargers: tuple[tuple[str, str, int, str], ...]


SITES = (
    DemoSite(
        name="Karlsruhe HQ",
        address="Kaiserstraße 120",
        postal_code="76133",
        city="Karlsruhe",
        latitude=Decimal("49.009400"),
        longitude=Decimal("8.404400"),
        chargers=(
            (SiteCharger.Kind.WORKPLACE, "DE-ENB-E700101", 4, "Garage P1, bay"),
            (SiteCharger.Kind.VISITOR, "DE-ENB-E700102", 2, "Visitor parking, bay"),
        ),
    ),
    DemoSite(
        name="Berlin Office",
        address="Friedrichstraße 68",
        postal_code="10117",
        city="Berlin",
        latitude=Decimal("52.510000"),
        longitude=Decimal("13.388900"),
        chargers=(
            (SiteCharger.Kind.WORKPLACE, "DE-ALG-E700201", 3, "Courtyard, bay"),
            (SiteCharger.Kind.VISITOR, "DE-ALG-E700202", 2, "Visitor parking, bay"),
        ),
    ),
)

# code, name, monthly budget, default monthly cap per employee
DEPARTMENTS = (
    ("engineering", "Engineering", Decimal("2500.00"), Decimal("150.00")),
    ("sales", "Sales", Decimal("2000.00"), Decimal("120.00")),
    ("operations", "Operations", Decimal("1500.00"), Decimal("100.00")),
    ("finance", "Finance", Decimal("600.00"), Decimal("100.00")),
)

FIRST_NAMES = [
    "Anna",
    "Ben",
    "Clara",
    "David",
    "Emma",
    "Felix",
    "Greta",
    "Hannah",
    "Jonas",
    "Julia",
    "Karl",
    "Lea",
    "Leon",
    "Lina",
    "Lukas",
    "Marie",
    "Max",
    "Mia",
    "Noah",
    "Paul",
    "Sophie",
    "Tim",
    "Laura",
    "Jan",
    "Nina",
    "Finn",
    "Eva",
    "Moritz",
    "Sarah",
    "Tom",
    "Ida",
    "Erik",
    "Frieda",
    "Oskar",
    "Ella",
    "Theo",
    "Mila",
]
LAST_NAMES = [
    "Becker",
    "Schulz",
    "Wagner",
    "Hoffmann",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hofmann",
    "Hartmann",
    "Lange",
    "Schmitt",
    "Werner",
    "Krause",
    "Meier",
    "Lehmann",
    "Schmid",
    "Schulze",
    "Maier",
    "Köhler",
    "Herrmann",
    "König",
    "Walter",
    "Mayer",
    "Huber",
    "Kaiser",
    "Fuchs",
    "Peters",
    "Lang",
    "Scholz",
    "Möller",
    "Weiß",
]


@dataclass(frozen=True)
class DemoPerson:
    employee_id: str
    first_name: str
    last_name: str
    department: str
    roles: str
    manages: str
    site: str
    customer_id: str

    @property
    def email(self) -> str:
        local = f"{self.first_name}.{self.last_name}".lower()
        for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
            local = local.replace(umlaut, plain)
        return f"{local}@{DEMO_DOMAIN}"


def people() -> list[DemoPerson]:
    """30 employees, a manager per department, a receptionist, finance, an admin."""
    result: list[DemoPerson] = []
    dept_codes = [d[0] for d in DEPARTMENTS[:3]]
    for i in range(30):
        number = i + 1
        result.append(
            DemoPerson(
                employee_id=f"emp{number:03d}",
                first_name=FIRST_NAMES[i],
                last_name=LAST_NAMES[i],
                department=dept_codes[i % 3],
                roles="employee",
                manages="",
                site=SITES[i % 2].name if i % 5 else SITES[1].name,
                # The last one has no Petitmonde account yet, to show what then.
                customer_id="" if number == 30 else f"cust_emp{number:03d}",
            )
        )
    for j, (code, *_rest) in enumerate(DEPARTMENTS):
        number = 31 + j
        result.append(
            DemoPerson(
                employee_id=f"emp{number:03d}",
                first_name=FIRST_NAMES[30 + j],
                last_name=LAST_NAMES[30 + j],
                department=code,
                roles="employee manager",
                manages=code,
                site=SITES[0].name,
                customer_id=f"cust_emp{number:03d}",
            )
        )
    extra = (
        ("emp035", "receptionist employee", "operations", SITES[0].name),
        ("emp036", "finance employee", "finance", SITES[0].name),
        ("emp037", "admin", "operations", SITES[0].name),
    )
    for k, (emp_id, roles, dept, site) in enumerate(extra):
        result.append(
            DemoPerson(
                employee_id=emp_id,
                first_name=FIRST_NAMES[34 + k],
                last_name=LAST_NAMES[34 + k],
                department=dept,
                roles=roles,
                manages="",
                site=site,
                customer_id=f"cust_{emp_id}",
            )
        )
    return result


def _ensure_sites() -> None:
    for demo in SITES:
        site, _ = Site.objects.update_or_create(
            name=demo.name,
            defaults={
                "address": demo.address,
                "postal_code": demo.postal_code,
                "city": demo.city,
                "latitude": demo.latitude,
                "longitude": demo.longitude,
                "time_zone": "Europe/Berlin",
            },
        )
        for kind, location_id, count, label in demo.chargers:
            for n in range(1, count + 1):
                evse_uid = f"{location_id.replace('-', '*')}*{n}"
                SiteCharger.objects.update_or_create(
                    site=site,
                    evse_uid=evse_uid,
                    defaults={
                        "kind": kind,
                        "location_id": location_id,
                        "label": f"{label} {n}",
                    },
                )


def _ensure_departments() -> None:
    for code, name, budget, cap in DEPARTMENTS:
        Department.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "monthly_budget": budget,
                "default_monthly_cap": cap,
            },
        )


@transaction.atomic
def seed() -> ImportResult:
    """Create or refresh the demo company. Safe to run any number of times."""
    _ensure_sites()
    _ensure_departments()
    raw: list[dict[str, str | int]] = [
        {
            "line": n,
            "email": p.email,
            "first_name": p.first_name,
            "last_name": p.last_name,
            "department_code": p.department,
            "department_name": "",
            "employee_id": p.employee_id,
            "customer_id": p.customer_id,
            "token_id": "",
            "roles": p.roles,
            "manages": p.manages,
            "home_site": p.site,
        }
        for n, p in enumerate(people(), start=1)
    ]
    rows, errors = validate(raw)
    if errors:  # the demo data is ours: a bad row is a bug here
        raise ValueError("; ".join(str(e) for e in errors))
    result = apply(rows)
    for user in User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}"):
        if not user.has_usable_password():
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
    demo_seeded.send(sender=Site)
    return result


def logins() -> list[tuple[str, str]]:
    """(what, e-mail) for the printed demo logins, one per role."""
    everyone = people()
    by_id = {p.employee_id: p for p in everyone}
    rows = [("Admin", by_id["emp037"].email)]
    rows.append(("Finance", by_id["emp036"].email))
    rows.append(("Receptionist", by_id["emp035"].email))
    for p in everyone:
        if p.manages:
            rows.append((f"Manager of {p.manages}", p.email))
    rows.append(("Employee (engineering)", by_id["emp001"].email))
    rows.append(("Employee (sales)", by_id["emp002"].email))
    rows.append(("Employee without customer id", by_id["emp030"].email))
    return rows
