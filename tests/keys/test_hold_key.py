"""A SCIM write holds its key until it commits, so a rotation never lets an old-key write land after it."""

import threading
import time

import pytest
from django.db import connection, transaction

from keys.services import hold_key, organization_for_key, regenerate_key, revoke_key
from organizations.services import Actor, create_member

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
