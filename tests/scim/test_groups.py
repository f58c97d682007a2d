"""/Groups as Entra and Okta use it: create, read, list and filter, replace, delete; and each User's groups."""

import uuid

import pytest

from organizations.models import Event, Team, TeamMembership
from organizations.services import Actor
from organizations.teams import add_team_members, create_team
from tests.scim.group_fixtures import (
    ALICE,
    BOB,
    CAROL,
    GROUP,
    create_group,
    group_payload,
    member_ids,
    person,
)
from tests.scim.helpers import CORE, TENANT_URL, list_response, ok, patch_op, scim_error


@pytest.fixture
def people(org):
    return {name: person(org, scim_id, name) for name, scim_id in (("alice", ALICE), ("bob", BOB), ("carol", CAROL))}


# --------------------------------------------------------------------------------------------
# Create
# --------------------------------------------------------------------------------------------


def test_entras_create_with_its_adscim_schema_and_client_meta_is_201_with_location_and_the_values_as_sent(scim, org):
    response = scim.post("/Groups", group_payload("entra_group_create_adscim"))
    body = ok(response, 201)
    team = Team.objects.get(organization=org)
    assert body == {
        "schemas": [GROUP],
        "id": str(team.scim_id),
        "displayName": "Field Engineering",
        "externalId": "0b8a1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d",
        "members": [],
        "meta": {
            "resourceType": "Group",
            "created": body["meta"]["created"],
            "lastModified": body["meta"]["lastModified"],
            "location": f"{TENANT_URL}/Groups/{team.scim_id}",
            "version": body["meta"]["version"],
        },
    }
    assert response["Location"] == body["meta"]["location"]
    assert response["ETag"] == body["meta"]["version"]
    assert team.managed_by_idp and team.name == "Field Engineering"


@pytest.mark.parametrize("name", ["entra_group_create_empty_members", "okta_group_create_empty_members"])
def test_a_create_with_an_empty_member_list_makes_an_empty_team(scim, name):
    body = ok(scim.post("/Groups", group_payload(name)), 201)
    assert body["members"] == [] and member_ids(body["id"]) == set()


def test_a_create_with_members_adds_them_and_lists_them(scim, people):
    body = create_group(scim, "Support", members=[{"value": ALICE}, {"value": BOB, "display": "ignored"}])
    assert member_ids(body["id"]) == {ALICE, BOB}
    assert sorted(m["value"] for m in body["members"]) == sorted([ALICE, BOB])
    alice = next(m for m in body["members"] if m["value"] == ALICE)
    assert alice == {"value": ALICE, "$ref": f"{TENANT_URL}/Users/{ALICE}", "type": "User"}


def test_a_create_naming_an_unknown_member_is_400_naming_it_and_creates_nothing(scim, org, people):
    stranger = str(uuid.uuid4())
    body = scim_error(
        scim.post("/Groups", {"displayName": "Support", "members": [{"value": ALICE}, {"value": stranger}]}),
        400,
        "invalidValue",
    )
    assert stranger in body["detail"] and ALICE not in body["detail"]
    assert not Team.objects.filter(organization=org).exists()


@pytest.mark.parametrize("other_case", ["Support", "SUPPORT", "support"])
def test_a_duplicate_display_name_in_any_case_is_409_uniqueness(scim, other_case):
    create_group(scim, "Support")
    scim_error(scim.post("/Groups", {"displayName": other_case}), 409, "uniqueness")


def test_a_create_without_a_display_name_is_400(scim, org):
    scim_error(scim.post("/Groups", {"schemas": [GROUP], "members": []}), 400, "invalidValue")
    assert not Team.objects.exists()


@pytest.mark.parametrize(
    "extra",
    [{"notes": "a\u0000b"}, {"labels": {"a\u0000": True}}, {"tags": [["x", "\u0000"]]}],
    ids=["in a value", "in a key", "nested in a list"],
)
def test_a_create_keeping_a_nul_character_in_an_attribute_it_does_not_model_is_400_and_creates_nothing(scim, extra):
    # Found by the API fuzz run: PostgreSQL's jsonb cannot hold U+0000, and the insert failed with a 500.
    body = scim_error(
        scim.post("/Groups", {"schemas": [GROUP], "displayName": "Support", **extra}), 400, "invalidValue"
    )
    assert "U+0000" in body["detail"]
    assert not Team.objects.exists()


