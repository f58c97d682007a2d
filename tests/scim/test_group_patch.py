"""PATCH /Groups/{id}: Entra's and Okta's membership and rename shapes, replayed from payload files."""

import uuid

import pytest

from organizations.models import Event, Team
from scim.groups import MemberChange, read_patch
from scim.patch import PatchError
from tests.scim.group_fixtures import ALICE, BOB, CAROL, create_group, group_payload, member_ids, person
from tests.scim.helpers import ok, patch_op, scim_error


@pytest.fixture
def people(org):
    return {name: person(org, scim_id, name) for name, scim_id in (("alice", ALICE), ("bob", BOB), ("carol", CAROL))}


@pytest.fixture
def support(scim, people):
    """Entra's group as its initial cycle leaves it: created empty, then alice and bob added."""
    created = ok(scim.post("/Groups", group_payload("entra_group_create_adscim")), 201)
    ok(scim.patch(f"/Groups/{created['id']}", group_payload("entra_group_add_members")), 204)
    return created


def path_of(group: dict) -> str:
    return f"/Groups/{group['id']}"


# --------------------------------------------------------------------------------------------
# Entra
# --------------------------------------------------------------------------------------------


def test_entras_add_of_several_members_in_one_operation_adds_each_once(scim, support):
    assert member_ids(support["id"]) == {ALICE, BOB}
    events = Event.objects.filter(action="team.member_added").count()
    # Entra retries: the same add again is a success that changes nothing.
    ok(scim.patch(path_of(support), group_payload("entra_group_add_members")), 204)
    assert member_ids(support["id"]) == {ALICE, BOB}
    assert Event.objects.filter(action="team.member_added").count() == events == 2
    summaries = set(Event.objects.filter(action="team.member_added").values_list("summary", flat=True))
    assert summaries == {"Added to Field Engineering by Microsoft Entra ID"}


def test_entras_remove_with_a_value_removes_only_those_members(scim, support):
    ok(scim.patch(path_of(support), group_payload("entra_group_remove_members_with_value")), 204)
    assert member_ids(support["id"]) == {BOB}


def test_entras_remove_by_value_filter_removes_that_member(scim, support):
    ok(scim.patch(path_of(support), group_payload("entra_group_remove_member_value_filter")), 204)
    assert member_ids(support["id"]) == {ALICE}


def test_removing_a_non_member_or_an_unknown_id_is_a_success_that_changes_nothing(scim, support):
    body = patch_op(
        {"op": "Remove", "path": "members", "value": [{"value": CAROL}, {"value": str(uuid.uuid4())}]},
        {"op": "remove", "path": 'members[value eq "not-an-id"]'},
    )
    ok(scim.patch(path_of(support), body), 204)
    assert member_ids(support["id"]) == {ALICE, BOB}


def test_entras_replace_of_display_name_as_a_bare_string_renames_and_records_it(scim, support):
    ok(scim.patch(path_of(support), group_payload("entra_group_replace_displayname_bare_string")), 204)
    team = Team.objects.get(scim_id=support["id"])
    assert team.name == "Field Engineering EMEA"
    assert Event.objects.filter(
        team=team, action="team.renamed", summary="Renamed from Field Engineering to Field Engineering EMEA"
    ).exists()
    assert member_ids(support["id"]) == {ALICE, BOB}


@pytest.mark.parametrize("name", ["entra_group_add_externalid", "entra_group_replace_externalid"])
def test_entras_add_or_replace_of_external_id_sets_it_and_leaves_members_alone(scim, support, name):
    expected = group_payload(name)["Operations"][0]["value"]
    ok(scim.patch(path_of(support), group_payload(name)), 204)
    assert ok(scim.get(path_of(support), {"excludedAttributes": "members"}))["externalId"] == expected
    assert member_ids(support["id"]) == {ALICE, BOB}


def test_microsofts_postman_add_with_a_name_key_and_member_display_name_is_read_as_an_add(scim, support, people):
    ok(scim.patch(path_of(support), group_payload("entra_group_remove_members_with_value")), 204)
    ok(scim.patch(path_of(support), group_payload("microsoft_postman_group_add_member_name_and_displayname_keys")), 204)
    assert member_ids(support["id"]) == {ALICE, BOB}


