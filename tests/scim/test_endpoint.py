"""The SCIM endpoint's contract: auth, discovery, content types, errors, listing and isolation."""

import json

import pytest
from django.test import Client

from keys.services import regenerate_key, revoke_key
from organizations.models import Event, Member
from organizations.services import Actor
from tests.factories import MemberFactory
from tests.scim.helpers import BASE, ScimClient, patch_op, payload, scim_error

# Authentication


def test_a_request_without_a_key_gets_401_with_a_bearer_challenge(db):
    response = ScimClient(None).get("/Users")
    scim_error(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_entra_issued_jwt_is_rejected_with_advice_to_paste_the_preciate_key(db):
    jwt = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiI4YWRmOGU2ZSJ9.c2lnbmF0dXJl"
    body = scim_error(ScimClient(jwt).get("/Users"), 401)
    assert "Secret Token" in body["detail"]


def test_a_rotated_away_key_gets_401_and_the_failure_shows_in_the_organizations_activity(org, scim_key):
    regenerate_key(org, by=Actor.command("tests"))
    scim_error(ScimClient(scim_key).get("/Users"), 401)
    event = Event.objects.get(organization=org, action="scim.failed")
    assert event.status == 401
    assert scim_key not in event.summary


def test_a_revoked_key_gets_401(org, scim_key):
    revoke_key(org, by=Actor.command("tests"))
    scim_error(ScimClient(scim_key).get("/Users"), 401)


def test_a_session_cookie_is_not_a_way_in(admin_client):
    response = admin_client.get(BASE + "/Users")
    scim_error(response, 401)


def test_the_key_never_appears_in_recorded_events(org, scim, scim_key):
    scim.get("/Users", {"filter": "nonsense ((("})
    scim.create({"userName": "a@contoso.example"})
    for summary, changes in Event.objects.values_list("summary", "changes"):
        assert scim_key not in summary + json.dumps(changes)


# Discovery and routing


def test_service_provider_config_advertises_patch_filter_paging_and_bearer_auth(scim):
    body = scim.get("/ServiceProviderConfig").json()
    assert body["patch"]["supported"] is True
    assert body["filter"] == {"supported": True, "maxResults": 200}
    assert body["bulk"]["supported"] is False
    assert body["authenticationSchemes"][0]["type"] == "oauthbearertoken"


def test_resource_types_and_schemas_are_list_responses_naming_user_and_the_enterprise_extension(scim):
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
    }
    core = scim.get("/Schemas/urn:ietf:params:scim:schemas:core:2.0:User").json()
    assert any(a["name"] == "userName" and a["uniqueness"] == "server" for a in core["attributes"])


def test_the_groups_probe_gets_an_empty_list_and_group_writes_say_users_only(scim):
    probe = scim.get("/Groups", {"excludedAttributes": "members", "filter": 'displayName eq "9a8b7c6d"'})
    assert probe.status_code == 200
    assert probe.json()["totalResults"] == 0 and probe.json()["Resources"] == []
    body = scim_error(scim.post("/Groups", {"displayName": "Sales"}), 501)
    assert "users only" in body["detail"]


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
    scim.create({"userName": "found@contoso.example"})
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
    assert response.status_code == 200
    result = response.json()
    assert result["totalResults"] == 1
    assert set(result["Resources"][0]) == {"schemas", "id", "userName"}


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
    with django_assert_max_num_queries(2):
        assert scim.get(f"/Users/{created.json()['id']}").status_code == 200
