"""PATCH (RFC 7644 §3.5.2) applied to a User resource, one test per client quirk; then its limits.

The quirk tests are pure (no database); the limits go through the endpoint, where they apply.

Each request body is a file in tests/scim/payloads/ named after what it shows; the resource
is the one our server returns for Alice after Entra's POST (docs/protocol.md#initial-cycle).
"""

import copy
import json
import sys
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from organizations.models import Member
from scim.patch import MAX_OPERATIONS, PatchError, apply_operations, apply_patch, normalise_operations
from tests.scim.helpers import CORE, ENTERPRISE, PAYLOADS, directory, patch_op, payload, scim_error

ALICE_ID = "9f3b2c1e-7d1a-4b59-a0f2-6c0e8e1d2a77"
MANAGER_ID = "5b7c0d2e-1111-4a2b-8c3d-222233334444"
NEW_MANAGER_ID = "0a9e8d7c-5555-4e6f-8a7b-666677778888"


def alice() -> dict[str, Any]:
    """Alice as GET /Users/{id} returns her after Entra's initial POST."""
    return {
        "schemas": [CORE, ENTERPRISE],
        "id": ALICE_ID,
        "externalId": "alice",
        "userName": "alice@contoso.example",
        "active": True,
        "displayName": "Alice Moreau",
        "title": "Field Engineer",
        "name": {"formatted": "Alice Moreau", "givenName": "Alice", "familyName": "Moreau"},
        "emails": [{"value": "alice@contoso.example", "type": "work", "primary": True}],
        "addresses": [{"type": "work", "formatted": "Building 4, 2nd floor", "locality": "Lyon", "country": "FR"}],
        ENTERPRISE: {"department": "Customer Success", "employeeNumber": "E-10442"},
        "meta": {
            "resourceType": "User",
            "created": "2025-01-14T09:12:03Z",
            "lastModified": "2025-01-14T09:12:03Z",
            "location": f"https://api.example.com/api/v1/scim/Users/{ALICE_ID}",
        },
    }


def alice_with_manager() -> dict[str, Any]:
    resource = alice()
    resource[ENTERPRISE]["manager"] = {"value": MANAGER_ID}
    return resource


def alice_without(*attributes: str) -> dict[str, Any]:
    resource = alice()
    for attribute in attributes:
        del resource[attribute]
    return resource


def patched(name: str, resource: dict[str, Any] | None = None) -> dict[str, Any]:
    return apply_patch(alice() if resource is None else resource, payload(name))


def refused(name: str, resource: dict[str, Any] | None = None) -> PatchError:
    with pytest.raises(PatchError) as error:
        patched(name, resource)
    return error.value


# --- Entra without aadOptscim062020: capitalised ops, one op per attribute ---------------------


def test_entra_default_replace_title():
    assert patched("entra_patch_default_replace_title")["title"] == "Senior Field Engineer"


def test_capitalised_ops_are_accepted():
    result = patched("entra_patch_mixed_case_ops")
    assert result["nickName"] == "Babs"
    assert result["title"] == "Field Lead"
    assert "displayName" not in result


def test_operations_key_in_lower_case_is_accepted():
    assert patched("entra_patch_operations_lowercase_key")["title"] == "Field Lead"


def test_entra_default_update_of_several_attributes_applies_each():
    result = patched("entra_patch_default_update_several_attributes")
    assert result["emails"] == [{"value": "alice.moreau@contoso.example", "type": "work", "primary": True}]
    assert result["name"] == {"formatted": "Alice Moreau", "givenName": "Alice", "familyName": "Moreau-Blanc"}
    assert result["addresses"] == [{"type": "work", "formatted": "Building 7", "locality": "Lyon", "country": "FR"}]
    assert result[ENTERPRISE] == {"department": "Support", "employeeNumber": "E-10442"}
    assert result["userName"] == "alice.moreau@contoso.example"


# --- active as a string -------------------------------------------------------------------------


def test_entra_string_false_deactivates():
    assert patched("entra_patch_active_string_false")["active"] is False


def test_entra_string_true_reactivates():
    resource = alice()
    resource["active"] = False
    assert patched("entra_patch_active_string_true", resource)["active"] is True


def test_entra_lowercase_string_false_deactivates():
    assert patched("entra_patch_active_lowercase_string_false")["active"] is False


