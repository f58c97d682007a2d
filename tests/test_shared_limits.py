"""Two app servers, one limit: the SCIM throttle and the sign-in lockout count in Redis, not per process.

Starts two gunicorn processes on two free ports against this test's database and one
Redis, splits the guesses between them, and watches the limit arrive at the shared
threshold on both.
"""

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import requests
from django.conf import settings
from django.db import connection

from keys.services import new_key, regenerate_key
from organizations.services import Actor
from tests.conftest import ADMIN_PASSWORD

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def redis_client() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.skip(
            f"!!! NO REDIS ANSWERS at {REDIS_URL} ({error}): the limits shared across processes are NOT tested. "
            "Start Redis (redis-server) or set REDIS_URL; CI starts it and refuses skips."
        )
    return client


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_until_serving(base: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}: {server.stdout.read()}")
        try:
            requests.get(base + "/healthz", timeout=5)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn at {base} did not answer within 30 s")


@pytest.fixture(scope="module")
def servers(django_db_setup: None) -> Iterator[list[str]]:
    """Two gunicorn processes against this run's test database and one Redis, for the module."""
    redis_client()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url(),
        "REDIS_URL": REDIS_URL,
        # The servers' counters carry this run's prefix, so only this run's keys are deleted.
        "PRECIATE_TEST_CACHE_PREFIX": settings.CACHE_KEY_PREFIX,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "2",
        "LOG_LEVEL": "ERROR",
    }
    processes, bases = [], []
    try:
        for _ in range(2):
            port = free_port()
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                )
            )
            bases.append(f"http://127.0.0.1:{port}")
        for base, process in zip(bases, processes, strict=True):
            wait_until_serving(base, process)
        yield bases
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def two_servers(servers: list[str], transactional_db: None) -> Iterator[list[str]]:
    """The two servers, their data committed where they can read it, and no counter left from before."""
    client = redis_client()

    def clear() -> None:
        for key in client.scan_iter(match=f"{settings.CACHE_KEY_PREFIX}:*"):
            client.delete(key)

    clear()
    yield servers
    clear()


def scim_get(base: str, key: str) -> requests.Response:
    return requests.get(
        base + "/api/v1/scim/Users",
        params={"filter": 'userName eq "nobody@example.com"'},
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    )


def test_wrong_scim_keys_split_across_two_servers_draw_429_at_the_shared_threshold(two_servers, org):
    valid = regenerate_key(org, by=Actor.command("tests"))
    answers = [scim_get(two_servers[n % 2], new_key()).status_code for n in range(40)]
    # 30 failures per address in all, whichever server counted them; alone each saw only 20.
    assert answers == [401] * 30 + [429] * 10
    for base in two_servers:
        assert scim_get(base, new_key()).status_code == 429
        assert scim_get(base, valid).status_code == 200


def portal_sign_in(session: requests.Session, base: str, email: str, password: str) -> requests.Response:
    page = session.get(base + "/web/login", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return session.post(
        base + "/web/login",
        data={"csrfmiddlewaretoken": token, "username": email, "password": password},
        allow_redirects=False,
        timeout=10,
    )


def test_wrong_passwords_split_across_two_servers_lock_the_account_on_both(two_servers, admin):
    email = admin.user.username
    answers = [
        portal_sign_in(requests.Session(), two_servers[n % 2], email, f"guess {n}").status_code for n in range(5)
    ]
    assert answers == [200, 200, 200, 200, 429]
    for base in two_servers:
        response = portal_sign_in(requests.Session(), base, email, ADMIN_PASSWORD)
        assert response.status_code == 429
        assert "Too many failed sign-in attempts" in response.text
