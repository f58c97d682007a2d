"""The SCIM endpoint (scim/views.py) through the real URLs, auth and database.

Its contract (auth, discovery, content types, errors, listing, isolation), then Entra's own
request sequences, the tolerances a robust server needs, hostile input, and what each verb
costs the database. Wherever a list, filter or read is involved, the other organization
provisions look-alike people and must stay invisible.
"""

import json
import logging
import re
import uuid
from typing import Any

import pytest
from django.test import Client

from organizations.models import Department, Event, Location, Member, MemberEmail, Organization
from organizations.services import Actor, create_member, remove_member
from tests.factories import MemberFactory
from tests.scim.helpers import (
    BASE,
    CORE,
    ENTERPRISE,
    SCIM_JSON,
    ScimClient,
    directory,
    list_response,
    ok,
    patch_op,
    payload,
    scim_error,
    service_provider_config,
    user_resource,
)

# Discovery and routing


def test_service_provider_config_advertises_patch_filter_paging_and_bearer_auth(scim):
    assert ok(scim.get("/ServiceProviderConfig")) == service_provider_config()


def test_resource_types_and_schemas_are_list_responses_naming_user_the_enterprise_extension_and_group(scim):
    types = scim.get("/ResourceTypes").json()
    assert types["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]
    user = next(t for t in types["Resources"] if t["id"] == "User")
    assert user["schemaExtensions"][0]["schema"] == "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    assert scim.get("/ResourceTypes/User").json()["endpoint"] == "/Users"
    schemas = scim.get("/Schemas").json()
    ids = {s["id"] for s in schemas["Resources"]}
    assert ids == {
        "urn:ietf:params:scim:schemas:core:2.0:User",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        "urn:ietf:params:scim:schemas:core:2.0:Group",
    }
    core = scim.get("/Schemas/urn:ietf:params:scim:schemas:core:2.0:User").json()
    assert any(a["name"] == "userName" and a["uniqueness"] == "server" for a in core["attributes"])


def test_the_groups_probe_gets_an_empty_list_on_a_new_tenant(scim):
    probe = scim.get("/Groups", {"excludedAttributes": "members", "filter": 'displayName eq "9a8b7c6d"'})
    assert probe.status_code == 200
    assert probe.json()["totalResults"] == 0 and probe.json()["Resources"] == []


@pytest.mark.parametrize("path", ["/Users/", "/ServiceProviderConfig/", "/Schemas/", "/Groups/"])
def test_a_trailing_slash_is_served_without_a_redirect(scim, path):
    assert scim.get(path).status_code == 200


def test_a_post_with_a_trailing_slash_creates_without_a_redirect(scim):
    assert scim.post("/Users/", {"userName": "slash@contoso.example"}).status_code == 201


def test_an_unknown_path_is_a_scim_404(scim):
    scim_error(scim.get("/Widgets"), 404)


def test_unknown_query_parameters_such_as_the_entra_flag_are_ignored(scim):
    assert scim.get("/Users?aadOptscim062020&foo=bar").status_code == 200


@pytest.mark.parametrize("accept", ["application/json", "*/*", "application/scim+json", "text/html"])
def test_every_accept_header_gets_scim_json(scim, accept):
    response = scim.get("/Users", headers={"Accept": accept})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/scim+json"


@pytest.mark.parametrize("content_type", ["application/json", "application/scim+json", "text/plain", ""])
def test_bodies_are_read_as_json_whatever_the_content_type(scim, content_type):
    response = scim.post("/Users", {"userName": "ct@contoso.example"}, content_type=content_type)
    assert response.status_code == 201, response.content


# Errors


def test_malformed_json_is_a_400_invalid_syntax_and_creates_nothing(scim, org):
    scim_error(scim.post("/Users", None, raw='{"userName": '), 400, "invalidSyntax")
    assert not Member.objects.filter(organization=org).exists()


def test_a_user_without_username_is_a_400_invalid_value(scim):
    body = scim_error(scim.post("/Users", {"displayName": "Nobody"}), 400, "invalidValue")
    assert "userName" in body["detail"]


def test_a_wrong_method_is_a_scim_405(scim):
    scim_error(scim.delete("/Users"), 405)


def test_an_unparseable_filter_is_a_400_invalid_filter_never_the_unfiltered_list(scim, org):
    MemberFactory(organization=org)
    scim_error(scim.get("/Users", {"filter": 'userName eq "unterminated'}), 400, "invalidFilter")
    scim_error(scim.get("/Users", {"filter": 'shoeSize eq "42"'}), 400, "invalidFilter")


def test_a_failed_request_is_recorded_with_the_detail_returned_to_the_idp(scim, org):
    body = scim_error(scim.post("/Users", {"displayName": "Nobody"}), 400)
    event = Event.objects.get(organization=org, action="scim.failed")
    assert event.status == 400
    assert body["detail"] in event.summary


def test_a_bad_patch_changes_nothing(scim, org):
    created = scim.create(payload("entra_create_user_default_mappings"))
    response = scim.patch(
        f"/Users/{created['id']}",
        patch_op({"op": "Replace", "path": "title", "value": "Changed"}, {"op": "Explode", "path": "title"}),
    )
    scim_error(response, 400)
    assert Member.objects.get(scim_id=created["id"]).title == "Field Engineer"


def test_if_match_with_a_stale_version_is_a_412_and_the_current_version_applies(scim):
    created = scim.create({"userName": "etag@contoso.example"})
    path = f"/Users/{created['id']}"
    stale = scim_error(
        scim.patch(path, patch_op({"op": "add", "path": "title", "value": "A"}), headers={"If-Match": 'W/"1"'}), 412
    )
    assert stale
    version = scim.get(path)["ETag"]
    response = scim.patch(path, patch_op({"op": "add", "path": "title", "value": "A"}), headers={"If-Match": version})
    assert response.status_code == 200


def test_an_id_that_is_not_a_uuid_is_a_scim_404(scim):
    scim_error(scim.get("/Users/not-a-uuid"), 404)


# Listing


def test_list_paging_is_stable(scim, org):
    for n in range(5):
        MemberFactory(organization=org, user_name=f"p{n}@contoso.example")
    body = scim.get("/Users", {"count": 1000}).json()
    assert body["totalResults"] == 5 and body["itemsPerPage"] == 5
    page = scim.get("/Users", {"startIndex": 2, "count": 2}).json()
    assert [r["userName"] for r in page["Resources"]] == [r["userName"] for r in body["Resources"][1:3]]
    assert scim.get("/Users", {"count": 0}).json()["Resources"] == []


def test_a_page_never_holds_more_than_the_maximum_service_provider_config_advertises(scim, org):
    advertised = scim.get("/ServiceProviderConfig").json()["filter"]["maxResults"]
    MemberFactory.create_batch(advertised + 1, organization=org)
    body = scim.get("/Users", {"count": 1000}).json()
    assert body["totalResults"] == advertised + 1
    assert body["itemsPerPage"] == advertised
    assert len(body["Resources"]) == advertised
    rest = scim.get("/Users", {"startIndex": advertised + 1, "count": 1000}).json()
    assert len(rest["Resources"]) == 1


def test_sort_by_username_descending(scim, org):
    for name in ("b@x.example", "c@x.example", "a@x.example"):
        MemberFactory(organization=org, user_name=name)
    body = scim.get("/Users", {"sortBy": "userName", "sortOrder": "descending"}).json()
    assert [r["userName"] for r in body["Resources"]] == ["c@x.example", "b@x.example", "a@x.example"]


def test_an_equality_filter_with_sort_order_descending_lists_the_newest_first(scim, org):
    for name in ("b@x.example", "c@x.example", "a@x.example"):
        MemberFactory(organization=org, user_name=name, title="Analyst")
    for order, expected in (({}, ["b", "c", "a"]), ({"sortOrder": "descending"}, ["a", "c", "b"])):
        body = scim.get("/Users", {"filter": 'title eq "Analyst"', **order}).json()
        assert [r["userName"][0] for r in body["Resources"]] == expected


def test_attributes_and_excluded_attributes_shape_the_resources(scim):
    created = scim.create(payload("entra_create_user_default_mappings"))
    only = scim.get("/Users", {"attributes": "userName", "filter": f'id eq "{created["id"]}"'}).json()["Resources"][0]
    assert set(only) == {"schemas", "id", "userName"}
    without = scim.get(f"/Users/{created['id']}", {"excludedAttributes": "emails,name.givenName"}).json()
    assert "emails" not in without
    assert "givenName" not in without["name"] and without["name"]["familyName"] == "Moreau"


# Isolation between organizations


def test_another_organizations_people_are_invisible_everywhere(scim, other_scim, org):
    mine = scim.create({"userName": "same@example.com"})
    theirs = other_scim.create({"userName": "same@example.com", "title": "Theirs"})
    listing = scim.get("/Users").json()
    assert [r["id"] for r in listing["Resources"]] == [mine["id"]]
    found = scim.get("/Users", {"filter": f'id eq "{theirs["id"]}"'}).json()
    assert found["totalResults"] == 0
    scim_error(scim.get(f"/Users/{theirs['id']}"), 404)
    scim_error(scim.patch(f"/Users/{theirs['id']}", patch_op({"op": "add", "path": "title", "value": "x"})), 404)
    scim_error(scim.put(f"/Users/{theirs['id']}", {"userName": "same@example.com"}), 404)
    scim_error(scim.delete(f"/Users/{theirs['id']}"), 404)
    assert Member.objects.get(scim_id=theirs["id"]).title == "Theirs"
    assert Member.objects.get(scim_id=theirs["id"]).is_present


# Query counts stay fixed whatever the organization's size


def _queries_for(django_assert_max_num_queries, call) -> None:
    with django_assert_max_num_queries(6):
        response = call()
    assert response.status_code < 300, response.content


@pytest.mark.parametrize("people", [3, 40])
def test_listing_runs_a_fixed_number_of_queries(scim, org, people, django_assert_max_num_queries):
    boss = MemberFactory(organization=org)
    for _ in range(people):
        MemberFactory(organization=org, manager=boss)
    scim.get("/Users")  # records the key's first use
    _queries_for(django_assert_max_num_queries, lambda: scim.get("/Users", {"count": 100}))


@pytest.mark.parametrize("people", [3, 40])
def test_a_filter_runs_a_fixed_number_of_queries(scim, org, people, django_assert_max_num_queries):
    for _ in range(people):
        MemberFactory(organization=org)
    scim.get("/Users")
    _queries_for(django_assert_max_num_queries, lambda: scim.get("/Users", {"filter": 'userName eq "x@y.z"'}))


def test_a_patch_runs_a_fixed_number_of_queries(scim, org, django_assert_max_num_queries):
    created = scim.create(payload("entra_create_user_default_mappings"))
    with django_assert_max_num_queries(16):
        response = scim.patch(
            f"/Users/{created['id']}",
            patch_op(
                {"op": "Replace", "path": "title", "value": "Lead"},
                {
                    "op": "Replace",
                    "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
                    "value": "Sales",
                },
            ),
        )
    assert response.status_code == 200


def test_csrf_does_not_apply_to_bearer_requests(scim_key):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        BASE + "/Users",
        data=json.dumps({"userName": "csrf@contoso.example"}),
        content_type="application/scim+json",
        headers={"Authorization": f"Bearer {scim_key}"},
    )
    assert response.status_code == 201


