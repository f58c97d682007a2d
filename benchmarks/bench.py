"""`make bench`: Entra's provisioning cycles against production-configured gunicorn, next to the framework floor.

    .venv/bin/python benchmarks/bench.py --users 2000 --orgs 4 --clients 8,16,32
    .venv/bin/python benchmarks/bench.py --worker-class sync,gthread --workers 2,4 --threads 1,4 --repeat 2
    .venv/bin/python benchmarks/bench.py --sizes 10000,1000000 --keep-db     # latency against organization size
    .venv/bin/python benchmarks/bench.py --groups 50,50000 --rounds 30        # group requests against group size

One run, start to finish, on this machine only:

1. creates a throwaway PostgreSQL database (``BENCH_DB``, default ``h_bench_run``, on
   ``BENCH_POSTGRES``, default ``postgres://postgres@127.0.0.1:5432``) and migrates it;
2. creates ``--orgs`` organizations and a SCIM key for each with the project's own
   management commands (``create_organization``, ``issue_scim_key``);
3. per server configuration, starts two gunicorns from ``gunicorn.conf.py`` on free
   loopback ports: Preciate in production settings (``DEBUG=0``, ``benchmarks.settings``)
   and the bare Django view of ``benchmarks/floor_app.py``;
4. per client count and repeat, replays Entra's initial cycle (filter ``userName eq`` then
   POST, per user) and incremental cycle (filter, PATCH title, and for every tenth user
   PATCH ``active`` "False", Entra's string boolean) against the floor and then
   against Preciate, ``--users`` users spread over the organizations, all of them at once;
5. prints requests/s, p50/p95/p99 per kind of request, errors (any other status than the
   one Entra expects, or a filter that finds the wrong number of users), CPU per request
   of the gunicorn process tree, of the PostgreSQL backends serving it and of this load
   generator, RSS per worker, and Preciate's CPU per request as a multiple of the floor's;
6. stops both servers and drops the database (``--keep-db`` keeps it).

With ``--sizes`` it instead bulk-seeds one organization per size with
``benchmarks/seed.py`` (PostgreSQL COPY) and times filter, GET by id, POST and PATCH at one
client with ``benchmarks/scim_load.py`` against each, alternating.

With ``--groups`` it instead seeds one organization per group size and times Entra's group
requests (create, add and remove a batch of members, read and match without members) at one
client with ``benchmarks/group_load.py``.

The load generator is one process of threads, one keep-alive ``http.client`` connection
per client and organization, and sends only to 127.0.0.1. Every phase stops at
``--time-limit`` seconds whatever happens; the whole run is bounded by users x phases.
"""

import argparse
import contextlib
import http.client
import itertools
import json
import os
import queue
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import dataset  # noqa: E402
from benchmarks.scim_load import PATCH_OP, SCIM, Call, Client, Result, _filter_path  # noqa: E402

HOST = "127.0.0.1"
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
DATABASE = os.environ.get("BENCH_DB", "h_bench_run")
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
TICK = os.sysconf("SC_CLK_TCK")
KINDS = ("filter", "post", "patch_title", "patch_active")
# A client step: the kind of request and the request; the body of the answer comes back in.
Job = Generator[tuple[str, Call], dict[str, Any] | None, None]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- /proc