def test_a_group_named_like_a_hand_made_team_adopts_it_instead_of_duplicating(scim, org, admin):
    by_hand = create_team(org, by=Actor.admin(admin.user), name="Support")
    body = create_group(scim, "support")
    assert body["id"] == str(by_hand.scim_id)
    by_hand.refresh_from_db()
    assert by_hand.managed_by_idp and by_hand.name == "support"
    assert Team.objects.filter(organization=org).count() == 1


def test_the_same_name_is_free_in_another_organization(scim, other_scim):
    create_group(scim, "Support")
    create_group(other_scim, "Support")


# --------------------------------------------------------------------------------------------
# Read and list
# --------------------------------------------------------------------------------------------


def test_entras_test_connection_probe_on_a_new_tenant_is_200_with_an_empty_list(scim):
    body = ok(scim.get("/Groups", {"excludedAttributes": "members", "filter": 'displayName eq "x"'}))
    assert body == list_response([])


def test_a_get_by_id_excluding_members_has_no_members_and_an_etag(scim, people):
    created = create_group(scim, "Support", members=[{"value": ALICE}])
    response = scim.get(f"/Groups/{created['id']}", {"excludedAttributes": "members"})
    body = ok(response)
    assert "members" not in body
    assert body["displayName"] == "Support" and body["id"] == created["id"]
    assert response["ETag"] == body["meta"]["version"]


def test_a_get_by_id_lists_members_by_default_and_with_attributes_members(scim, people):
    created = create_group(scim, "Support", members=[{"value": ALICE}])
    assert [m["value"] for m in ok(scim.get(f"/Groups/{created['id']}"))["members"]] == [ALICE]
    only = ok(scim.get(f"/Groups/{created['id']}", {"attributes": "members"}))
    assert set(only) == {"schemas", "id", "members"}
    named = ok(scim.get(f"/Groups/{created['id']}", {"attributes": "displayName"}))
    assert set(named) == {"schemas", "id", "displayName"}


@pytest.mark.parametrize("group_id", [str(uuid.uuid4()), "not-a-uuid"])
def test_an_unknown_group_id_is_404_on_every_verb(scim, group_id):
    path = f"/Groups/{group_id}"
    scim_error(scim.get(path), 404)
    scim_error(scim.put(path, {"displayName": "x"}), 404)
    scim_error(scim.patch(path, patch_op({"op": "replace", "path": "displayName", "value": "x"})), 404)
    scim_error(scim.delete(path), 404)


def test_another_organizations_group_is_404_on_every_verb_and_left_alone(scim, other_scim):
    theirs = create_group(other_scim, "Globex Support")
    path = f"/Groups/{theirs['id']}"
    scim_error(scim.get(path), 404)
    scim_error(scim.put(path, {"displayName": "Taken over"}), 404)
    scim_error(scim.patch(path, patch_op({"op": "replace", "path": "displayName", "value": "Taken over"})), 404)
    scim_error(scim.delete(path), 404)
    assert ok(other_scim.get(path))["displayName"] == "Globex Support"
    assert ok(scim.get("/Groups"))["totalResults"] == 0


def test_a_filter_on_display_name_matches_in_any_case_and_only_this_organizations_group(scim, other_scim):
    mine = create_group(scim, "Field Engineering")
    create_group(scim, "Sales")
    create_group(other_scim, "Field Engineering")
    body = ok(scim.get("/Groups", {"filter": 'displayName eq "FIELD engineering"', "excludedAttributes": "members"}))
    assert [r["id"] for r in body["Resources"]] == [mine["id"]]
    assert body["totalResults"] == 1 and "members" not in body["Resources"][0]


def test_a_filter_on_external_id_is_case_exact(scim):
    mine = create_group(scim, "Support", externalId="AbC-1")
    assert [r["id"] for r in ok(scim.get("/Groups", {"filter": 'externalId eq "AbC-1"'}))["Resources"]] == [mine["id"]]
    assert ok(scim.get("/Groups", {"filter": 'externalId eq "abc-1"'}))["Resources"] == []


