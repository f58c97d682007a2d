"""The benchmark population, derived from (organization slug, index) alone.

Pure and free of Django, so the seeder writes exactly the people the load generator
later asks for: person ``i`` of ``bench`` has the same userName, SCIM id and state in
both processes without either reading the other's output.
"""

import random
import uuid
from dataclasses import dataclass
from typing import Any

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

# Fixed, so SCIM ids are reproducible across seeding and load runs.
NAMESPACE = uuid.UUID("5d0c7e3a-3f0b-4f5e-9d62-6f1b1c0b9e11")

# Each manager has about this many direct reports: a tree about six levels deep at 300k.
FAN_OUT = 8

# Shares of the population in each state (docs/protocol.md#removed-not-erased).
DEACTIVATED = 0.10  # idp_active = false: Entra disabled or unassigned them
ADMIN_REMOVED = 0.01  # an admin removed them in the portal; later syncs keep that
SCIM_DELETED = 0.005  # Entra sent DELETE: the resource is retired

DEPARTMENTS = [
    "Accounting",
    "Brand Marketing",
    "Business Development",
    "Compliance",
    "Corporate Communications",
    "Customer Success",
    "Customer Support",
    "Data Platform",
    "Data Science",
    "Design",
    "Developer Relations",
    "Engineering - Backend",
    "Engineering - Frontend",
    "Engineering - Mobile",
    "Facilities",
    "Finance",
    "Growth",
    "Human Resources",
    "Infrastructure",
    "Internal Audit",
    "IT Operations",
    "Legal",
    "Logistics",
    "Manufacturing",
    "Partnerships",
    "Payroll",
    "Procurement",
    "Product Management",
    "Product Marketing",
    "Quality Assurance",
    "Recruiting",
    "Research",
    "Revenue Operations",
    "Sales - EMEA",
    "Sales - North America",
    "Sales - APAC",
    "Security",
    "Site Reliability",
    "Training",
    "Warehouse Operations",
]

# (office as Entra's work address "formatted", city, country)
LOCATIONS = [
    ("Amsterdam Zuidas", "Amsterdam", "NL"),
    ("Atlanta Midtown", "Atlanta", "US"),
    ("Austin Domain", "Austin", "US"),
    ("Bangalore Whitefield", "Bengaluru", "IN"),
    ("Berlin Mitte", "Berlin", "DE"),
    ("Boston Seaport", "Boston", "US"),
    ("Chicago Loop", "Chicago", "US"),
    ("Dublin Docklands", "Dublin", "IE"),
    ("Krakow Zablocie", "Krakow", "PL"),
    ("Lisbon Parque", "Lisbon", "PT"),
    ("London King's Cross", "London", "GB"),
    ("Lyon Part-Dieu", "Lyon", "FR"),
    ("Madrid Castellana", "Madrid", "ES"),
    ("Manchester Spinningfields", "Manchester", "GB"),
    ("Melbourne Docklands", "Melbourne", "AU"),
    ("Mexico City Reforma", "Mexico City", "MX"),
    ("Milan Porta Nuova", "Milan", "IT"),
    ("Montreal Old Port", "Montreal", "CA"),
    ("Paris La Defense", "Paris", "FR"),
    ("Sao Paulo Paulista", "Sao Paulo", "BR"),
    ("Seattle South Lake Union", "Seattle", "US"),
    ("Singapore Marina Bay", "Singapore", "SG"),
    ("Stockholm Kungsholmen", "Stockholm", "SE"),
    ("Tokyo Marunouchi", "Tokyo", "JP"),
    ("Toronto Financial District", "Toronto", "CA"),
]
LANGUAGES = {"FR": "fr-FR", "DE": "de-DE", "ES": "es-ES", "IT": "it-IT", "JP": "ja-JP", "BR": "pt-BR", "PT": "pt-PT"}