def test_ops_and_attribute_names_are_read_in_any_case(scim, support):
    body = {
        "operations": [
            {"OP": "REPLACE", "Path": "DISPLAYNAME", "Value": "Renamed"},
            {"op": "ReMoVe", "path": "Members", "value": [{"Value": ALICE}]},
        ]
    }
    ok(scim.patch(path_of(support), body), 204)
    assert Team.objects.get(scim_id=support["id"]).name == "Renamed"
    assert member_ids(support["id"]) == {BOB}


# --------------------------------------------------------------------------------------------
# Okta
# --------------------------------------------------------------------------------------------


def test_oktas_pathless_rename_with_its_own_id_leaves_members_alone(okta, support):
    body = group_payload("okta_group_rename_pathless_replace", GROUP_ID=support["id"])
    ok(okta.patch(path_of(support), body), 204)
    assert Team.objects.get(scim_id=support["id"]).name == "Test SCIMv2 renamed"
    assert member_ids(support["id"]) == {ALICE, BOB}


def test_a_pathless_replace_naming_another_id_is_refused_as_immutable(okta, support):
    body = group_payload("okta_group_rename_pathless_replace", GROUP_ID=str(uuid.uuid4()))
    scim_error(okta.patch(path_of(support), body), 400, "mutability")
    assert Team.objects.get(scim_id=support["id"]).name == "Field Engineering"


def test_oktas_remove_then_add_in_one_request_applies_in_order(okta, support):
    ok(okta.patch(path_of(support), group_payload("okta_group_remove_then_add_members")), 204)
    assert member_ids(support["id"]) == {ALICE, CAROL}


def test_oktas_replace_of_members_sets_exactly_the_members_sent(okta, support):
    ok(okta.patch(path_of(support), group_payload("okta_group_replace_all_members")), 204)
    assert member_ids(support["id"]) == {BOB, CAROL}


def test_a_remove_of_members_without_value_or_filter_empties_the_group(scim, support):
    ok(scim.patch(path_of(support), patch_op({"op": "remove", "path": "members"})), 204)
    assert member_ids(support["id"]) == set()


# --------------------------------------------------------------------------------------------
# Refusals: whole or nothing
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["unknown", "other organization", "not a uuid", "deleted"])
def test_an_add_naming_someone_who_is_not_a_user_here_is_400_naming_them_and_applies_nothing(
    scim, support, other_org, kind
):
    if kind == "unknown":
        bad = str(uuid.uuid4())
    elif kind == "other organization":
        bad = str(person(other_org, str(uuid.uuid4()), "olga").scim_id)
    elif kind == "deleted":
        ok(scim.delete(f"/Users/{CAROL}"), 204)
        bad = CAROL
    else:
        bad = "string id 1"
    body = patch_op(
        {"op": "Replace", "path": "displayName", "value": "Should not happen"},
        {"op": "Remove", "path": "members", "value": [{"value": ALICE}]},
        {"op": "Add", "path": "members", "value": [{"value": bad}]},
    )
    detail = scim_error(scim.patch(path_of(support), body), 400, "invalidValue")["detail"]
    assert bad in detail
    assert member_ids(support["id"]) == {ALICE, BOB}
    # The admin sees it on the Provisioning page, as every refused SCIM request.
    assert Event.objects.filter(action="scim.failed", status=400, summary__contains=bad).exists()
    assert Team.objects.get(scim_id=support["id"]).name == "Field Engineering"


def test_a_replace_of_members_naming_an_unknown_id_keeps_the_members(scim, support):
    stranger = str(uuid.uuid4())
    body = patch_op({"op": "replace", "path": "members", "value": [{"value": CAROL}, {"value": stranger}]})
    assert stranger in scim_error(scim.patch(path_of(support), body), 400, "invalidValue")["detail"]
    assert member_ids(support["id"]) == {ALICE, BOB}


def test_a_rename_onto_another_groups_name_is_409_and_nothing_applies(scim, support):
    create_group(scim, "Sales")
    body = patch_op(
        {"op": "add", "path": "members", "value": [{"value": CAROL}]},
        {"op": "replace", "path": "displayName", "value": "sales"},
    )
    scim_error(scim.patch(path_of(support), body), 409, "uniqueness")
    assert member_ids(support["id"]) == {ALICE, BOB}


