"""An identity provider in a box: replays Entra ID's provisioning requests over HTTP.

`manage.py simulate_idp` drives it against a running server, so a newcomer sees people
arrive without owning an Entra tenant. The requests take the shapes Entra sends with its
default attribute mappings and without the ``aadOptscim062020`` flag (docs/protocol.md):
a filter on userName before each POST, capitalised PATCH ops, the manager as a bare id,
and ``active`` as the string ``"False"`` for a leaver.

Only the standard library speaks HTTP here: the simulator is a client of the SCIM
endpoint like Entra is, and touches no model.
"""

import json
import random
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
# Contains "Microsoft", so the provisioning activity shows the requests as Entra's.
USER_AGENT = "Preciate simulate_idp (replays Microsoft Entra ID provisioning)"

GIVEN_NAMES = [
    "Amélie", "Björn", "Chiara", "Dmitri", "Eleni", "Fatima", "Gabriel", "Hiroshi", "Ingrid", "João",
    "Kemal", "Léa", "Mateo", "Nadia", "Oluwaseun", "Priya", "Quentin", "Rania", "Søren", "Tomás",
    "Ursula", "Valentina", "Wei", "Ximena", "Yusuf", "Zofia", "Aoife", "Benedikt", "Carmen", "Daniel",
    "Élodie", "Farid", "Greta", "Hamza", "Isabela", "Jonas", "Keiko", "Lukas", "Maëlle", "Nikolai",
]  # fmt: skip
FAMILY_NAMES = [
    "Dubois", "Lindqvist", "Romano", "Volkov", "Papadopoulou", "El Amrani", "Moreau", "Tanaka", "Halvorsen",
    "Gonçalves", "Şahin", "Martin", "Fernández", "Haddad", "Adeyemi", "Raman", "Lefèvre", "Saleh", "Østergaard",
    "Herrera", "Schmidt", "Rossi", "Zhang", "Castillo", "Özdemir", "Nowak", "O'Sullivan", "Weiß", "Navarro",
    "Kowalczyk", "Bernard", "Nasser", "Jansen", "Malik", "Carvalho", "Berg", "Sato", "Fischer", "Le Gall", "Ivanov",
]  # fmt: skip
DEPARTMENTS = {
    "Engineering": ["Software Engineer", "Senior Software Engineer", "Site Reliability Engineer", "QA Engineer"],
    "Product": ["Product Manager", "Product Designer", "UX Researcher"],
    "Sales": ["Account Executive", "Sales Development Representative", "Solutions Consultant"],
    "Customer Success": ["Customer Success Manager", "Support Specialist", "Onboarding Specialist"],
    "Marketing": ["Content Marketing Manager", "Growth Marketer", "Events Coordinator"],
    "Finance": ["Financial Analyst", "Accountant", "Payroll Specialist"],
    "People": ["HR Business Partner", "Talent Acquisition Partner", "People Operations Specialist"],
}
HEADS = {
    "Engineering": "VP of Engineering",
    "Product": "Head of Product",
    "Sales": "Sales Director",
    "Customer Success": "Head of Customer Success",
    "Marketing": "Marketing Director",
    "Finance": "Chief Financial Officer",
    "People": "Head of People",
}
# (Entra's physicalDeliveryOfficeName, city, country): the office becomes the location.
OFFICES = [
    ("Paris HQ", "Paris", "FR"),
    ("Lyon Office", "Lyon", "FR"),
    ("London Office", "London", "GB"),
    ("Berlin Office", "Berlin", "DE"),
    ("Lisbon Hub", "Lisbon", "PT"),
    ("New York Office", "New York", "US"),
]
MAX_USERS = len(GIVEN_NAMES) * len(FAMILY_NAMES)
_ASCII = str.maketrans({"ø": "o", "Ø": "O", "ß": "ss", "'": "", " ": "-"})


class SimulatorError(Exception):
    """The server could not be reached, or answered what Entra would log as a failure."""


