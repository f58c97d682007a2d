"""Entra's and Okta's group conversations answer as scim/openapi.yaml describes /Groups."""

import uuid

from organizations.models import Organization
from tests.fuzz.test_openapi_responses import DescribedClient, idp  # noqa: F401 (the fixture)
from tests.scim.group_fixtures import ALICE, BOB, CAROL, group_payload, person


def test_a_group_cycle_answers_as_described(idp: DescribedClient):  # noqa: F811
    org = Organization.objects.get(slug="acme")
    for scim_id, name in ((ALICE, "alice"), (BOB, "bob"), (CAROL, "carol")):
        person(org, scim_id, name)
    idp.call("GET", "/Groups", '/Groups?excludedAttributes=members&filter=displayName+eq+"Field+Engineering"')
    created = idp.call("POST", "/Groups", body=group_payload("entra_group_create_adscim")).get_json()
    group = f"/Groups/{created['id']}"
    idp.call("POST", "/Groups", body=group_payload("entra_group_create_adscim"))  # 409
    for name in (
        "entra_group_add_members",
        "entra_group_remove_members_with_value",
        "entra_group_remove_member_value_filter",
        "entra_group_replace_displayname_bare_string",
        "entra_group_add_externalid",
        "okta_group_remove_then_add_members",
        "okta_group_replace_all_members",
        "microsoft_postman_group_add_member_name_and_displayname_keys",
    ):
        idp.call("PATCH", "/Groups/{group_id}", group, body=group_payload(name))
    idp.call(
        "PATCH",
        "/Groups/{group_id}",
        group,
        body=group_payload("okta_group_rename_pathless_replace", GROUP_ID=created["id"]),
    )
    idp.call(
        "PATCH",
        "/Groups/{group_id}",
        group + "?excludedAttributes=members",
        body={"Operations": [{"op": "add", "path": "members", "value": [{"value": str(uuid.uuid4())}]}]},
    )  # 400
    idp.call("GET", "/Groups/{group_id}", group)
    idp.call("GET", "/Groups/{group_id}", group + "?excludedAttributes=members")
    idp.call("GET", "/Groups", "/Groups?startIndex=1&count=100")
    idp.call("GET", "/Groups", '/Groups?filter=displayName+co+"x"')  # 400
    idp.call(
        "PUT", "/Groups/{group_id}", group, body=group_payload("okta_group_put_full_members", GROUP_ID=created["id"])
    )
    idp.call("PUT", "/Groups/{group_id}", group, body={"displayName": "x"}, **{"If-Match": 'W/"1"'})  # 412
    idp.call("GET", "/Users/{scim_id}", f"/Users/{ALICE}")
    idp.call("GET", "/ResourceTypes/{name}", "/ResourceTypes/Group")
    idp.call("GET", "/Schemas/{urn}", "/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group")
    idp.call("DELETE", "/Groups/{group_id}", group)
    idp.call("GET", "/Groups/{group_id}", group)  # 404
    assert {200, 201, 204, 400, 404, 409, 412} <= set(idp.statuses)
