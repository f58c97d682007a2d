"""Time the admin portal, Django admin and SCIM reads at scale, and count their queries.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/preciate_bench SECRET_KEY=bench DEBUG=0 \\
        SECURE_SSL_REDIRECT=false ALLOWED_HOSTS=127.0.0.1,localhost \\
        DJANGO_SETTINGS_MODULE=benchmarks.settings \\
        .venv/bin/python benchmarks/pages.py --explain-over 100 --explain-out /tmp/bench-out/explain.txt

Every page is requested in-process through Django's test Client (the whole middleware
stack, the view and its template) as the seeded organization's admin or as a support
superuser, against the seeded database. Each request runs inside
``CaptureQueriesContext``, so the table reports queries per request and the slowest
query; with ``--explain-over MS`` every query slower than that is re-run under
``EXPLAIN (ANALYZE, BUFFERS)`` and written out. With ``--base`` the same pages are also
timed over HTTP against a running server (loopback only), with a session created here.

Numbers, not assertions: nothing here passes or fails.
"""

import argparse
import http.client
import json
import os
import statistics
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from benchmarks import dataset  # noqa: E402
from organizations.models import Department, Location, Member, Organization  # noqa: E402

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
HOST = "127.0.0.1"


@dataclass
class Page:
    label: str
    path: str
    who: str  # admin | support | scim
    method: str = "GET"
    body: dict[str, Any] | None = None


@dataclass
class Measured:
    page: Page
    status: int = 0
    bytes: int = 0
    times: list[float] = field(default_factory=list)
    queries: int = 0
    sql_ms: float = 0.0
    slowest_ms: float = 0.0
    slowest_sql: str = ""
    slow_sql: list[tuple[float, str]] = field(default_factory=list)
    http_times: list[float] = field(default_factory=list)

    def row(self) -> dict[str, Any]:
        def ms(values: list[float], q: str) -> float:
            if not values:
                return float("nan")
            return round((statistics.median(values) if q == "p50" else max(values)) * 1000, 1)

        return {
            "page": self.page.label,
            "path": self.page.path,
            "who": self.page.who,
            "status": self.status,
            "kb": round(self.bytes / 1024, 1),
            "queries": self.queries,
            "p50_ms": ms(self.times, "p50"),
            "max_ms": ms(self.times, "max"),
            "sql_ms": round(self.sql_ms, 1),
            "slowest_query_ms": round(self.slowest_ms, 1),
            "slowest_query": self.slowest_sql[:160],
            "http_p50_ms": ms(self.http_times, "p50"),
            "http_max_ms": ms(self.http_times, "max"),
        }


