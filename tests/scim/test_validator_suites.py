"""The conformance suites an IdP vendor runs against us, replayed through the real URLs.

* Microsoft's SCIM Validator user tests,
* Microsoft's gallery validation Logic App direct SCIM tests,
* Okta's "SCIM 2.0 SPEC Test" (Runscope) steps and assertions, in its order.

docs/protocol.md#conformance-suites describes each.

The suites are a file of their own, not part of test_views.py, so each replays in its vendor's
order and reads as the step list docs/protocol.md gives.

Each test names the suite step it replays. Bodies the suites send are payload files
(``validator_*.json``, ``okta_spec_*.json``); the other organization's people are created
alongside so every list, filter and read also proves they stay invisible.
"""

import time
import uuid
from typing import Any

import pytest

from organizations.models import Member
from tests.scim.helpers import (
    CORE,
    ENTERPRISE,
    ERROR,
    LIST_RESPONSE,
    ScimClient,
    ok,
    patch_op,
    payload,
    scim_error,
    user_resource,
)


def listing(client: ScimClient, expression: str, **params: Any) -> dict[str, Any]:
    body = ok(client.get("/Users", {"filter": expression, **params}))
    assert body["schemas"] == [LIST_RESPONSE]
    for key in ("totalResults", "startIndex", "itemsPerPage"):
        assert type(body[key]) is int, key
    assert isinstance(body["Resources"], list)
    return body


def the_same_person_elsewhere(other_scim: ScimClient, body: dict[str, Any]) -> dict[str, Any]:
    """The other organization provisions a person with the very same attributes."""
    return other_scim.create(body)


# --------------------------------------------------------------------------------------------
# Microsoft SCIM Validator (scimvalidator.microsoft.com), user tests (§4.1)
# --------------------------------------------------------------------------------------------


def test_validator_post_users_creates_the_user_and_every_attribute_it_sent_comes_back(scim):
    sent = payload("validator_create_user")
    response = scim.post("/Users", sent)
    created = ok(response, 201)
    uuid.UUID(created["id"])
    assert response["Location"] == created["meta"]["location"]
    assert created == user_resource(Member.objects.get(scim_id=created["id"]), sent)


def test_validator_get_user_by_id_returns_every_attribute_exactly_as_sent(scim, other_scim):
    sent = payload("validator_create_user")
    created = scim.create(sent)
    theirs = the_same_person_elsewhere(other_scim, sent)
    read = ok(scim.get(f"/Users/{created['id']}"))
    assert read["id"] == created["id"] != theirs["id"]
    assert read == user_resource(Member.objects.get(scim_id=created["id"]), sent)


@pytest.mark.parametrize(
    "joining_property, value",
    [
        ("userName", "Rosa.Ibanez.x7k2qz@example.com"),
        ("externalId", "x7k2qz"),
        ('emails[type eq "work"].value', "Rosa.Ibanez@example.com"),
    ],
)
def test_validator_filter_for_an_existing_user_by_the_joining_property(scim, other_scim, joining_property, value):
    created = scim.create(payload("validator_create_user"))
    the_same_person_elsewhere(other_scim, payload("validator_create_user"))
    found = listing(scim, f'{joining_property} eq "{value}"')
    assert found["totalResults"] == 1 and found["itemsPerPage"] == 1
    assert [r["id"] for r in found["Resources"]] == [created["id"]]
    assert found["Resources"][0]["userName"] == "Rosa.Ibanez.x7k2qz@example.com"


@pytest.mark.parametrize(
    "joining_property, value",
    [
        ("userName", "ROSA.IBANEZ.X7K2QZ@EXAMPLE.COM"),
        ("userName", "rosa.ibanez.x7k2qz@example.com"),
        ('emails[type eq "work"].value', "rosa.ibanez@EXAMPLE.com"),
    ],
)
def test_validator_filter_for_an_existing_user_with_a_different_case(scim, other_scim, joining_property, value):
    created = scim.create(payload("validator_create_user"))
    the_same_person_elsewhere(other_scim, payload("validator_create_user"))
    found = listing(scim, f'{joining_property} eq "{value}"')
    assert [r["id"] for r in found["Resources"]] == [created["id"]]


