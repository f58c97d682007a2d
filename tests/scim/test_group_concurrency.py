"""Overlapping requests for one group (retries, parallel workers) apply one after the other.

Row locks only mean something on PostgreSQL; on SQLite the writes serialise on the file.
"""

import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from organizations.models import Team
from tests.scim.group_fixtures import create_group, member_ids, person
from tests.scim.helpers import ScimClient, patch_op


def at_once(count: int, request: Callable[[int], Any]) -> list[int]:
    """Send ``count`` requests from as many threads, released together; their statuses."""
    barrier = threading.Barrier(count)
    statuses: list[int] = []

    def send(number: int) -> None:
        try:
            barrier.wait(timeout=10)
            statuses.append(request(number).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


@pytest.mark.django_db(transaction=True)
def test_two_identical_group_posts_at_once_create_one_team_and_the_other_gets_409(org, scim_key):
    statuses = at_once(2, lambda _: ScimClient(scim_key).post("/Groups", {"displayName": "Support"}))
    assert sorted(statuses) == [201, 409]
    assert Team.objects.filter(organization=org).count() == 1


@pytest.mark.django_db(transaction=True)
def test_member_patches_sent_at_once_all_land(org, scim_key):
    scim = ScimClient(scim_key)
    group = create_group(scim, "Support")
    people = [str(person(org, str(uuid.uuid4()), f"p{n}").scim_id) for n in range(6)]

    def add(number: int) -> Any:
        body = patch_op({"op": "Add", "path": "members", "value": [{"value": people[number]}]})
        return ScimClient(scim_key).patch(f"/Groups/{group['id']}", body)

    assert at_once(len(people), add) == [204] * len(people)
    assert member_ids(group["id"]) == set(people)
