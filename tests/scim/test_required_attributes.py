"""Removing a required attribute is 400 ``mutability`` (RFC 7644 §3.5.2.2), and discovery says which are required.

``active`` is required in Preciate (docs/protocol.md#active-is-required): a leaver must never
come back because an attribute was removed, so a ``remove`` of it is refused with a detail
telling the admin to send ``active`` false. userName is required by RFC 7643 §4.1.1.
"""

from organizations.models import Member
from tests.scim.helpers import directory, patch_op, payload, scim_error

CORE = "urn:ietf:params:scim:schemas:core:2.0:User"


def test_removing_active_is_refused_and_tells_the_admin_to_send_active_false(scim, grace, org):
    path = f"/Users/{grace['id']}"
    assert scim.patch(path, patch_op({"op": "replace", "path": "active", "value": False})).status_code == 200
    before = directory(org)
    detail = scim_error(scim.patch(path, payload("rfc_patch_remove_active")), 400, "mutability")["detail"]
    assert '"active" is required' in detail and '"value": false' in detail
    assert directory(org) == before
    assert scim.get(path).json()["active"] is False
    assert Member.objects.get(scim_id=grace["id"]).idp_active is False


def test_removing_active_among_other_operations_applies_none_of_them(scim, grace):
    body = patch_op({"op": "replace", "path": "title", "value": "Commodore"}, {"op": "Remove", "path": "ACTIVE"})
    detail = scim_error(scim.patch(f"/Users/{grace['id']}", body), 400, "mutability")["detail"]
    assert detail.startswith("Operation 2:")
    assert scim.get(f"/Users/{grace['id']}").json()["title"] == "Rear Admiral"


def test_removing_user_name_is_refused_as_mutability_and_says_to_replace_it(scim, grace, org):
    before = directory(org)
    detail = scim_error(scim.patch(f"/Users/{grace['id']}", payload("rfc_patch_remove_user_name")), 400, "mutability")[
        "detail"
    ]
    assert '"userName" is required' in detail and "replace it" in detail
    assert directory(org) == before


def test_entras_null_update_of_active_still_keeps_the_current_value(scim, grace):
    # Microsoft's null-update test clears with "" (docs/protocol.md#cleared-attributes): not a remove.
    path = f"/Users/{grace['id']}"
    scim.patch(path, patch_op({"op": "Replace", "path": "active", "value": "False"}))
    response = scim.patch(path, payload("validator_gallery_null_update_empty_string"))
    assert response.status_code == 200, response.content
    assert response.json()["active"] is False


def test_discovery_marks_active_and_user_name_required_and_says_how_to_deactivate(scim):
    listed = {a["name"]: a for a in scim.get(f"/Schemas/{CORE}").json()["attributes"]}
    assert {name for name, a in listed.items() if a["required"]} == {"userName", "active"}
    assert "send false to deactivate" in listed["active"]["description"]