def _stat_fields(pid: int) -> list[str] | None:
    """Fields 3.. of /proc/<pid>/stat (after the command name, which may hold spaces)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rpartition(")")[2].split()


def descendants(root: int) -> list[int]:
    """Every live process under ``root`` (gunicorn's workers), from the parent ids in /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields:
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def cpu_seconds(pids: list[int], *, reaped_of: int | None = None) -> dict[int, float]:
    """utime + stime per process; for ``reaped_of`` also the CPU of children it has waited for."""
    cpu = {}
    for pid in pids:
        fields = _stat_fields(pid)
        if fields:
            # Fields 14-17 of proc(5): utime, stime, cutime, cstime, in clock ticks.
            ticks = int(fields[11]) + int(fields[12])
            if pid == reaped_of:
                ticks += int(fields[13]) + int(fields[14])
            cpu[pid] = ticks / TICK
    return cpu


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU spent between two snapshots; a process born in between counts from zero."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# ---------------------------------------------------------------- database


def database_url(name: str, query: str = "") -> str:
    return f"{POSTGRES.rstrip('/')}/{name}" + (f"?{query}" if query else "")


def admin_sql(statement: str) -> None:
    import psycopg

    with psycopg.connect(database_url("postgres"), autocommit=True) as conn:
        conn.execute(statement)


def database_exists(name: str) -> bool:
    import psycopg

    with psycopg.connect(database_url("postgres"), autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


class Backends:
    """CPU of the PostgreSQL backends connected to the benchmark database (persistent ones are exact)."""

    def __init__(self, name: str) -> None:
        import psycopg

        self.name = name
        self.conn = psycopg.connect(database_url(name), autocommit=True)

    def snapshot(self) -> dict[int, float]:
        rows = self.conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [self.name]
        ).fetchall()
        return cpu_seconds([pid for (pid,) in rows])

    def close(self) -> None:
        self.conn.close()


def setup_django(url: str) -> None:
    """Point this process at the benchmark database with production settings and start Django."""
    os.environ.update(
        DJANGO_SETTINGS_MODULE="benchmarks.settings",
        DATABASE_URL=url,
        DEBUG="0",
        SECRET_KEY=os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(32),
        ALLOWED_HOSTS=f"{HOST},localhost",
        SECURE_SSL_REDIRECT="false",
    )
    import django

    django.setup()


def create_organizations(count: int) -> dict[str, str]:
    """``count`` organizations and their SCIM keys, through the management commands an operator would use."""
    import io

    from django.core.management import call_command
    from django.db import connection

    keys = {}
    for number in range(1, count + 1):
        slug = f"bench-{number}"
        call_command("create_organization", slug, name=f"Bench {number}", stdout=io.StringIO())
        out = io.StringIO()
        call_command("issue_scim_key", slug, stdout=out)
        keys[slug] = out.getvalue().strip()
    connection.close()
    return keys


# ---------------------------------------------------------------- servers


@dataclass(frozen=True)
class Config:
    worker_class: str
    workers: int
    threads: int
    access_log: bool
    db_connections: str  # persistent | health-checked | per-request

    def label(self) -> str:
        log_label = "log" if self.access_log else "nolog"
        return f"{self.worker_class} {self.workers}x{self.threads} {log_label} {self.db_connections}"


DB_CONNECTIONS = {
    # CONN_MAX_AGE and CONN_HEALTH_CHECKS through DATABASE_URL's query (django-environ reads both).
    "persistent": "conn_max_age=60",
    "health-checked": "conn_max_age=60&conn_health_checks=true",
    "per-request": "conn_max_age=0",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    port: int
    log_path: Path

    def workers(self) -> list[int]:
        return descendants(self.process.pid)

    def cpu(self) -> dict[int, float]:
        return cpu_seconds([self.process.pid, *self.workers()], reaped_of=self.process.pid)

    def rss(self) -> list[float]:
        return [round(rss_mb(pid), 1) for pid in self.workers()]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=35)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(name: str, config: Config, *, app: str, env: dict[str, str], log_dir: Path) -> Server:
    port = free_port()
    log_path = log_dir / f"{name}-{port}.log"
    env = {
        **env,
        "GUNICORN_BIND": f"{HOST}:{port}",
        "GUNICORN_WORKERS": str(config.workers),
        "GUNICORN_THREADS": str(config.threads),
        "GUNICORN_WORKER_CLASS": config.worker_class,
        "GUNICORN_ACCESSLOG": "-" if config.access_log else "off",
    }
    with log_path.open("w") as out:
        process = subprocess.Popen(
            [str(GUNICORN), "-c", "gunicorn.conf.py", "--no-control-socket", app],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(name, process, port, log_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{name} gunicorn exited with {process.returncode}; see {log_path}")
        if len(server.workers()) >= config.workers:
            with contextlib.suppress(OSError, http.client.HTTPException):
                conn = http.client.HTTPConnection(HOST, port, timeout=5)
                conn.request("GET", "/healthz")
                status = conn.getresponse().status
                conn.close()
                if status == 200:
                    return server
        time.sleep(0.2)
    server.stop()
    raise SystemExit(f"{name} gunicorn did not answer /healthz within 60 s; see {log_path}")


# ---------------------------------------------------------------- Entra's cycles


def _user_name(slug: str, run: int, index: int) -> str:
    return f"user{index}.r{run}@{slug}.example"


def initial_job(slug: str, run: int, index: int, *, check: bool) -> Job:
    """Entra's first cycle for one user: is the user there (no), then create them."""
    user_name = _user_name(slug, run, index)
    yield (
        "filter",
        Call("GET", _filter_path(f'userName eq "{user_name}"'), check=_total(0) if check else None),
    )
    p = dataset.person(slug, index)
    body = dataset.post_body(p, manager_scim_id=None)
    # Entra provisions assigned users enabled; this run's userName, so runs never collide.
    body.update(userName=user_name, active=True, externalId=f"{p.external_id}r{run}")
    body["emails"] = [{"primary": True, "type": "work", "value": user_name}]
    yield ("post", Call("POST", f"{SCIM}/Users", body, expect=(201,)))


def incremental_job(slug: str, run: int, index: int, *, check: bool) -> Job:
    """Entra's later cycle for one changed user: find them, PATCH the title, disable one in ten."""
    user_name = _user_name(slug, run, index)
    found = yield (
        "filter",
        Call("GET", _filter_path(f'userName eq "{user_name}"'), check=_total(1) if check else None),
    )
    if not found or not found.get("Resources"):
        return
    path = f"{SCIM}/Users/{found['Resources'][0]['id']}"
    title = dataset.TITLES[(index + run + 1) % len(dataset.TITLES)]
    operations = [{"op": "Replace", "path": "title", "value": title}]
    yield ("patch_title", Call("PATCH", path, {"schemas": [PATCH_OP], "Operations": operations}, expect=(200, 204)))
    if index % 10 == 0:
        operations = [{"op": "Replace", "path": "active", "value": "False"}]
        yield (
            "patch_active",
            Call("PATCH", path, {"schemas": [PATCH_OP], "Operations": operations}, expect=(200, 204)),
        )


def _total(expected: int) -> Any:
    return lambda body: body.get("totalResults") == expected


@dataclass
class Phase:
    server: str
    config: str
    phase: str
    clients: int
    run: int
    users: int = 0
    users_done: int = 0
    wall: float = 0.0
    kinds: dict[str, Result] = field(default_factory=dict)
    server_cpu: float = 0.0
    db_cpu: float = 0.0
    client_cpu: float = 0.0
    rss: list[float] = field(default_factory=list)
    timed_out: bool = False

    @property
    def requests(self) -> int:
        return sum(len(r.latencies) for r in self.kinds.values())

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.kinds.values())

    def per_request_ms(self, seconds: float) -> float:
        return round(seconds / self.requests * 1000, 3) if self.requests else float("nan")

    def row(self) -> dict[str, Any]:
        return {
            "server": self.server,
            "config": self.config,
            "phase": self.phase,
            "clients": self.clients,
            "run": self.run,
            "users": self.users,
            "users_done": self.users_done,
            "timed_out": self.timed_out,
            "requests": self.requests,
            "errors": self.errors,
            "wall_s": round(self.wall, 2),
            "rps": round(self.requests / self.wall, 1) if self.wall else 0.0,
            "server_cpu_ms": self.per_request_ms(self.server_cpu),
            "db_cpu_ms": self.per_request_ms(self.db_cpu),
            "client_cpu_ms": self.per_request_ms(self.client_cpu),
            "rss_mb": self.rss,
            "kinds": {kind: r.row() for kind, r in self.kinds.items()},
        }


def replay(
    server: Server,
    jobs: Iterator[tuple[str, Job]],
    *,
    keys: dict[str, str],
    clients: int,
    time_limit: float,
    phase: Phase,
    backends: Backends | None,
) -> Phase:
    """Run ``jobs`` (organization slug, one user's requests) on ``clients`` threads until done or out of time."""
    work: queue.Queue[tuple[str, Job]] = queue.Queue()
    for item in jobs:
        work.put(item)
    phase.users = work.qsize()
    lock = threading.Lock()
    results = {kind: Result(kind, clients) for kind in KINDS}
    deadline = time.perf_counter() + time_limit
    done = [0]

    def client_loop() -> None:
        connections: dict[str, Client] = {}
        try:
            while time.perf_counter() < deadline:
                try:
                    slug, job = work.get_nowait()
                except queue.Empty:
                    return
                client = connections.get(slug) or connections.setdefault(slug, Client(HOST, server.port, keys[slug]))
                answer: dict[str, Any] | None = None
                try:
                    kind, call = job.send(None)
                    while True:
                        answer, problem, elapsed, broken = _send(client, call)
                        if broken:
                            connections.pop(slug).close()
                        with lock:
                            result = results[kind]
                            result.latencies.append(elapsed)
                            if problem:
                                result.errors += 1
                                result.first_error = result.first_error or problem
                        if problem:
                            break
                        kind, call = job.send(answer)
                except StopIteration:
                    pass
                with lock:
                    done[0] += 1
        finally:
            for client in connections.values():
                client.close()

    db_before = backends.snapshot() if backends else {}
    server_before, client_before = server.cpu(), self_cpu()
    started = time.perf_counter()
    threads = [threading.Thread(target=client_loop, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    phase.wall = time.perf_counter() - started
    phase.server_cpu = cpu_delta(server_before, server.cpu())
    phase.client_cpu = self_cpu() - client_before
    phase.db_cpu = cpu_delta(db_before, backends.snapshot()) if backends else 0.0
    phase.rss = server.rss()
    phase.users_done = done[0]
    phase.timed_out = done[0] < phase.users
    phase.kinds = {kind: r for kind, r in results.items() if r.latencies}
    return phase


def _send(client: Client, call: Call) -> tuple[dict[str, Any] | None, str, float, bool]:
    """One request: (parsed answer of a GET, problem or "", seconds, whether the connection broke)."""
    started = time.perf_counter()
    try:
        status, raw = client.send(call)
    except (OSError, http.client.HTTPException) as exc:
        return None, f"{call.method} {call.path[:80]}: {exc!r}", time.perf_counter() - started, True
    elapsed = time.perf_counter() - started
    if status not in call.expect:
        return None, f"{call.method} {call.path[:80]} -> {status} {raw[:200]!r}", elapsed, False
    if call.method != "GET":
        return None, "", elapsed, False
    body = json.loads(raw)
    if call.check and not call.check(body):
        return body, f"{call.method} {call.path[:80]}: unexpected answer {raw[:200]!r}", elapsed, False
    return body, "", elapsed, False


def interleave(keys: dict[str, str], per_org: int, phase: str, run: int, *, check: bool) -> Iterator[tuple[str, Job]]:
    """Every organization's users in turn, so all the tenants' Entra jobs run at once."""
    make = initial_job if phase == "initial" else incremental_job
    for index in range(per_org):
        for slug in keys:
            yield slug, make(slug, run, index, check=check)


def warm_up(server: Server, keys: dict[str, str], clients: int) -> None:
    """Load every worker's code paths and database connection before anything is measured."""

    def job(slug: str, i: int) -> Job:
        yield ("filter", Call("GET", _filter_path(f'userName eq "warm-up-{i}@{slug}.example"')))

    throwaway = Phase(server.name, "", "warm-up", clients, 0)
    replay(
        server,
        ((slug, job(slug, i)) for i in range(5 * clients) for slug in keys),
        keys=keys,
        clients=clients,
        time_limit=60,
        phase=throwaway,
        backends=None,
    )


# ---------------------------------------------------------------- report


def print_phase(p: Phase, floor: Phase | None) -> None:
    r = p.row()
    ratio = ""
    if floor is not None and floor.requests and p.requests:
        ratio = f"  = {p.server_cpu / p.requests / (floor.server_cpu / floor.requests):.1f}x floor"
    log(
        f"{p.server:<8} {p.config:<28} {p.phase:<11} c={p.clients:<3} run {p.run}: "
        f"{r['requests']} requests in {r['wall_s']} s = {r['rps']} req/s, errors {r['errors']}"
        + (f", STOPPED AT THE TIME LIMIT after {p.users_done}/{p.users} users" if p.timed_out else "")
    )
    log(
        f"{'':<9}CPU per request: server {r['server_cpu_ms']} ms{ratio}, PostgreSQL {r['db_cpu_ms']} ms, "
        f"load generator {r['client_cpu_ms']} ms; RSS per worker {r['rss_mb']} MB"
    )
    for kind, k in r["kinds"].items():
        log(
            f"{'':<9}{kind:<13} n={k['requests']:<6} err={k['errors']:<3} p50={k['p50_ms']:>7} "
            f"p95={k['p95_ms']:>7} p99={k['p99_ms']:>7} max={k['max_ms']:>7} ms"
            + (f"  first error: {k['first_error']}" if k["first_error"] else "")
        )


def markdown(pairs: list[tuple[Phase, Phase | None]]) -> str:
    lines = [
        "| config | phase | clients | run | requests | errors | req/s | p50 | p95 | p99 | server CPU ms/req "
        "| floor CPU ms/req | x floor | floor req/s | PostgreSQL CPU ms/req | client CPU ms/req | RSS/worker MB |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for ours, floor in pairs:
        r = ours.row()
        everything = Result("all", ours.clients, [x for k in ours.kinds.values() for x in k.latencies])
        f = floor.row() if floor else None
        ratio = (
            f"{ours.server_cpu / ours.requests / (floor.server_cpu / floor.requests):.1f}"
            if floor and floor.requests and ours.requests
            else ""
        )
        lines.append(
            f"| {ours.config} | {ours.phase} | {ours.clients} | {ours.run} | {r['requests']} | {r['errors']} "
            f"| {r['rps']} | {everything.percentile(50):.1f} | {everything.percentile(95):.1f} "
            f"| {everything.percentile(99):.1f} | {r['server_cpu_ms']} | {f['server_cpu_ms'] if f else ''} "
            f"| {ratio} | {f['rps'] if f else ''} | {r['db_cpu_ms']} | {r['client_cpu_ms']} "
            f"| {'/'.join(str(round(x)) for x in r['rss_mb'])} |"
        )
    return "\n".join(lines)


# ---------------------------------------------------------------- the runs


def configs(args: argparse.Namespace) -> list[Config]:
    found: list[Config] = []
    for worker_class, workers, threads, access_log, db in itertools.product(
        _strings(args.worker_class),
        _ints(args.workers),
        _ints(args.threads),
        _strings(args.access_log),
        _strings(args.db),
    ):
        if db not in DB_CONNECTIONS:
            raise SystemExit(f"--db takes {', '.join(DB_CONNECTIONS)}, not {db!r}")
        if worker_class == "sync":
            # gunicorn turns sync with threads > 1 into gthread; sync means one thread.
            threads = 1
        config = Config(worker_class, workers, threads, access_log == "on", db)
        if config not in found:
            found.append(config)
    return found


def _ints(text: str) -> list[int]:
    return [int(x) for x in _strings(text)]


def _strings(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def run_cycles(args: argparse.Namespace, url: str, log_dir: Path) -> list[dict[str, Any]]:
    keys = create_organizations(args.orgs)
    floor_keys = {slug: "floor" for slug in keys}
    per_org = max(args.users // args.orgs, 1)
    phases = [name for name in ("initial", "incremental") if name in _strings(args.phases)]
    if phases == ["incremental"] or set(_strings(args.phases)) - {"initial", "incremental"}:
        raise SystemExit(
            "--phases: initial, or initial,incremental (the incremental cycle PATCHes whom the initial one created)"
        )
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("GUNICORN_")}
    backends = Backends(args.db_name)
    pairs: list[tuple[Phase, Phase | None]] = []
    runs = itertools.count(1)
    try:
        for config in configs(args):
            env = {**base_env, "DATABASE_URL": database_url(args.db_name, DB_CONNECTIONS[config.db_connections])}
            floor_env = {**base_env, "DJANGO_SETTINGS_MODULE": "benchmarks.floor_app"}
            if args.floor_statements:
                # The floor plus N round trips to the same PostgreSQL: what the statements alone cost.
                floor_env |= {"FLOOR_STATEMENTS": str(args.floor_statements), "DATABASE_URL": env["DATABASE_URL"]}
            servers = []
            try:
                ours = start_server("preciate", config, app="preciate.wsgi:application", env=env, log_dir=log_dir)
                servers.append(ours)
                floor = None
                if not args.no_floor:
                    floor = start_server(
                        "floor", config, app="benchmarks.floor_app:application", env=floor_env, log_dir=log_dir
                    )
                    servers.append(floor)
                log(f"== {config.label()}: preciate on :{ours.port}" + (f", floor on :{floor.port}" if floor else ""))
                for clients in _ints(args.clients):
                    warm_up(ours, keys, clients)
                    if floor:
                        warm_up(floor, floor_keys, clients)
                    for _ in range(args.repeat):
                        run = next(runs)
                        floor_result: dict[str, Phase] = {}
                        if floor:
                            for name in phases:
                                p = Phase("floor", config.label(), name, clients, run)
                                jobs = interleave(floor_keys, per_org, name, run, check=False)
                                replay(
                                    floor,
                                    jobs,
                                    keys=floor_keys,
                                    clients=clients,
                                    time_limit=args.time_limit,
                                    phase=p,
                                    backends=None,
                                )
                                floor_result[name] = p
                                print_phase(p, None)
                        for name in phases:
                            p = Phase("preciate", config.label(), name, clients, run)
                            jobs = interleave(keys, per_org, name, run, check=True)
                            replay(
                                ours,
                                jobs,
                                keys=keys,
                                clients=clients,
                                time_limit=args.time_limit,
                                phase=p,
                                backends=backends,
                            )
                            print_phase(p, floor_result.get(name))
                            pairs.append((p, floor_result.get(name)))
            finally:
                for server in servers:
                    server.stop()
    finally:
        backends.close()
    print(markdown(pairs))
    return [{**ours.row(), "floor": floor.row() if floor else None} for ours, floor in pairs]


def run_sizes(args: argparse.Namespace, url: str, log_dir: Path) -> list[dict[str, Any]]:
    """Seed one organization per size (COPY), then time single requests against each at one client."""
    from benchmarks import scim_load, seed

    sizes = _ints(args.sizes)
    credentials = {}
    for size in sizes:
        slug = f"size-{size}"
        path = Path(tempfile.gettempdir()) / f"preciate-bench-{args.db_name}-{slug}.json"
        if not (path.exists() and seed.Organization.objects.filter(slug=slug).exists()):
            started = time.perf_counter()
            replace = ["--replace"] if seed.Organization.objects.filter(slug=slug).exists() else []
            seed.main(["--people", str(size), "--org", slug, "--other-people", "100", *replace, "--out", str(path)])
            log(f"seeded {size} people in {time.perf_counter() - started:.0f} s")
        credentials[size] = path
    seed.connection.close()
    config = configs(args)[0]
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUNICORN_")}
    env["DATABASE_URL"] = database_url(args.db_name, DB_CONNECTIONS[config.db_connections])
    server = start_server("preciate", config, app="preciate.wsgi:application", env=env, log_dir=log_dir)
    rows: list[dict[str, Any]] = []
    try:
        scenarios = "filter_username,get_by_id,post_user,patch_default,delete_user"
        for repeat in range(1, args.repeat + 1):
            for size in sizes:
                out = log_dir / f"sizes-{size}-{repeat}.json"
                with contextlib.redirect_stdout(sys.stderr):
                    scim_load.main(
                        [
                            "--base",
                            f"http://{HOST}:{server.port}",
                            "--credentials",
                            str(credentials[size]),
                            "--clients",
                            "1",
                            "--requests",
                            str(args.requests),
                            "--time-limit",
                            str(args.time_limit),
                            "--scenarios",
                            scenarios,
                            "--seed",
                            str(repeat),
                            "--json",
                            str(out),
                        ]
                    )
                rows += [{**row, "members": size, "run": repeat} for row in json.loads(out.read_text())]
    finally:
        server.stop()
    lines = ["| request | " + " | ".join(f"{s:,} members p50 / p95 ms" for s in sizes) + " |"]
    lines.append("|---|" + "---:|" * len(sizes))
    for scenario in scenarios.split(","):
        cells = []
        for size in sizes:
            mine = [r for r in rows if r["scenario"] == scenario and r["members"] == size]
            cells.append(", ".join(f"{r['p50_ms']} / {r['p95_ms']}" for r in mine))
        lines.append(f"| {scenario} | " + " | ".join(cells) + " |")
    print("\n".join(lines))
    return rows


def run_groups(args: argparse.Namespace, url: str, log_dir: Path) -> list[dict[str, Any]]:
    """Seed a group per size, then time Entra's group requests against each at one client."""
    from benchmarks import group_load

    sizes = _ints(args.groups)
    config = configs(args)[0]
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUNICORN_")}
    env["DATABASE_URL"] = database_url(args.db_name, DB_CONNECTIONS[config.db_connections])
    server = start_server("preciate", config, app="preciate.wsgi:application", env=env, log_dir=log_dir)
    try:
        timings = group_load.run(HOST, server.port, sizes, rounds=args.rounds, batch=args.batch, log=log)
    finally:
        server.stop()
    print(group_load.markdown(timings, sizes, batch=args.batch))
    return [
        {"scenario": scenario, "members": size, "ms": ms, "errors": timings.errors.get((scenario, size), 0)}
        for (scenario, size), ms in timings.samples.items()
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=2000, help="users per cycle, spread over the organizations")
    parser.add_argument("--orgs", type=int, default=4, help="organizations provisioned at once")
    parser.add_argument("--clients", default="8", help="concurrent clients, or a list: 8,16,32")
    parser.add_argument("--phases", default="initial,incremental", help="initial, incremental or both")
    parser.add_argument("--repeat", type=int, default=1, help="run every measurement this many times")
    parser.add_argument("--workers", default="2", help="gunicorn workers, or a list")
    parser.add_argument("--threads", default="4", help="gunicorn threads per worker, or a list")
    parser.add_argument("--worker-class", default="gthread", help="sync, gthread, or a list")
    parser.add_argument("--access-log", default="on", help="on, off, or on,off")
    parser.add_argument(
        "--db", default="persistent", help=f"database connections: {', '.join(DB_CONNECTIONS)}, or a list"
    )
    parser.add_argument("--no-floor", action="store_true", help="skip the bare Django view")
    parser.add_argument(
        "--floor-statements", type=int, default=0, help="the floor view also runs this many SELECT 1 per request"
    )
    parser.add_argument("--time-limit", type=float, default=1800, help="seconds at most per phase")
    parser.add_argument(
        "--sizes", default="", help="instead of the cycles: members per organization, e.g. 10000,1000000"
    )
    parser.add_argument("--requests", type=int, default=500, help="with --sizes: requests per kind and size")
    parser.add_argument("--groups", default="", help="instead of the cycles: members per group, e.g. 50,50000")
    parser.add_argument("--rounds", type=int, default=30, help="with --groups: requests per kind and size")
    parser.add_argument("--batch", type=int, default=100, help="with --groups: members per PATCH")
    parser.add_argument("--db-name", default=DATABASE, help="the throwaway database (env BENCH_DB)")
    parser.add_argument("--keep-db", action="store_true", help="keep (and with --sizes, reuse) the database")
    parser.add_argument("--json", type=Path, default=None, help="also write every measurement here")
    args = parser.parse_args(argv)
    if not args.db_name.replace("_", "").isalnum():
        raise SystemExit("--db-name: letters, digits and underscores only")
    if args.orgs < 1 or args.users < 1:
        raise SystemExit("--orgs and --users must be at least 1")

    # SIGTERM (a CI timeout, a kill) unwinds like Ctrl-C, so the servers stop and the database goes.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    url = database_url(args.db_name)
    reuse = bool(args.sizes) and args.keep_db and database_exists(args.db_name)
    if not reuse:
        admin_sql(f'CREATE DATABASE "{args.db_name}"')
    log_dir = Path(tempfile.mkdtemp(prefix="preciate-bench-"))
    keep_logs = True
    try:
        setup_django(url)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        # Production settings serve static files from here; the SCIM API needs none of them.
        Path("/tmp/preciate-bench-static").mkdir(exist_ok=True)
        log(
            f"database {args.db_name} migrated; server logs in {log_dir}; "
            f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
        )
        if args.groups:
            rows = run_groups(args, url, log_dir)
        else:
            rows = run_sizes(args, url, log_dir) if args.sizes else run_cycles(args, url, log_dir)
        if args.json:
            args.json.write_text(json.dumps(rows, indent=2))
        # The server logs are evidence only when something failed.
        keep_logs = any(row.get("errors") for row in rows)
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep_db:
            log(f"kept database {args.db_name}")
        else:
            admin_sql(f'DROP DATABASE IF EXISTS "{args.db_name}" WITH (FORCE)')
            log(f"dropped database {args.db_name}")
            for credentials in Path(tempfile.gettempdir()).glob(f"preciate-bench-{args.db_name}-size-*.json"):
                credentials.unlink()
        if keep_logs:
            log(f"server logs kept in {log_dir}")
        else:
            shutil.rmtree(log_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