GIVEN_NAMES = (
    "Aaliyah Aaron Abigail Adam Adrian Aisha Alejandro Alex Alice Amara Amelia Ana Andrea Andrew Anna Arjun "
    "Ava Benjamin Bianca Carlos Caroline Charlotte Chen Chloe Christopher Claire Daniel David Diego Dmitri "
    "Elena Elias Elif Emily Emma Ethan Fatima Felix Fiona Francesca Gabriel Grace Hannah Hiroshi Ibrahim "
    "Ines Isabella Isaac Jack James Jasmine Javier Jessica Joao John Jonas Julia Kai Karan Katarzyna Kenji "
    "Laila Lars Laura Leo Liam Lucas Lucia Mai Maria Mark Mateo Maya Mei Mia Michael Mohammed Nadia Naomi "
    "Nathan Nikolai Noah Nora Olivia Omar Oscar Paula Pedro Priya Rafael Rania Ravi Rosa Ryan Sakura Samuel "
    "Sara Sebastian Sofia Sophie Stefan Tariq Thomas Valentina Victor William Yara Yusuf Zara Zoe"
).split()
# Family names are built from syllables so that there are tens of thousands of distinct
# ones, as in a real company, rather than a few hundred repeated thousands of times.
SYLLABLES = (
    "al an ar ber bra chen da del dor el en far gar han hol is kar kin la len lor ma mar mon na nor "
    "ol par ram ros sa sen ster ta tor ul van vel wen yam zan"
).split()
TITLES = [
    "Account Executive",
    "Analyst",
    "Associate",
    "Consultant",
    "Coordinator",
    "Designer",
    "Director",
    "Engineer",
    "Lead Engineer",
    "Manager",
    "Operations Specialist",
    "Principal Engineer",
    "Product Manager",
    "Recruiter",
    "Senior Analyst",
    "Senior Engineer",
    "Specialist",
    "Staff Engineer",
    "Team Lead",
    "Technician",
    "Vice President",
]


@dataclass(frozen=True)
class Person:
    index: int
    scim_id: uuid.UUID
    user_name: str
    email: str
    external_id: str
    given_name: str
    family_name: str
    title: str
    department: int  # index into DEPARTMENTS
    location: int  # index into LOCATIONS
    employee_number: str
    manager: int | None  # index of the manager, None for the top of the tree
    state: str  # active | deactivated | admin_removed | deleted

    @property
    def display_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


def scim_id(slug: str, index: int) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"{slug}:{index}")


def person(slug: str, index: int) -> Person:
    """Person ``index`` of the organization ``slug``; the same on every call."""
    rng = random.Random(f"{slug}:{index}")
    given = rng.choice(GIVEN_NAMES)
    family = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 2, 3)))).capitalize()
    draw = rng.random()
    if index == 0:
        state = "active"
    elif draw < DEACTIVATED:
        state = "deactivated"
    elif draw < DEACTIVATED + ADMIN_REMOVED:
        state = "admin_removed"
    elif draw < DEACTIVATED + ADMIN_REMOVED + SCIM_DELETED:
        state = "deleted"
    else:
        state = "active"
    return Person(
        index=index,
        scim_id=scim_id(slug, index),
        user_name=f"{given}.{family}.{index}@{slug}.example".lower(),
        # Entra sends the mail attribute in whatever case the directory holds it.
        email=f"{given}.{family}.{index}@{slug.capitalize()}.example",
        external_id=f"{given.lower()}{index}",
        given_name=given,
        family_name=family,
        title=rng.choice(TITLES),
        department=rng.randrange(len(DEPARTMENTS)),
        location=rng.randrange(len(LOCATIONS)),
        employee_number=f"E-{100000 + index}",
        manager=None if index == 0 else (index - 1) // FAN_OUT,
        state=state,
    )


def scim_data(p: Person, *, manager_scim_id: uuid.UUID | None) -> dict[str, Any]:
    """What ``scim.users.from_resource`` stores for Entra's default-mapping POST of this person.

    The shape of tests/scim/payloads/entra_create_user_default_mappings.json, without the
    keys the server never stores (schemas, meta, active). The seeder checks a sample
    against ``from_resource`` itself so the two cannot drift apart silently.
    """
    office, city, country = LOCATIONS[p.location]
    enterprise: dict[str, Any] = {"department": DEPARTMENTS[p.department], "employeeNumber": p.employee_number}
    if manager_scim_id is not None:
        enterprise["manager"] = {"value": str(manager_scim_id)}
    return {
        "externalId": p.external_id,
        "userName": p.user_name,
        "displayName": p.display_name,
        "title": p.title,
        "emails": [{"primary": True, "type": "work", "value": p.email}],
        "name": {"formatted": p.display_name, "givenName": p.given_name, "familyName": p.family_name},
        "addresses": [{"type": "work", "formatted": office, "locality": city, "country": country}],
        "phoneNumbers": [
            {"type": "work", "value": f"+1 555 {p.index % 10000:04d}"},
            {"type": "mobile", "value": f"+1 555 9{p.index % 100000:05d}"},
        ],
        "preferredLanguage": LANGUAGES.get(country, "en-US"),
        ENTERPRISE_USER: enterprise,
    }


def post_body(p: Person, *, manager_scim_id: uuid.UUID | None) -> dict[str, Any]:
    """Entra's POST /Users body for this person (default attribute mappings)."""
    data = scim_data(p, manager_scim_id=manager_scim_id)
    return {
        "schemas": [CORE_USER, ENTERPRISE_USER],
        **data,
        "active": p.state != "deactivated",
        "meta": {"resourceType": "User"},
        "roles": [],
    }
