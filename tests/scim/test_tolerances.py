"""What a robust server tolerates and the naive mistakes it avoids (docs/protocol.md).

One test per checklist item or pitfall that the other files in tests/scim do not already
pin, through the real URLs. Wherever a list, filter or read is involved, the other
organization provisions look-alike people and must stay invisible.
"""

import logging
import re
import uuid
from typing import Any

import pytest

from organizations.models import Event, Member
from organizations.services import Actor, remove_member
from tests.scim.helpers import CORE, ENTERPRISE, SCIM_JSON, ScimClient, ok, patch_op, payload, scim_error


def ids(body: dict[str, Any]) -> list[str]:
    return [r["id"] for r in body["Resources"]]


# --------------------------------------------------------------------------------------------
# Protocol and transport
# --------------------------------------------------------------------------------------------


def test_every_write_and_every_error_answers_application_scim_json(scim):
    created_response = scim.post("/Users", payload("validator_create_user"))
    created = ok(created_response, 201)
    path = f"/Users/{created['id']}"
    ok(scim.patch(path, patch_op({"op": "replace", "path": "title", "value": "X"})))
    ok(scim.put(path, payload("validator_create_user")))
    scim_error(scim.post("/Users", payload("validator_create_user")), 409)
    scim_error(scim.patch(path, patch_op({"op": "remove"})), 400)
    scim_error(scim.get(f"/Users/{uuid.uuid4()}"), 404)
    scim_error(scim.delete("/Users"), 405)
    scim_error(ScimClient("prc_" + "0" * 43).get("/Users"), 401)


@pytest.mark.parametrize("query", ["?aadOptscim062020", "?aadOptscim062020&foo=bar"])
def test_the_entra_flag_left_on_the_tenant_url_is_ignored_by_every_method(scim, query):
    created = ok(scim.post(f"/Users{query}", {"userName": "flag@example.com"}), 201)
    path = f"/Users/{created['id']}{query}"
    assert ok(scim.get(path))["id"] == created["id"]
    ok(scim.patch(path, patch_op({"op": "replace", "path": "title", "value": "T"})))
    ok(scim.put(path, {"userName": "flag@example.com", "title": "U"}))
    assert scim.delete(path).status_code == 204


def test_a_user_path_with_a_trailing_slash_serves_every_method_without_a_redirect(scim):
    created = scim.create({"userName": "slash.detail@example.com"})
    path = f"/Users/{created['id']}/"
    assert ok(scim.get(path))["id"] == created["id"]
    assert ok(scim.patch(path, patch_op({"op": "replace", "path": "title", "value": "T"})))["title"] == "T"
    assert ok(scim.put(path, {"userName": "slash.detail@example.com"}))["id"] == created["id"]
    assert scim.delete(path).status_code == 204


def test_the_test_connection_request_line_with_plus_and_percent_encoding_is_understood(scim, other_scim):
    mine = scim.create({"userName": "alice@example.com"})
    other_scim.create({"userName": "alice@example.com"})
    random = ok(scim.get(f"/Users?filter=userName+eq+%22{uuid.uuid4()}%22"))
    assert random["totalResults"] == 0
    found = ok(scim.get("/Users?filter=userName+eq+%22ALICE%40example.com%22"))
    assert ids(found) == [mine["id"]]


# --------------------------------------------------------------------------------------------
# JSON and attribute handling
# --------------------------------------------------------------------------------------------

ENTERPRISE_OTHER_CASE = "urn:ietf:params:scim:schemas:extension:Enterprise:2.0:user"


def test_the_enterprise_urn_in_another_case_is_the_enterprise_extension_on_post_and_patch(scim):
    created = scim.create({"userName": "urn.case@example.com", ENTERPRISE_OTHER_CASE: {"department": "Finance"}})
    assert created[ENTERPRISE] == {"department": "Finance"}
    assert ENTERPRISE_OTHER_CASE not in created
    path = f"/Users/{created['id']}"
    patched = ok(
        scim.patch(path, patch_op({"op": "Replace", "path": f"{ENTERPRISE_OTHER_CASE}:department", "value": "Legal"}))
    )
    assert patched[ENTERPRISE] == {"department": "Legal"}
    assert Member.objects.get(scim_id=created["id"]).department.name == "Legal"


