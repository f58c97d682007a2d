"""``add`` of a value a multi-valued attribute already holds changes nothing (RFC 7644 §3.5.2.1).

"If the target location already contains the value specified, no changes SHOULD be made
to the resource, and a success response SHOULD be returned": no duplicate, no write, no event.
"""

from typing import Any

from organizations.models import Event, Member, MemberEmail
from scim.patch import apply_patch
from tests.scim.helpers import patch_op, payload

GRACE_WORK = {"value": "grace.hopper@acme.example", "type": "work", "primary": True}


def test_adding_the_existing_work_email_again_keeps_one_email_and_writes_nothing(scim, grace, org):
    member = Member.objects.get(scim_id=grace["id"])
    events = Event.objects.filter(organization=org).count()
    response = scim.patch(f"/Users/{grace['id']}", payload("rfc_patch_add_existing_email_is_a_no_op"))
    assert response.status_code == 200, response.content
    assert response.json()["emails"] == [GRACE_WORK]
    assert scim.get(f"/Users/{grace['id']}").json()["emails"] == [GRACE_WORK]
    assert MemberEmail.objects.filter(member=member).count() == 1
    assert Member.objects.get(pk=member.pk).updated_at == member.updated_at
    assert Event.objects.filter(organization=org).count() == events
    assert response["ETag"] == grace["meta"]["version"]


def test_the_same_email_in_another_case_with_a_display_updates_that_email_as_sent_instead_of_adding_one():
    resource: dict[str, Any] = {"userName": "grace.hopper@acme.example", "emails": [GRACE_WORK]}
    patched = apply_patch(resource, payload("rfc_patch_add_existing_email_in_other_case_with_display"))
    # One email, spelled as the IdP last sent it (docs/protocol.md#round-trip).
    assert patched["emails"] == [
        {"value": "Grace.Hopper@ACME.example", "type": "Work", "primary": True, "display": "Grace"}
    ]


def test_the_same_address_of_another_type_is_a_new_value():
    resource: dict[str, Any] = {"userName": "a@acme.example", "emails": [GRACE_WORK]}
    body = patch_op({"op": "add", "path": "emails", "value": [{"value": GRACE_WORK["value"], "type": "home"}]})
    assert apply_patch(resource, body)["emails"] == [GRACE_WORK, {"value": GRACE_WORK["value"], "type": "home"}]


def test_a_new_primary_value_added_beside_the_existing_one_still_demotes_it(scim, grace):
    body = patch_op(
        {
            "op": "add",
            "path": "emails",
            "value": [
                {"value": "grace.hopper@acme.example", "type": "work"},
                {"value": "g@navy.example", "primary": True},
            ],
        }
    )
    emails = scim.patch(f"/Users/{grace['id']}", body).json()["emails"]
    assert emails == [{**GRACE_WORK, "primary": False}, {"value": "g@navy.example", "primary": True}]


def test_a_phone_number_added_again_without_its_type_is_not_duplicated(scim, grace):
    path = f"/Users/{grace['id']}"
    scim.patch(
        path, patch_op({"op": "add", "path": "phoneNumbers", "value": [{"value": "+1 555 0100", "type": "work"}]})
    )
    again = scim.patch(path, patch_op({"op": "add", "path": "phoneNumbers", "value": {"value": "+1 555 0100"}}))
    assert again.json()["phoneNumbers"] == [{"value": "+1 555 0100", "type": "work"}]
