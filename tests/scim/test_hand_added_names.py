"""People added by hand read back to an IdP with a name, or without one, never with an empty one.

Okta's SPEC test reads ``name`` from ``Resources[0]``, often the admin ``create_organization``
made (docs/protocol.md#initial-cycle).
"""

from keys.services import regenerate_key
from organizations import services
from organizations.models import Member, Organization
from organizations.services import Actor
from tests.scim.helpers import ScimClient

SETUP = Actor.command("tests")


def first_user(organization: Organization) -> dict:
    client = ScimClient(regenerate_key(organization, by=SETUP))
    resources = client.get("/Users").json()["Resources"]
    return resources[0]


def test_an_admin_created_without_a_name_reads_back_with_no_name_object_at_all(db):
    organization = services.create_organization(
        slug="initech", name="Initech", by=SETUP, admin_email="bill@initech.example"
    )
    user = first_user(organization)
    assert user["userName"] == "bill@initech.example"
    assert "name" not in user


def test_a_person_added_with_only_a_display_name_reads_back_with_that_as_the_formatted_name(org):
    services.create_member(org, by=SETUP, user_name="desk@acme.example", display_name="Front Desk")
    assert first_user(org)["name"] == {"formatted": "Front Desk"}


def test_a_name_the_idp_emptied_is_left_out_rather_than_answered_empty(org):
    Member.objects.create(
        organization=org,
        user_name="pat@acme.example",
        managed_by_idp=True,
        scim_data={"userName": "pat@acme.example", "name": {"givenName": "", "familyName": ""}},
    )
    assert "name" not in first_user(org)