def test_string_booleans_in_a_put_body_are_read_as_booleans(scim):
    created = scim.create({"userName": "put.strings@example.com"})
    body = {
        "userName": "put.strings@example.com",
        "active": "False",
        "emails": [{"value": "put.strings@example.com", "type": "work", "primary": "TRUE"}],
    }
    updated = ok(scim.put(f"/Users/{created['id']}", body))
    assert updated["active"] is False
    assert updated["emails"][0]["primary"] is True
    assert not Member.objects.get(scim_id=created["id"]).is_present


def test_unknown_attributes_and_an_unknown_extension_on_post_are_kept_and_the_extension_listed(scim):
    custom = "urn:ietf:params:scim:schemas:extension:Contoso:2.0:User"
    created = scim.create(
        {
            "schemas": [CORE, custom],
            "userName": "custom.ext@example.com",
            "nickName": "Cus",
            "shoeSize": "42",
            custom: {"costCentre": "CC-7"},
        }
    )
    read = ok(scim.get(f"/Users/{created['id']}"))
    assert read["nickName"] == "Cus" and read["shoeSize"] == "42"
    assert read[custom] == {"costCentre": "CC-7"}
    # RFC 7643 §3: "schemas" names every schema (and extension) the resource carries.
    assert custom in read["schemas"]


def test_a_custom_extension_attribute_patched_by_entra_is_listed_in_schemas_on_get(scim):
    custom = "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User"
    created = scim.create({"userName": "custom.patch@example.com"})
    path = f"/Users/{created['id']}"
    ok(scim.patch(path, patch_op({"op": "Add", "path": f"{custom}:badgeColour", "value": "teal"})))
    read = ok(scim.get(path))
    assert read[custom] == {"badgeColour": "teal"}
    assert custom in read["schemas"]


def test_a_client_supplied_id_and_meta_on_post_are_ignored(scim):
    sent_id = str(uuid.uuid4())
    created = scim.create(
        {
            "id": sent_id,
            "bulkId": "qwerty",
            "userName": "client.id@example.com",
            "meta": {"resourceType": "Group", "created": "1999-01-01T00:00:00Z"},
        }
    )
    assert created["id"] not in (sent_id, "qwerty")
    assert created["meta"]["resourceType"] == "User"
    assert not created["meta"]["created"].startswith("1999")
    assert scim.get(f"/Users/{sent_id}").status_code == 404


def test_a_put_with_a_misspelled_attribute_is_200_as_microsofts_postman_suite_expects(scim):
    created = scim.create({"userName": "postman.put@example.com"})
    response = scim.put(f"/Users/{created['id']}", {"userName": "postman.put@example.com", "tittle": "Typo"})
    assert ok(response)["userName"] == "postman.put@example.com"


def test_a_put_without_username_is_400_and_changes_nothing(scim):
    created = scim.create(payload("validator_create_user"))
    scim_error(scim.put(f"/Users/{created['id']}", {"title": "No name"}), 400, "invalidValue")
    assert Member.objects.get(scim_id=created["id"]).title == "Data Analyst"
    assert ok(scim.get(f"/Users/{created['id']}"))["title"] == "Data Analyst"


def test_oktas_groups_roles_and_password_on_put_are_ignored_not_refused(scim):
    created = scim.create({"userName": "okta.put@example.com"})
    body = {"userName": "okta.put@example.com", "groups": [], "roles": [], "password": "Pa55word!"}
    updated = ok(scim.put(f"/Users/{created['id']}", body))
    assert "password" not in updated and "groups" not in updated and "roles" not in updated


# --------------------------------------------------------------------------------------------
# PATCH
# --------------------------------------------------------------------------------------------


def test_a_value_filter_without_sub_attribute_upserts_the_whole_work_email(scim):
    created = scim.create({"userName": "filter.object@example.com"})
    path = f"/Users/{created['id']}"
    operation = {
        "op": "replace",
        "path": 'emails[type eq "work"]',
        "value": {"value": "a@example.com", "primary": True},
    }
    assert ok(scim.patch(path, patch_op(operation)))["emails"] == [
        {"type": "work", "value": "a@example.com", "primary": True}
    ]
    operation = {"op": "Add", "path": 'emails[type eq "work"]', "value": {"value": "b@example.com"}}
    assert ok(scim.patch(path, patch_op(operation)))["emails"] == [
        {"type": "work", "value": "b@example.com", "primary": True}
    ]
    assert Member.objects.get(scim_id=created["id"]).email == "b@example.com"