@pytest.mark.django_db(transaction=True)
def test_two_identical_posts_at_once_create_one_user_and_the_other_gets_409(org, scim_key):
    import threading

    from django.db import connection

    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def post() -> None:
        try:
            client = ScimClient(scim_key)
            barrier.wait(timeout=5)
            statuses.append(client.post("/Users", payload("entra_create_user_default_mappings")).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201, 409]
    assert Member.objects.filter(organization=org).count() == 1


def test_post_search_runs_the_query_from_the_body(scim, other_scim, org):
    found = scim.create({"userName": "found@contoso.example"})
    scim.create({"userName": "other@contoso.example"})
    other_scim.create({"userName": "found@contoso.example"})
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": 'userName eq "FOUND@contoso.example"',
        "attributes": ["userName"],
        "startIndex": 1,
        "count": 10,
    }
    response = scim.post("/Users/.search", body)
    assert ok(response) == list_response([{"schemas": [CORE], "id": found["id"], "userName": "found@contoso.example"}])


def test_a_no_op_patch_keeps_the_version_so_entra_sees_no_change(scim):
    created = scim.create(payload("entra_create_user_default_mappings"))
    path = f"/Users/{created['id']}"
    before = scim.get(path)
    events = Event.objects.count()
    patched = scim.patch(path, patch_op({"op": "Replace", "path": "title", "value": "Field Engineer"}))
    assert patched.status_code == 200, patched.content
    assert patched["ETag"] == before["ETag"]
    assert patched.json() == before.json()
    after = scim.get(path)
    assert after["ETag"] == before["ETag"]
    assert after.json()["meta"]["lastModified"] == before.json()["meta"]["lastModified"]
    assert Event.objects.count() == events  # nothing written: no event, no new version