def test_entra_string_false_inside_a_pathless_value_deactivates():
    assert patched("entra_patch_active_string_false_pathless")["active"] is False


def test_entra_flag_boolean_false_deactivates():
    assert patched("entra_patch_flag_active_boolean_false")["active"] is False


def test_okta_pathless_active_false_deactivates():
    result = patched("okta_patch_pathless_active_false")
    assert result["active"] is False
    assert result["userName"] == "alice@contoso.example"


# --- path-less values with dotted and URN keys (aadOptscim062020) --------------------------------


def test_entra_flag_pathless_dotted_keys_become_nested_attributes():
    result = patched("entra_patch_flag_pathless_dotted_keys")
    assert result["displayName"] == "Alice Moreau-Blanc"
    assert result["name"] == {"formatted": "Alice Moreau", "givenName": "Alice", "familyName": "Moreau-Blanc"}
    assert result[ENTERPRISE] == {"department": "Customer Success", "employeeNumber": "E-10443"}
    assert result["emails"][0]["value"] == "alice.moreau@contoso.example"
    assert set(result) == set(alice())  # no literal "name.givenName" or "…:User:employeeNumber" keys


def test_entra_flag_pathless_add_with_dotted_and_urn_keys():
    result = patched("entra_patch_flag_pathless_add_dotted_keys")
    assert result["userName"] == "alice.moreau@contoso.example"
    assert result["name"]["middleName"] == "Jeanne"
    assert result["preferredLanguage"] == "fr-FR"
    assert result[ENTERPRISE]["costCenter"] == "CC-204"
    assert "name.middleName" not in result


def test_pathless_enterprise_extension_object_merges_into_the_extension():
    result = patched("entra_patch_flag_pathless_enterprise_object")
    assert result[ENTERPRISE] == {
        "department": "Support",
        "employeeNumber": "E-10442",
        "manager": {"value": MANAGER_ID},
    }


def test_rfc_pathless_nested_objects_merge_sub_attributes():
    result = patched("rfc_patch_pathless_nested_objects")
    assert result["name"] == {"formatted": "Alice Moreau", "givenName": "Alicia", "familyName": "Moreau"}
    assert result["active"] is False


def test_okta_whole_object_with_unchanged_id_is_accepted_and_meta_stays_the_servers():
    result = patched("okta_patch_pathless_whole_object")
    assert result["title"] == "Field Lead"
    assert result["id"] == ALICE_ID
    assert result["meta"] == alice()["meta"]
    assert result["schemas"] == [CORE, ENTERPRISE]


def test_okta_password_is_never_stored():
    result = patched("okta_patch_pathless_password")
    assert "password" not in json.dumps(result)
    assert result == alice()


# --- value-filter paths upsert ------------------------------------------------------------------


def test_entra_add_work_email_creates_it_when_missing():
    result = patched("entra_patch_add_work_email_upsert", alice_without("emails"))
    assert result["emails"] == [{"type": "work", "value": "alice@contoso.example"}]


def test_entra_replace_work_email_creates_it_when_missing():
    result = patched("entra_patch_replace_work_email_upsert", alice_without("emails"))
    assert result["emails"] == [{"type": "work", "value": "alice@contoso.example"}]


def test_entra_add_work_email_that_is_already_there_changes_nothing():
    assert patched("entra_patch_add_work_email_upsert") == alice()


def test_entra_work_address_sub_attributes_update_the_work_address():
    result = patched("entra_patch_replace_work_address_formatted")
    assert result["addresses"] == [
        {"type": "work", "formatted": "Building 7", "locality": "Villeurbanne", "country": "FR"}
    ]


def test_entra_work_address_is_created_when_missing():
    result = patched("entra_patch_replace_work_address_formatted", alice_without("addresses"))
    assert result["addresses"] == [{"type": "work", "formatted": "Building 7", "locality": "Villeurbanne"}]


def test_entra_mobile_phone_is_created_when_missing():
    result = patched("entra_patch_add_mobile_phone_upsert")
    assert result["phoneNumbers"] == [{"type": "mobile", "value": "+33 6 12 34 56 78"}]


