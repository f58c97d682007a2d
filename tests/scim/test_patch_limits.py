"""PATCH does bounded work: capped operations, attributes and values, a linear engine, and
nothing parsed under the key hold or the row lock.

A 20,000-operation PATCH once took 80 s while holding the key row's share lock (the engine
scanned every key per operation), so a regenerate waited on it. Each refusal is a SCIM 400
and leaves the directory and its audit trail as they were.
"""

import json
import sys
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from organizations.models import Member
from scim.patch import MAX_OPERATIONS, apply_operations, normalise_operations
from tests.scim.helpers import directory, patch_op, scim_error

pytestmark = pytest.mark.django_db


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


def test_a_patch_of_a_thousand_operations_is_applied_whole(org, scim, grace):
    operations = [{"op": "replace", "path": "title", "value": f"Title {i}"} for i in range(MAX_OPERATIONS)]

    response = scim.patch(f"/Users/{grace['id']}", patch_op(*operations))

    assert response.status_code == 200, response.content[:500]
    assert Member.objects.get(scim_id=grace["id"]).title == f"Title {MAX_OPERATIONS - 1}"


def test_a_path_less_value_of_two_thousand_attributes_is_refused(org, scim, grace):
    before = directory(org)
    value = {f"urn:example:custom:2.0:User:attribute{i}": "x" for i in range(2_000)}

    response = scim.patch(f"/Users/{grace['id']}", patch_op({"op": "add", "value": value}))

    assert "at most" in scim_error(response, 400, "invalidValue")["detail"]
    assert directory(org) == before


def test_a_user_created_with_two_thousand_attributes_is_refused_and_not_created(org, scim):
    body = {"userName": "wide@acme.example", **{f"custom{i}": "x" for i in range(2_000)}}

    response = scim.post("/Users", body)

    assert "attributes" in scim_error(response, 400, "invalidValue")["detail"]
    assert not Member.objects.filter(organization=org).exists()


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


def test_applying_a_thousand_operations_costs_twice_the_work_of_five_hundred():
    def work(n: int) -> int:
        # Half add new attributes, half replace them spelt in another case (names are
        # case-insensitive, RFC 7643 §2.1): the look-up that once scanned every key.
        adds = [{"op": "add", "path": f"custom{i}", "value": "x"} for i in range(n // 2)]
        replaces = [{"op": "replace", "path": f"CUSTOM{i}", "value": "y"} for i in range(n // 2)]
        resource = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "a@acme.example"}
        return _lines_run_in_the_patch_engine(resource, patch_op(*adds, *replaces))

    assert work(1_000) < 2.2 * work(500)