@pytest.mark.parametrize("people", [3, 40])
def test_a_post_and_a_read_run_a_fixed_number_of_queries(scim, org, people, django_assert_max_num_queries):
    for _ in range(people):
        MemberFactory(organization=org)
    scim.get("/Users")
    # Savepoints count: about half of these are SAVEPOINT/RELEASE around the nested services.
    with django_assert_max_num_queries(22):
        created = scim.post("/Users", payload("entra_create_user_default_mappings"))
    assert created.status_code == 201
    with django_assert_max_num_queries(3):  # the key, the user, its groups
        assert scim.get(f"/Users/{created.json()['id']}").status_code == 200


# --------------------------------------------------------------------------------------------
# Entra's own request sequences (docs/protocol.md#initial-cycle and after), replayed through the real URL, auth and database.
# --------------------------------------------------------------------------------------------


def test_test_connection_with_a_random_guid_gets_an_empty_list_without_an_accept_header(scim, org):
    MemberFactory(organization=org)
    guid = str(uuid.uuid4())
    response = scim.get("/Users", {"filter": f'userName eq "{guid}"'})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/scim+json"
    assert response.json() == list_response([])


def test_test_connection_with_a_wrong_key_gets_401_that_entra_shows_as_invalid_credentials(db):
    response = ScimClient("prc_" + "x" * 43).get("/Users", {"filter": 'userName eq "x"'})
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["status"] == "401"


def test_the_initial_cycle_filters_then_creates_and_the_user_is_found_afterwards(scim, org):
    body = payload("entra_create_user_default_mappings")
    assert scim.get("/Users", {"filter": 'userName eq "alice@contoso.example"'}).json()["totalResults"] == 0

    response = scim.post("/Users", body)
    assert response.status_code == 201
    created = response.json()
    assert response["Location"] == created["meta"]["location"]
    assert created["meta"]["location"].endswith(f"/api/v1/scim/Users/{created['id']}")
    assert created["meta"]["resourceType"] == "User"
    assert response["ETag"] == created["meta"]["version"]

    found = scim.get("/Users", {"filter": 'userName eq "ALICE@contoso.example"'}).json()
    assert found["totalResults"] == 1
    assert found["Resources"][0]["id"] == created["id"]

    member = Member.objects.get(organization=org, scim_id=created["id"])
    assert (member.title, member.department.name, member.location.name) == (
        "Field Engineer",
        "Customer Success",
        "Building 4, 2nd floor",
    )
    assert member.employee_number == "E-10442"
    assert member.managed_by_idp and member.is_present
    assert Event.objects.filter(member=member, action="member.created").exists()


def test_a_created_user_round_trips_every_attribute_exactly_as_sent(scim):
    body = payload("entra_create_user_default_mappings")
    created = scim.create(body)
    read = scim.get(f"/Users/{created['id']}").json()
    assert read == user_resource(Member.objects.get(scim_id=created["id"]), body)
    assert "null" not in scim.get(f"/Users/{created['id']}").content.decode()
    # An empty multi-valued attribute is the same as none (RFC 7643 §2.5).
    assert "roles" not in read


