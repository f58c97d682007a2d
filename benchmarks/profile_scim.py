"""In-process CPU per SCIM request, by verb, and a cProfile of the same requests.

Drives the SCIM endpoint with Django's test client (no HTTP server, no network), so the
numbers are the application's own cost: DRF, the SCIM pipeline, the ORM and the database
driver's client side. The database server's own work is not counted (it runs in another
process). Each run makes a fresh organization and deletes it afterwards::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/DB .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/DB .venv/bin/python benchmarks/profile_scim.py -n 100

The load is Entra's: an initial cycle (filter GET on userName, then POST) for ``-n`` users,
then an incremental cycle (filter GET, then PATCH of the title, every tenth also
``active`` "False"), then a PUT and a GET by id of each. ``--profile`` repeats the load
under cProfile (which slows it) and prints the top functions.
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

import json  # noqa: E402

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from keys.services import regenerate_key  # noqa: E402
from organizations.models import Organization  # noqa: E402
from organizations.services import Actor, create_organization  # noqa: E402

BASE = "/api/v1/scim"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def user(i: int, run: str) -> dict[str, Any]:
    """What Entra's default mappings POST for one person."""
    name = f"person{i}.{run}@profile.example"
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "externalId": str(uuid.uuid5(uuid.NAMESPACE_URL, name)),
        "userName": name,
        "active": True,
        "displayName": f"Person {i}",
        "title": "Engineer",
        "emails": [{"primary": True, "type": "work", "value": name}],
        "name": {"formatted": f"Person {i}", "familyName": f"P{i}", "givenName": "Person"},
        "addresses": [{"type": "work", "formatted": f"Office {i % 7}", "locality": "Dublin"}],
        ENTERPRISE: {"department": f"Department {i % 11}", "employeeNumber": str(10_000 + i)},
    }


class Load:
    """One organization, its key, and a client that speaks as Entra."""

    def __init__(self, run: str) -> None:
        self.run = run
        self.organization = create_organization(slug=f"profile-{run}", name="Profile", by=Actor.command("profile"))
        key = regenerate_key(self.organization, by=Actor.command("profile"))
        self.client = Client(headers={"Authorization": f"Bearer {key}", "User-Agent": "Azure AD Provisioning"})
        self.ids: dict[int, str] = {}

    def send(self, method: str, path: str, body: Any = None, params: dict[str, str] | None = None) -> Any:
        call = getattr(self.client, method)
        if method == "get":
            response = call(BASE + path, params or {})
        else:
            response = call(BASE + path, data=json.dumps(body), content_type="application/scim+json")
        assert response.status_code < 300, (method, path, response.status_code, response.content[:300])
        return response

    def requests(self, n: int) -> list[tuple[str, Callable[[], Any]]]:
        """The requests of both cycles, in order, as (verb, thunk)."""
        steps: list[tuple[str, Callable[[], Any]]] = []

        def lookup(i: int) -> Callable[[], Any]:
            return lambda: self.send(
                "get", "/Users", params={"filter": f'userName eq "{user(i, self.run)["userName"]}"'}
            )

        def create(i: int) -> Callable[[], Any]:
            def go() -> None:
                self.ids[i] = self.send("post", "/Users", user(i, self.run)).json()["id"]

            return go

        def patch(i: int) -> Callable[[], Any]:
            operations = [{"op": "Replace", "path": "title", "value": f"Engineer {i}"}]
            if i % 10 == 0:
                operations.append({"op": "Replace", "path": "active", "value": "False"})
            body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": operations}
            return lambda: self.send("patch", f"/Users/{self.ids[i]}", body)

        def put(i: int) -> Callable[[], Any]:
            return lambda: self.send("put", f"/Users/{self.ids[i]}", {**user(i, self.run), "title": "Lead"})

        def read(i: int) -> Callable[[], Any]:
            return lambda: self.send("get", f"/Users/{self.ids[i]}")

        for i in range(n):
            steps += [("filter GET", lookup(i)), ("POST", create(i))]
        for i in range(n):
            steps += [("filter GET", lookup(i)), ("PATCH", patch(i))]
        for i in range(n):
            steps += [("PUT", put(i)), ("GET by id", read(i))]
        return steps

    def close(self) -> None:
        Organization.objects.filter(pk=self.organization.pk).delete()


def measure(n: int) -> None:
    load = Load(uuid.uuid4().hex[:8])
    cpu: dict[str, list[float]] = defaultdict(list)
    queries: dict[str, list[int]] = defaultdict(list)
    try:
        for verb, step in load.requests(n):
            with CaptureQueriesContext(connection) as captured:
                start = time.process_time()
                step()
                cpu[verb].append(time.process_time() - start)
            queries[verb].append(len(captured.captured_queries))
    finally:
        load.close()
    print(f"{'verb':<12}{'requests':>9}{'CPU ms/request':>16}{'queries/request':>17}")
    total_cpu = total = 0.0
    for verb, times in cpu.items():
        total_cpu += sum(times)
        total += len(times)
        mean_queries = sum(queries[verb]) / len(queries[verb])
        print(f"{verb:<12}{len(times):>9}{1000 * sum(times) / len(times):>16.2f}{mean_queries:>17.1f}")
    print(f"{'all':<12}{int(total):>9}{1000 * total_cpu / total:>16.2f}")


def profile(n: int, top: int) -> None:
    load = Load(uuid.uuid4().hex[:8])
    steps = load.requests(n)
    # CPU time, not wall time: waiting for the database server is not the application's cost.
    profiler = cProfile.Profile(time.process_time)
    try:
        profiler.enable()
        for _verb, step in steps:
            step()
        profiler.disable()
    finally:
        load.close()
    ours = f"({'|'.join(str(ROOT / app) for app in ('scim', 'organizations', 'keys', 'preciate'))})/"
    for title, order, restriction in (
        ("all code, by own time", "tottime", ()),
        ("all code, by cumulative time", "cumulative", ()),
        ("this repository's code, by own time", "tottime", (ours,)),
        ("this repository's code, by cumulative time", "cumulative", (ours,)),
    ):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).sort_stats(order)
        stats.print_stats(*restriction, top)
        lines = [line.replace(str(ROOT) + "/", "") for line in out.getvalue().splitlines() if line.strip()]
        start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
        print(f"--- top {top}, {title} (CPU seconds over {len(steps)} requests) ---")
        print("\n".join(lines[start:]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=100, help="users per cycle (default 100)")
    parser.add_argument("--warmup", type=int, default=20, help="users of a first, unmeasured run (default 20)")
    parser.add_argument("--profile", action="store_true", help="also run the load under cProfile")
    parser.add_argument("--top", type=int, default=25, help="functions shown per profile order")
    args = parser.parse_args()
    setup_test_environment()  # the test client's host, and queries captured
    if args.warmup:
        load = Load(uuid.uuid4().hex[:8])
        try:
            for _verb, step in load.requests(args.warmup):
                step()
        finally:
            load.close()
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    measure(args.n)
    if args.profile:
        profile(args.n, args.top)


if __name__ == "__main__":
    main()