def test_default_mapping_attributes_are_kept_exactly_as_sent():
    result = patched("entra_patch_default_mapping_attributes_kept_as_sent")
    assert result["preferredLanguage"] == "fr-FR"
    assert result["phoneNumbers"] == [
        {"type": "work", "value": "55555555555"},
        {"type": "fax", "value": "+33 (0)4 72 00 00 01"},
    ]
    assert result["addresses"][0]["postalCode"] == "69003"
    assert result["addresses"][0]["region"] == "Auvergne-Rhône-Alpes"


def test_upsert_through_an_or_filter_is_no_target():
    assert refused("rfc_patch_upsert_with_or_filter").scim_type == "noTarget"


# --- manager --------------------------------------------------------------------------------------


def test_entra_manager_bare_id_is_stored_as_a_value_object():
    result = patched("entra_patch_manager_bare_id")
    assert result[ENTERPRISE]["manager"] == {"value": MANAGER_ID}


def test_entra_manager_bare_id_adds_the_extension_to_schemas():
    resource = alice_without(ENTERPRISE)
    resource["schemas"] = [CORE]
    result = patched("entra_patch_manager_bare_id", resource)
    assert result[ENTERPRISE] == {"manager": {"value": MANAGER_ID}}
    assert result["schemas"] == [CORE, ENTERPRISE]


def test_entra_manager_change_with_a_bare_id():
    result = patched("entra_patch_manager_change_bare_id", alice_with_manager())
    assert result[ENTERPRISE]["manager"] == {"value": NEW_MANAGER_ID}


def test_manager_as_a_value_object():
    result = patched("entra_patch_manager_value_object", alice_with_manager())
    assert result[ENTERPRISE]["manager"] == {"value": NEW_MANAGER_ID}


def test_manager_as_a_legacy_array_on_the_unqualified_path():
    result = patched("entra_patch_manager_legacy_array")
    assert result[ENTERPRISE]["manager"]["value"] == NEW_MANAGER_ID
    assert "manager" not in result


def test_manager_value_sub_attribute_path():
    result = patched("entra_patch_manager_value_sub_attribute", alice_with_manager())
    assert result[ENTERPRISE]["manager"] == {"value": NEW_MANAGER_ID}


@pytest.mark.parametrize(
    "name",
    [
        "entra_patch_manager_clear_empty_string",
        "entra_patch_manager_clear_null",
        "entra_patch_manager_clear_empty_value_object",
        "entra_patch_manager_remove",
        "entra_patch_manager_remove_value_filter",
    ],
)
def test_entra_manager_clears_remove_the_manager(name):
    result = patched(name, alice_with_manager())
    assert result[ENTERPRISE] == {"department": "Customer Success", "employeeNumber": "E-10442"}


def test_manager_remove_with_a_value_filter_for_another_manager_keeps_it():
    resource = alice_with_manager()
    resource[ENTERPRISE]["manager"] = {"value": NEW_MANAGER_ID}
    assert patched("entra_patch_manager_remove_value_filter", resource) == resource


def test_clearing_the_only_extension_attribute_drops_the_empty_extension():
    resource = alice_with_manager()
    resource[ENTERPRISE] = {"manager": {"value": MANAGER_ID}}
    result = patched("entra_patch_manager_clear_empty_string", resource)
    assert ENTERPRISE not in result
    assert result["schemas"] == [CORE]


def test_clearing_a_manager_that_is_not_set_is_a_success():
    assert patched("entra_patch_manager_clear_empty_string") == alice()


# --- clearing and removing --------------------------------------------------------------------------


def test_microsoft_null_update_with_empty_string_clears_title():
    assert "title" not in patched("entra_patch_null_update_title_empty_string")


def test_microsoft_null_update_with_null_clears_title():
    assert "title" not in patched("entra_patch_null_update_title_null")


def test_remove_title():
    assert "title" not in patched("entra_patch_remove_title")


def test_entra_legacy_remove_with_value_removes_the_email_when_equal():
    assert "emails" not in patched("entra_patch_remove_work_email_with_value")


def test_entra_legacy_remove_with_a_stale_value_changes_nothing():
    assert patched("entra_patch_remove_work_email_with_stale_value") == alice()


def test_remove_with_a_value_filter_removes_the_matching_element():
    resource = alice()
    resource["emails"].append({"value": "alice.home@example.com", "type": "home"})
    result = patched("entra_patch_remove_work_email_element", resource)
    assert result["emails"] == [{"value": "alice.home@example.com", "type": "home"}]