def test_attribute_names_in_any_case_and_string_booleans_are_read_like_patch_reads_them(scim, org):
    created = scim.create(
        {
            "UserName": "casey@contoso.example",
            "Emails": [{"Value": "Casey@Contoso.example", "Type": "work", "Primary": "True"}],
            "name.givenName": "Casey",
            "Active": "False",
            f"{ENTERPRISE}:department": "Finance",
        }
    )
    assert created["userName"] == "casey@contoso.example"
    assert created["emails"] == [{"value": "Casey@Contoso.example", "type": "work", "primary": True}]
    assert created["name"] == {"givenName": "Casey"}
    assert created["active"] is False
    member = Member.objects.get(scim_id=created["id"])
    assert (member.email, member.given_name, member.department.name) == ("Casey@Contoso.example", "Casey", "Finance")


def test_entra_string_true_on_create_is_accepted_and_returned_as_a_boolean(scim):
    created = scim.create(payload("entra_create_user_active_string_true"))
    assert created["active"] is True


def test_a_user_without_email_falls_back_to_the_username_and_the_city(scim, org):
    created = scim.create(payload("entra_create_user_without_email"))
    member = Member.objects.get(scim_id=created["id"])
    assert member.email == "kiosk01@contoso.example"
    assert member.location.name == "Geneva"
    assert "emails" not in created


def test_updates_in_the_default_shape_change_title_department_and_location(scim, org):
    created = scim.create(payload("entra_create_user_default_mappings"))
    response = scim.patch(
        f"/Users/{created['id']}",
        patch_op(
            {"op": "Replace", "path": "title", "value": "Support Lead"},
            {"op": "Replace", "path": f"{ENTERPRISE}:department", "value": "Support"},
            {"op": "Replace", "path": 'addresses[type eq "work"].formatted', "value": "Building 7"},
        ),
    )
    assert response.status_code == 200, response.content
    assert response.json()["title"] == "Support Lead"
    member = Member.objects.get(scim_id=created["id"])
    assert (member.title, member.department.name, member.location.name) == ("Support Lead", "Support", "Building 7")
    event = Event.objects.filter(member=member, action="member.updated").latest("id")
    assert "title changed from Field Engineer to Support Lead" in event.summary


def test_updates_in_the_aadoptscim062020_shape_with_dotted_and_urn_keys(scim, org):
    created = scim.create(payload("entra_create_user_default_mappings"))
    response = scim.patch(
        f"/Users/{created['id']}?aadOptscim062020",
        patch_op(
            {
                "op": "replace",
                "value": {
                    "name.givenName": "Alicia",
                    f"{ENTERPRISE}:employeeNumber": "E-2",
                    "active": False,
                },
            }
        ),
    )
    assert response.status_code == 200, response.content
    resource = response.json()
    assert resource["name"]["givenName"] == "Alicia"
    assert "name.givenName" not in resource
    assert resource[ENTERPRISE]["employeeNumber"] == "E-2"
    assert resource["active"] is False


def test_disabling_with_entra_string_false_removes_the_person_but_keeps_them_visible_to_scim(scim, org):
    created = scim.create(payload("entra_create_user_default_mappings"))
    response = scim.patch(f"/Users/{created['id']}", patch_op({"op": "Replace", "path": "active", "value": "False"}))
    assert response.status_code == 200
    member = Member.objects.get(scim_id=created["id"])
    assert member.state == "removed_by_idp"
    assert not Member.objects.filter(organization=org).present().filter(pk=member.pk).exists()

    assert scim.get(f"/Users/{created['id']}").json()["active"] is False
    found = scim.get("/Users", {"filter": 'userName eq "alice@contoso.example"'}).json()
    assert found["totalResults"] == 1 and found["Resources"][0]["active"] is False
    assert Event.objects.filter(member=member, action="member.deactivated").exists()

    scim.patch(f"/Users/{created['id']}", patch_op({"op": "Replace", "path": "active", "value": "True"}))
    member.refresh_from_db()
    assert member.is_present
    assert Event.objects.filter(member=member, action="member.reactivated").exists()


def test_manager_set_as_bare_id_is_returned_as_a_complex_value_then_changed_and_cleared(scim, org):
    boss = scim.create({"userName": "boss@contoso.example"})
    deputy = scim.create({"userName": "deputy@contoso.example"})
    alice = scim.create(payload("entra_create_user_default_mappings"))
    path = f"/Users/{alice['id']}"

    scim.patch(path, patch_op({"op": "Add", "path": f"{ENTERPRISE}:manager", "value": boss["id"]}))
    assert scim.get(path).json()[ENTERPRISE]["manager"]["value"] == boss["id"]
    assert Member.objects.get(scim_id=alice["id"]).manager.user_name == "boss@contoso.example"

    scim.patch(path, patch_op({"op": "Replace", "path": f"{ENTERPRISE}:manager", "value": deputy["id"]}))
    assert scim.get(path).json()[ENTERPRISE]["manager"]["value"] == deputy["id"]

    scim.patch(path, patch_op({"op": "Replace", "path": f"{ENTERPRISE}:manager", "value": ""}))
    assert "manager" not in scim.get(path).json()[ENTERPRISE]
    assert Member.objects.get(scim_id=alice["id"]).manager is None


