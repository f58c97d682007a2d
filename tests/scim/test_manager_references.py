"""The manager over SCIM: read back as sent, refused when an id names nobody, linked on arrival.

docs/protocol.md#manager-references. Entra names the manager by our id; Okta and custom
mappings by the manager's userName, email, externalId or employee number.
"""

import json
from typing import Any

import pytest

from organizations.models import Event, Member, Organization
from tests.scim.helpers import ENTERPRISE, PAYLOADS, TENANT_URL, ScimClient, directory, patch_op, payload, scim_error

UNKNOWN_ID = "9d3e6b1a-7c2f-4e58-b0a4-1f2e3d4c5b6a"  # in the entra_*unknown_id payloads


def payload_with(name: str, **values: str) -> dict[str, Any]:
    """A payload file with its ``{placeholders}`` filled, e.g. the id of a manager just created."""
    text = (PAYLOADS / f"{name}.json").read_text()
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return json.loads(text)


def jane_body(**extra: Any) -> dict[str, Any]:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "userName": "jane.doe@acme.example",
        "name": {"givenName": "Jane", "familyName": "Doe"},
        "emails": [{"primary": True, "type": "work", "value": "jane.doe@acme.example"}],
        **extra,
    }


@pytest.fixture
def jane(okta: ScimClient) -> dict[str, Any]:
    """The manager, provisioned first."""
    return okta.create(jane_body())


def manager_of(resource: dict[str, Any]) -> Member | None:
    return Member.objects.select_related("manager").get(scim_id=resource["id"]).manager


def events(action: str, resource: dict[str, Any]) -> list[Event]:
    return list(Event.objects.filter(action=action, member__scim_id=resource["id"]).order_by("pk"))


# -- Read back as sent ---------------------------------------------------------------------


def test_a_manager_sent_with_ref_and_display_name_reads_back_exactly_as_sent(okta, jane):
    body = payload_with("okta_manager_with_ref_and_display_name", manager_id=jane["id"])
    created = okta.create(body)
    sent = body[ENTERPRISE]["manager"]
    assert created[ENTERPRISE]["manager"] == sent
    assert okta.get(f"/Users/{created['id']}").json()[ENTERPRISE]["manager"] == sent
    assert manager_of(created).user_name == "jane.doe@acme.example"


def test_a_manager_sent_as_a_bare_id_reads_back_with_our_ref_and_no_name_it_was_not_sent(scim, org):
    boss = scim.create({"userName": "boss@acme.example", "name": {"givenName": "Bo", "familyName": "Ss"}})
    report = scim.create({"userName": "report@acme.example"})
    body = payload("entra_patch_manager_bare_id")
    body["Operations"][0]["value"] = boss["id"]
    response = scim.patch(f"/Users/{report['id']}", body)
    assert response.status_code == 200, response.content
    assert response.json()[ENTERPRISE]["manager"] == {
        "value": boss["id"],
        "$ref": f"{TENANT_URL}/Users/{boss['id']}",
    }
    # Only what Entra sent is stored, and a name it did not send is not added (docs/interop.md).
    stored = Member.objects.get(scim_id=report["id"]).scim_data[ENTERPRISE]["manager"]
    assert stored == {"value": boss["id"]}


def test_a_manager_named_by_username_is_linked_now_and_reads_back_as_sent_with_our_ref(okta, jane):
    created = okta.create(payload("okta_manager_by_username"))
    assert str(manager_of(created).scim_id) == jane["id"]
    assert created[ENTERPRISE]["manager"] == {
        "value": "jane.doe@acme.example",
        "$ref": f"{TENANT_URL}/Users/{jane['id']}",
    }
    assert events("manager.linked", created)[0].actor_label == "Okta"


def test_patching_only_the_managers_value_forgets_the_old_managers_ref_and_name(okta, jane):
    deputy = okta.create({"userName": "deputy@acme.example", "displayName": "Dee Puty"})
    created = okta.create(payload_with("okta_manager_with_ref_and_display_name", manager_id=jane["id"]))
    operation = {"op": "replace", "path": f"{ENTERPRISE}:manager.value", "value": deputy["id"]}
    response = okta.patch(f"/Users/{created['id']}", patch_op(operation))
    assert response.status_code == 200, response.content
    assert response.json()[ENTERPRISE]["manager"] == {
        "value": deputy["id"],
        "$ref": f"{TENANT_URL}/Users/{deputy['id']}",
    }


