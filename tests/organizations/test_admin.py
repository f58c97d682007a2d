"""Django admin is a product for Preciate support staff."""

import pytest
from django.test import Client

from organizations.models import Event, Member
from organizations.support import create_support_user
from tests.factories import MemberFactory


@pytest.fixture
def support_client(db) -> Client:
    staff = create_support_user("support@preciate.example", password="support-pw-123")
    client = Client()
    client.force_login(staff)
    return client


@pytest.mark.parametrize("people", [3, 60])
def test_the_member_list_runs_a_fixed_number_of_queries(support_client, org, people, django_assert_max_num_queries):
    for _ in range(people):
        MemberFactory(organization=org)
    with django_assert_max_num_queries(12):
        response = support_client.get("/admin/organizations/member/")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/admin/organizations/organization/",
        "/admin/organizations/department/",
        "/admin/organizations/location/",
        "/admin/organizations/event/",
        "/admin/organizations/member/?state=removed_by_admin",
        "/admin/organizations/member/?q=person",
        "/admin/organizations/member/?q=someone@example.com",
    ],
)
def test_support_pages_open(support_client, org, url):
    MemberFactory(organization=org)
    assert support_client.get(url).status_code == 200


def test_support_finds_a_person_by_exact_email(support_client, org):
    MemberFactory(organization=org, user_name="needle@acme.example")
    MemberFactory(organization=org, user_name="hay@acme.example")
    response = support_client.get("/admin/organizations/member/?q=Needle@acme.example")
    assert "needle@acme.example" in response.content.decode()
    assert "hay@acme.example" not in response.content.decode()


def test_support_removes_and_restores_through_the_services_with_history(support_client, org):
    member = MemberFactory(organization=org)
    support_client.post("/admin/organizations/member/", {"action": "remove_selected", "_selected_action": [member.pk]})
    member.refresh_from_db()
    assert member.state == "removed_by_admin"
    support_client.post("/admin/organizations/member/", {"action": "restore_selected", "_selected_action": [member.pk]})
    member.refresh_from_db()
    assert member.is_present
    assert list(Event.objects.filter(member=member).values_list("actor_kind", flat=True)) == ["support", "support"]


def test_support_cannot_erase_a_person(support_client, org):
    member = MemberFactory(organization=org)
    response = support_client.post(f"/admin/organizations/member/{member.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Member.objects.filter(pk=member.pk).exists()


def test_support_changes_where_locations_come_from_through_an_audited_action(support_client, org):
    support_client.post(
        "/admin/organizations/organization/", {"action": "locations_from_city", "_selected_action": [org.pk]}
    )
    org.refresh_from_db()
    assert org.location_source == "city"
    event = Event.objects.get(organization=org, action="organization.updated")
    assert event.actor_kind == "support"


@pytest.mark.parametrize("query", ["Needle@ACME.example", "needle", "Nee", "Ada Lov", "Lovelace", "ovelace", "acme"])
def test_support_finds_the_people_the_directory_finds_for_the_same_words(support_client, org, admin_client, query):
    MemberFactory(organization=org, user_name="needle@acme.example", given_name="Ada", family_name="Lovelace")
    MemberFactory(organization=org, user_name="hay@acme.example", given_name="Grace", family_name="Hopper")
    directory = admin_client.get("/web/admin/people", {"q": query}).context["people"]
    support = support_client.get("/admin/organizations/member/", {"q": query}).context["cl"].result_list
    assert {m.user_name for m in support} == {m.user_name for m in directory}