def pages(slug: str, people: int) -> list[Page]:
    organization = Organization.objects.get(slug=slug)
    department = Department.objects.filter(organization=organization).order_by("name").first()
    location = Location.objects.filter(organization=organization).order_by("name").first()
    middle = dataset.person(slug, people // 2)
    top_manager = dataset.person(slug, 1)  # eight direct reports, a long history of nothing
    other = Organization.objects.exclude(pk=organization.pk).first()
    somebody = Member.objects.filter(organization=organization).order_by("id")[people // 3 : people // 3 + 1].get()
    portal = [
        Page("portal home", "/web/admin/", "admin"),
        Page("people, first page", "/web/admin/people", "admin"),
        Page("people, keyset page in the middle", f"/web/admin/people?after={middle.scim_id}", "admin"),
        Page("people, search by name prefix", f"/web/admin/people?q={middle.family_name[:4]}", "admin"),
        Page("people, search by exact email", f"/web/admin/people?q={urllib.parse.quote(middle.email)}", "admin"),
        Page("people, filter department", f"/web/admin/people?department={department.pk}", "admin"),
        Page(
            "people, department+location+active",
            f"/web/admin/people?department={department.pk}&location={location.pk}&state=active",
            "admin",
        ),
        Page("people, removed by admin", "/web/admin/people?state=removed_by_admin", "admin"),
        Page("people, removed by IdP", "/web/admin/people?state=removed_by_idp", "admin"),
        Page("people, added by hand", "/web/admin/people?source=manual", "admin"),
        Page("person detail", f"/web/admin/people/{middle.scim_id}", "admin"),
        Page("person detail (a manager)", f"/web/admin/people/{top_manager.scim_id}", "admin"),
        Page("provisioning, 24h", "/web/admin/provisioning", "admin"),
        Page("provisioning, 7d", "/web/admin/provisioning?range=7d", "admin"),
        Page("provisioning, 30d", "/web/admin/provisioning?range=30d", "admin"),
        Page("provisioning, 30d failures only", "/web/admin/provisioning?range=30d&failures=1", "admin"),
        Page("provisioning, 30d failures first", "/web/admin/provisioning?range=30d&order=failures", "admin"),
        Page("provisioning, 30d removals", "/web/admin/provisioning?range=30d&action=removed", "admin"),
        Page("provisioning, 30d page 100", "/web/admin/provisioning?range=30d&page=100", "admin"),
        Page("reports", "/web/admin/reports", "admin"),
        Page("reports.csv by department+location", "/web/admin/reports.csv?by=department_location", "admin"),
        Page("integrations (keys)", "/web/admin/keys", "admin"),
    ]
    support = [
        Page("admin: members", "/admin/organizations/member/", "support"),
        Page("admin: members of one org", f"/admin/organizations/member/?organization__id__exact={organization.pk}", "support"),
        Page("admin: members of the small org", f"/admin/organizations/member/?organization__id__exact={other.pk}", "support"),
        Page("admin: members, state active", "/admin/organizations/member/?state=active", "support"),
        Page("admin: members, removed by admin", "/admin/organizations/member/?state=removed_by_admin", "support"),
        Page("admin: members, search name", f"/admin/organizations/member/?q={middle.family_name}", "support"),
        Page("admin: members, search email", f"/admin/organizations/member/?q={urllib.parse.quote(middle.email)}", "support"),
        Page("admin: members, page 40", "/admin/organizations/member/?p=40", "support"),
        Page("admin: member change", f"/admin/organizations/member/{somebody.pk}/change/", "support"),
        Page("admin: events", "/admin/organizations/event/", "support"),
        Page("admin: events of one org", f"/admin/organizations/event/?organization__id__exact={organization.pk}", "support"),
        Page("admin: events of the small org", f"/admin/organizations/event/?organization__id__exact={other.pk}", "support"),
        Page("admin: events, action filter", "/admin/organizations/event/?action__exact=member.deleted", "support"),
        Page("admin: events, actor filter", "/admin/organizations/event/?actor_kind__exact=admin", "support"),
        Page("admin: events, search userName", f"/admin/organizations/event/?q={urllib.parse.quote(middle.user_name)}", "support"),
        Page("admin: departments", "/admin/organizations/department/", "support"),
        Page("admin: organizations", "/admin/organizations/organization/", "support"),
        Page("admin: SCIM keys", "/admin/keys/scimkey/", "support"),
    ]  # fmt: skip
    scim = [
        Page("SCIM: Test Connection filter", '/api/v1/scim/Users?filter=userName+eq+"00000000-1111-2222-3333-444444444444"', "scim"),
        Page("SCIM: filter userName", f'/api/v1/scim/Users?filter=userName+eq+"{middle.user_name.upper()}"', "scim"),
        Page("SCIM: GET by id", f"/api/v1/scim/Users/{middle.scim_id}", "scim"),
        Page("SCIM: page 1 (count=100)", "/api/v1/scim/Users?startIndex=1&count=100", "scim"),
        Page("SCIM: middle page (count=100)", f"/api/v1/scim/Users?startIndex={people // 2}&count=100", "scim"),
        Page("SCIM: last page (count=100)", f"/api/v1/scim/Users?startIndex={people - 2000}&count=100", "scim"),
        Page("SCIM: page of 200", f"/api/v1/scim/Users?startIndex={people // 3}&count=200", "scim"),
        Page(
            "SCIM: PATCH title (default shape)",
            f"/api/v1/scim/Users/{middle.scim_id}",
            "scim",
            method="PATCH",
            body={
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "Replace", "path": "title", "value": "Engineer"}],
            },
        ),
    ]  # fmt: skip
    return portal + support + scim


def clients(credentials: dict[str, Any]) -> dict[str, Client]:
    User = get_user_model()
    org = credentials["organization"]
    admin, support = Client(HTTP_HOST=HOST), Client(HTTP_HOST=HOST)
    admin.force_login(User.objects.get(username=org["admin_email"]))
    support.force_login(User.objects.get(username=credentials["superuser"]["username"]))
    scim = Client(HTTP_HOST=HOST, HTTP_AUTHORIZATION=f"Bearer {org['scim_key']}", HTTP_USER_AGENT="Microsoft bench")
    return {"admin": admin, "support": support, "scim": scim}


def request(client: Client, page: Page) -> Any:
    if page.method == "GET":
        return client.get(page.path)
    return client.generic(page.method, page.path, json.dumps(page.body), content_type="application/scim+json")


