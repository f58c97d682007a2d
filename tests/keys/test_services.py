"""Writes to a key and the key → organization look-up (keys/services.py), and the key a SCIM write holds."""

import base64
import io
import re
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from keys import services
from keys.models import ScimKey
from keys.services import hold_key, organization_for_key, regenerate_key, revoke_key
from organizations.models import Event, Organization
from organizations.services import Actor, create_member
from tests.trail import entry, trail

COMMAND = Actor.command("tests")


def in_another_connection(function: Callable[..., Any], *args: Any) -> Any:
    """Run function in a thread with its own database connection, as another process would."""
    result: list = []

    def run() -> None:
        try:
            result.append(function(*args))
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return result[0]


def test_a_key_has_a_recognisable_prefix_and_256_random_bits(org, alice):
    key = services.regenerate_key(org, by=alice)
    assert re.fullmatch(r"prc_[A-Za-z0-9_-]{43}", key)
    assert len(base64.urlsafe_b64decode(key.removeprefix("prc_") + "=")) == 32
    # Entra's Secret Token field takes it comfortably.
    assert len(key) == 47


def test_every_key_is_different():
    assert len({services.new_key() for _ in range(200)}) == 200


def test_only_the_digest_is_stored(org, alice):
    key = services.regenerate_key(org, by=alice)
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    assert key not in dump.getvalue()
    assert key.removeprefix("prc_") not in dump.getvalue()
    scim_key = ScimKey.objects.get(organization=org)
    assert len(scim_key.digest) == 64
    assert scim_key.hint == key[-4:]


def test_generating_writes_an_audit_event_with_the_hint_never_the_key(org, alice, admin):
    key = services.regenerate_key(org, by=alice)
    assert trail(org) == [entry("key.generated", by=alice, summary=f"Secret key …{key[-4:]} generated")]
    assert key not in str(list(Event.objects.values()))


def test_the_key_reaches_its_organization_and_brings_its_key_row_in_one_query(
    org, other_org, alice, django_assert_num_queries
):
    key = services.regenerate_key(org, by=alice)
    services.regenerate_key(other_org, by=COMMAND)
    with django_assert_num_queries(1):
        found = services.organization_for_key(key)
        assert found == org
        assert found.scim_key.hint == key[-4:]
        assert found.scim_key.last_used_at is None


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "Bearer",
        "prc_",
        "prc_" + "a" * 42,
        "prc_" + "a" * 44,
        "prc_" + "a" * 10_000,
        "xyz_" + "a" * 43,
        "PRC_" + "a" * 43,
        "prc_" + "é" * 43,
        "prc_" + "a" * 42 + "\n",
        "prc_" + "a" * 42 + "=",
    ],
)
def test_malformed_keys_are_refused_without_a_query(db, raw, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert services.organization_for_key(raw) is None
        assert services.organization_for_retired_key(raw) is None


def test_a_well_formed_unknown_key_is_refused(db):
    assert services.organization_for_key(services.new_key()) is None


def test_regenerating_kills_the_old_key_and_the_new_one_works(org, alice):
    old = services.regenerate_key(org, by=alice)
    new = services.regenerate_key(org, by=alice)
    assert services.organization_for_key(old) is None
    assert services.organization_for_key(new) == org
    assert ScimKey.objects.filter(organization=org).count() == 1
    event = Event.objects.filter(organization=org, action="key.generated").first()
    assert f"…{old[-4:]} no longer works" in event.summary


@pytest.mark.django_db(transaction=True)
def test_once_a_regenerate_commits_no_other_connection_accepts_the_old_key(org, alice):
    old = services.regenerate_key(org, by=alice)
    assert in_another_connection(services.organization_for_key, old) == org
    new = services.regenerate_key(org, by=alice)
    assert in_another_connection(services.organization_for_key, old) is None
    assert in_another_connection(services.organization_for_key, new) == org


def test_a_replaced_key_is_attributed_to_its_organization_but_never_authenticates(org, alice):
    old = services.regenerate_key(org, by=alice)
    new = services.regenerate_key(org, by=alice)
    assert services.organization_for_key(old) is None
    assert services.organization_for_retired_key(old) == org
    assert services.organization_for_retired_key(new) is None


def test_keys_of_two_organizations_stay_apart(org, other_org, alice):
    ours = services.regenerate_key(org, by=alice)
    theirs = services.regenerate_key(other_org, by=COMMAND)
    services.regenerate_key(other_org, by=COMMAND)
    assert services.organization_for_key(ours) == org
    assert services.organization_for_key(theirs) is None
    assert services.organization_for_retired_key(theirs) == other_org


def regenerate_twice_at_once(org: Organization) -> list[str]:
    """Two transactions regenerate the organization's key at the same moment; return both keys."""
    barrier = threading.Barrier(2)
    keys: list[str] = []
    errors: list[BaseException] = []

    def regenerate() -> None:
        try:
            organization = Organization.objects.get(pk=org.pk)
            barrier.wait()
            keys.append(services.regenerate_key(organization, by=COMMAND))
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=regenerate) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    return keys


@pytest.mark.django_db(transaction=True)
def test_concurrent_regenerates_leave_exactly_one_valid_key(org, alice):
    first = services.regenerate_key(org, by=alice)
    keys = regenerate_twice_at_once(org)
    assert len(keys) == 2
    valid = [key for key in [first, *keys] if services.organization_for_key(key) == org]
    assert len(valid) == 1
    assert valid[0] in keys
    # The regenerates queued: the loser's key is the one the winner replaced.
    (loser,) = [key for key in keys if key != valid[0]]
    assert services.organization_for_retired_key(loser) == org
    assert ScimKey.objects.filter(organization=org).count() == 1
    assert Event.objects.filter(organization=org, action="key.generated").count() == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_keys_leave_exactly_one_valid_key(org):
    keys = regenerate_twice_at_once(org)
    assert sorted(services.organization_for_key(key) is not None for key in keys) == [False, True]