@dataclass
class Person:
    """One user of the simulated Entra tenant, with Entra's default-mapped attributes."""

    given_name: str
    family_name: str
    department: str
    title: str
    office: tuple[str, str, str]
    employee_id: str
    is_head: bool = False
    scim_id: str = ""

    @property
    def display_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def mail_nickname(self) -> str:
        ascii_name = unicodedata.normalize("NFKD", f"{self.given_name}.{self.family_name}".translate(_ASCII))
        return "".join(c for c in ascii_name if not unicodedata.combining(c)).lower()

    @property
    def user_principal_name(self) -> str:
        return f"{self.mail_nickname}@demo.preciate.test"

    def create_body(self) -> dict[str, Any]:
        """The POST body Entra builds from the default attribute mappings."""
        office, city, country = self.office
        return {
            "schemas": [CORE, ENTERPRISE],
            "externalId": self.mail_nickname,
            "userName": self.user_principal_name,
            "active": True,
            "displayName": self.display_name,
            "title": self.title,
            "emails": [{"primary": True, "type": "work", "value": self.user_principal_name}],
            "name": {"formatted": self.display_name, "givenName": self.given_name, "familyName": self.family_name},
            "addresses": [{"type": "work", "formatted": office, "locality": city, "country": country}],
            "preferredLanguage": "en-US",
            ENTERPRISE: {"department": self.department, "employeeNumber": self.employee_id},
            "meta": {"resourceType": "User"},
            "roles": [],
        }


def directory(count: int, *, seed: int) -> list[Person]:
    """``count`` distinct people, the same for the same seed; each department's first is its head."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not a secret
    names = rng.sample([(g, f) for g in GIVEN_NAMES for f in FAMILY_NAMES], count)
    people: list[Person] = []
    for n, (given, family) in enumerate(names):
        department = rng.choice(list(DEPARTMENTS))
        is_head = department not in heads_of(people)
        title = HEADS[department] if is_head else rng.choice(DEPARTMENTS[department])
        people.append(Person(given, family, department, title, rng.choice(OFFICES), f"E-{10001 + n}", is_head))
    return people


def heads_of(people: list[Person]) -> dict[str, Person]:
    """Each department's head: the manager everyone else in it reports to."""
    return {person.department: person for person in people if person.is_head}


@dataclass
class Entra:
    """Speaks SCIM to ``base_url`` as Entra's provisioning service does, and counts requests."""

    base_url: str
    key: str
    timeout: float = 30
    requests: int = field(default=0, init=False)

    @property
    def tenant_url(self) -> str:
        return f"{self.base_url.rstrip('/')}/api/v1/scim"

    def send(self, method: str, path: str, body: Any = None) -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(  # noqa: S310 - check_reachable allows http(s) only
            self.tenant_url + path,
            data=None if body is None else json.dumps(body).encode(),
            method=method,
            headers={
                "Authorization": f"Bearer {self.key}",
                "Content-Type": "application/scim+json; charset=utf-8",
                "User-Agent": USER_AGENT,
            },
        )
        self.requests += 1
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - check_reachable allows http(s) only
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            try:
                answer = json.loads(error.read() or b"{}")
            except ValueError:
                answer = {}
            return error.code, answer
        except (urllib.error.URLError, OSError) as error:
            raise SimulatorError(f"{self.base_url} is not reachable ({_reason(error)}).") from error

    def expect(self, status: int, method: str, path: str, body: Any = None) -> dict[str, Any]:
        answered, resource = self.send(method, path, body)
        if answered != status:
            detail = resource.get("detail") or "no SCIM error detail"
            hint = ""
            if answered == 401:
                hint = " The key was refused: is the server using the same database as this command?"
            raise SimulatorError(f"{method} {path} answered {answered}, not {status}: {detail}.{hint}")
        return resource

    def find(self, user_name: str) -> list[dict[str, Any]]:
        query = urllib.parse.urlencode({"filter": f'userName eq "{user_name}"'})
        return self.expect(200, "GET", f"/Users?{query}")["Resources"]

    def patch(self, scim_id: str, *operations: dict[str, Any]) -> dict[str, Any]:
        self.expect(200, "GET", f"/Users/{scim_id}")  # Entra reads the user, then sends the differences
        return self.expect(200, "PATCH", f"/Users/{scim_id}", {"schemas": [PATCH_OP], "Operations": list(operations)})


def _people(count: int) -> str:
    return f"{count} person" if count == 1 else f"{count} people"


def _reason(error: BaseException) -> str:
    reason = getattr(error, "reason", error)
    return str(reason.strerror if isinstance(reason, OSError) and reason.strerror else reason)


def check_reachable(base_url: str, *, timeout: float = 10) -> None:
    """Raise SimulatorError unless ``base_url`` answers /healthz; nothing is authenticated yet."""
    if urllib.parse.urlsplit(base_url).scheme not in ("http", "https"):
        raise SimulatorError(f"{base_url!r} is not an http:// or https:// URL.")
    try:
        with urllib.request.urlopen(f"{base_url.rstrip('/')}/healthz", timeout=timeout):  # noqa: S310 - checked above
            return
    except urllib.error.HTTPError as error:
        raise SimulatorError(f"{base_url}/healthz answered {error.code}; is this Preciate?") from error
    except (urllib.error.URLError, OSError) as error:
        raise SimulatorError(f"{base_url} is not reachable ({_reason(error)}).") from error


