"""Drive a running Preciate over loopback with Entra's SCIM request mix and report latency.

    GUNICORN_BIND=127.0.0.1:8765 GUNICORN_WORKERS=2 .venv/bin/gunicorn -c gunicorn.conf.py &
    .venv/bin/python benchmarks/scim_load.py --base http://127.0.0.1:8765 \\
        --credentials /tmp/preciate-bench-bench.json --clients 1,8 --requests 200 --time-limit 20

Each scenario runs at each client count with at most ``--requests`` requests and for at
most ``--time-limit`` seconds; every client holds one keep-alive connection, as Entra's
provisioning job does. Latency is measured from sending the request to reading the last
byte of the response. Only loopback addresses are accepted: this is a load generator.

Mutating scenarios leave the dataset as they found it: users deactivated are reactivated,
users posted are deleted. PATCHes change titles, departments and offices to other values
from ``benchmarks/dataset.py``.
"""

import argparse
import dataclasses
import http.client
import json
import math
import random
import sys
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import dataset

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
SCIM = "/api/v1/scim"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
# Contains "Microsoft" so the server attributes events to Entra, as for the real client.
USER_AGENT = "preciate-bench (Microsoft Entra ID provisioning request mix)"


@dataclass
class Call:
    method: str
    path: str
    body: dict[str, Any] | None = None
    expect: tuple[int, ...] = (200,)
    # Checks the parsed body; only set where the check is cheap (small bodies).
    check: Callable[[dict[str, Any]], bool] | None = None
    on_body: Callable[[dict[str, Any]], None] | None = None