def test_validator_filter_for_a_non_existing_user_is_200_with_an_empty_list(scim, other_scim):
    scim.create(payload("validator_create_user"))
    other_scim.create({"userName": "ghost.3f9a@example.com"})
    found = listing(scim, 'userName eq "ghost.3f9a@example.com"')
    assert found["totalResults"] == 0 and found["itemsPerPage"] == 0 and found["Resources"] == []


def test_validator_patch_user_replace_attributes_then_get_shows_the_new_values(scim, other_scim):
    created = scim.create(payload("validator_create_user"))
    theirs = the_same_person_elsewhere(other_scim, payload("validator_create_user"))
    path = f"/Users/{created['id']}"
    patched = ok(scim.patch(path, payload("validator_patch_replace_attributes")))
    read = ok(scim.get(path))
    for resource in (patched, read):
        assert resource["emails"] == [{"type": "work", "value": "Rosa.Ibanez-Soto@example.com", "primary": True}]
        assert resource["addresses"][0]["formatted"] == "Torre Sur, planta 9"
        assert resource["addresses"][0]["locality"] == "Madrid"
        assert {p["type"]: p["value"] for p in resource["phoneNumbers"]}["work"] == "55555555556"
        assert resource["displayName"] == "Rosa Ibáñez Soto"
        assert resource["name"] == {"formatted": "Rosa Ibáñez", "givenName": "Rosa María", "familyName": "Ibáñez Soto"}
        assert resource["title"] == "Senior Data Analyst"
        assert resource["preferredLanguage"] == "ca-ES"
        assert resource[ENTERPRISE] == {"department": "Data Platform", "employeeNumber": "701985"}
        assert not any("." in key and not key.startswith("urn:") for key in resource)
    member = Member.objects.get(scim_id=created["id"])
    assert (member.title, member.department.name, member.location.name) == (
        "Senior Data Analyst",
        "Data Platform",
        "Torre Sur, planta 9",
    )
    assert ok(other_scim.get(f"/Users/{theirs['id']}"))["title"] == "Data Analyst"


def test_validator_patch_user_add_attributes_through_filtered_paths_then_get_shows_them(scim):
    created = scim.create(payload("validator_create_user_minimal"))
    path = f"/Users/{created['id']}"
    ok(scim.patch(path, payload("validator_patch_add_attributes")))
    read = ok(scim.get(path))
    assert read["emails"] == [{"type": "work", "value": "Tomas.Berg@example.com"}]
    assert read["phoneNumbers"] == [{"type": "mobile", "value": "+46 70 000 00 00"}]
    assert read["addresses"] == [{"type": "work", "locality": "Uppsala", "country": "SE"}]
    assert read["title"] == "Quality Engineer"
    assert read["preferredLanguage"] == "sv-SE"
    assert read["name"] == {"givenName": "Tomas", "familyName": "Berg", "formatted": "Tomas Berg"}
    assert read[ENTERPRISE] == {"department": "Quality", "employeeNumber": "88213"}
    assert ENTERPRISE in read["schemas"]
    member = Member.objects.get(scim_id=created["id"])
    assert (member.email, member.location.name, member.department.name) == (
        "Tomas.Berg@example.com",
        "Uppsala",
        "Quality",
    )


def test_validator_patch_user_update_username_keeps_the_same_user(scim, other_scim):
    created = scim.create(payload("validator_create_user"))
    other_scim.create({"userName": "rosa.renamed@example.com"})
    path = f"/Users/{created['id']}"
    patched = ok(scim.patch(path, patch_op({"op": "replace", "path": "userName", "value": "rosa.renamed@example.com"})))
    assert patched["userName"] == "rosa.renamed@example.com"
    assert ok(scim.get(path))["userName"] == "rosa.renamed@example.com"
    found = listing(scim, 'userName eq "rosa.renamed@example.com"')
    assert [r["id"] for r in found["Resources"]] == [created["id"]]
    assert listing(scim, 'userName eq "Rosa.Ibanez.x7k2qz@example.com"')["totalResults"] == 0
    assert Member.objects.filter(scim_id=created["id"], user_name="rosa.renamed@example.com").exists()


