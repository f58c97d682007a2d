"""Entra's own request sequences (docs/protocol.md#initial-cycle and after), replayed through the real URL, auth and database."""

import uuid

from organizations.models import Event, Member
from organizations.services import Actor, create_member, remove_member
from tests.factories import MemberFactory
from tests.scim.helpers import ENTERPRISE, ScimClient, patch_op, payload


def test_test_connection_with_a_random_guid_gets_an_empty_list_without_an_accept_header(scim, org):
    MemberFactory(organization=org)
    guid = str(uuid.uuid4())
    response = scim.get("/Users", {"filter": f'userName eq "{guid}"'})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/scim+json"
    assert response.json() == {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": 0,
        "startIndex": 1,
        "itemsPerPage": 0,
        "Resources": [],
    }


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
    for attribute in (
        "userName",
        "externalId",
        "displayName",
        "title",
        "emails",
        "name",
        "addresses",
        "phoneNumbers",
        "preferredLanguage",
        ENTERPRISE,
    ):
        assert read[attribute] == body[attribute], attribute
    assert read["active"] is True
    assert read["schemas"] == [
        "urn:ietf:params:scim:schemas:core:2.0:User",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    ]
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