def test_the_manager_value_sub_attribute_path_links_the_manager(scim, other_scim):
    boss = scim.create({"userName": "boss.sub@example.com"})
    outsider = other_scim.create({"userName": "boss.sub@example.com"})
    report = scim.create({"userName": "report.sub@example.com"})
    path = f"/Users/{report['id']}"
    ok(scim.patch(path, patch_op({"op": "replace", "path": f"{ENTERPRISE}:manager.value", "value": boss["id"]})))
    assert ok(scim.get(path))[ENTERPRISE]["manager"]["value"] == boss["id"]
    assert Member.objects.get(scim_id=report["id"]).manager.user_name == "boss.sub@example.com"
    operation = {"op": "replace", "path": f"{ENTERPRISE}:manager.value", "value": outsider["id"]}
    assert scim.patch(path, patch_op(operation)).status_code == 400  # docs/protocol.md#manager-references
    assert Member.objects.get(scim_id=report["id"]).manager.pk == Member.objects.get(scim_id=boss["id"]).pk


def test_removing_the_manager_with_a_value_filter_clears_the_link(scim):
    boss = scim.create({"userName": "boss.rm@example.com"})
    report = scim.create({"userName": "report.rm@example.com"})
    path = f"/Users/{report['id']}"
    ok(scim.patch(path, patch_op({"op": "Add", "path": f"{ENTERPRISE}:manager", "value": boss["id"]})))
    operation = {"op": "remove", "path": f'{ENTERPRISE}:manager[value eq "{boss["id"]}"]'}
    read = ok(scim.patch(path, patch_op(operation)))
    assert "manager" not in read.get(ENTERPRISE, {})
    assert Member.objects.get(scim_id=report["id"]).manager is None


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "replace", "path": "active", "value": None},
        {"op": "replace", "path": "active", "value": ""},
        {"op": "remove", "path": "active"},
        {"op": "replace", "value": {"active": None}},
    ],
)
def test_clearing_active_never_brings_a_deprovisioned_leaver_back(scim, org, operation):
    # Microsoft's null-update test clears mapped attributes with "" and null (§4.2); a
    # leaver Entra disabled must stay disabled whatever a clear of active means.
    created = scim.create(payload("validator_create_user"))
    path = f"/Users/{created['id']}"
    ok(scim.patch(path, patch_op({"op": "Replace", "path": "active", "value": "False"})))
    response = scim.patch(path, patch_op(operation))
    if response.status_code == 400:
        scim_error(response, 400)
    else:
        assert ok(response)["active"] is False
    assert ok(scim.get(path))["active"] is False
    assert not Member.objects.get(scim_id=created["id"]).is_present
    assert not Event.objects.filter(organization=org, action="member.reactivated").exists()


def test_a_patch_whose_username_collides_is_409_and_none_of_its_operations_apply(scim):
    scim.create({"userName": "taken@example.com"})
    created = scim.create(payload("validator_create_user"))
    body = patch_op(
        {"op": "replace", "path": "title", "value": "Should not stick"},
        {"op": "replace", "path": "userName", "value": "TAKEN@example.com"},
    )
    scim_error(scim.patch(f"/Users/{created['id']}", body), 409, "uniqueness")
    member = Member.objects.get(scim_id=created["id"])
    assert (member.title, member.user_name) == ("Data Analyst", "Rosa.Ibanez.x7k2qz@example.com")
    assert ok(scim.get(f"/Users/{created['id']}"))["title"] == "Data Analyst"


def test_an_entra_cycle_resending_the_same_patch_changes_nothing_and_records_no_event(scim, org):
    created = scim.create(payload("validator_create_user"))
    path = f"/Users/{created['id']}"
    body = patch_op(
        {"op": "Add", "path": 'emails[type eq "work"].value', "value": "Rosa.Ibanez@example.com"},
        {"op": "Replace", "path": "title", "value": "Data Analyst"},
        {"op": "Replace", "path": "active", "value": "True"},
    )
    before = Event.objects.filter(organization=org).count()
    first = ok(scim.patch(path, body))
    second = ok(scim.patch(path, body))
    assert (
        first["emails"] == second["emails"] == [{"type": "work", "value": "Rosa.Ibanez@example.com", "primary": True}]
    )
    assert Event.objects.filter(organization=org).count() == before


def test_a_disable_sent_twice_records_one_deactivation(scim, org):
    created = scim.create(payload("validator_create_user"))
    path = f"/Users/{created['id']}"
    for _ in range(2):
        ok(scim.patch(path, patch_op({"op": "Replace", "path": "active", "value": "False"})))
    assert Event.objects.filter(organization=org, action="member.deactivated").count() == 1