def test_a_manager_from_another_organization_is_never_linked(scim, other_scim):
    outsider = other_scim.create({"userName": "boss@globex.example"})
    alice = scim.create(payload("entra_create_user_default_mappings"))
    response = scim.patch(
        f"/Users/{alice['id']}", patch_op({"op": "Add", "path": f"{ENTERPRISE}:manager", "value": outsider["id"]})
    )
    assert response.status_code == 400  # docs/protocol.md#manager-references
    assert Member.objects.get(scim_id=alice["id"]).manager is None


def test_delete_retires_the_resource_and_provisioning_again_is_the_same_person_returning(scim, org):
    body = payload("entra_create_user_default_mappings")
    first = scim.create(body)
    assert scim.delete(f"/Users/{first['id']}").status_code == 204
    assert scim.get(f"/Users/{first['id']}").status_code == 404
    assert scim.get("/Users", {"filter": 'userName eq "alice@contoso.example"'}).json()["totalResults"] == 0
    member = Member.objects.get(organization=org, user_name="alice@contoso.example")
    assert member.state == "removed_by_idp"

    again = scim.create(body)
    assert again["id"] != first["id"]
    assert scim.get(f"/Users/{first['id']}").status_code == 404
    returning = Member.objects.get(scim_id=again["id"])
    assert returning.pk == member.pk and returning.is_present
    assert Event.objects.filter(member=returning, action="member.deleted").exists()
    assert Event.objects.filter(member=returning, action="member.rehired").exists()


def test_an_admin_removal_wins_over_a_later_sync_and_entra_still_sees_what_it_set(scim, org):
    created = scim.create(payload("entra_create_user_default_mappings"))
    member = Member.objects.get(scim_id=created["id"])
    remove_member(member, by=Actor.command("tests"))

    response = scim.patch(
        f"/Users/{created['id']}",
        patch_op(
            {"op": "Replace", "path": "active", "value": "True"}, {"op": "Replace", "path": "title", "value": "X"}
        ),
    )
    assert response.status_code == 200
    assert response.json()["active"] is True
    member.refresh_from_db()
    assert member.state == "removed_by_admin"
    assert member.title == "X"


def test_a_person_added_by_hand_is_found_by_username_and_adopted(scim, org):
    hand_added = create_member(
        org, by=Actor.command("tests"), user_name="grace@contoso.example", email="grace@contoso.example"
    )
    found = scim.get("/Users", {"filter": 'userName eq "grace@contoso.example"'}).json()
    assert found["totalResults"] == 1
    user_id = found["Resources"][0]["id"]
    assert user_id == str(hand_added.scim_id)

    response = scim.patch(f"/Users/{user_id}", patch_op({"op": "Add", "path": "title", "value": "Rear Admiral"}))
    assert response.status_code == 200
    hand_added.refresh_from_db()
    assert hand_added.managed_by_idp and hand_added.title == "Rear Admiral"


def test_a_person_added_by_hand_is_adopted_when_the_idp_posts_them(scim, org):
    hand_added = create_member(org, by=Actor.command("tests"), user_name="alice@contoso.example")
    created = scim.create(payload("entra_create_user_default_mappings"))
    assert created["id"] == str(hand_added.scim_id)
    assert Member.objects.filter(organization=org).count() == 1


def test_posting_an_existing_username_again_is_a_409_uniqueness_error(scim):
    scim.create(payload("entra_create_user_default_mappings"))
    body = payload("entra_create_user_default_mappings")
    body["userName"] = "ALICE@contoso.example"
    response = scim.post("/Users", body)
    assert response.status_code == 409
    assert response.json()["scimType"] == "uniqueness"
    assert response.json()["status"] == "409"


def test_okta_creates_then_updates_with_put_and_never_stores_the_password(okta, org):
    created = okta.create(payload("okta_create_user"))
    assert "password" not in created
    response = okta.put(f"/Users/{created['id']}", payload("okta_put_update_title_and_deactivate"))
    assert response.status_code == 200, response.content
    assert response.json()["title"] == "Special Agent"
    assert response.json()["active"] is False
    member = Member.objects.get(scim_id=created["id"])
    assert member.title == "Special Agent" and member.state == "removed_by_idp"
    assert "password" not in member.scim_data
    assert "not-stored-anywhere" not in str(Event.objects.filter(organization=org).values_list("changes", "summary"))


def test_okta_deactivates_with_a_pathless_replace(okta):
    created = okta.create(payload("okta_create_user"))
    response = okta.patch(f"/Users/{created['id']}", patch_op({"op": "replace", "value": {"active": False}}))
    assert response.status_code == 200
    assert response.json()["active"] is False


def test_okta_pages_through_users_with_count_100(okta, org):
    for n in range(150):
        MemberFactory(organization=org, user_name=f"user{n:03}@okta.example")
    first = okta.get("/Users", {"startIndex": 1, "count": 100}).json()
    second = okta.get("/Users", {"startIndex": 101, "count": 100}).json()
    assert first["totalResults"] == second["totalResults"] == 150
    assert (first["itemsPerPage"], second["itemsPerPage"]) == (100, 50)
    assert second["startIndex"] == 101
    ids = [r["id"] for r in first["Resources"] + second["Resources"]]
    assert len(set(ids)) == 150