def test_remove_with_a_value_array_removes_only_those_members():
    resource = alice()
    resource["emails"].append({"value": "alice.home@example.com", "type": "home"})
    result = patched("entra_patch_remove_emails_with_value_array", resource)
    assert result["emails"] == alice()["emails"]


def test_remove_a_name_sub_attribute_keeps_the_rest():
    assert patched("rfc_patch_remove_name_sub_attribute")["name"] == {
        "formatted": "Alice Moreau",
        "familyName": "Moreau",
    }


def test_remove_the_enterprise_extension():
    result = patched("rfc_patch_remove_enterprise_extension")
    assert ENTERPRISE not in result
    assert result["schemas"] == [CORE]


def test_schemas_keep_an_extension_urn_the_patch_did_not_touch():
    resource = alice_without(ENTERPRISE)
    assert patched("entra_patch_default_replace_title", resource)["schemas"] == [CORE, ENTERPRISE]


# --- multi-valued attributes ----------------------------------------------------------------------


def test_add_to_emails_appends_and_skips_identical_values():
    result = patched("rfc_patch_add_emails_appends")
    assert result["emails"] == [
        {"value": "alice@contoso.example", "type": "work", "primary": True},
        {"value": "alice.home@example.com", "type": "home"},
    ]


def test_replace_emails_replaces_all_of_them():
    result = patched("rfc_patch_replace_emails_replaces_all")
    assert result["emails"] == [{"value": "a.moreau@contoso.example", "type": "work", "primary": True}]


def test_adding_a_primary_email_demotes_the_previous_primary():
    result = patched("rfc_patch_add_primary_email_demotes_other")
    assert result["emails"] == [
        {"value": "alice@contoso.example", "type": "work", "primary": False},
        {"value": "alice.home@example.com", "type": "home", "primary": True},
    ]


def test_microsoft_postman_capitalised_sub_attributes_get_canonical_names():
    result = patched("entra_patch_add_email_capitalised_sub_attributes")
    assert result["emails"][1] == {"value": "alice.home@example.com", "type": "home", "primary": False}


# --- names, URNs and attributes we do not model --------------------------------------------------


def test_attribute_names_match_case_insensitively_and_keep_canonical_spelling():
    result = patched("entra_patch_attribute_names_in_other_case")
    assert result["title"] == "Field Lead"
    assert result["name"]["givenName"] == "Alicia"
    assert result[ENTERPRISE]["department"] == "Support"
    assert not {"TITLE", "Name", "GivenName", "Department"} & (
        set(result) | set(result["name"]) | set(result[ENTERPRISE])
    )


def test_core_urn_qualified_path():
    assert patched("entra_patch_core_urn_qualified_title")["title"] == "Field Lead"


def test_pre_2018_dotted_extension_path():
    assert patched("entra_patch_legacy_dotted_extension_path")[ENTERPRISE]["department"] == "Support"


def test_custom_extension_attribute_is_kept_under_its_urn_and_listed_in_schemas():
    result = patched("entra_patch_custom_extension_attribute")
    custom = "urn:ietf:params:scim:schemas:extension:contoso:2.0:User"
    assert result[custom] == {"badgeColour": "Blue"}
    assert custom in result["schemas"]


def test_remove_a_custom_extension_object():
    custom = "urn:ietf:params:scim:schemas:extension:contoso:2.0:User"
    resource = alice()
    resource[custom] = {"badgeColour": "Blue"}
    resource["schemas"].append(custom)
    result = patched("rfc_patch_remove_custom_extension", resource)
    assert result == alice()


def test_unknown_attribute_keeps_the_spelling_it_already_has():
    resource = alice()
    resource["favouriteColour"] = "Red"
    result = patched("rfc_patch_unknown_attribute_in_other_case", resource)
    assert result["favouriteColour"] == "Teal"
    assert "FavouriteColour" not in result


def test_unknown_attribute_is_stored_as_sent():
    result = patched("rfc_patch_unknown_attribute_in_other_case")
    assert result["FavouriteColour"] == "Teal"


# --- errors -------------------------------------------------------------------------------------------


def test_remove_without_path_is_no_target():
    assert refused("rfc_patch_remove_without_path").scim_type == "noTarget"


def test_patching_id_is_a_mutability_error():
    error = refused("rfc_patch_replace_id")
    assert error.scim_type == "mutability"
    assert '"id"' in error.detail


