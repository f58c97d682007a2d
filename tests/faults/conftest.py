"""Fault tests: a real gunicorn, in production settings, whose PostgreSQL sits behind a proxy the test breaks.

They need a database reached over TCP, so they run only when the suite runs on
PostgreSQL (CI's first pass). On SQLite they are deselected, not skipped, and the run
says so: SQLite is a file in the server's own process, with nothing to refuse or hang.
"""

import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

from tests.faults.proxy import DatabaseProxy

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"] in ("django.db.backends.postgresql", "preciate.postgresql")
NOT_RUN = "FAULT TESTS NOT RUN: tests/faults/ needs PostgreSQL (set DATABASE_URL=postgres://...); CI runs them"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if ON_POSTGRESQL:
        return
    mine = [item for item in items if Path(str(item.fspath)).is_relative_to(HERE)]
    if mine:
        config.hook.pytest_deselected(items=mine)
        items[:] = [item for item in items if item not in mine]
        config._fault_tests_not_run = len(mine)  # type: ignore[attr-defined]


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if getattr(config, "_fault_tests_not_run", 0):
        terminalreporter.write_line(f"{NOT_RUN} ({config._fault_tests_not_run} deselected)", yellow=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Answer:
    status: int
    seconds: float
    headers: dict[str, str]
    body: bytes


@dataclass
class Server:
    """The gunicorn under test, and the proxy standing for its database."""

    url_port: int
    proxy: DatabaseProxy
    log: Path

    def request(
        self, method: str, path: str, *, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> Answer:
        # Bounded well past the 5 s the server must answer in, so a hang fails instead of stalling the suite.
        client = http.client.HTTPConnection("127.0.0.1", self.url_port, timeout=15)
        started = time.monotonic()
        try:
            client.request(method, path, body=body, headers=headers or {})
            response = client.getresponse()
            data = response.read()
        except TimeoutError:
            pytest.fail(f"{method} {path} did not answer within 15 s")
        finally:
            client.close()
        return Answer(
            response.status,
            time.monotonic() - started,
            {k.lower(): v for k, v in response.getheaders()},
            data,
        )


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker) -> Iterator[Server]:
    database = connections["default"].settings_dict
    proxy = DatabaseProxy((database["HOST"] or "127.0.0.1", int(database["PORT"] or 5432)))
    port = free_port()
    log = Path(tempfile.mkstemp(prefix="faults-gunicorn-", suffix=".log")[1])
    env = {
        **os.environ,
        # tests.settings: the production settings, less the collectstatic manifest and HTTPS redirect.
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        # Plain TCP, so the proxy can see (and cut) the statements of a request.
        "DATABASE_URL": f"postgres://{database['USER']}@127.0.0.1:{proxy.port}/{database['NAME']}?sslmode=disable",
        # One second, not the default ten, so the lock test waits no longer than it must.
        "DATABASE_LOCK_TIMEOUT": "1",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        # One thread: every request reuses the same kept connection, which makes its fate testable.
        "GUNICORN_THREADS": "1",
    }
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = database["PASSWORD"]
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    running = Server(port, proxy, log)
    deadline = time.monotonic() + 30
    while True:
        try:
            if running.request("GET", "/healthz").status == 200:
                break
        except (ConnectionError, OSError):
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"gunicorn did not start:\n{log.read_text()}")
        time.sleep(0.2)
    yield running
    process.terminate()
    process.wait(timeout=30)
    proxy.close()


@pytest.fixture
def live(server: Server, transactional_db) -> Iterator[Server]:
    """The server with its database answering, at the start and the end of each test."""
    server.proxy.cut_on = None
    server.proxy.cut.clear()
    server.proxy.set_mode("forward")
    yield server
    server.proxy.cut_on = None
    server.proxy.set_mode("forward")