@dataclass
class Result:
    scenario: str
    clients: int
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    wall: float = 0.0
    first_error: str = ""

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile in milliseconds."""
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        return ordered[max(math.ceil(p / 100 * len(ordered)) - 1, 0)] * 1000

    def row(self) -> dict[str, Any]:
        n = len(self.latencies)
        return {
            "scenario": self.scenario,
            "clients": self.clients,
            "requests": n,
            "errors": self.errors,
            "p50_ms": round(self.percentile(50), 1),
            "p95_ms": round(self.percentile(95), 1),
            "p99_ms": round(self.percentile(99), 1),
            "max_ms": round(max(self.latencies) * 1000, 1) if n else math.nan,
            "rps": round(n / self.wall, 1) if self.wall else 0.0,
            "first_error": self.first_error,
        }


class Population:
    """The seeded people this run may address, by state, and what mutating scenarios left behind."""

    def __init__(self, slug: str, people: int, *, sample: int, rng: random.Random) -> None:
        self.slug = slug
        self.people = people
        self.active: list[dataset.Person] = []
        self.visible: list[dataset.Person] = []
        for index in rng.sample(range(1, people), min(sample, people - 1)):
            p = dataset.person(slug, index)
            if p.state != "deleted":
                self.visible.append(p)
            if p.state == "active":
                self.active.append(p)
        self.lock = threading.Lock()
        self.deactivated: list[str] = []
        self.created: list[str] = []
        self.total = 0


def _filter_path(expression: str, **params: str) -> str:
    query = urllib.parse.urlencode({"filter": expression, **params}, quote_via=urllib.parse.quote)
    return f"{SCIM}/Users?{query}"


def _total_is(expected: int) -> Callable[[dict[str, Any]], bool]:
    return lambda body: body.get("totalResults") == expected


def _other_case(user_name: str) -> str:
    """userName as a directory might hold it: first letters capitalised (Entra's matching is case-insensitive)."""
    local, _, domain = user_name.partition("@")
    return ".".join(part.capitalize() for part in local.split(".")) + "@" + domain.upper()


def _new_values(rng: random.Random) -> tuple[str, str, str]:
    return (
        rng.choice(dataset.TITLES),
        rng.choice(dataset.DEPARTMENTS),
        rng.choice(dataset.LOCATIONS)[0],
    )


def build_scenarios(pop: Population) -> dict[str, Callable[[random.Random, int], Call]]:
    enterprise = dataset.ENTERPRISE_USER

    def test_connection(rng: random.Random, i: int) -> Call:
        return Call("GET", _filter_path(f'userName eq "{uuid.UUID(int=rng.getrandbits(128))}"'), check=_total_is(0))

    def filter_existing(rng: random.Random, i: int) -> Call:
        p = rng.choice(pop.visible)
        return Call("GET", _filter_path(f'userName eq "{_other_case(p.user_name)}"'), check=_total_is(1))

    def get_by_id(rng: random.Random, i: int) -> Call:
        return Call("GET", f"{SCIM}/Users/{rng.choice(pop.visible).scim_id}")

    def patch_default(rng: random.Random, i: int) -> Call:
        title, department, office = _new_values(rng)
        body = {
            "schemas": [PATCH_OP],
            "Operations": [
                {"op": "Replace", "path": "title", "value": title},
                {"op": "Add", "path": f"{enterprise}:department", "value": department},
                {"op": "Replace", "path": 'addresses[type eq "work"].formatted', "value": office},
            ],
        }
        return Call("PATCH", f"{SCIM}/Users/{rng.choice(pop.active).scim_id}", body)

    def patch_pathless(rng: random.Random, i: int) -> Call:
        title, department, office = _new_values(rng)
        body = {
            "schemas": [PATCH_OP],
            "Operations": [
                {"op": "replace", "path": 'addresses[type eq "work"].formatted', "value": office},
                {"op": "replace", "value": {"title": title, f"{enterprise}:department": department}},
            ],
        }
        return Call("PATCH", f"{SCIM}/Users/{rng.choice(pop.active).scim_id}", body)

    def deactivate(rng: random.Random, i: int) -> Call:
        p = pop.active[i % len(pop.active)]
        with pop.lock:
            pop.deactivated.append(str(p.scim_id))
        body = {"schemas": [PATCH_OP], "Operations": [{"op": "Replace", "path": "active", "value": "False"}]}
        return Call("PATCH", f"{SCIM}/Users/{p.scim_id}", body, check=lambda b: b.get("active") is False)

    def reactivate(rng: random.Random, i: int) -> Call:
        with pop.lock:
            scim_id = pop.deactivated.pop() if pop.deactivated else str(pop.active[0].scim_id)
        return _reactivate_call(scim_id)

    def post(rng: random.Random, i: int) -> Call:
        template = dataset.person(pop.slug, rng.randrange(1, pop.people))
        token = uuid.UUID(int=rng.getrandbits(128)).hex[:16]
        p = dataclasses.replace(
            template, user_name=f"new.{token}@{pop.slug}.example", email=f"New.{token}@{pop.slug}.example"
        )
        body = dataset.post_body(p, manager_scim_id=None)
        body["active"] = True

        def remember(created: dict[str, Any]) -> None:
            with pop.lock:
                pop.created.append(created["id"])

        return Call("POST", f"{SCIM}/Users", body, expect=(201,), on_body=remember)

    def delete(rng: random.Random, i: int) -> Call:
        with pop.lock:
            scim_id = pop.created.pop() if pop.created else str(uuid.uuid4())
        return Call("DELETE", f"{SCIM}/Users/{scim_id}", expect=(204,))

    def page(start: Callable[[random.Random], int], count: int) -> Callable[[random.Random, int], Call]:
        def make(rng: random.Random, i: int) -> Call:
            return Call("GET", f"{SCIM}/Users?startIndex={max(start(rng), 1)}&count={count}")

        return make

    return {
        "test_connection": test_connection,
        "filter_username": filter_existing,
        "get_by_id": get_by_id,
        "patch_default": patch_default,
        "patch_pathless": patch_pathless,
        "patch_active_false": deactivate,
        "patch_active_true": reactivate,
        "post_user": post,
        "delete_user": delete,
        # Account Discovery pages through everyone; sample its first pages, the middle and the end.
        "page_start_100": page(lambda rng: 1 + 100 * rng.randrange(10), 100),
        "page_middle_100": page(lambda rng: pop.total // 2 + rng.randrange(-1000, 1000), 100),
        "page_end_100": page(lambda rng: pop.total - 99 - rng.randrange(1000), 100),
        "page_random_200": page(lambda rng: rng.randrange(1, max(pop.total - 200, 2)), 200),
        # An incremental cycle: Entra reads then writes the users that changed.
        "entra_mix": mixed(
            [(filter_existing, 2), (get_by_id, 4), (patch_default, 2), (patch_pathless, 2)],
        ),
    }


def mixed(weighted: list[tuple[Callable[[random.Random, int], Call], int]]) -> Callable[[random.Random, int], Call]:
    makers = [maker for maker, weight in weighted for _ in range(weight)]

    def make(rng: random.Random, i: int) -> Call:
        return rng.choice(makers)(rng, i)

    return make


class Client:
    def __init__(self, host: str, port: int, key: str) -> None:
        self.host, self.port = host, port
        self.headers = {
            "Authorization": f"Bearer {key}",
            "Content-Type": "application/scim+json",
            "User-Agent": USER_AGENT,
        }
        self.conn = http.client.HTTPConnection(host, port, timeout=70)

    def send(self, call: Call) -> tuple[int, bytes]:
        body = json.dumps(call.body).encode() if call.body is not None else None
        for attempt in (1, 2):
            try:
                self.conn.request(call.method, call.path, body=body, headers=self.headers)
                response = self.conn.getresponse()
                return response.status, response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed an idle keep-alive connection: reconnect once.
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=70)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.conn.close()


def run(
    name: str,
    make: Callable[[random.Random, int], Call],
    *,
    clients: int,
    requests: int,
    time_limit: float,
    host: str,
    port: int,
    key: str,
    seed: int,
) -> Result:
    result = Result(name, clients)
    counter = iter(range(requests))
    lock = threading.Lock()
    deadline = time.perf_counter() + time_limit

    def worker(number: int) -> None:
        rng = random.Random(f"{seed}:{name}:{clients}:{number}")
        client = Client(host, port, key)
        try:
            while time.perf_counter() < deadline:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                call = make(rng, i)
                started = time.perf_counter()
                status, raw = client.send(call)
                elapsed = time.perf_counter() - started
                problem = ""
                if status not in call.expect:
                    problem = f"{call.method} {call.path[:80]} -> {status} {raw[:200]!r}"
                elif call.check or call.on_body:
                    body = json.loads(raw)
                    if call.check and not call.check(body):
                        problem = f"{call.method} {call.path[:80]}: unexpected body {raw[:200]!r}"
                    if call.on_body:
                        call.on_body(body)
                with lock:
                    result.latencies.append(elapsed)
                    if problem:
                        result.errors += 1
                        result.first_error = result.first_error or problem
        finally:
            client.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.wall = time.perf_counter() - started
    return result


def check_isolation(host: str, port: int, key: str, other_slug: str) -> None:
    """The other organization's people are invisible to this key (a correctness sanity check, untimed)."""
    client = Client(host, port, key)
    other = dataset.person(other_slug, 5)
    status, raw = client.send(Call("GET", _filter_path(f'userName eq "{other.user_name}"')))
    if status != 200 or json.loads(raw).get("totalResults") != 0:
        raise SystemExit(f"Isolation broken: filter for {other_slug}'s user gave {status} {raw[:200]!r}")
    status, _ = client.send(Call("GET", f"{SCIM}/Users/{other.scim_id}"))
    if status != 404:
        raise SystemExit(f"Isolation broken: GET of {other_slug}'s user gave {status}")
    client.close()


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| scenario | clients | requests | errors | p50 ms | p95 ms | p99 ms | max ms | req/s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['scenario']} | {r['clients']} | {r['requests']} | {r['errors']} | {r['p50_ms']} | "
            f"{r['p95_ms']} | {r['p99_ms']} | {r['max_ms']} | {r['rps']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="http://127.0.0.1:8765", help="the server, on a loopback address")
    parser.add_argument("--credentials", type=Path, default=Path("/tmp/preciate-bench-bench.json"))
    parser.add_argument("--clients", default="1,8", help="comma-separated concurrent client counts")
    parser.add_argument("--requests", type=int, default=200, help="at most this many requests per scenario and level")
    parser.add_argument("--time-limit", type=float, default=20.0, help="at most this many seconds per scenario")
    parser.add_argument("--scenarios", default="", help="comma-separated subset (default: all)")
    parser.add_argument("--sample", type=int, default=20_000, help="how many seeded people to draw targets from")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, default=None, help="also write the rows as JSON here")
    args = parser.parse_args(argv)

    url = urllib.parse.urlsplit(args.base)
    if url.scheme != "http" or url.hostname not in LOOPBACK:
        raise SystemExit("Only http:// on a loopback address (127.0.0.1, localhost, ::1) is allowed.")
    host, port = url.hostname, url.port or 80
    credentials = json.loads(args.credentials.read_text())
    org = credentials["organization"]
    key = org["scim_key"]
    rng = random.Random(args.seed)
    pop = Population(org["slug"], org["people"], sample=args.sample, rng=rng)

    check_isolation(host, port, key, credentials["other_organization"]["slug"])
    probe = Client(host, port, key)
    status, raw = probe.send(Call("GET", f"{SCIM}/Users?count=0"))
    probe.close()
    if status != 200:
        raise SystemExit(f"GET /Users?count=0 -> {status} {raw[:200]!r}")
    pop.total = json.loads(raw)["totalResults"]
    print(f"{org['slug']}: {pop.total} SCIM-visible users", file=sys.stderr)

    scenarios = build_scenarios(pop)
    chosen = [s.strip() for s in args.scenarios.split(",") if s.strip()] or list(scenarios)
    unknown = set(chosen) - set(scenarios)
    if unknown:
        raise SystemExit(f"Unknown scenarios {sorted(unknown)}; choose from {', '.join(scenarios)}")
    # Warm every worker's connection and the database cache before anything is measured.
    run(
        "warm-up",
        scenarios["get_by_id"],
        clients=4,
        requests=40,
        time_limit=30,
        host=host,
        port=port,
        key=key,
        seed=args.seed,
    )

    rows = []
    for clients in (int(c) for c in args.clients.split(",")):
        for name in chosen:
            requests = args.requests
            if name == "delete_user":
                # Delete only users this run posted: a 404 for a missing one measures nothing.
                requests = min(requests, len(pop.created))
            result = run(
                name,
                scenarios[name],
                clients=clients,
                requests=requests,
                time_limit=args.time_limit,
                host=host,
                port=port,
                key=key,
                seed=args.seed,
            )
            row = result.row()
            rows.append(row)
            print(
                f"{name:<20} c={clients:<2} n={row['requests']:<4} err={row['errors']:<3} p50={row['p50_ms']:>8} "
                f"p95={row['p95_ms']:>8} p99={row['p99_ms']:>8} rps={row['rps']:>6}"
                + (f"  first error: {row['first_error']}" if row["first_error"] else ""),
                file=sys.stderr,
                flush=True,
            )
    # Put back what the mutating scenarios left half done (a time limit can cut a pair short).
    cleanup = Client(host, port, key)
    for scim_id in pop.deactivated:
        cleanup.send(_reactivate_call(scim_id))
    for scim_id in pop.created:
        cleanup.send(Call("DELETE", f"{SCIM}/Users/{scim_id}", expect=(204,)))
    cleanup.close()

    print(markdown(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


def _reactivate_call(scim_id: str) -> Call:
    body = {"schemas": [PATCH_OP], "Operations": [{"op": "Replace", "path": "active", "value": "True"}]}
    return Call("PATCH", f"{SCIM}/Users/{scim_id}", body, check=lambda b: b.get("active") is True)


if __name__ == "__main__":
    raise SystemExit(main())