def test_patching_meta_is_a_mutability_error():
    assert refused("rfc_patch_replace_meta").scim_type == "mutability"


def test_a_pathless_value_with_a_different_id_is_a_mutability_error():
    assert refused("rfc_patch_pathless_different_id").scim_type == "mutability"


@pytest.mark.parametrize("name", ["rfc_patch_missing_operations", "rfc_patch_empty_operations", "rfc_patch_unknown_op"])
def test_malformed_requests_are_invalid_syntax(name):
    error = refused(name)
    assert error.scim_type == "invalidSyntax"
    assert error.detail


def test_a_body_that_is_not_an_object_is_invalid_syntax():
    with pytest.raises(PatchError) as error:
        apply_patch(alice(), [{"op": "replace", "path": "title", "value": "x"}])
    assert error.value.scim_type == "invalidSyntax"


def test_an_unparseable_path_is_invalid_path():
    error = refused("rfc_patch_bad_path")
    assert error.scim_type == "invalidPath"
    assert 'emails[type eq "work".value' in error.detail


def test_active_that_is_not_a_boolean_is_invalid_value():
    error = refused("rfc_patch_second_operation_invalid")
    assert error.scim_type == "invalidValue"
    assert error.detail.startswith("Operation 2:")


def test_a_pathless_value_that_is_not_an_object_is_invalid_value():
    assert refused("rfc_patch_pathless_value_not_object").scim_type == "invalidValue"


# --- all or nothing, and purity ---------------------------------------------------------------------


def test_a_bad_second_operation_leaves_the_resource_unchanged():
    resource = alice()
    with pytest.raises(PatchError):
        apply_patch(resource, payload("rfc_patch_second_operation_invalid"))
    assert resource == alice()


def test_a_failure_after_earlier_operations_applied_leaves_the_input_unchanged():
    resource = alice()
    body = payload("entra_patch_default_update_several_attributes")
    body["Operations"].append({"op": "Replace", "path": "id", "value": NEW_MANAGER_ID})
    with pytest.raises(PatchError):
        apply_patch(resource, body)
    assert resource == alice()


@pytest.mark.parametrize("name", sorted(p.stem for p in PAYLOADS.glob("*_patch_*.json")))
def test_the_input_resource_and_body_are_never_mutated(name):
    resource, body = alice_with_manager(), payload(name)
    resource_before, body_before = copy.deepcopy(resource), copy.deepcopy(body)
    try:
        result = apply_patch(resource, body)
    except PatchError:
        result = None
    assert resource == resource_before
    assert body == body_before
    assert result is not resource


def test_patching_a_result_again_leaves_that_result_and_the_stored_resource_as_they_were():
    # Results share untouched values with their input (no deep copy per PATCH), so every
    # operation must replace what it changes rather than edit it in place.
    resource = alice_with_manager()
    first = patched("entra_patch_default_replace_title", resource)
    first_before = copy.deepcopy(first)
    for name in sorted(p.stem for p in PAYLOADS.glob("*_patch_*.json")):
        try:
            apply_patch(first, payload(name))
        except PatchError:
            pass
    assert first == first_before
    assert resource == alice_with_manager()


# --- the normalising step -------------------------------------------------------------------------------


def test_normalise_operations_turns_every_pathless_key_into_a_path():
    operations = normalise_operations(payload("entra_patch_flag_pathless_dotted_keys"))
    assert [(o.op, o.path.schema, o.path.attribute, o.path.sub_attribute) for o in operations] == [
        ("replace", None, "emails", "value"),
        ("replace", None, "displayName", None),
        ("replace", None, "name", "givenName"),
        ("replace", None, "name", "familyName"),
        ("replace", ENTERPRISE, "employeeNumber", None),
    ]


def test_normalise_operations_turns_entra_manager_clear_into_a_remove():
    (operation,) = normalise_operations(payload("entra_patch_manager_clear_empty_string"))
    assert (operation.op, operation.path.schema, operation.path.attribute) == ("remove", ENTERPRISE, "manager")