# -- An id that names nobody is refused ------------------------------------------------------


def test_a_patch_naming_an_unknown_manager_id_is_refused_whole_and_the_manager_is_unchanged(scim, org):
    boss = scim.create({"userName": "boss@acme.example"})
    report = scim.create({"userName": "report@acme.example", "title": "Analyst"})
    path = f"/Users/{report['id']}"
    assert (
        scim.patch(path, patch_op({"op": "Add", "path": f"{ENTERPRISE}:manager", "value": boss["id"]})).status_code
        == 200
    )
    before = directory(org)
    detail = scim_error(scim.patch(path, payload("entra_manager_unknown_id")), 400, "invalidValue")["detail"]
    assert UNKNOWN_ID in detail
    assert directory(org) == before  # neither the title nor the manager changed
    assert manager_of(report).user_name == "boss@acme.example"
    assert scim.get(path).json()[ENTERPRISE]["manager"]["value"] == boss["id"]


def test_a_post_naming_an_unknown_manager_id_creates_nobody(scim, org):
    detail = scim_error(scim.post("/Users", payload("entra_create_user_manager_unknown_id")), 400, "invalidValue")[
        "detail"
    ]
    assert UNKNOWN_ID in detail and "Acme Corp" in detail
    assert not Member.objects.filter(user_name="nora.new@acme.example").exists()


def test_a_put_naming_an_unknown_manager_id_changes_nothing(okta, org, jane):
    report = okta.create(payload("okta_manager_by_username"))
    before = directory(org)
    scim_error(okta.put(f"/Users/{report['id']}", payload("okta_put_manager_unknown_id")), 400, "invalidValue")
    assert directory(org) == before
    assert manager_of(report).user_name == "jane.doe@acme.example"


def test_another_organizations_persons_id_as_manager_is_refused_and_never_linked(scim, other_scim, org):
    outsider = other_scim.create({"userName": "boss@globex.example"})
    body = payload("entra_create_user_manager_unknown_id")
    body[ENTERPRISE]["manager"] = outsider["id"]
    assert outsider["id"] in scim_error(scim.post("/Users", body), 400, "invalidValue")["detail"]
    report = scim.create({"userName": "report@acme.example"})
    operations = payload("entra_manager_unknown_id")
    operations["Operations"][1]["value"] = outsider["id"]
    scim_error(scim.patch(f"/Users/{report['id']}", operations), 400, "invalidValue")
    assert manager_of(report) is None
    assert not Member.objects.filter(organization=org, manager__organization__slug="globex").exists()


def test_naming_oneself_as_manager_is_scim_error(scim):
    report = scim.create({"userName": "report@acme.example"})
    operation = {"op": "Add", "path": f"{ENTERPRISE}:manager", "value": report["id"]}
    scim_error(scim.patch(f"/Users/{report['id']}", patch_op(operation)), 400, "invalidValue")


# -- Another key waits for its person ---------------------------------------------------------


def test_a_manager_named_before_they_arrive_waits_then_links_itself_when_they_are_created(okta, org):
    report = okta.create(payload("okta_manager_by_username"))
    assert manager_of(report) is None
    # Read back as sent, without a $ref: it names no resource yet.
    assert report[ENTERPRISE]["manager"] == {"value": "jane.doe@acme.example"}
    [unresolved] = events("manager.unresolved", report)
    assert unresolved.summary == (
        "Manager 'jane.doe@acme.example' matches nobody in Acme Corp; "
        "provision that person or fix the manager mapping in Okta"
    )

    jane = okta.create(jane_body())
    assert str(manager_of(report).scim_id) == jane["id"]
    read = okta.get(f"/Users/{report['id']}").json()
    assert read[ENTERPRISE]["manager"]["$ref"].endswith(f"/Users/{jane['id']}")
    [linked] = events("manager.linked", report)
    assert linked.actor_label == "Okta" and "Jane Doe" in linked.summary
    assert Member.objects.get(scim_id=report["id"]).manager_reference == ""