def test_filters_on_id_and_joined_by_and_match_exactly(scim):
    support = create_group(scim, "Support", externalId="s")
    create_group(scim, "Sales", externalId="t")
    both = f'id eq "{support["id"]}" and displayName eq "support"'
    assert [r["id"] for r in ok(scim.get("/Groups", {"filter": both}))["Resources"]] == [support["id"]]
    contradiction = f'id eq "{support["id"]}" and externalId eq "t"'
    assert ok(scim.get("/Groups", {"filter": contradiction}))["Resources"] == []
    assert ok(scim.get("/Groups", {"filter": 'id eq "not-an-id"'}))["Resources"] == []


def test_a_filter_on_a_members_id_finds_the_groups_that_person_is_in(scim, people):
    support = create_group(scim, "Support", members=[{"value": ALICE}])
    create_group(scim, "Sales", members=[{"value": BOB}])
    body = ok(scim.get("/Groups", {"filter": f'members eq "{ALICE}"', "excludedAttributes": "members"}))
    assert [r["id"] for r in body["Resources"]] == [support["id"]]


@pytest.mark.parametrize(
    "expression",
    [
        'displayName co "Sup"',
        'displayName sw "S"',
        'displayName eq "Support" or displayName eq "Sales"',
        'not (displayName eq "Support")',
        'title eq "x"',
        "displayName pr",
        "displayName eq",
    ],
)
def test_a_group_filter_it_cannot_honour_is_400_invalid_filter_never_every_group(scim, expression):
    create_group(scim, "Support")
    scim_error(scim.get("/Groups", {"filter": expression}), 400, "invalidFilter")


def test_paging_with_start_index_and_count_walks_every_group_once_in_a_stable_order(scim, other_scim):
    created = [create_group(scim, f"Team {n}")["id"] for n in range(5)]
    create_group(other_scim, "Elsewhere")
    seen = []
    for start in (1, 3, 5):
        body = ok(scim.get("/Groups", {"startIndex": start, "count": 2}))
        assert body["totalResults"] == 5 and body["startIndex"] == start
        assert isinstance(body["itemsPerPage"], int)
        seen += [r["id"] for r in body["Resources"]]
    assert seen == created
    assert ok(scim.get("/Groups", {"count": 0})) == list_response([], total=5)


# --------------------------------------------------------------------------------------------
# Replace (PUT) and delete
# --------------------------------------------------------------------------------------------


def test_oktas_put_replaces_the_name_and_the_whole_member_list(okta, people):
    created = create_group(okta, "Test SCIMv2", members=[{"value": ALICE}, {"value": BOB}])
    body = ok(
        okta.put(f"/Groups/{created['id']}", group_payload("okta_group_put_full_members", GROUP_ID=created["id"]))
    )
    assert member_ids(created["id"]) == {ALICE, CAROL}
    assert sorted(m["value"] for m in body["members"]) == sorted([ALICE, CAROL])
    assert Event.objects.filter(action="team.member_removed", member__scim_id=BOB).exists()


def test_a_put_without_external_id_clears_it_as_microsofts_reference_test_expects(scim, people):
    created = ok(scim.post("/Groups", group_payload("entra_group_create_adscim")), 201)
    body = ok(scim.put(f"/Groups/{created['id']}", group_payload("microsoft_reference_group_put_without_externalid")))
    assert "externalId" not in body
    assert Team.objects.get(scim_id=created["id"]).external_id == ""


def test_a_put_naming_an_unknown_member_is_400_and_changes_nothing(scim, people):
    created = create_group(scim, "Support", members=[{"value": ALICE}])
    stranger = str(uuid.uuid4())
    body = {"displayName": "Renamed", "members": [{"value": BOB}, {"value": stranger}]}
    assert stranger in scim_error(scim.put(f"/Groups/{created['id']}", body), 400, "invalidValue")["detail"]
    assert member_ids(created["id"]) == {ALICE}
    assert Team.objects.get(scim_id=created["id"]).name == "Support"