def test_validator_patch_user_disable_user_then_get_with_filter_shows_active_false(scim, other_scim):
    created = scim.create(payload("validator_create_user"))
    the_same_person_elsewhere(other_scim, payload("validator_create_user"))
    patched = ok(scim.patch(f"/Users/{created['id']}", patch_op({"op": "replace", "path": "active", "value": False})))
    assert patched["active"] is False
    found = listing(scim, 'userName eq "Rosa.Ibanez.x7k2qz@example.com"')
    assert found["totalResults"] == 1
    assert found["Resources"][0]["id"] == created["id"]
    assert found["Resources"][0]["active"] is False
    assert not Member.objects.get(scim_id=created["id"]).is_present


def test_validator_delete_user_then_get_is_404(scim, other_scim):
    created = scim.create(payload("validator_create_user"))
    theirs = the_same_person_elsewhere(other_scim, payload("validator_create_user"))
    response = scim.delete(f"/Users/{created['id']}")
    assert response.status_code == 204
    assert response.content == b""
    scim_error(scim.get(f"/Users/{created['id']}"), 404)
    assert listing(scim, 'userName eq "Rosa.Ibanez.x7k2qz@example.com"')["totalResults"] == 0
    assert ok(other_scim.get(f"/Users/{theirs['id']}"))["id"] == theirs["id"]


def test_validator_create_a_duplicate_user_is_409(scim, other_scim):
    the_same_person_elsewhere(other_scim, payload("validator_create_user"))
    scim.create(payload("validator_create_user"))
    body = scim_error(scim.post("/Users", payload("validator_create_user")), 409)
    assert body["scimType"] == "uniqueness"
    assert Member.objects.filter(user_name__iexact="Rosa.Ibanez.x7k2qz@example.com").count() == 2


# --------------------------------------------------------------------------------------------
# Microsoft gallery validation Logic App, direct SCIM tests (§4.2)
# --------------------------------------------------------------------------------------------

NULL_UPDATE_CLEARED = (
    "displayName",
    "title",
    "preferredLanguage",
    "externalId",
    "name",
    "emails",
    "addresses",
    "phoneNumbers",
    ENTERPRISE,
)


@pytest.mark.parametrize("body", ["validator_gallery_null_update_empty_string", "validator_gallery_null_update_null"])
def test_gallery_null_update_test_clears_every_mapped_non_required_attribute(scim, body):
    created = scim.create(payload("validator_create_user"))
    path = f"/Users/{created['id']}"
    ok(scim.patch(path, payload(body)))
    read = ok(scim.get(path))
    for attribute in NULL_UPDATE_CLEARED:
        assert attribute not in read, attribute
    assert read["schemas"] == [CORE]
    assert read["userName"] == "Rosa.Ibanez.x7k2qz@example.com" and read["active"] is True
    assert "null" not in scim.get(path).content.decode()
    member = Member.objects.get(scim_id=created["id"])
    assert (member.title, member.external_id, member.given_name, member.family_name, member.display_name) == (
        "",
        "",
        "",
        "",
        "",
    )
    assert (member.department, member.location, member.employee_number) == (None, None, "")


def test_gallery_null_update_one_attribute_at_a_time_with_empty_string_then_null(scim):
    created = scim.create(payload("validator_create_user"))
    path = f"/Users/{created['id']}"
    for operation in payload("validator_gallery_null_update_empty_string")["Operations"]:
        ok(scim.patch(path, patch_op(operation)))
        ok(scim.patch(path, patch_op({**operation, "value": None})))
    read = ok(scim.get(path))
    for attribute in NULL_UPDATE_CLEARED:
        assert attribute not in read, attribute


def test_gallery_manager_add_replace_and_replace_empty_read_back_through_manager_value(scim, other_scim):
    boss = scim.create({"userName": "boss.4k1@example.com"})
    deputy = scim.create({"userName": "deputy.4k1@example.com"})
    outsider = other_scim.create({"userName": "boss.4k1@example.com"})
    report = scim.create(payload("validator_create_user"))
    path = f"/Users/{report['id']}"
    manager_path = f"{ENTERPRISE}:manager"

    ok(scim.patch(path, patch_op({"op": "Add", "path": manager_path, "value": boss["id"]})))
    assert ok(scim.get(path))[ENTERPRISE]["manager"]["value"] == boss["id"]

    ok(scim.patch(path, patch_op({"op": "replace", "path": manager_path, "value": deputy["id"]})))
    assert ok(scim.get(path))[ENTERPRISE]["manager"]["value"] == deputy["id"]
    assert Member.objects.get(scim_id=report["id"]).manager.user_name == "deputy.4k1@example.com"

    ok(scim.patch(path, patch_op({"op": "replace", "path": manager_path, "value": ""})))
    read = ok(scim.get(path))
    assert "manager" not in read.get(ENTERPRISE, {})
    assert Member.objects.get(scim_id=report["id"]).manager is None
    assert listing(scim, f'manager eq "{outsider["id"]}"')["totalResults"] == 0


