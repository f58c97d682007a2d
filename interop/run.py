"""`make interop`: two public SCIM checkers against a throwaway Preciate (docs/interop.md).

    .venv/bin/python interop/run.py                      # runserver on a temporary SQLite file
    DATABASE_URL=postgres://… .venv/bin/python interop/run.py   # and gunicorn on PostgreSQL

For each server: a fresh database (a temporary SQLite file; with ``DATABASE_URL``, a
throwaway ``<database>_interop`` on that PostgreSQL server, dropped afterwards), migrated,
one organization and its SCIM key made with the project's own management commands, the
server started on a free loopback port, then scim2-tester (User resources, schemas
discovered; ``interop/scim2_tester_run.py``) and ``scim-sanity probe --resource User``
run against it from ``.venv-interop`` (requirements-interop.txt), their output printed,
and the server stopped. Exits 1 if either tool finds anything on any server.

Runs in the app's venv with the standard library and psycopg only; the tools never share
the app's dependencies.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
APP_BIN = ROOT / ".venv" / "bin"
TOOLS_BIN = ROOT / ".venv-interop" / "bin"
HOST = "127.0.0.1"
SLUG = "interop"
# Users and Groups; fewer means /Schemas lost attributes (docs/interop.md says why the User
# part is 112 checks, not the 117).
MIN_TESTER_CHECKS = 133
STARTUP_SECONDS = 60
TOOL_SECONDS = 600


@dataclass
class Server:
    name: str
    command: list[str]
    env: dict[str, str]
    port: int

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}/api/v1/scim"


def log(message: str) -> None:
    print(message, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [str(APP_BIN / "python"), "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def prepare(env: dict[str, str]) -> str:
    """Migrate, make the organization, and return its new SCIM key."""
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "create_organization", SLUG, "--name", "Interop checks")
    return manage(env, "issue_scim_key", SLUG).strip()


@contextlib.contextmanager
def running(server: Server, log_path: Path) -> Iterator[None]:
    with log_path.open("w") as output:
        process = subprocess.Popen(server.command, cwd=ROOT, env=server.env, stdout=output, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            while True:
                if process.poll() is not None:
                    raise SystemExit(f"{server.name} exited at start:\n{log_path.read_text()[-3000:]}")
                try:
                    with urllib.request.urlopen(f"http://{HOST}:{server.port}/healthz", timeout=2) as answer:
                        if answer.status == 200:
                            break
                except (urllib.error.URLError, OSError):
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit(f"{server.name} did not answer /healthz in {STARTUP_SECONDS} s")
                time.sleep(0.3)
            yield
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def run_tool(label: str, command: list[str]) -> tuple[int, str]:
    log(f"\n---- {label}")
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=TOOL_SECONDS)
    output = result.stdout + result.stderr
    print(output, flush=True)
    return result.returncode, output


def check(server: Server, key: str) -> list[str]:
    """Run both tools against a running server; return what failed."""
    failures = []
    status, output = run_tool(
        f"scim2-tester on {server.name}",
        [str(TOOLS_BIN / "python"), "interop/scim2_tester_run.py", server.base_url, key],
    )
    summary = next((line for line in reversed(output.splitlines()) if line.startswith("scim2-tester:")), "")
    checks = int(summary.split()[1]) if summary.split()[1:2] and summary.split()[1].isdigit() else 0
    if status != 0:
        failures.append(f"scim2-tester on {server.name}: {summary or 'exit status ' + str(status)}")
    elif checks < MIN_TESTER_CHECKS:
        failures.append(f"scim2-tester on {server.name} ran {checks} checks, fewer than {MIN_TESTER_CHECKS}")
    status, output = run_tool(
        f"scim-sanity on {server.name}",
        [
            str(TOOLS_BIN / "scim-sanity"),
            "probe",
            server.base_url,
            "--token",
            key,
            "--resource",
            "User",
            "--i-accept-side-effects",
            "--timeout",
            "30",
        ],
    )
    if status != 0 or "Result: All tests passed." not in output:
        failures.append(f"scim-sanity on {server.name}: exit status {status}")
    return failures


def base_env() -> dict[str, str]:
    # Nothing of the caller's configuration but the path: the servers are throwaway.
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
    return {k: v for k, v in os.environ.items() if k in keep}


def sqlite_server(workdir: Path) -> Server:
    port = free_port()
    env = {**base_env(), "DEBUG": "1", "DATABASE_URL": f"sqlite:///{workdir / 'interop.sqlite3'}"}
    command = [str(APP_BIN / "python"), "manage.py", "runserver", f"{HOST}:{port}", "--noreload"]
    return Server("runserver (SQLite)", command, env, port)


def postgres_url(database_url: str, name: str) -> str:
    parts = urlsplit(database_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))


def postgres_server(database_url: str) -> tuple[Server, str, str]:
    """gunicorn in production settings on a throwaway database; also returns the admin URL and its name."""
    name = (urlsplit(database_url).path.lstrip("/") or "preciate") + "_interop"
    port = free_port()
    env = {
        **base_env(),
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": HOST,
        "DATABASE_URL": postgres_url(database_url, name),
        # Plain HTTP on the loopback: no TLS terminator in front here.
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
        "PORT": str(port),
        "GUNICORN_BIND": f"{HOST}:{port}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_ACCESSLOG": "off",
    }
    command = [str(APP_BIN / "gunicorn"), "-c", "gunicorn.conf.py"]
    return Server("gunicorn (PostgreSQL)", command, env, port), postgres_url(database_url, "postgres"), name


def admin_sql(admin_url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(statement)


def main() -> int:
    if not (TOOLS_BIN / "scim-sanity").exists():
        raise SystemExit("No .venv-interop: run `make interop`, which installs requirements-interop.txt there.")
    failures: list[str] = []
    workdir = Path(tempfile.mkdtemp(prefix="preciate-interop-"))
    try:
        server = sqlite_server(workdir)
        key = prepare(server.env)
        log(f"== {server.name} on {server.base_url}")
        with running(server, workdir / "runserver.log"):
            failures += check(server, key)
        database_url = os.environ.get("DATABASE_URL", "")
        if database_url.startswith(("postgres://", "postgresql://")):
            server, admin_url, name = postgres_server(database_url)
            admin_sql(admin_url, f'DROP DATABASE IF EXISTS "{name}"')
            admin_sql(admin_url, f'CREATE DATABASE "{name}"')
            try:
                key = prepare(server.env)
                log(f"\n== {server.name} on {server.base_url}")
                with running(server, workdir / "gunicorn.log"):
                    failures += check(server, key)
            finally:
                admin_sql(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            log("\n(DATABASE_URL is not a PostgreSQL URL: gunicorn on PostgreSQL not checked)")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    log("\n== interop: " + ("; ".join(failures) if failures else "every check passed"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
