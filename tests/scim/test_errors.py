"""SCIM errors (scim/errors.py): with the database out of reach, the IdP gets 503, Retry-After and a SCIM
error body: a retry, not a failure.

The database driver is not our code: Django's cursor is made to fail the way a refused
connection or PostgreSQL's statement_timeout does.
"""

from unittest import mock

import psycopg
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper

from organizations.models import Department, Event, Member
from tests.scim.helpers import payload, scim_error

REFUSED = OperationalError(
    'connection failed: connection to server at "127.0.0.1", port 5432 failed: Connection refused'
)


def assert_retry_later(response) -> None:
    assert int(response["Retry-After"]) > 0
    assert "temporarily unavailable" in scim_error(response, 503)["detail"]


def test_a_refused_database_answers_503_with_retry_after_and_asks_the_database_once(scim):
    calls = []

    def refuse(*args, **kwargs):
        calls.append(args)
        raise REFUSED

    with mock.patch.object(CursorWrapper, "execute", refuse):
        response = scim.get("/Users", {"filter": 'userName eq "nobody@acme.example"'})

    assert_retry_later(response)
    # Authentication asked once; recording the outcome did not authenticate again.
    assert len(calls) == 1


def test_a_statement_timeout_in_the_middle_of_a_create_answers_503_and_writes_nothing(org, scim):
    real_execute = CursorWrapper.execute

    def time_out_on_the_member_insert(self, sql, params=None):
        if sql.startswith('INSERT INTO "organizations_member"'):
            raise psycopg.errors.QueryCanceled("canceling statement due to statement timeout")
        return real_execute(self, sql, params)

    with mock.patch.object(CursorWrapper, "execute", time_out_on_the_member_insert):
        response = scim.post("/Users", payload("entra_create_user_default_mappings"))

    assert_retry_later(response)
    assert not Member.objects.filter(organization=org).exists()
    assert not Department.objects.filter(organization=org).exists()  # written before the member: rolled back
    # Only the failure itself is on the activity page, for the admin to see.
    events = Event.objects.filter(organization=org).exclude(action="key.generated")
    assert list(events.values_list("action", "status")) == [("scim.failed", 503)]
    assert scim.post("/Users", payload("entra_create_user_default_mappings")).status_code == 201