def test_revoking_kills_the_key_and_says_so_in_the_audit_trail(org, alice):
    key = services.regenerate_key(org, by=alice)
    assert services.revoke_key(org, by=alice) is True
    assert services.organization_for_key(key) is None
    assert services.organization_for_retired_key(key) == org
    assert trail(org, action="key.revoked") == [
        entry("key.revoked", by=alice, summary=f"Secret key …{key[-4:]} revoked")
    ]
    assert not ScimKey.objects.get(organization=org).is_active


def test_revoking_without_a_key_does_nothing(org, alice):
    assert services.revoke_key(org, by=alice) is False
    services.regenerate_key(org, by=alice)
    services.revoke_key(org, by=alice)
    assert services.revoke_key(org, by=alice) is False
    assert Event.objects.filter(organization=org, action="key.revoked").count() == 1


def test_a_key_generated_after_a_revoke_works(org, alice):
    revoked = services.regenerate_key(org, by=alice)
    services.revoke_key(org, by=alice)
    new = services.regenerate_key(org, by=alice)
    assert services.organization_for_key(new) == org
    assert services.organization_for_key(revoked) is None
    assert services.organization_for_retired_key(revoked) == org


def test_key_use_is_recorded_at_most_once_a_minute(org, alice, django_assert_num_queries):
    key = services.regenerate_key(org, by=alice)
    organization = services.organization_for_key(key)
    with django_assert_num_queries(1):
        services.record_key_use(organization, status=200)
    with django_assert_num_queries(0):
        services.record_key_use(organization, status=201)
        services.record_key_use(organization, status=204)
    stored = ScimKey.objects.get(organization=org)
    assert stored.last_status == 200
    assert stored.last_used_at is not None


def test_a_fresh_request_after_a_minute_is_recorded(org, alice, django_assert_num_queries):
    key = services.regenerate_key(org, by=alice)
    organization = services.organization_for_key(key)
    services.record_key_use(organization, status=200)
    organization.scim_key.last_used_at -= timedelta(seconds=61)
    with django_assert_num_queries(1):
        services.record_key_use(organization, status=204)
    assert ScimKey.objects.get(organization=org).last_status == 204


def test_a_flip_between_success_and_failure_is_recorded_at_once(org, alice, django_assert_num_queries):
    key = services.regenerate_key(org, by=alice)
    organization = services.organization_for_key(key)
    services.record_key_use(organization, status=200)
    with django_assert_num_queries(1):
        services.record_key_use(organization, status=500)
    with django_assert_num_queries(0):
        services.record_key_use(organization, status=503)
    with django_assert_num_queries(1):
        services.record_key_use(organization, status=200)
    assert ScimKey.objects.get(organization=org).last_status == 200


def test_a_401_with_a_replaced_key_shows_on_the_new_key(org, alice):
    old = services.regenerate_key(org, by=alice)
    services.regenerate_key(org, by=alice)
    services.record_key_use(services.organization_for_retired_key(old), status=401)
    assert ScimKey.objects.get(organization=org).last_status == 401


def test_recording_use_without_a_key_does_nothing(org):
    services.record_key_use(org, status=401)
    assert not ScimKey.objects.exists()


def test_regenerating_clears_the_last_use_of_the_old_key(org, alice):
    key = services.regenerate_key(org, by=alice)
    services.record_key_use(services.organization_for_key(key), status=200)
    services.regenerate_key(org, by=alice)
    stored = ScimKey.objects.get(organization=org)
    assert stored.last_used_at is None
    assert stored.last_status is None


# --------------------------------------------------------------------------------------------
# A SCIM write holds its key until it commits, so a rotation never lets an old-key write land after it.
# --------------------------------------------------------------------------------------------


BY = Actor.command("tests")


def test_a_write_authenticated_before_a_regenerate_is_refused_once_it_has_committed(org):
    old = regenerate_key(org, by=BY)
    authenticated = organization_for_key(old)
    regenerate_key(org, by=BY)
    assert hold_key(authenticated) is False


def test_a_write_authenticated_before_a_revoke_is_refused(org):
    authenticated = organization_for_key(regenerate_key(org, by=BY))
    revoke_key(org, by=BY)
    assert hold_key(authenticated) is False


def test_the_current_key_holds(org):
    assert hold_key(organization_for_key(regenerate_key(org, by=BY))) is True


@pytest.mark.django_db(transaction=True)
def test_a_regenerate_waits_for_a_write_already_holding_the_old_key(org):
    authenticated = organization_for_key(regenerate_key(org, by=BY))
    holding = threading.Event()
    finished: dict[str, float] = {}

    def scim_write() -> None:
        try:
            with transaction.atomic():
                assert hold_key(authenticated)
                holding.set()
                time.sleep(0.5)
                create_member(authenticated, by=Actor.idp(), user_name="inflight@acme.example")
                # Read before the commit: after it, the released regenerate may be scheduled
                # first and read its clock before this thread reads its own.
                finished["write"] = time.monotonic()
        finally:
            connection.close()

    def rotate() -> None:
        try:
            holding.wait(timeout=5)
            regenerate_key(org, by=BY)
            finished["regenerate"] = time.monotonic()
        finally:
            connection.close()

    threads = [threading.Thread(target=scim_write), threading.Thread(target=rotate)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert finished["write"] <= finished["regenerate"]