def test_a_put_onto_another_groups_name_is_409(scim):
    create_group(scim, "Sales")
    support = create_group(scim, "Support")
    scim_error(scim.put(f"/Groups/{support['id']}", {"displayName": "SALES"}), 409, "uniqueness")


def test_a_stale_if_match_is_412_and_the_current_etag_is_accepted(scim):
    created = create_group(scim, "Support")
    path = f"/Groups/{created['id']}"
    rename = patch_op({"op": "replace", "path": "displayName", "value": "Help desk"})
    scim_error(scim.patch(path, rename, headers={"If-Match": 'W/"1"'}), 412)
    ok(scim.patch(path, rename, headers={"If-Match": created["meta"]["version"]}), 204)
    assert ok(scim.get(path))["displayName"] == "Help desk"


def test_a_delete_is_204_then_404_everywhere_and_the_name_is_free_again(scim, org, people):
    created = create_group(scim, "Field Engineering", members=[{"value": ALICE}])
    path = f"/Groups/{created['id']}"
    ok(scim.delete(path), 204)
    scim_error(scim.get(path), 404)
    scim_error(scim.patch(path, patch_op({"op": "add", "path": "members", "value": [{"value": BOB}]})), 404)
    scim_error(scim.delete(path), 404)
    assert ok(scim.get("/Groups", {"filter": 'displayName eq "Field Engineering"'}))["Resources"] == []
    again = create_group(scim, "Field Engineering")
    assert again["id"] != created["id"]
    retired = Team.objects.get(scim_id=created["id"])
    assert retired.retired_at is not None and retired.memberships.count() == 1  # history kept


# --------------------------------------------------------------------------------------------
# Members and the people they are
# --------------------------------------------------------------------------------------------


def test_a_deleted_user_disappears_from_every_group_and_a_deactivated_one_stays(scim, people):
    created = create_group(scim, "Support", members=[{"value": ALICE}, {"value": BOB}])
    ok(scim.patch(f"/Users/{ALICE}", patch_op({"op": "replace", "path": "active", "value": False})))
    ok(scim.delete(f"/Users/{BOB}"), 204)
    body = ok(scim.get(f"/Groups/{created['id']}"))
    assert [m["value"] for m in body["members"]] == [ALICE]
    found = ok(scim.get("/Groups", {"filter": f'members eq "{BOB}"'}))
    assert found["Resources"] == []
    # Removing the deleted user afterwards still succeeds (Entra may send it).
    ok(scim.patch(f"/Groups/{created['id']}", patch_op({"op": "remove", "path": f'members[value eq "{BOB}"]'})), 204)


def test_a_deleted_user_provisioned_again_starts_in_none_of_the_idps_groups(scim, org, people, admin):
    support = create_group(scim, "Support", members=[{"value": BOB}])
    hand_made = create_team(org, by=Actor.admin(admin.user), name="Book club")
    add_team_members(hand_made, [people["bob"]], by=Actor.admin(admin.user))
    ok(scim.delete(f"/Users/{BOB}"), 204)
    again = ok(scim.post("/Users", {"schemas": [CORE], "userName": people["bob"].user_name, "active": True}), 201)
    assert again["id"] != BOB
    assert ok(scim.get(f"/Groups/{support['id']}"))["members"] == []
    assert "groups" not in ok(scim.get(f"/Users/{again['id']}"))
    # Entra adds the new id to the groups it still assigns; a team made by hand is the admin's.
    assert list(hand_made.members.all()) == [people["bob"]]
    assert Event.objects.filter(action="team.member_removed", team__scim_id=support["id"]).count() == 1