def test_gallery_pagination_pages_through_eleven_or_more_users_five_at_a_time(scim, other_scim):
    ids = {scim.create({"userName": f"page{n:02}@example.com"})["id"] for n in range(12)}
    for n in range(4):
        other_scim.create({"userName": f"page{n:02}@example.com"})
    seen: list[str] = []
    pages = []
    for start in (1, 6, 11):
        page = ok(scim.get("/Users", {"startIndex": start, "count": 5}))
        assert page["schemas"] == [LIST_RESPONSE]
        assert page["startIndex"] == start
        assert page["totalResults"] == 12
        assert page["itemsPerPage"] == len(page["Resources"])
        pages.append(page["itemsPerPage"])
        seen.extend(r["id"] for r in page["Resources"])
    assert pages == [5, 5, 2]
    assert len(seen) == len(set(seen)) == 12
    assert set(seen) == ids


def test_gallery_direct_post_returns_201_with_id_and_the_username_round_trips(scim):
    created = ok(scim.post("/Users", payload("validator_create_user_minimal")), 201)
    assert created["id"]
    assert created["userName"] == "Tomas.Berg.q3v8mw@example.com"
    assert ok(scim.get(f"/Users/{created['id']}"))["userName"] == "Tomas.Berg.q3v8mw@example.com"


def test_gallery_direct_patch_returns_200_and_a_later_get_matches(scim):
    created = scim.create(payload("validator_create_user_minimal"))
    path = f"/Users/{created['id']}"
    patched = ok(scim.patch(path, patch_op({"op": "replace", "path": "displayName", "value": "T. Berg"})))
    read = ok(scim.get(path))
    assert patched["displayName"] == read["displayName"] == "T. Berg"
    assert {k: v for k, v in patched.items() if k != "meta"} == {k: v for k, v in read.items() if k != "meta"}


# Every attribute of Entra's default mapping (docs/protocol.md#default-mappings), as /Schemas must expose it.
DEFAULT_MAPPED = {
    CORE: [
        "userName",
        "active",
        "displayName",
        "title",
        "emails.value",
        "emails.type",
        "preferredLanguage",
        "name.givenName",
        "name.familyName",
        "name.formatted",
        "addresses.formatted",
        "addresses.streetAddress",
        "addresses.locality",
        "addresses.region",
        "addresses.postalCode",
        "addresses.country",
        "phoneNumbers.value",
        "phoneNumbers.type",
        "externalId",
    ],
    ENTERPRISE: ["employeeNumber", "department", "manager.value"],
}


def test_gallery_schemas_expose_every_mapped_attribute(scim):
    schemas = ok(scim.get("/Schemas"))
    assert schemas["schemas"] == [LIST_RESPONSE]
    by_id = {s["id"].lower(): s for s in schemas["Resources"]}
    for urn, names in DEFAULT_MAPPED.items():
        attributes = {a["name"].lower(): a for a in by_id[urn.lower()]["attributes"]}
        for name in names:
            head, _, sub = name.partition(".")
            assert head.lower() in attributes, name
            if sub:
                subs = {s["name"].lower() for s in attributes[head.lower()].get("subAttributes", [])}
                assert sub.lower() in subs, name


def test_gallery_filters_on_matching_properties_are_200_never_404(scim, other_scim):
    other_scim.create(payload("validator_create_user"))
    for expression in (
        f'userName eq "{uuid.uuid4()}"',
        f'externalId eq "{uuid.uuid4()}"',
        f'emails[type eq "work"].value eq "{uuid.uuid4()}@example.com"',
        f'id eq "{uuid.uuid4()}"',
    ):
        assert listing(scim, expression)["totalResults"] == 0, expression


# --------------------------------------------------------------------------------------------
# Okta SCIM 2.0 SPEC Test (Runscope), steps in the suite's order (§4.3)
# --------------------------------------------------------------------------------------------