# --------------------------------------------------------------------------------------------
# Filtering and listing
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expression",
    [
        'userName eq "Rosa.Ibanez.x7k2qz@example.com"',
        'externalId eq "x7k2qz"',
        'emails[type eq "work"].value eq "rosa.ibanez@example.com"',
        'emails.value eq "Rosa.Ibanez@example.com"',
        'emails eq "Rosa.Ibanez@example.com"',
        'displayName eq "Rosa Ibáñez"',
        'userName eq "Rosa.Ibanez.x7k2qz@example.com" and externalId eq "x7k2qz"',
        f'{ENTERPRISE}:employeeNumber eq "701984"',
    ],
)
def test_each_matching_attribute_filter_finds_only_this_organizations_person(scim, other_scim, expression):
    mine = scim.create(payload("validator_create_user"))
    other_scim.create(payload("validator_create_user"))
    body = ok(scim.get("/Users", {"filter": expression}))
    assert ids(body) == [mine["id"]]
    assert body["totalResults"] == 1


@pytest.mark.parametrize(
    "expression",
    [
        'USERNAME EQ "rosa.ibanez.x7k2qz@example.com"',
        'DisplayName Eq "Rosa Ibáñez"',
        'userName eq "Rosa.Ibanez.x7k2qz@example.com" AND ExternalId eq "x7k2qz"',
        'Emails[Type eq "work"].Value eq "Rosa.Ibanez@example.com"',
    ],
)
def test_filter_attribute_names_and_operators_are_case_insensitive(scim, other_scim, expression):
    mine = scim.create(payload("validator_create_user"))
    other_scim.create(payload("validator_create_user"))
    assert ids(ok(scim.get("/Users", {"filter": expression}))) == [mine["id"]]


def test_a_work_email_filter_does_not_match_a_person_whose_only_email_is_of_another_type(scim):
    scim.create({"userName": "home.only@example.com", "emails": [{"type": "home", "value": "me@home.example"}]})
    body = ok(scim.get("/Users", {"filter": 'emails[type eq "work"].value eq "me@home.example"'}))
    assert body["totalResults"] == 0


def test_emails_value_finds_a_person_by_any_of_their_emails(scim, other_scim):
    body = {
        "userName": "two.mails@example.com",
        "emails": [
            {"type": "work", "value": "work@example.com", "primary": True},
            {"type": "other", "value": "alias@example.com"},
        ],
    }
    created = scim.create(body)
    other_scim.create(body)
    assert ids(ok(scim.get("/Users", {"filter": 'emails.value eq "alias@example.com"'}))) == [created["id"]]
    assert ids(ok(scim.get("/Users", {"filter": 'emails[type eq "other"].value eq "alias@example.com"'}))) == [
        created["id"]
    ]


@pytest.mark.parametrize(
    "expression",
    [
        f'members eq "{uuid.uuid4()}"',
        f'externalId eq "{uuid.uuid4()}"',
        f'id eq "{uuid.uuid4()}"',
        'displayName eq "Sales"',
    ],
)
def test_group_queries_on_every_group_matching_attribute_answer_an_empty_list(scim, expression):
    body = ok(scim.get("/Groups", {"filter": expression, "excludedAttributes": "members"}))
    assert body["totalResults"] == 0 and body["Resources"] == []


@pytest.mark.parametrize("start", ["0", "-3"])
def test_a_start_index_below_one_is_read_as_one(scim, other_scim, start):
    mine = [scim.create({"userName": f"s{n}@example.com"})["id"] for n in range(3)]
    other_scim.create({"userName": "s0@example.com"})
    body = ok(scim.get("/Users", {"startIndex": start, "count": 2}))
    assert body["startIndex"] == 1
    assert ids(body) == mine[:2]
    assert body["totalResults"] == 3


@pytest.mark.parametrize("count", ["0", "-1"])
def test_a_count_of_zero_or_less_gives_the_total_without_resources(scim, other_scim, count):
    for n in range(3):
        scim.create({"userName": f"c{n}@example.com"})
    other_scim.create({"userName": "c0@example.com"})
    body = ok(scim.get("/Users", {"count": count}))
    assert (body["totalResults"], body["itemsPerPage"], body["Resources"]) == (3, 0, [])