# --------------------------------------------------------------------------------------------
# PATCH does bounded work: capped operations, attributes and values, a linear engine, and
# nothing parsed under the key hold or the row lock.
#
# A 20,000-operation PATCH once took 80 s while holding the key row's share lock (the engine
# scanned every key per operation), so a regenerate waited on it. Each refusal is a SCIM 400
# and leaves the directory and its audit trail as they were.
# --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_patch_of_twenty_thousand_operations_is_refused_before_the_member_is_read_or_locked(org, scim, grace):
    before = directory(org)
    operations = [{"op": "replace", "path": "title", "value": str(i)} for i in range(20_000)]
    body = json.dumps(patch_op(*operations), separators=(",", ":"))
    assert len(body) < 1024 * 1024  # refused for its operations, not its size

    with CaptureQueriesContext(connection) as queries:
        response = scim.send("PATCH", f"/Users/{grace['id']}", raw=body)

    detail = scim_error(response, 400, "invalidValue")["detail"]
    assert "20000 operations" in detail and f"at most {MAX_OPERATIONS}" in detail
    touched = [q["sql"] for q in queries.captured_queries if "organizations_member" in q["sql"] or "FOR " in q["sql"]]
    assert touched == []
    assert directory(org) == before


@pytest.mark.django_db
def test_a_patch_of_a_thousand_operations_is_applied_whole(org, scim, grace):
    operations = [{"op": "replace", "path": "title", "value": f"Title {i}"} for i in range(MAX_OPERATIONS)]

    response = scim.patch(f"/Users/{grace['id']}", patch_op(*operations))

    assert response.status_code == 200, response.content[:500]
    assert Member.objects.get(scim_id=grace["id"]).title == f"Title {MAX_OPERATIONS - 1}"


@pytest.mark.django_db
def test_a_path_less_value_of_two_thousand_attributes_is_refused(org, scim, grace):
    before = directory(org)
    value = {f"urn:example:custom:2.0:User:attribute{i}": "x" for i in range(2_000)}

    response = scim.patch(f"/Users/{grace['id']}", patch_op({"op": "add", "value": value}))

    assert "at most" in scim_error(response, 400, "invalidValue")["detail"]
    assert directory(org) == before


@pytest.mark.django_db
def test_a_user_created_with_two_thousand_attributes_is_refused_and_not_created(org, scim):
    body = {"userName": "wide@acme.example", **{f"custom{i}": "x" for i in range(2_000)}}

    response = scim.post("/Users", body)

    assert "attributes" in scim_error(response, 400, "invalidValue")["detail"]
    assert not Member.objects.filter(organization=org).exists()


@pytest.mark.django_db
def test_patches_that_add_one_email_each_stop_at_the_cap_of_values(org, scim, grace):
    before = directory(org)
    operations = [
        {"op": "add", "path": "emails", "value": [{"value": f"grace{i}@acme.example", "type": f"other{i}"}]}
        for i in range(MAX_OPERATIONS)
    ]

    response = scim.patch(f"/Users/{grace['id']}", patch_op(*operations))

    assert "emails" in scim_error(response, 400, "invalidValue")["detail"]
    assert directory(org) == before


def _lines_run_in_the_patch_engine(resource: dict[str, Any], body: dict[str, Any]) -> int:
    """How much work applying ``body`` is: lines the engine runs (deterministic, unlike a clock)."""
    engine = sys.modules["scim.patch"].__file__
    lines = 0

    def local(frame: Any, event: str, arg: Any) -> Any:
        nonlocal lines
        if event == "line":
            lines += 1
        return local

    def global_(frame: Any, event: str, arg: Any) -> Any:
        return local if frame.f_code.co_filename == engine else None

    sys.settrace(global_)
    try:
        apply_operations(resource, normalise_operations(body))
    finally:
        sys.settrace(None)
    return lines


@pytest.mark.django_db
def test_applying_a_thousand_operations_costs_twice_the_work_of_five_hundred():
    def work(n: int) -> int:
        # Half add new attributes, half replace them spelt in another case (names are
        # case-insensitive, RFC 7643 §2.1): the look-up that once scanned every key.
        adds = [{"op": "add", "path": f"custom{i}", "value": "x"} for i in range(n // 2)]
        replaces = [{"op": "replace", "path": f"CUSTOM{i}", "value": "y"} for i in range(n // 2)]
        resource = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "a@acme.example"}
        return _lines_run_in_the_patch_engine(resource, patch_op(*adds, *replaces))

    assert work(1_000) < 2.2 * work(500)