OKTA_HEADERS = {
    "Accept": "application/scim+json",
    "Accept-Charset": "utf-8",
}


@pytest.fixture
def okta_spec(scim_key: str) -> ScimClient:
    return ScimClient(scim_key, user_agent="OKTA SCIM Integration")


@pytest.fixture
def seeded(okta_spec: ScimClient, other_scim: ScimClient) -> dict[str, Any]:
    """Okta's guide: seed one complete user before running the suite."""
    other_scim.create({"userName": "aaa.first@example.com", "emails": [{"value": "aaa.first@example.com"}]})
    return okta_spec.create(payload("okta_spec_seed_user"))


def okta_get(client: ScimClient, path: str, params: dict[str, Any] | None = None):
    return client.get(path, params, headers={**OKTA_HEADERS, "Content-Type": "application/scim+json; charset=utf-8"})


def assert_okta_user_fields(resource: dict[str, Any]) -> None:
    for value in (
        resource["id"],
        resource["name"]["familyName"],
        resource["name"]["givenName"],
        resource["userName"],
        resource["emails"][0]["value"],
    ):
        assert value not in (None, "", [], {})
    assert resource["active"] is True


def test_okta_step_1_get_users_count_1_start_index_1_lists_one_complete_user(okta_spec, seeded):
    body = ok(okta_get(okta_spec, "/Users", {"count": 1, "startIndex": 1}))
    assert LIST_RESPONSE in body["schemas"]
    assert body["Resources"]
    for key in ("itemsPerPage", "startIndex", "totalResults"):
        assert type(body[key]) is int, key
    assert (body["itemsPerPage"], body["startIndex"], body["totalResults"]) == (1, 1, 1)
    assert_okta_user_fields(body["Resources"][0])
    assert body["Resources"][0]["id"] == seeded["id"]


def test_okta_step_2_get_the_listed_user_by_id(okta_spec, seeded):
    listed = ok(okta_get(okta_spec, "/Users", {"count": 1, "startIndex": 1}))["Resources"][0]
    read = ok(okta_get(okta_spec, f"/Users/{listed['id']}"))
    assert_okta_user_fields(read)
    assert read["id"] == listed["id"]


def test_okta_step_3_filter_for_an_invalid_username_finds_nobody(okta_spec, seeded):
    body = ok(okta_get(okta_spec, "/Users", {"filter": f'userName eq "{uuid.uuid4().hex}@example.com"'}))
    assert LIST_RESPONSE in body["schemas"]
    assert body["totalResults"] == 0


def test_okta_step_4_an_id_that_does_not_exist_is_404_with_error_schema_and_detail(okta_spec, seeded):
    body = scim_error(okta_get(okta_spec, f"/Users/{uuid.uuid4()}"), 404)
    assert ERROR in body["schemas"]


def test_okta_step_5_make_sure_a_random_user_does_not_exist(okta_spec, seeded):
    body = ok(okta_get(okta_spec, "/Users", {"filter": 'userName eq "random.user.b2c9@example.com"'}))
    assert body["totalResults"] == 0
    assert LIST_RESPONSE in body["schemas"]


def okta_create(client: ScimClient, name: str):
    # Okta's create steps send Content-Type application/json and no User-Agent of theirs.
    return client.post(
        "/Users",
        payload(name),
        content_type="application/json",
        headers={"Accept": "application/scim+json; charset=utf-8"},
    )


def test_okta_step_6_create_a_user_with_realistic_values(okta_spec, seeded):
    created = ok(okta_create(okta_spec, "okta_spec_create_user"), 201)
    assert created["active"] is True
    assert created["id"]
    assert created["name"]["familyName"] == "Kowalski"
    assert created["name"]["givenName"] == "Marta"
    assert CORE in created["schemas"]
    assert created["userName"] == "mkowalski.r8t1@example.com"
    assert created["emails"][0]["value"] == "marta.kowalski.r8t1@example.com"


def test_okta_step_7_verify_that_the_user_was_created(okta_spec, seeded):
    created = ok(okta_create(okta_spec, "okta_spec_create_user"), 201)
    read = ok(okta_get(okta_spec, f"/Users/{created['id']}"))
    assert read["userName"] == "mkowalski.r8t1@example.com"
    assert read["name"]["familyName"] == "Kowalski"
    assert read["name"]["givenName"] == "Marta"