def test_a_manager_named_by_employee_number_links_when_someone_takes_that_number(okta, jane):
    report = okta.create(payload("okta_manager_by_employee_number"))
    assert manager_of(report) is None
    operation = {"op": "replace", "path": f"{ENTERPRISE}:employeeNumber", "value": "E-1042"}
    assert okta.patch(f"/Users/{jane['id']}", patch_op(operation)).status_code == 200
    assert manager_of(report).user_name == "jane.doe@acme.example"


def test_a_waiting_manager_never_links_to_a_person_of_another_organization(okta, org, other_org, other_scim):
    report = okta.create(payload("okta_manager_by_username"))
    other_scim.create(jane_body(externalId="E-1042"))
    assert manager_of(report) is None
    assert Member.objects.get(scim_id=report["id"]).manager_reference == "jane.doe@acme.example"
    assert not Event.objects.filter(organization=other_org, action="manager.linked").exists()


def test_a_patch_of_something_else_keeps_a_waiting_manager_waiting_without_a_second_warning(okta):
    report = okta.create(payload("okta_manager_by_username"))
    response = okta.patch(f"/Users/{report['id']}", patch_op({"op": "replace", "path": "title", "value": "Lead"}))
    assert response.status_code == 200, response.content
    assert response.json()[ENTERPRISE]["manager"] == {"value": "jane.doe@acme.example"}
    assert len(events("manager.unresolved", report)) == 1


def test_a_waiting_manager_resent_unchanged_links_if_the_person_arrived_meanwhile(okta, org):
    report = okta.create(payload("okta_manager_by_username"))
    # Jane arrives without the look-up seeing her: as when both requests ran at once.
    jane = Member.objects.create(organization=org, user_name="jane.doe@acme.example", managed_by_idp=True)
    assert okta.put(f"/Users/{report['id']}", payload("okta_manager_by_username")).status_code == 200
    assert manager_of(report).pk == jane.pk


# -- The audit trail ----------------------------------------------------------------------------


def test_clearing_a_linked_manager_records_who_unlinked_whom(scim):
    boss = scim.create({"userName": "boss@acme.example", "displayName": "Big Boss"})
    report = scim.create({"userName": "report@acme.example"})
    path = f"/Users/{report['id']}"
    assert (
        scim.patch(path, patch_op({"op": "Add", "path": f"{ENTERPRISE}:manager", "value": boss["id"]})).status_code
        == 200
    )
    assert scim.patch(path, payload("entra_patch_manager_clear_after_link")).status_code == 200
    [linked] = events("manager.linked", report)
    [unlinked] = events("manager.unlinked", report)
    assert linked.summary == "Manager set to Big Boss"
    assert unlinked.summary == "Manager Big Boss unlinked"
    assert unlinked.actor_label == "Microsoft Entra ID"
    assert manager_of(report) is None


def test_replacing_a_linked_manager_with_a_key_that_waits_unlinks_and_says_why(okta, jane):
    report = okta.create(payload("okta_manager_by_username"))
    operation = {"op": "replace", "path": f"{ENTERPRISE}:manager", "value": {"value": "max@acme.example"}}
    assert okta.patch(f"/Users/{report['id']}", patch_op(operation)).status_code == 200
    assert manager_of(report) is None
    [unlinked] = events("manager.unlinked", report)
    assert "'max@acme.example'" in unlinked.summary
    assert events("manager.unresolved", report)[-1].summary.startswith("Manager 'max@acme.example' matches nobody")


# -- What it costs ------------------------------------------------------------------------------


def test_a_patch_of_the_title_of_someone_with_a_manager_costs_what_it_does_without(
    scim, org: Organization, django_assert_num_queries
):
    boss = scim.create({"userName": "boss@acme.example"})
    report = scim.create({"userName": "report@acme.example"})
    path = f"/Users/{report['id']}"
    assert (
        scim.patch(path, patch_op({"op": "Add", "path": f"{ENTERPRISE}:manager", "value": boss["id"]})).status_code
        == 200
    )
    # key check, SAVEPOINT, key hold, the member under lock (with the groups the user is in,
    # RFC 7643 §4.1.2), the update, the event, RELEASE
    with django_assert_num_queries(7):
        response = scim.patch(path, patch_op({"op": "Replace", "path": "title", "value": "Countess"}))
    assert response.status_code == 200
    assert response.json()[ENTERPRISE]["manager"]["value"] == boss["id"]
