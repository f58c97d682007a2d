"""A database that refuses, hangs or drops a request: the IdP is told to retry, the admin sees a page, nothing is half-written.

Every test drives gunicorn over HTTP while tests/faults/proxy.py breaks the PostgreSQL
connection underneath it; the shared PostgreSQL server itself is never touched.
"""

import json
import time
from urllib.parse import quote

import pytest
from django.db import connection, connections, transaction
from django.test import Client

from keys.models import ScimKey
from keys.services import regenerate_key
from organizations.models import Department, Event, Member, Organization
from organizations.services import Actor
from scim.schemas import ERROR
from tests.faults.conftest import Answer, Server
from tests.scim.helpers import payload

LOOKUP = "/api/v1/scim/Users?filter=" + quote('userName eq "nobody@acme.example"')


@pytest.fixture
def key(org: Organization) -> str:
    return regenerate_key(org, by=Actor.command("tests"))


@pytest.fixture
def session_cookie(admin) -> str:
    client = Client()
    client.force_login(admin.user)
    return f"sessionid={client.cookies['sessionid'].value}"


def scim(server: Server, key: str, method: str, path: str, body: dict | None = None) -> Answer:
    headers = {"Authorization": f"Bearer {key}", "User-Agent": "Azure AD Provisioning"}
    if body is not None:
        headers["Content-Type"] = "application/scim+json"
    return server.request(method, path, body=json.dumps(body).encode() if body is not None else None, headers=headers)


def assert_retry_later(answer: Answer) -> None:
    assert answer.status == 503, answer.body
    assert answer.seconds < 5
    assert int(answer.headers["retry-after"]) > 0
    assert answer.headers["content-type"] == "application/scim+json"
    body = json.loads(answer.body)
    assert body["schemas"] == [ERROR]
    assert body["status"] == "503"


def assert_unavailable_page(answer: Answer) -> None:
    assert answer.status == 503, answer.body[:300]
    assert answer.seconds < 5
    assert int(answer.headers["retry-after"]) > 0
    assert answer.headers["content-type"].startswith("text/html")
    assert b"Preciate is temporarily unavailable" in answer.body


def test_with_the_database_refusing_connections_scim_answers_503_with_retry_after_within_5_seconds(live, key):
    assert scim(live, key, "GET", LOOKUP).status == 200
    live.proxy.set_mode("refuse")

    assert_retry_later(scim(live, key, "GET", LOOKUP))
    assert_retry_later(scim(live, key, "POST", "/api/v1/scim/Users", payload("entra_create_user_default_mappings")))


def test_with_the_database_refusing_connections_healthz_answers_503(live):
    live.proxy.set_mode("refuse")

    answer = live.request("GET", "/healthz")

    assert answer.status == 503
    assert answer.seconds < 5
    assert json.loads(answer.body)["database"] == "unreachable"


def test_with_the_database_refusing_connections_the_portal_and_django_admin_show_the_unavailable_page(
    live, session_cookie
):
    live.proxy.set_mode("refuse")

    assert_unavailable_page(live.request("GET", "/web/login", headers={"Cookie": session_cookie}))
    assert_unavailable_page(live.request("GET", "/web/admin/people", headers={"Cookie": session_cookie}))
    assert_unavailable_page(live.request("GET", "/admin/", headers={"Cookie": session_cookie}))


def test_with_the_database_black_holed_healthz_answers_503_within_5_seconds(live):
    assert live.request("GET", "/healthz").status == 200
    live.proxy.set_mode("black-hole")

    for _ in range(2):
        answer = live.request("GET", "/healthz")
        assert answer.status == 503
        assert answer.seconds < 5


def test_with_the_database_black_holed_scim_and_the_portal_answer_503_within_5_seconds(live, key, session_cookie):
    live.proxy.set_mode("black-hole")

    assert_retry_later(scim(live, key, "GET", LOOKUP))
    assert_unavailable_page(live.request("GET", "/web/admin/", headers={"Cookie": session_cookie}))


def test_when_the_database_returns_the_next_scim_request_succeeds(live, key):
    # The server's one thread keeps its connection; a restart of the database kills it while idle.
    assert scim(live, key, "GET", LOOKUP).status == 200
    live.proxy.set_mode("refuse")
    live.proxy.set_mode("forward")

    assert scim(live, key, "GET", LOOKUP).status == 200
    assert live.request("GET", "/healthz").status == 200


def test_a_connection_lost_in_the_middle_of_a_create_leaves_no_person_and_no_event(live, org, key):
    # The person's row is already inserted when the connection drops at the first event.
    live.proxy.cut_on = b'INSERT INTO "organizations_event"'

    answer = scim(live, key, "POST", "/api/v1/scim/Users", payload("entra_create_user_default_mappings"))

    assert live.proxy.cut.is_set()
    assert_retry_later(answer)
    live.proxy.cut_on = None
    assert not Member.objects.filter(organization=org).exists()
    assert not Department.objects.filter(organization=org).exists()
    assert not Event.objects.filter(organization=org, action__startswith="member.").exists()

    # Entra's retry then creates the person once, whole.
    assert scim(live, key, "POST", "/api/v1/scim/Users", payload("entra_create_user_default_mappings")).status == 201
    assert Member.objects.filter(organization=org).count() == 1
    assert Event.objects.filter(organization=org, action="member.created").count() == 1


def test_a_write_held_up_by_a_lock_answers_503_once_the_lock_timeout_passes(live, org, key):
    # A regenerate in flight holds the key row; the server's DATABASE_LOCK_TIMEOUT is 1 s.
    with transaction.atomic():
        ScimKey.objects.select_for_update().get(organization=org)
        answer = scim(live, key, "POST", "/api/v1/scim/Users", payload("entra_create_user_default_mappings"))

    assert_retry_later(answer)
    assert not Member.objects.filter(organization=org).exists()


def test_postgresql_connections_carry_a_connect_statement_and_lock_timeout(db):
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        statement_timeout = cursor.fetchone()[0]
        cursor.execute("SHOW lock_timeout")
        lock_timeout = cursor.fetchone()[0]
    assert statement_timeout == "20s"
    assert lock_timeout == "10s"
    assert connection.settings_dict["OPTIONS"]["connect_timeout"] == 3
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True


def test_a_kept_connection_in_good_health_is_checked_without_a_statement(db, monkeypatch):
    # Django's check runs SELECT 1 before each request reuses a connection; ours reads the socket.
    connection.ensure_connection()
    raw = connection.connection
    statements = []
    cursor = raw.cursor
    monkeypatch.setattr(raw, "cursor", lambda *a, **k: statements.append(a) or cursor(*a, **k))

    assert connection.is_usable() is True
    assert statements == []


def test_a_kept_connection_the_server_closed_is_found_unusable_so_the_next_request_reconnects(db):
    kept = connections.create_connection("default")
    try:
        kept.ensure_connection()
        assert kept.is_usable() is True
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [kept.connection.info.backend_pid])
        deadline = time.monotonic() + 5
        while kept.is_usable() and time.monotonic() < deadline:
            time.sleep(0.05)  # the server's goodbye takes a moment to arrive

        assert kept.is_usable() is False
    finally:
        kept.close()
