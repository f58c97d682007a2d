"""The group phase of `make bench`: Entra's group requests against a small and a very large group.

    .venv/bin/python benchmarks/bench.py --groups 50,50000 --rounds 30

Per size, one organization is seeded in-process: ``size`` people already in an IdP-managed
"All employees" team (TeamMembership rows bulk-inserted directly: benchmark seeding only,
everything timed goes through the HTTP endpoint and organizations/teams.py), and
``rounds`` x ``batch`` newcomers who are not. Then, over HTTP at one client, alternating
sizes round by round, it times what Entra sends for a group (docs/protocol.md#groups):

* ``create_group``: POST of a new group, Entra's ADSCIM body, no members;
* ``add_batch``: one PATCH adding ``batch`` newcomers (Entra's ``Add members``);
* ``remove_batch``: one PATCH removing them again (Entra's remove with a value), so the
  big group keeps its size from round to round;
* ``get_without_members``: ``GET /Groups/{id}?excludedAttributes=members``;
* ``match_by_name``: ``GET /Groups?excludedAttributes=members&filter=displayName eq "…"``.

Any status other than the one Entra expects counts as an error.
"""

import http.client
import json
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

ADSCIM = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SCENARIOS = ("create_group", "add_batch", "remove_batch", "get_without_members", "match_by_name")


@dataclass
class Seeded:
    size: int
    key: str
    group_id: str
    newcomers: list[str]


@dataclass
class Timings:
    samples: dict[tuple[str, int], list[float]] = field(default_factory=dict)
    errors: dict[tuple[str, int], int] = field(default_factory=dict)
    bytes: dict[tuple[str, int], int] = field(default_factory=dict)

    def add(self, scenario: str, size: int, seconds: float, *, error: bool, length: int) -> None:
        self.samples.setdefault((scenario, size), []).append(seconds * 1000)
        self.errors[(scenario, size)] = self.errors.get((scenario, size), 0) + int(error)
        self.bytes[(scenario, size)] = max(self.bytes.get((scenario, size), 0), length)


def seed(size: int, *, newcomers: int) -> Seeded:
    """One organization with a team of ``size`` members and ``newcomers`` people outside it."""
    from keys.services import regenerate_key
    from organizations.models import Member, Organization, TeamMembership
    from organizations.services import Actor, create_organization
    from organizations.teams import create_team

    slug = f"groups-{size}"
    Organization.objects.filter(slug=slug).delete()
    organization = create_organization(slug=slug, name=f"Groups {size}", by=Actor.command("bench"))
    key = regenerate_key(organization, by=Actor.command("bench"))

    def people(count: int, prefix: str) -> list[Member]:
        return Member.objects.bulk_create(
            (
                Member(
                    organization=organization,
                    user_name=f"{prefix}{i}@{slug}.example",
                    email=f"{prefix}{i}@{slug}.example",
                    given_name=f"Given{i}",
                    family_name=prefix.title(),
                    managed_by_idp=True,
                    scim_data={"userName": f"{prefix}{i}@{slug}.example"},
                )
                for i in range(count)
            ),
            batch_size=5000,
        )

    staff = people(size, "staff")
    outside = people(newcomers, "newcomer")
    team = create_team(organization, by=Actor.idp("Microsoft Entra ID"), name="All employees")
    TeamMembership.objects.bulk_create(
        (TeamMembership(organization=organization, team=team, member=m) for m in staff), batch_size=5000
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE organizations_member, organizations_teammembership, organizations_team")
    return Seeded(size, key, str(team.scim_id), [str(m.scim_id) for m in outside])


class Client:
    def __init__(self, host: str, port: int, key: str) -> None:
        self.conn = http.client.HTTPConnection(host, port, timeout=70)
        self.headers = {
            "Authorization": f"Bearer {key}",
            "Content-Type": "application/scim+json",
            "User-Agent": "preciate-bench (Microsoft Entra ID group provisioning)",
        }

    def send(self, method: str, path: str, body: Any = None) -> tuple[int, bytes, float]:
        data = json.dumps(body).encode() if body is not None else None
        started = time.perf_counter()
        self.conn.request(method, "/api/v1/scim" + path, body=data, headers=self.headers)
        response = self.conn.getresponse()
        content = response.read()
        return response.status, content, time.perf_counter() - started


def _members(ids: list[str]) -> list[dict[str, Any]]:
    return [{"$ref": None, "value": i} for i in ids]


def run(host: str, port: int, sizes: list[int], *, rounds: int, batch: int, log: Callable[[str], None]) -> Timings:
    """Seed every size, then time each scenario ``rounds`` times per size, alternating sizes."""
    seeded = []
    for size in sizes:
        started = time.perf_counter()
        seeded.append(seed(size, newcomers=rounds * batch))
        log(f"seeded a group of {size:,} members in {time.perf_counter() - started:.0f} s")
    connection.close()
    clients = {s.size: Client(host, port, s.key) for s in seeded}
    timings = Timings()

    def timed(s: Seeded, scenario: str, method: str, path: str, body: Any, expected: int) -> bytes:
        status, content, seconds = clients[s.size].send(method, path, body)
        timings.add(scenario, s.size, seconds, error=status != expected, length=len(content))
        return content

    for s in seeded:  # warm up each connection and the server's caches
        clients[s.size].send("GET", f"/Groups/{s.group_id}?excludedAttributes=members")
    for round_ in range(rounds):
        for s in seeded:
            batch_ids = s.newcomers[round_ * batch : (round_ + 1) * batch]
            body = {
                "schemas": [GROUP, ADSCIM],
                "displayName": f"Bench {uuid.uuid4()}",
                "meta": {"resourceType": "Group"},
            }
            timed(s, "create_group", "POST", "/Groups", body, 201)
            add = {
                "schemas": [PATCH_OP],
                "Operations": [{"op": "Add", "path": "members", "value": _members(batch_ids)}],
            }
            timed(s, "add_batch", "PATCH", f"/Groups/{s.group_id}", add, 204)
            remove = {
                "schemas": [PATCH_OP],
                "Operations": [{"op": "Remove", "path": "members", "value": _members(batch_ids)}],
            }
            timed(s, "remove_batch", "PATCH", f"/Groups/{s.group_id}", remove, 204)
            timed(s, "get_without_members", "GET", f"/Groups/{s.group_id}?excludedAttributes=members", None, 200)
            match = "/Groups?excludedAttributes=members&filter=displayName+eq+%22all+employees%22"
            found = json.loads(timed(s, "match_by_name", "GET", match, None, 200) or b"{}")
            if found.get("totalResults") != 1:
                timings.errors[("match_by_name", s.size)] += 1
    return timings


def markdown(timings: Timings, sizes: list[int], *, batch: int) -> str:
    lines = ["| request | " + " | ".join(f"{s:,} members: p50 / p95 ms" for s in sizes) + " | errors |"]
    lines.append("|---|" + "---:|" * len(sizes) + "---:|")
    for scenario in SCENARIOS:
        cells = []
        for size in sizes:
            ms = sorted(timings.samples.get((scenario, size), [0.0]))
            p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
            cells.append(f"{statistics.median(ms):.1f} / {p95:.1f}")
        errors = sum(timings.errors.get((scenario, s), 0) for s in sizes)
        name = scenario.replace("batch", f"batch of {batch}")
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {errors} |")
    sizes_bytes = ", ".join(f"{timings.bytes.get(('get_without_members', s), 0)} B" for s in sizes)
    lines.append(f"\nBody of the read without members: {sizes_bytes}.")
    return "\n".join(lines)
