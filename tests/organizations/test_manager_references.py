"""Managers the IdP names before they arrive: linked by the one write path, shown in the portal.

docs/protocol.md#manager-references.
"""

import html

import pytest
from django.db import transaction
from django.test import Client

from organizations import services
from organizations.models import Event, Member, Organization
from organizations.services import Actor, ProvisionedUser

OKTA = Actor.idp("Okta")


def provisioned(organization: Organization, user_name: str, *, manager: str, **values: str) -> Member:
    """A person Okta provisioned naming ``manager`` as the manager (a userName, email, employee number …)."""
    user = ProvisionedUser(user_name=user_name, values=values, manager_id=manager)
    member, _ = services.provision_member(organization, user, by=OKTA)
    return member


def page(response) -> str:
    assert response.status_code == 200
    return html.unescape(response.content.decode())


@pytest.fixture
def sam(org: Organization) -> Member:
    """Sam, whose manager Okta names by an email nobody of Acme has yet."""
    return provisioned(org, "sam@acme.example", manager="jane@acme.example")


def test_a_persons_page_says_their_manager_matches_nobody_and_what_to_fix(admin_client: Client, sam: Member):
    text = page(admin_client.get(f"/web/admin/people/{sam.scim_id}"))
    assert 'data-testid="manager-unresolved"' in text
    assert "names this person's manager “jane@acme.example”, which matches nobody in Acme Corp" in text
    assert "fix the manager mapping in Entra ID or Okta" in text
    # The history says it too, as the provisioning activity does.
    assert "Manager 'jane@acme.example' matches nobody in Acme Corp; provision that person" in text


def test_the_provisioning_page_lists_who_waits_for_a_manager_and_the_event_says_what_to_fix(
    admin_client: Client, sam: Member
):
    text = page(admin_client.get("/web/admin/provisioning"))
    assert "Managers not found" in text
    assert f'<a href="/web/admin/people/{sam.scim_id}">sam@acme.example</a>: manager “jane@acme.example”' in text
    assert (
        "Manager 'jane@acme.example' matches nobody in Acme Corp; "
        "provision that person or fix the manager mapping in Okta"
    ) in text
    assert "Manager not found" in page(admin_client.get("/web/admin/provisioning", {"action": "managers"}))


def test_the_persons_page_shows_no_warning_once_the_manager_arrives(admin, admin_client: Client, sam: Member):
    services.create_member(sam.organization, by=Actor.admin(admin.user), user_name="jane@acme.example")
    text = page(admin_client.get(f"/web/admin/people/{sam.scim_id}"))
    assert 'data-testid="manager-unresolved"' not in text
    assert "Manager linked" in text


def test_a_person_an_admin_adds_by_hand_becomes_the_manager_of_those_waiting_for_them(
    org: Organization, admin, admin_client: Client, sam: Member
):
    response = admin_client.post(
        "/web/admin/people/new",
        {"user_name": "jane@acme.example", "given_name": "Jane", "family_name": "Doe", "email": "jane@acme.example"},
    )
    assert response.status_code == 302
    sam.refresh_from_db()
    assert sam.manager is not None and sam.manager.user_name == "jane@acme.example"
    assert sam.manager_reference == ""
    linked = Event.objects.get(member=sam, action="manager.linked")
    assert linked.actor_user == admin.user
    assert linked.summary == "Manager set to Jane Doe: 'jane@acme.example' now names them"


def test_a_new_work_email_links_those_waiting_for_that_address(org: Organization, sam: Member):
    jane = services.create_member(org, by=Actor.command(), user_name="jdoe", email="jane.doe@acme.example")
    sam.refresh_from_db()
    assert sam.manager is None
    services.update_member(jane, by=Actor.command(), email="jane@acme.example")
    sam.refresh_from_db()
    assert sam.manager == jane


def test_the_manager_is_matched_by_external_id_exactly_not_in_another_case(org: Organization):
    waiting = provisioned(org, "kim@acme.example", manager="00uJANE")
    services.create_member(org, by=Actor.command(), user_name="jd@acme.example", external_id="00ujane")
    waiting.refresh_from_db()
    assert waiting.manager is None
    jane = services.create_member(org, by=Actor.command(), user_name="jane@acme.example", external_id="00uJANE")
    waiting.refresh_from_db()
    assert waiting.manager == jane


def test_a_person_of_another_organization_never_becomes_the_manager_of_someone_waiting(
    org: Organization, other_org: Organization, sam: Member
):
    services.create_member(other_org, by=Actor.command(), user_name="jane@acme.example")
    provisioned(other_org, "jane2@globex.example", manager="x", email="jane@acme.example")
    sam.refresh_from_db()
    assert sam.manager is None and sam.manager_reference == "jane@acme.example"


def test_everyone_waiting_for_the_same_manager_is_linked_at_once(org: Organization):
    waiting = [provisioned(org, f"r{n}@acme.example", manager="E-1042") for n in range(3)]
    jane = services.create_member(org, by=Actor.command(), user_name="jane@acme.example", employee_number="E-1042")
    assert (
        list(Member.objects.filter(pk__in=[w.pk for w in waiting]).values_list("manager", flat=True)) == [jane.pk] * 3
    )
    assert Event.objects.filter(organization=org, action="manager.linked").count() == 3


def test_a_key_that_names_two_people_the_same_way_is_refused(org: Organization):
    services.create_member(org, by=Actor.command(), user_name="a@acme.example", email="team@acme.example")
    services.create_member(org, by=Actor.command(), user_name="b@acme.example", email="team@acme.example")
    with pytest.raises(services.ValidationError, match="matches more than one person of Acme Corp by email"):
        with transaction.atomic():  # as the SCIM view holds it
            provisioned(org, "kim@acme.example", manager="team@acme.example")
    assert not Member.objects.filter(user_name="kim@acme.example").exists()