@pytest.mark.parametrize(
    ("operation", "scim_type"),
    [
        ({"op": "remove"}, "noTarget"),
        ({"op": "remove", "path": "displayName"}, "invalidValue"),
        ({"op": "replace", "path": "displayName", "value": ""}, "invalidValue"),
        ({"op": "add", "path": "title", "value": "x"}, "invalidPath"),
        ({"op": "add", "path": "members.display", "value": "x"}, "invalidPath"),
        ({"op": "remove", "path": 'members[display eq "Alice"]'}, "invalidFilter"),
        ({"op": "add", "path": "members", "value": [{"display": "no value"}]}, "invalidValue"),
        ({"op": "move", "path": "members"}, "invalidSyntax"),
    ],
)
def test_a_patch_it_cannot_apply_is_400_with_the_scim_type_and_applies_nothing(scim, support, operation, scim_type):
    scim_error(scim.patch(path_of(support), patch_op(operation)), 400, scim_type)
    assert member_ids(support["id"]) == {ALICE, BOB}


def test_a_patch_asking_for_attributes_answers_200_with_the_group(scim, support):
    body = ok(
        scim.patch(
            path_of(support) + "?excludedAttributes=members",
            patch_op({"op": "replace", "path": "displayName", "value": "Renamed"}),
        )
    )
    assert body["displayName"] == "Renamed" and "members" not in body


def test_a_membership_change_moves_the_etag_and_a_repeated_add_does_not(scim, support):
    before = ok(scim.get(path_of(support)))["meta"]["version"]
    ok(scim.patch(path_of(support), group_payload("entra_group_add_members")), 204)
    assert ok(scim.get(path_of(support)))["meta"]["version"] == before
    ok(scim.patch(path_of(support), group_payload("entra_group_remove_members_with_value")), 204)
    assert ok(scim.get(path_of(support)))["meta"]["version"] != before


# --------------------------------------------------------------------------------------------
# The pure reading of a PatchOp
# --------------------------------------------------------------------------------------------

A, B, C = uuid.UUID(ALICE), uuid.UUID(BOB), uuid.UUID(CAROL)


def test_adds_and_removes_are_read_as_a_delta_that_never_names_the_rest_of_the_group():
    change = read_patch(group_payload("okta_group_remove_then_add_members"), group_id="g")
    assert change.members == MemberChange(add=(C,), remove=(B,))
    assert change.named == (C,)


def test_an_add_after_a_remove_of_the_same_member_keeps_them():
    body = patch_op(
        {"op": "remove", "path": f'members[value eq "{ALICE}"]'},
        {"op": "add", "path": "members", "value": [{"value": ALICE}]},
    )
    assert read_patch(body, group_id="g").members == MemberChange(add=(A,))


def test_a_replace_then_an_add_is_the_whole_set_with_the_addition():
    body = patch_op(
        {"op": "replace", "path": "members", "value": [{"value": ALICE}]},
        {"op": "add", "path": "members", "value": [{"value": BOB}]},
        {"op": "remove", "path": f'members[value eq "{ALICE}"]'},
    )
    assert read_patch(body, group_id="g").members == MemberChange(whole=(B,))


def test_oktas_pathless_rename_names_no_members():
    change = read_patch(group_payload("okta_group_rename_pathless_replace", GROUP_ID="G-1"), group_id="g-1")
    assert change.members.empty and change.display_name == "Test SCIMv2 renamed"


def test_entras_remove_with_value_is_never_read_as_remove_all():
    change = read_patch(group_payload("entra_group_remove_members_with_value"), group_id="g")
    assert change.members == MemberChange(remove=(A,))


def test_a_value_that_is_no_id_is_named_as_invalid_in_an_add_and_dropped_in_a_remove():
    body = patch_op(
        {"op": "add", "path": "members", "value": [{"value": "string id 1"}]},
        {"op": "remove", "path": "members", "value": [{"value": "string id 2"}]},
    )
    change = read_patch(body, group_id="g")
    assert change.invalid == ("string id 1",) and change.members.empty


def test_a_request_naming_more_members_than_the_limit_is_refused_before_any_query():
    value = [{"value": str(uuid.uuid4())} for _ in range(20_001)]
    with pytest.raises(PatchError) as refused:
        read_patch(patch_op({"op": "add", "path": "members", "value": value}), group_id="g")
    assert refused.value.scim_type == "tooMany"