@pytest.mark.parametrize("start", ["4", "2147483648", "99999999999999999999"])
def test_a_start_index_past_the_end_gives_an_empty_page_not_an_error(scim, start):
    for n in range(3):
        scim.create({"userName": f"e{n}@example.com"})
    body = ok(scim.get("/Users", {"startIndex": start, "count": 5}))
    assert (body["totalResults"], body["itemsPerPage"], body["Resources"]) == (3, 0, [])


def test_attributes_naming_the_whole_enterprise_extension_keeps_it(scim):
    created = scim.create(payload("validator_create_user"))
    read = ok(scim.get(f"/Users/{created['id']}", {"attributes": f"userName,{ENTERPRISE}"}))
    assert read[ENTERPRISE] == {"employeeNumber": "701984", "department": "Analytics"}
    assert set(read) == {"schemas", "id", "userName", ENTERPRISE}


def test_excluded_attributes_naming_the_whole_enterprise_extension_drops_it(scim, other_scim):
    created = scim.create(payload("validator_create_user"))
    other_scim.create(payload("validator_create_user"))
    body = ok(scim.get("/Users", {"excludedAttributes": ENTERPRISE}))
    assert ids(body) == [created["id"]]
    assert ENTERPRISE not in body["Resources"][0]


def test_attributes_naming_an_enterprise_sub_attribute_by_full_urn_keeps_only_it(scim):
    created = scim.create(payload("validator_create_user"))
    read = ok(scim.get(f"/Users/{created['id']}", {"attributes": f"{ENTERPRISE}:department"}))
    assert read[ENTERPRISE] == {"department": "Analytics"}


def test_excluded_attributes_naming_the_managers_value_drops_the_manager(scim):
    boss = scim.create({"userName": "boss.ex@example.com"})
    report = scim.create(payload("validator_create_user"))
    path = f"/Users/{report['id']}"
    ok(scim.patch(path, patch_op({"op": "Add", "path": f"{ENTERPRISE}:manager", "value": boss["id"]})))
    read = ok(scim.get(path, {"excludedAttributes": f"{ENTERPRISE}:manager"}))
    assert "manager" not in read[ENTERPRISE] and read[ENTERPRISE]["department"] == "Analytics"


def test_entras_legacy_read_by_id_and_manager_with_attributes_id(scim, other_scim):
    boss = scim.create({"userName": "boss.legacy@example.com"})
    report = scim.create({"userName": "report.legacy@example.com"})
    other_scim.create({"userName": "report.legacy@example.com"})
    ok(scim.patch(f"/Users/{report['id']}", patch_op({"op": "Add", "path": "manager", "value": boss["id"]})))
    body = ok(
        scim.get("/Users", {"attributes": "id", "filter": f'id eq "{report["id"]}" and manager eq "{boss["id"]}"'})
    )
    assert body["totalResults"] == 1
    assert body["Resources"] == [{"schemas": body["Resources"][0]["schemas"], "id": report["id"]}]


def test_post_search_is_answered_with_501_or_supported_never_405(scim):
    scim.create({"userName": "search@example.com"})
    response = scim.post(
        "/Users/.search",
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "filter": 'userName eq "search@example.com"',
        },
    )
    assert response.status_code in (200, 501), response.content
    assert response["Content-Type"] == SCIM_JSON


# --------------------------------------------------------------------------------------------
# Disabled, removed and deleted people (§0.7, §0.8, §1.8)
# --------------------------------------------------------------------------------------------


def test_disabled_people_stay_in_the_unfiltered_list_and_an_active_filter(scim, other_scim):
    created = scim.create(payload("validator_create_user"))
    other = other_scim.create(payload("validator_create_user"))
    other_scim.patch(f"/Users/{other['id']}", patch_op({"op": "Replace", "path": "active", "value": "False"}))
    scim.patch(f"/Users/{created['id']}", patch_op({"op": "Replace", "path": "active", "value": "False"}))
    listed = ok(scim.get("/Users"))
    assert ids(listed) == [created["id"]] and listed["Resources"][0]["active"] is False
    assert ids(ok(scim.get("/Users", {"filter": "active eq false"}))) == [created["id"]]
    assert ok(scim.get("/Users", {"filter": "active eq true"}))["totalResults"] == 0


def test_a_person_an_admin_removed_is_still_what_entra_set_on_get_and_filter(scim):
    created = scim.create(payload("validator_create_user"))
    remove_member(Member.objects.get(scim_id=created["id"]), by=Actor.command("tests"))
    read = ok(scim.get(f"/Users/{created['id']}"))
    assert read["active"] is True
    found = ok(scim.get("/Users", {"filter": 'userName eq "Rosa.Ibanez.x7k2qz@example.com"'}))
    assert ids(found) == [created["id"]] and found["Resources"][0]["active"] is True
    assert not Member.objects.get(scim_id=created["id"]).is_present


