"""Properties of the pure SCIM protocol layer over arbitrary input: it refuses, it never breaks.

Whatever JSON an IdP (or an attacker with a key) sends, PATCH, filters and reading a
resource either work or raise the one error the SCIM handler turns into a 400: never any
other exception (a 500), never a result that cannot be stored or sent back, and a refused
PATCH changes nothing. The last tests replay inputs found to break the endpoint
(issue 8; docs/security.md, Fuzzing) through the same properties, so they stay fixed.
"""

import copy
import json

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from organizations.models import Organization
from scim.filters import FilterError, filter_to_q, parse_filter
from scim.patch import PatchError, apply_patch, normalise_operations
from scim.schemas import CORE_USER, ENTERPRISE_USER
from scim.users import from_resource
from tests.fuzz import strategies as s
from tests.fuzz.harness import TALLY, budget
from tests.scim.helpers import payload


def deeply_nested(depth: int) -> object:
    value: object = "leaf"
    for _ in range(depth):
        value = {"a": value}
    return value


DEEP = deeply_nested(1_000)


def stored_resource() -> dict:
    """What to_resource gives for Alice, provisioned by Entra with the default mappings."""
    resource = copy.deepcopy(payload("entra_create_user_default_mappings"))
    resource.pop("meta")
    resource[ENTERPRISE_USER]["manager"] = {"value": "6c0e1a4e-6a55-4ef1-9b5c-2d3f5f0b7a11"}
    return {
        "schemas": [CORE_USER, ENTERPRISE_USER],
        "id": "20edfca9-e018-4c4a-945e-8ee1c1a93a5b",
        **resource,
        "meta": {
            "resourceType": "User",
            "created": "2025-01-14T09:12:03Z",
            "lastModified": "2025-01-14T09:12:03Z",
            "location": "https://preciate.example/api/v1/scim/Users/20edfca9-e018-4c4a-945e-8ee1c1a93a5b",
            "version": 'W/"1736845923000000"',
        },
    }


def assert_storable(value: object) -> None:
    """Strict JSON (no Infinity, which PostgreSQL's jsonb and the SCIM renderer refuse) in UTF-8."""
    json.dumps(value, allow_nan=False, ensure_ascii=False).encode("utf-8")


def patch_op(*operations: dict) -> dict:
    return {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": list(operations)}


@given(st.one_of(s.json_values, s.patch_bodies))
@budget()
def test_normalising_any_json_body_either_gives_operations_or_refuses_with_a_patch_error(body):
    TALLY.examples["normalise_operations(any JSON)"] += 1
    try:
        normalise_operations(body)
    except PatchError:
        pass


@given(s.patch_bodies)
@budget()
def test_any_patch_on_a_stored_user_applies_whole_and_storable_or_refuses_and_changes_nothing(body):
    TALLY.examples["apply_patch(stored user, any PatchOp)"] += 1
    check_patch(body)


def check_patch(body: object) -> None:
    resource = stored_resource()
    before = copy.deepcopy(resource)
    try:
        result = apply_patch(resource, body)
    except PatchError:
        assert resource == before
        return
    assert resource == before, "apply_patch changed the resource it was given"
    assert isinstance(result, dict)
    assert_storable(result)


@given(s.patch_bodies)
@budget()
def test_a_user_stored_deeply_nested_can_still_be_patched_or_refused_cleanly(body):
    # Finding: a member stored at 476 levels could never be patched again, not even active=false.
    TALLY.examples["apply_patch(deeply nested user, any PatchOp)"] += 1
    resource = {**stored_resource(), "urn:ietf:params:scim:schemas:extension:custom:2.0:User": {"deep": DEEP}}
    try:
        apply_patch(resource, body)
    except PatchError:
        pass


@given(st.one_of(s.any_text, s.filters))
@budget()
def test_any_filter_string_translates_to_a_query_or_refuses_with_a_filter_error(expression):
    TALLY.examples["filter_to_q(any string or grammar-shaped filter)"] += 1
    check_filter(expression)


def check_filter(expression: str) -> None:
    try:
        parse_filter(expression)
        filter_to_q(expression)
    except FilterError:
        pass


ACME = Organization(slug="acme", name="Acme Corp")


@given(st.one_of(s.json_values, s.user_resources))
@budget()
def test_reading_any_json_as_a_user_gives_a_storable_user_or_refuses_with_a_validation_error(resource):
    TALLY.examples["from_resource(any JSON)"] += 1
    check_user(resource)


def check_user(resource: object) -> None:
    try:
        user = from_resource(ACME, resource)
    except (ValidationError, PatchError):
        return
    assert user.user_name.strip()
    assert_storable(user.scim_data)
    assert_storable(user.values)
    assert_storable(user.emails)


@given(s.user_resources, s.patch_bodies)
@budget()
def test_reading_a_user_after_any_patch_gives_a_storable_user_or_refuses(resource, body):
    # The PATCH view's pipeline, without the database: apply, then read the result as a user.
    TALLY.examples["from_resource(apply_patch(any user, any PatchOp))"] += 1
    try:
        from_resource(ACME, apply_patch(from_resource(ACME, resource).scim_data | {"schemas": [CORE_USER]}, body))
    except (ValidationError, PatchError):
        pass


# --- inputs found to break the endpoint, replayed through the properties above -----------------


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(patch_op({"op": "add", "path": "title", "value": DEEP}), id="a value nested 1,000 levels"),
        pytest.param(patch_op({"op": "replace", "value": {"title": DEEP}}), id="a path-less value nested 1,000 levels"),
        pytest.param(patch_op({"op": "replace", "path": "title", "value": float("inf")}), id="1e400 as a value"),
        pytest.param(patch_op({"op": "replace", "path": "displayName", "value": "\ud800"}), id="a lone surrogate"),
    ],
)
def test_a_hostile_patch_found_by_fuzzing_applies_storably_or_is_refused(body):
    check_patch(body)


@pytest.mark.parametrize(
    "expression",
    [
        pytest.param('userName eq "a"' + ' or userName eq "a"' * 1_000, id="1,000 ORs"),
        pytest.param("(" * 1_000 + 'userName eq "a"' + ")" * 1_000, id="1,000 nested parentheses"),
        pytest.param('meta.created gt "9999-12-31T23:59:59Z"', id="gt the last second of year 9999"),
        pytest.param('meta.lastModified le "9999-12-31T23:59:59.999999Z"', id="le the last instant of year 9999"),
        pytest.param('meta.created eq "9999-12-31T23:59:59Z"', id="eq the last second of year 9999"),
    ],
)
def test_a_hostile_filter_found_by_fuzzing_translates_or_is_refused(expression):
    check_filter(expression)


@pytest.mark.parametrize(
    "resource",
    [
        pytest.param({"userName": "alice@contoso.example", "title": DEEP}, id="a value nested 1,000 levels"),
        pytest.param({"userName": "alice@contoso.example", "displayName": "\ud800"}, id="a lone surrogate"),
        pytest.param({"userName": "\udfff@contoso.example"}, id="a lone surrogate in userName"),
        pytest.param({"userName": "alice@contoso.example", "nickName": float("inf")}, id="1e400 as a value"),
    ],
)
def test_a_hostile_user_found_by_fuzzing_reads_storably_or_is_refused(resource):
    check_user(resource)