def the_leaver(people: list[Person]) -> Person:
    """The last person who heads no department (a head's reports would keep a departed manager)."""
    return next((p for p in reversed(people) if not p.is_head), people[-1])


def connection_test(entra: Entra) -> str:
    """Entra's Test Connection: a filter on a random GUID, which must find no one."""
    found = entra.find(str(uuid.uuid4()))
    if found:
        raise SimulatorError("Test Connection: a filter on a random userName found someone.")
    return "Test Connection: 200 with an empty list, as Entra requires."


def initial_cycle(entra: Entra, people: list[Person], say: Callable[[str], None]) -> str:
    """Each user: a filter on userName, then a POST when no one matches (Entra's initial cycle)."""
    created = matched = 0
    for person in people:
        found = entra.find(person.user_principal_name)
        if not found:
            person.scim_id = entra.expect(201, "POST", "/Users", person.create_body())["id"]
            created += 1
            say(f"  created {person.display_name} <{person.user_principal_name}>, {person.title}, {person.department}")
            continue
        # One match: Entra links to it and sends only what differs from its own data.
        resource = found[0]
        person.scim_id = resource["id"]
        matched += 1
        operations = [
            {"op": "Replace", "path": path, "value": value}
            for path, value, current in [
                ("title", person.title, resource.get("title")),
                (f"{ENTERPRISE}:department", person.department, resource.get(ENTERPRISE, {}).get("department")),
            ]
            if value != current
        ]
        if operations:
            entra.patch(person.scim_id, *operations)
        say(f"  matched {person.display_name} <{person.user_principal_name}>, {len(operations)} attributes updated")
    return (
        f"Initial cycle: {created} created, {matched} already there (matched by userName), "
        f"{entra.requests} requests so far."
    )


def link_managers(entra: Entra, people: list[Person], say: Callable[[str], None]) -> str:
    """After everyone exists, each person's manager: their department's head, as a bare id."""
    heads = heads_of(people)
    linked = 0
    for person in people:
        head = heads[person.department]
        if person.is_head:
            continue
        entra.patch(person.scim_id, {"op": "Add", "path": f"{ENTERPRISE}:manager", "value": head.scim_id})
        linked += 1
        say(f"  {person.display_name} reports to {head.display_name}")
    return f"Managers: {_people(linked)} linked to their department's head ({len(heads)} departments)."


def updates(entra: Entra, people: list[Person], *, seed: int, say: Callable[[str], None]) -> str:
    """A few HR changes in Entra's default shape (capitalised Replace): promotions, and
    transfers, which also change the manager to the new department's head."""
    rng = random.Random(seed + 1)  # noqa: S311 - demo data, not a secret
    heads = heads_of(people)
    candidates = [p for p in people if not p.is_head and p is not the_leaver(people)]
    changed = rng.sample(candidates, min(len(candidates), max(1, len(people) // 10)))
    for n, person in enumerate(changed):
        moves = [d for d in heads if d != person.department]
        if n % 2 == 0 or not moves:
            person.title = (
                f"Lead {person.title[7:]}" if person.title.startswith("Senior ") else f"Senior {person.title}"
            )
            entra.patch(person.scim_id, {"op": "Replace", "path": "title", "value": person.title})
            say(f"  {person.display_name}: promoted to {person.title}")
            continue
        person.department = rng.choice(moves)
        person.title = rng.choice(DEPARTMENTS[person.department])
        entra.patch(
            person.scim_id,
            {"op": "Replace", "path": "title", "value": person.title},
            {"op": "Replace", "path": f"{ENTERPRISE}:department", "value": person.department},
            {"op": "Replace", "path": f"{ENTERPRISE}:manager", "value": heads[person.department].scim_id},
        )
        say(f"  {person.display_name}: moved to {person.department} as {person.title}")
    return f"Updates: {_people(len(changed))} promoted or moved to another department."


def leaver(entra: Entra, people: list[Person], say: Callable[[str], None]) -> str:
    """One person leaves: Entra's default deprovisioning, ``active`` as the string "False"."""
    person = the_leaver(people)
    resource = entra.patch(person.scim_id, {"op": "Replace", "path": "active", "value": "False"})
    if resource.get("active") is not False:
        raise SimulatorError(f'{person.user_principal_name} is still active after PATCH active "False".')
    say(f'  {person.display_name} <{person.user_principal_name}> left: PATCH active "False"')
    return f"Leaver: {person.display_name} removed from the organization (kept, and still visible to SCIM)."