def test_a_repeated_delete_is_404_and_a_patch_after_delete_is_404(scim):
    created = scim.create(payload("validator_create_user"))
    path = f"/Users/{created['id']}"
    assert scim.delete(path).status_code == 204
    scim_error(scim.delete(path), 404)
    scim_error(scim.patch(path, patch_op({"op": "replace", "path": "title", "value": "Ghost"})), 404)
    scim_error(scim.put(path, payload("validator_create_user")), 404)


def test_a_deleted_user_is_not_in_the_unfiltered_list(scim):
    kept = scim.create({"userName": "kept@example.com"})
    gone = scim.create({"userName": "gone@example.com"})
    scim.delete(f"/Users/{gone['id']}")
    body = ok(scim.get("/Users"))
    assert ids(body) == [kept["id"]] and body["totalResults"] == 1


def test_renaming_a_user_to_the_username_of_a_deleted_user_is_not_a_conflict(scim):
    # RFC 7644 §3.6: a deleted resource SHOULD NOT count in conflict calculation; Entra
    # reuses a UPN after a hard delete and renames arrive as PATCH Replace userName.
    gone = scim.create({"userName": "reused.upn@example.com"})
    scim.delete(f"/Users/{gone['id']}")
    renamed = scim.create({"userName": "new.hire@example.com"})
    response = scim.patch(
        f"/Users/{renamed['id']}", patch_op({"op": "Replace", "path": "userName", "value": "reused.upn@example.com"})
    )
    assert ok(response)["userName"] == "reused.upn@example.com"


# --------------------------------------------------------------------------------------------
# Security and response shapes
# --------------------------------------------------------------------------------------------


def test_another_organizations_id_and_a_random_id_get_the_same_404(scim, other_scim, org, other_org):
    theirs = other_scim.create({"userName": "hidden@example.com"})
    random_id = str(uuid.uuid4())
    probed = scim_error(scim.get(f"/Users/{theirs['id']}"), 404)
    unknown = scim_error(scim.get(f"/Users/{random_id}"), 404)
    assert probed["detail"].replace(theirs["id"], "<id>") == unknown["detail"].replace(random_id, "<id>")
    assert not Event.objects.filter(organization=other_org, action="scim.failed").exists()
    assert Event.objects.filter(organization=org, action="scim.failed", status=404).count() == 2


def test_a_rejected_key_appears_in_no_log_record_or_response(db, caplog):
    key = "prc_" + "Z" * 43
    with caplog.at_level(logging.DEBUG):
        response = ScimClient(key).get("/Users", {"filter": 'userName eq "x"'})
    assert response.status_code == 401
    assert key not in response.content.decode()
    assert all(key not in record.getMessage() for record in caplog.records)


def test_meta_timestamps_are_utc_date_times_with_a_z_suffix(scim):
    created = scim.create(payload("validator_create_user"))
    pattern = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
    assert pattern.match(created["meta"]["created"]), created["meta"]["created"]
    assert pattern.match(created["meta"]["lastModified"]), created["meta"]["lastModified"]


def test_patch_and_put_answer_the_full_resource_with_schemas_id_and_meta(scim):
    created = scim.create(payload("validator_create_user"))
    path = f"/Users/{created['id']}"
    for response in (
        scim.patch(path, patch_op({"op": "replace", "path": "title", "value": "X"})),
        scim.put(path, payload("validator_create_user")),
    ):
        body = ok(response)
        assert body["id"] == created["id"]
        assert set(body["schemas"]) == {CORE, ENTERPRISE}
        assert body["meta"]["location"].endswith(f"/Users/{created['id']}")
        assert body[ENTERPRISE]["department"] == "Analytics"


def test_every_schema_a_resource_type_names_is_served_by_schemas(scim):
    # RFC 7643 §6: a ResourceType's "schema" is the id of a Schema resource; the validator's
    # discover-schema mode follows it.
    types = ok(scim.get("/ResourceTypes"))["Resources"]
    served = {s["id"] for s in ok(scim.get("/Schemas"))["Resources"]}
    for resource_type in types:
        assert resource_type["schema"] in served, resource_type["id"]
        ok(scim.get(f"/Schemas/{resource_type['schema']}"))