def test_two_work_emails_keep_the_primary_one_as_the_work_email(scim):
    created = scim.create(
        {
            "userName": "twin@contoso.example",
            "emails": [
                {"type": "work", "value": "old@contoso.example"},
                {"type": "work", "value": "new@contoso.example", "primary": True},
            ],
        }
    )
    assert Member.objects.get(scim_id=created["id"]).email == "new@contoso.example"
    assert len(created["emails"]) == 2


# --------------------------------------------------------------------------------------------
# What a robust server tolerates and the naive mistakes it avoids (docs/protocol.md).
#
# One test per checklist item or pitfall that the other files in tests/scim do not already
# pin, through the real URLs. Wherever a list, filter or read is involved, the other
# organization provisions look-alike people and must stay invisible.
# --------------------------------------------------------------------------------------------


def ids(body: dict[str, Any]) -> list[str]:
    return [r["id"] for r in body["Resources"]]


# --------------------------------------------------------------------------------------------
# Tolerated: protocol and transport
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
# Tolerated: jSON and attribute handling
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
# Tolerated: PATCH
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
# Tolerated: filtering and listing
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
# Tolerated: disabled, removed and deleted people (§0.7, §0.8, §1.8)
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
# Tolerated: security and response shapes
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
    member = Member.objects.get(scim_id=created["id"])
    patched = ok(scim.patch(path, patch_op({"op": "replace", "path": "title", "value": "X"})))
    assert patched == user_resource(member, {**payload("validator_create_user"), "title": "X"})
    replaced = ok(scim.put(path, payload("validator_create_user")))
    assert replaced == user_resource(member, payload("validator_create_user"))


def test_every_schema_a_resource_type_names_is_served_by_schemas(scim):
    # RFC 7643 §6: a ResourceType's "schema" is the id of a Schema resource; the validator's
    # discover-schema mode follows it.
    types = ok(scim.get("/ResourceTypes"))["Resources"]
    served = {s["id"] for s in ok(scim.get("/Schemas"))["Resources"]}
    for resource_type in types:
        assert resource_type["schema"] in served, resource_type["id"]
        ok(scim.get(f"/Schemas/{resource_type['schema']}"))


# --------------------------------------------------------------------------------------------
# Hostile bodies and parameters get a SCIM 4xx before anything is stored, never a 5xx.
#
# Bodies over 1 MiB (413), input nested past 32 levels, lone UTF-16 surrogates, paging
# parameters that are not integers, and a provisioning page number no database can offset.
# A member stored with deep data before the limit still reads and deactivates.
# --------------------------------------------------------------------------------------------


def nested(depth: int) -> Any:
    value: Any = "deep"
    for _ in range(depth):
        value = {"level": value}
    return value


