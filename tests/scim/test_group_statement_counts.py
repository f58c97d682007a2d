"""What each /Groups request costs the database, in statements: the same for 50 members as for 5,000.

Counted inside the test's transaction, so the view's transaction shows as SAVEPOINT and
RELEASE. The first request of a minute writes the key's "last used", so the fixture makes
one before anything is counted.
"""

import uuid
from typing import Any

import pytest

from organizations.models import Member
from organizations.services import Actor
from organizations.teams import add_team_members
from tests.scim.group_fixtures import create_group, member_ids
from tests.scim.helpers import ScimClient, ok, patch_op

TRANSACTION = 2
KEY_CHECK = 1
KEY_HOLD = 1
GROUP_UNDER_LOCK = 1
RESOLVE_IDS = 1  # the ids a request names, in one IN query scoped to the organization
ALREADY_IN = 1  # which of them the team holds
ROWS = 1  # one INSERT … ON CONFLICT DO NOTHING, or one DELETE
EVENTS = 1  # one bulk INSERT of an event per member
TOUCH = 1  # the group's lastModified


def people(org: Any, how_many: int, prefix: str) -> list[Member]:
    return Member.objects.bulk_create(
        Member(
            organization=org,
            user_name=f"{prefix}{i}@acme.example",
            managed_by_idp=True,
            scim_data={"userName": f"{prefix}{i}@acme.example"},
        )
        for i in range(how_many)
    )


@pytest.fixture(params=[50, 5_000], ids=["50 members", "5,000 members"])
def everyone(request, org, scim: ScimClient) -> dict[str, Any]:
    """An "All employees" group of 50 or of 5,000 people, and two people not in it yet."""
    group = create_group(scim, "All employees")
    team = org.teams.get(scim_id=group["id"])
    add_team_members(team, people(org, request.param, "staff"), by=Actor.idp("Microsoft Entra ID"))
    newcomers = people(org, 2, "newcomer")
    return {"group": group, "newcomers": [str(m.scim_id) for m in newcomers], "size": request.param}


def test_adding_a_batch_costs_the_same_whatever_the_groups_size(scim, everyone, django_assert_num_queries):
    body = patch_op({"op": "Add", "path": "members", "value": [{"value": i} for i in everyone["newcomers"]]})
    with django_assert_num_queries(
        KEY_CHECK + TRANSACTION + KEY_HOLD + GROUP_UNDER_LOCK + RESOLVE_IDS + ALREADY_IN + ROWS + EVENTS + TOUCH
    ):
        ok(scim.patch(f"/Groups/{everyone['group']['id']}", body), 204)
    assert len(member_ids(everyone["group"]["id"])) == everyone["size"] + 2


def test_removing_a_batch_costs_the_same_whatever_the_groups_size(scim, org, everyone, django_assert_num_queries):
    leaving = [str(m.scim_id) for m in Member.objects.filter(organization=org, user_name__startswith="staff")[:2]]
    body = patch_op({"op": "Remove", "path": "members", "value": [{"value": i} for i in leaving]})
    with django_assert_num_queries(
        KEY_CHECK + TRANSACTION + KEY_HOLD + GROUP_UNDER_LOCK + RESOLVE_IDS + ALREADY_IN + ROWS + EVENTS + TOUCH
    ):
        ok(scim.patch(f"/Groups/{everyone['group']['id']}", body), 204)
    assert len(member_ids(everyone["group"]["id"])) == everyone["size"] - 2


def test_a_repeated_add_reads_and_writes_nothing_but_the_lookups(scim, org, everyone, django_assert_num_queries):
    present = [str(m.scim_id) for m in Member.objects.filter(organization=org, user_name__startswith="staff")[:2]]
    body = patch_op({"op": "Add", "path": "members", "value": [{"value": i} for i in present]})
    with django_assert_num_queries(KEY_CHECK + TRANSACTION + KEY_HOLD + GROUP_UNDER_LOCK + RESOLVE_IDS + ALREADY_IN):
        ok(scim.patch(f"/Groups/{everyone['group']['id']}", body), 204)


def test_removing_unknown_ids_writes_nothing(scim, everyone, django_assert_num_queries):
    body = patch_op({"op": "Remove", "path": f'members[value eq "{uuid.uuid4()}"]'})
    with django_assert_num_queries(KEY_CHECK + TRANSACTION + KEY_HOLD + GROUP_UNDER_LOCK + RESOLVE_IDS):
        ok(scim.patch(f"/Groups/{everyone['group']['id']}", body), 204)


def test_a_rename_costs_the_same_whatever_the_groups_size(scim, everyone, django_assert_num_queries):
    body = patch_op({"op": "Replace", "path": "displayName", "value": "Everyone"})
    name_is_free, update, event = 1, 1, 1
    savepoints = 2 * TRANSACTION  # update_team's, and the one that turns a race into a 409
    with django_assert_num_queries(
        KEY_CHECK + TRANSACTION + KEY_HOLD + GROUP_UNDER_LOCK + name_is_free + savepoints + update + event
    ):
        ok(scim.patch(f"/Groups/{everyone['group']['id']}", body), 204)


def test_entras_read_without_members_is_one_statement_and_a_few_bytes(scim, everyone, django_assert_num_queries):
    with django_assert_num_queries(KEY_CHECK + 1):
        response = scim.get(f"/Groups/{everyone['group']['id']}", {"excludedAttributes": "members"})
    assert response.status_code == 200 and len(response.content) < 1_000


def test_entras_match_by_display_name_is_one_statement(scim, everyone, django_assert_num_queries):
    with django_assert_num_queries(KEY_CHECK + 1):
        body = ok(scim.get("/Groups", {"excludedAttributes": "members", "filter": 'displayName eq "all employees"'}))
    assert body["totalResults"] == 1 and "members" not in body["Resources"][0]


def test_a_read_with_members_loads_them_in_one_statement(scim, everyone, django_assert_num_queries):
    with django_assert_num_queries(KEY_CHECK + 1 + 1):
        body = ok(scim.get(f"/Groups/{everyone['group']['id']}"))
    assert len(body["members"]) == everyone["size"]