def measure(page: Page, client: Client, *, repeat: int, explain_over: float) -> Measured:
    result = Measured(page)
    request(client, page)  # warm the caches and the connection
    for attempt in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = request(client, page)
            if getattr(response, "streaming", False):
                body = b"".join(response.streaming_content)
            else:
                body = response.content
            result.times.append(time.perf_counter() - started)
        if attempt == 0:
            result.status, result.bytes = response.status_code, len(body)
            result.queries = len(captured.captured_queries)
            timed = [(float(q["time"]) * 1000, q["sql"]) for q in captured.captured_queries]
            result.sql_ms = sum(t for t, _ in timed)
            if timed:
                result.slowest_ms, result.slowest_sql = max(timed)
            result.slow_sql = [(t, sql) for t, sql in timed if t >= explain_over]
    return result


def explain(sql: str) -> str:
    if not sql.lstrip().upper().startswith("SELECT"):
        return "(not a SELECT; not explained)"
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def session_cookie(client: Client) -> str:
    return client.cookies[django.conf.settings.SESSION_COOKIE_NAME].value


def time_over_http(base: str, measured: list[Measured], cookies: dict[str, str], key: str, repeat: int) -> None:
    url = urllib.parse.urlsplit(base)
    if url.scheme != "http" or url.hostname not in LOOPBACK:
        raise SystemExit("--base must be http:// on a loopback address")
    conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=120)
    for m in measured:
        if m.page.method != "GET":
            continue
        headers = {"Host": HOST}
        if m.page.who == "scim":
            headers["Authorization"] = f"Bearer {key}"
        else:
            headers["Cookie"] = f"{django.conf.settings.SESSION_COOKIE_NAME}={cookies[m.page.who]}"
        for attempt in range(repeat + 1):
            started = time.perf_counter()
            conn.request("GET", m.page.path, headers=headers)
            response = conn.getresponse()
            response.read()
            if attempt:  # the first one warms up
                m.http_times.append(time.perf_counter() - started)
            if response.status != m.status:
                print(f"HTTP {m.page.path}: {response.status} (in-process {m.status})", file=sys.stderr)
    conn.close()


def markdown(rows: list[dict[str, Any]], *, http: bool) -> str:
    head = "| page | status | KB | queries | p50 ms | max ms | SQL ms | slowest query ms |"
    rule = "|---|---:|---:|---:|---:|---:|---:|---:|"
    if http:
        head += " HTTP p50 ms | HTTP max ms |"
        rule += "---:|---:|"
    lines = [head, rule]
    for r in rows:
        line = (
            f"| {r['page']} | {r['status']} | {r['kb']} | {r['queries']} | {r['p50_ms']} | {r['max_ms']} | "
            f"{r['sql_ms']} | {r['slowest_query_ms']} |"
        )
        if http:
            line += f" {r['http_p50_ms']} | {r['http_max_ms']} |"
        lines.append(line)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--credentials", type=Path, default=Path("/tmp/preciate-bench-bench.json"))
    parser.add_argument("--repeat", type=int, default=5, help="measured requests per page, after one warm-up")
    parser.add_argument("--only", default="", help="only pages whose label contains this text")
    parser.add_argument("--explain-over", type=float, default=float("inf"), help="EXPLAIN queries slower (ms)")
    parser.add_argument("--explain-out", type=Path, default=None)
    parser.add_argument("--base", default="", help="also time GETs over HTTP against this running server")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)

    credentials = json.loads(args.credentials.read_text())
    org = credentials["organization"]
    by_who = clients(credentials)
    chosen = [p for p in pages(org["slug"], org["people"]) if args.only.lower() in p.label.lower()]
    measured = []
    for page in chosen:
        m = measure(page, by_who[page.who], repeat=args.repeat, explain_over=args.explain_over)
        measured.append(m)
        row = m.row()
        print(
            f"{page.label:<40} {row['status']} q={row['queries']:<3} p50={row['p50_ms']:>8} max={row['max_ms']:>8} "
            f"sql={row['sql_ms']:>8} slowest={row['slowest_query_ms']:>8}",
            file=sys.stderr,
            flush=True,
        )
    if args.base:
        cookies = {who: session_cookie(by_who[who]) for who in ("admin", "support")}
        time_over_http(args.base, measured, cookies, org["scim_key"], args.repeat)
    rows = [m.row() for m in measured]
    print(markdown(rows, http=bool(args.base)))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    if args.explain_out:
        seen: set[str] = set()
        with args.explain_out.open("w") as out:
            for m in measured:
                for took, sql in m.slow_sql:
                    if sql in seen:
                        continue
                    seen.add(sql)
                    out.write(f"## {m.page.label}  ({m.page.path})  {took:.1f} ms in the request\n\n{sql}\n\n")
                    out.write(explain(sql) + "\n\n")
        print(f"EXPLAIN output in {args.explain_out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