# -- Paging parameters ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["count", "startIndex"])
@pytest.mark.parametrize("raw", ["1e400", "true", "2.5", '"ten"', "-1e400"])
def test_a_search_with_a_paging_parameter_that_is_not_an_integer_is_refused(org, scim, grace, name, raw):
    response = scim.send("POST", "/Users/.search", raw=f'{{"{name}": {raw}}}')

    assert "integer" in scim_error(response, 400, "invalidValue")["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["count", "startIndex"])
@pytest.mark.parametrize("value", [10**30, -(10**30), 0])
def test_a_search_with_a_huge_or_negative_paging_parameter_answers_a_page(scim, grace, name, value):
    response = scim.post("/Users/.search", {name: value})

    assert response.status_code == 200, response.content
    assert response.json()["totalResults"] == 1


# -- Bodies: size, nesting, characters ------------------------------------------------------


@pytest.mark.django_db
def test_a_body_over_one_mebibyte_is_refused_with_413_and_nothing_is_created(org, scim):
    body = {"userName": "big@acme.example", "title": "x" * (3 * 1024 * 1024)}

    response = scim.post("/Users", body)

    assert "1 MiB" in scim_error(response, 413)["detail"]
    assert not Member.objects.filter(organization=org).exists()


@pytest.mark.django_db
def test_a_body_whose_content_length_says_three_megabytes_is_refused_unread(org, scim):
    response = scim.send("POST", "/Users", raw='{"userName": "a@acme.example"}', headers={"Content-Length": "3145728"})

    scim_error(response, 413)
    assert not Member.objects.filter(organization=org).exists()


@pytest.mark.django_db
def test_a_body_just_under_one_mebibyte_is_read(org, scim):
    response = scim.post("/Users", {"userName": "wide@acme.example", "nickName": "x" * (1000 * 1024)})

    assert response.status_code == 201, response.content[:300]


@pytest.mark.django_db
@pytest.mark.parametrize("depth", [33, 477, 100_000])
def test_a_user_nested_past_the_depth_limit_is_refused_and_not_created(org, scim, depth):
    raw = '{"userName": "deep@acme.example", "custom": ' + "[" * depth + "]" * depth + "}"

    response = scim.send("POST", "/Users", raw=raw)

    assert "nested" in scim_error(response, 400, "invalidSyntax")["detail"]
    assert not Member.objects.filter(organization=org).exists()


@pytest.mark.django_db
def test_a_patch_nested_past_the_depth_limit_is_refused(org, scim, grace):
    before = directory(org)

    response = scim.patch(f"/Users/{grace['id']}", patch_op({"op": "add", "path": "custom", "value": nested(40)}))

    assert "nested" in scim_error(response, 400, "invalidSyntax")["detail"]
    assert directory(org) == before


@pytest.mark.django_db
def test_a_leaver_stored_with_deeply_nested_data_can_still_be_deactivated(org, scim, grace):
    # Stored before bodies were limited in depth: the leaver must never be stuck active.
    member = Member.objects.get(scim_id=grace["id"])
    Member.objects.filter(pk=member.pk).update(scim_data={**member.scim_data, "custom": nested(476)})

    response = scim.patch(f"/Users/{grace['id']}", patch_op({"op": "replace", "path": "active", "value": False}))

    assert response.status_code == 200, response.content[:500]
    member.refresh_from_db()
    assert member.idp_active is False
    assert json.dumps(member.scim_data["custom"]).count("level") == 476


@pytest.mark.django_db
@pytest.mark.parametrize(
    "raw",
    [
        '{"userName": "\\ud800@acme.example"}',
        '{"userName": "a@acme.example", "title": "Eng \\udfff"}',
        '{"userName": "a@acme.example", "\\ud83d": "key"}',
    ],
)
def test_a_user_with_a_lone_surrogate_is_refused_and_not_created(org, scim, raw):
    response = scim.send("POST", "/Users", raw=raw)

    assert "surrogate" in scim_error(response, 400, "invalidValue")["detail"]
    assert not Member.objects.filter(organization=org).exists()


@pytest.mark.django_db
def test_a_patch_with_a_lone_surrogate_is_refused(org, scim, grace):
    before = directory(org)
    raw = '{"Operations": [{"op": "replace", "path": "title", "value": "\\ud800"}]}'

    response = scim.send("PATCH", f"/Users/{grace['id']}", raw=raw)

    assert "surrogate" in scim_error(response, 400, "invalidValue")["detail"]
    assert directory(org) == before


@pytest.mark.django_db
def test_a_surrogate_pair_is_an_ordinary_character(org, scim):
    response = scim.send("POST", "/Users", raw='{"userName": "a@acme.example", "title": "Rocket \\ud83d\\ude80"}')

    assert response.status_code == 201, response.content
    assert Member.objects.get(organization=org).title == "Rocket \U0001f680"


@pytest.mark.django_db
def test_a_search_naming_more_than_a_hundred_attributes_is_refused(scim, grace):
    response = scim.post("/Users/.search", {"attributes": [f"custom{i}" for i in range(5_000)]})

    assert "at most 100" in scim_error(response, 400, "invalidValue")["detail"]


# --------------------------------------------------------------------------------------------
# A NUL character from the IdP is a 400 invalidValue or an empty match, never a 500.
#
# PostgreSQL text cannot hold U+0000: psycopg raises DataError, which reaches the SCIM
# handler's last resort as a 500 (Entra retries it every 40 minutes). SQLite stores it.
# --------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "expression",
    ['userName eq "\\u0000"', 'emails.value eq "a\\u0000@acme.example"', 'externalId sw "\\u0000"'],
)
def test_a_filter_with_a_nul_character_finds_nobody(scim, expression):
    response = scim.get("/Users", {"filter": expression})

    assert response.status_code == 200, response.content
    assert response.json()["totalResults"] == 0


@pytest.mark.django_db
def test_a_user_name_with_a_nul_character_is_refused_with_a_scim_error(org, scim):
    response = scim.post("/Users", {"userName": "bad\u0000@acme.example"})

    assert response.status_code == 400, response.content
    assert response.json()["scimType"] == "invalidValue"
    assert not Member.objects.filter(organization=org).exists()


# --------------------------------------------------------------------------------------------
# What each SCIM verb costs the database, in statements, however large the organization.
#
# Counted inside the test's own transaction, so the view's transaction shows as SAVEPOINT and
# RELEASE where a server runs BEGIN and COMMIT. Every count includes the key check (one
# indexed look-up) and, for writes, the key hold; "last used" is written at most once a
# minute, so a first request is made before counting.
# --------------------------------------------------------------------------------------------


TRANSACTION = 2  # BEGIN and COMMIT (SAVEPOINT and RELEASE here)
KEY_CHECK = 1
KEY_HOLD = 1
MEMBER_UNDER_LOCK = 1
# The User read back lists its groups (RFC 7643 §4.1.2). A User read by id or by Entra's
# look-up reads them with the member (scim/groups.py idp_teams_column), a person just created
# is in none, and a page of users reads them in one statement more.
GROUPS = 1
# A new person, or a new userName, email, externalId or employee number, may be the manager
# others wait for: one look-up in a partial index of the people waiting (docs/protocol.md#manager-references).
WAITING_REPORTS = 1


def colleagues(org: Organization, how_many: int) -> None:
    """``how_many`` other people of the organization, each with an email row, a department and a location."""
    department = Department.objects.create(organization=org, name="Colleagues")
    location = Location.objects.create(organization=org, name="Head office")
    members = Member.objects.bulk_create(
        Member(
            organization=org,
            user_name=f"colleague{i}@acme.example",
            email=f"colleague{i}@acme.example",
            managed_by_idp=True,
            scim_data={"userName": f"colleague{i}@acme.example"},
            department=department,
            location=location,
        )
        for i in range(how_many)
    )
    MemberEmail.objects.bulk_create(
        MemberEmail(organization=org, member=m, value=m.email, type="work", primary=True) for m in members
    )