def test_okta_step_8_recreating_the_user_with_the_same_values_is_409(okta_spec, seeded):
    ok(okta_create(okta_spec, "okta_spec_create_user"), 201)
    body = scim_error(okta_create(okta_spec, "okta_spec_create_user_again"), 409)
    assert body["scimType"] == "uniqueness"


def test_okta_step_9_username_case_sensitivity_check(okta_spec, seeded):
    created = ok(okta_create(okta_spec, "okta_spec_create_user"), 201)
    body = ok(okta_get(okta_spec, "/Users", {"filter": 'userName eq "MKOWALSKI.R8T1@EXAMPLE.COM"'}))
    assert [r["id"] for r in body["Resources"]] == [created["id"]]


def test_okta_step_10_groups_endpoint_answers_200_quickly(okta_spec, seeded):
    started = time.monotonic()
    body = ok(okta_get(okta_spec, "/Groups"))
    assert time.monotonic() - started < 0.6
    assert body["totalResults"] == 0 and isinstance(body["Resources"], list)


def test_okta_step_11_bad_credentials_are_401_with_error_schema(db):
    client = ScimClient(None, user_agent="OKTA SCIM Integration")
    response = client.get(
        "/Users",
        {"filter": 'userName eq "MKOWALSKI.R8T1@EXAMPLE.COM"'},
        headers={**OKTA_HEADERS, "Authorization": "non-token"},
    )
    body = scim_error(response, 401)
    assert body["status"] == "401"


def test_okta_step_12_a_bogus_id_is_404_with_status_and_detail(okta_spec, seeded):
    body = scim_error(okta_get(okta_spec, "/Users/00919288221112222"), 404)
    assert body["status"] == "404"


def test_okta_runtime_existence_check_pages_with_start_index_and_count_100(okta_spec, seeded, other_scim):
    other_scim.create({"userName": "seed.user@example.com"})
    body = ok(
        okta_get(okta_spec, "/Users", {"filter": 'userName eq "seed.user@example.com"', "startIndex": 1, "count": 100})
    )
    assert body["totalResults"] == 1 and body["startIndex"] == 1 and body["itemsPerPage"] == 1
    assert body["Resources"][0]["id"] == seeded["id"]


def test_okta_runtime_put_updates_the_whole_user_and_drops_the_password(okta_spec, seeded, other_scim):
    created = ok(okta_create(okta_spec, "okta_spec_create_user"), 201)
    theirs = other_scim.create(payload("okta_spec_create_user"))
    body = {**payload("okta_spec_put_update"), "id": created["id"]}
    updated = ok(okta_spec.put(f"/Users/{created['id']}", body))
    read = ok(okta_get(okta_spec, f"/Users/{created['id']}"))
    for resource in (updated, read):
        assert resource["name"] == {"givenName": "Marta", "familyName": "Kowalska"}
        assert resource["emails"] == [{"primary": True, "value": "marta.kowalska@example.com", "type": "work"}]
        assert resource["title"] == "Account Executive"
        assert resource["active"] is True
        assert "password" not in resource
    assert "password" not in Member.objects.get(scim_id=created["id"]).scim_data
    assert ok(other_scim.get(f"/Users/{theirs['id']}"))["name"]["familyName"] == "Kowalski"


def test_okta_runtime_patch_deactivates_and_reactivates_with_pathless_values(okta_spec, seeded):
    path = f"/Users/{seeded['id']}"
    assert ok(okta_spec.patch(path, patch_op({"op": "replace", "value": {"active": False}})))["active"] is False
    assert ok(okta_get(okta_spec, path))["active"] is False
    assert ok(okta_spec.patch(path, patch_op({"op": "replace", "value": {"active": True}})))["active"] is True
    assert Member.objects.get(scim_id=seeded["id"]).is_present


def test_okta_paging_fields_are_json_integers_not_strings(okta_spec, seeded):
    raw = okta_get(okta_spec, "/Users", {"startIndex": "1", "count": "100"}).content.decode()
    assert '"totalResults":1' in raw.replace(" ", "")
    assert '"startIndex":1' in raw.replace(" ", "")
    assert '"itemsPerPage":1' in raw.replace(" ", "")