def test_each_user_lists_its_groups_read_only_and_direct(scim, people):
    support = create_group(scim, "Support", members=[{"value": ALICE}])
    sales = create_group(scim, "Sales", members=[{"value": ALICE}, {"value": BOB}])
    alice = ok(scim.get(f"/Users/{ALICE}"))
    assert alice["groups"] == [
        {"value": sales["id"], "display": "Sales", "$ref": f"{TENANT_URL}/Groups/{sales['id']}", "type": "direct"},
        {
            "value": support["id"],
            "display": "Support",
            "$ref": f"{TENANT_URL}/Groups/{support['id']}",
            "type": "direct",
        },
    ]
    listed = ok(scim.get("/Users", {"filter": f'userName eq "{people["bob"].user_name}"'}))
    assert [g["value"] for g in listed["Resources"][0]["groups"]] == [sales["id"]]
    # Read with the member (by id, Entra's look-up, a PATCH's answer) or a page at a time: the same groups.
    page = {r["id"]: r.get("groups") for r in ok(scim.get("/Users"))["Resources"]}
    assert page[ALICE] == alice["groups"]
    patched = ok(scim.patch(f"/Users/{ALICE}", patch_op({"op": "replace", "path": "title", "value": "Lead"})))
    assert patched["groups"] == alice["groups"]
    assert "groups" not in ok(scim.get(f"/Users/{CAROL}"))
    assert CAROL in page and page[CAROL] is None
    scim_error(
        scim.patch(f"/Users/{CAROL}", patch_op({"op": "add", "path": "groups", "value": [{"value": sales["id"]}]})),
        400,
        "mutability",
    )


def test_a_retired_group_leaves_its_members_users(scim, people):
    created = create_group(scim, "Support", members=[{"value": ALICE}])
    ok(scim.delete(f"/Groups/{created['id']}"), 204)
    assert "groups" not in ok(scim.get(f"/Users/{ALICE}"))


def test_hand_made_teams_are_not_groups_the_idp_can_read_until_it_creates_one_of_that_name(scim, org, admin, people):
    team = create_team(org, by=Actor.admin(admin.user), name="Book club")
    add_team_members(team, [people["alice"]], by=Actor.admin(admin.user))
    assert ok(scim.get("/Groups"))["Resources"] == []
    scim_error(scim.get(f"/Groups/{team.scim_id}"), 404)
    # Once the IdP creates a group of that name, the team is its group, members kept.
    adopted = create_group(scim, "Book club")
    assert adopted["id"] == str(team.scim_id)
    assert [m["value"] for m in ok(scim.get(f"/Groups/{team.scim_id}"))["members"]] == [ALICE]
    assert TeamMembership.objects.filter(team=team).count() == 1


# --------------------------------------------------------------------------------------------
# Discovery
# --------------------------------------------------------------------------------------------


def test_resource_types_and_schemas_describe_group_as_rfc_7643_does(scim):
    group_type = ok(scim.get("/ResourceTypes/Group"))
    assert group_type["endpoint"] == "/Groups" and group_type["schema"] == GROUP
    schema = ok(scim.get(f"/Schemas/{GROUP}"))
    by_name = {a["name"]: a for a in schema["attributes"]}
    assert by_name["displayName"]["required"] is True and by_name["displayName"]["caseExact"] is False
    assert by_name["externalId"]["caseExact"] is True
    members = by_name["members"]
    assert members["multiValued"] is True and members["type"] == "complex"
    assert {s["name"] for s in members["subAttributes"]} == {"value", "$ref", "type"}
    user = ok(scim.get("/Schemas/urn:ietf:params:scim:schemas:core:2.0:User"))
    groups = next(a for a in user["attributes"] if a["name"] == "groups")
    assert groups["mutability"] == "readOnly" and groups["multiValued"] is True


def test_a_search_at_the_service_root_lists_groups_after_users(scim, people):
    support = create_group(scim, "Support", members=[{"value": ALICE}])
    body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "excludedAttributes": ["members"]}
    found = ok(scim.post("/.search", body))
    assert found["totalResults"] == 4
    assert found["Resources"][-1]["id"] == support["id"] and "members" not in found["Resources"][-1]
    # A filter only Users understand matches no group, rather than failing the search.
    by_name = ok(scim.post("/.search", {**body, "filter": f'userName eq "{people["bob"].user_name}"'}))
    assert [r["id"] for r in by_name["Resources"]] == [BOB]
    by_group = ok(scim.post("/.search", {**body, "filter": 'displayName eq "support"'}))
    assert [r["id"] for r in by_group["Resources"]] == [support["id"]]