def entra_user(user_name: str) -> dict[str, Any]:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "userName": user_name,
        "active": "True",
        "displayName": "Ada Lovelace",
        "title": "Analyst",
        "emails": [{"primary": True, "type": "work", "value": user_name}],
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "addresses": [{"type": "work", "formatted": "Head office"}],
        ENTERPRISE: {"department": "Colleagues", "employeeNumber": "1815"},
    }


@pytest.fixture(params=[1, 200], ids=["1 colleague", "200 colleagues"])
def ada(request, org: Organization, scim: ScimClient) -> dict[str, Any]:
    """Ada, provisioned by Entra into an organization of one or of two hundred other people."""
    colleagues(org, request.param)
    created = scim.create(entra_user("ada@acme.example"))
    # "Last used" is now written; the next minute's requests only read the key.
    return created


def test_a_patch_of_the_title_reads_locks_updates_and_records_once(scim, ada, django_assert_num_queries):
    body = patch_op({"op": "Replace", "path": "title", "value": "Countess"})
    update, event = 1, 1
    with django_assert_num_queries(KEY_CHECK + TRANSACTION + KEY_HOLD + MEMBER_UNDER_LOCK + update + event):
        ok(scim.patch(f"/Users/{ada['id']}", body))
    assert Member.objects.get(user_name="ada@acme.example").title == "Countess"


def test_a_patch_that_also_deactivates_writes_one_update_and_two_events(scim, ada, django_assert_num_queries):
    body = patch_op(
        {"op": "Replace", "path": "title", "value": "Countess"},
        {"op": "Replace", "path": "active", "value": "False"},
    )
    update, events = 1, 2
    with django_assert_num_queries(KEY_CHECK + TRANSACTION + KEY_HOLD + MEMBER_UNDER_LOCK + update + events):
        ok(scim.patch(f"/Users/{ada['id']}", body))
    assert Event.objects.filter(member__user_name="ada@acme.example", action="member.deactivated").exists()


def test_a_patch_that_changes_nothing_writes_nothing(scim, ada, django_assert_num_queries):
    body = patch_op({"op": "Replace", "path": "title", "value": "Analyst"})
    with django_assert_num_queries(KEY_CHECK + TRANSACTION + KEY_HOLD + MEMBER_UNDER_LOCK):
        ok(scim.patch(f"/Users/{ada['id']}", body))


def test_a_patch_of_the_work_email_also_rewrites_the_email_rows(scim, ada, django_assert_num_queries):
    body = patch_op({"op": "Replace", "path": 'emails[type eq "work"].value', "value": "ada@lovelace.example"})
    update, email_rows, event = 1, 2, 1  # delete the old rows, insert the new ones
    with django_assert_num_queries(
        KEY_CHECK + TRANSACTION + KEY_HOLD + MEMBER_UNDER_LOCK + update + email_rows + event + WAITING_REPORTS
    ):
        ok(scim.patch(f"/Users/{ada['id']}", body))
    assert list(MemberEmail.objects.filter(member__user_name="ada@acme.example").values_list("value", flat=True)) == [
        "ada@lovelace.example"
    ]


def test_a_put_of_a_new_title_costs_what_a_patch_does(scim, ada, django_assert_num_queries):
    update, event = 1, 1
    with django_assert_num_queries(KEY_CHECK + TRANSACTION + KEY_HOLD + MEMBER_UNDER_LOCK + update + event):
        ok(scim.put(f"/Users/{ada['id']}", {**entra_user("ada@acme.example"), "title": "Countess"}))


def test_a_post_looks_up_the_username_department_and_location_then_inserts(scim, ada, django_assert_num_queries):
    same_user_name, department, location = 1, 1, 1
    member, email_row, event = 1, 1, 1
    with django_assert_num_queries(
        KEY_CHECK
        + TRANSACTION
        + KEY_HOLD
        + same_user_name
        + department
        + location
        + member
        + email_row
        + event
        + WAITING_REPORTS
    ):
        ok(scim.post("/Users", entra_user("charles@acme.example")), 201)


def test_entras_filter_look_up_is_one_statement_after_the_key_groups_included(scim, ada, django_assert_num_queries):
    for user_name, found in (("ada@acme.example", 1), ("nobody@acme.example", 0)):
        with django_assert_num_queries(KEY_CHECK + 1):
            body = ok(scim.get("/Users", {"filter": f'userName eq "{user_name}"'}))
        assert body["totalResults"] == found


def test_a_get_by_id_is_one_statement_after_the_key_groups_included(scim, ada, django_assert_num_queries):
    with django_assert_num_queries(KEY_CHECK + 1):
        ok(scim.get(f"/Users/{ada['id']}"))


def test_a_delete_locks_updates_and_records_once(scim, ada, django_assert_num_queries):
    update, event = 1, 1
    with django_assert_num_queries(KEY_CHECK + TRANSACTION + KEY_HOLD + MEMBER_UNDER_LOCK + update + event):
        ok(scim.delete(f"/Users/{ada['id']}"), 204)


def test_a_page_of_users_is_one_statement_for_the_page_and_one_for_its_groups(scim, ada, django_assert_num_queries):
    # A page that is not full needs no COUNT (one more statement when it is full).
    for params in (
        {"filter": 'userName sw "ada"'},
        {"filter": 'userName sw "ada"', "sortBy": "userName"},
        {"filter": 'title eq "Analyst" and active eq true'},
    ):
        with django_assert_num_queries(KEY_CHECK + 1 + GROUPS):
            body = ok(scim.get("/Users", params))
        assert body["Resources"]
