"""Models (organizations/models.py). A person's state is one concept: the badge, the directory's filter and Django admin's agree.

Three facts decide it (``Member``'s docstring); every combination of them is here once.
"""

from itertools import product

import pytest
from django.test import Client

from organizations import services
from organizations.admin import StateFilter
from organizations.models import Member, Organization
from organizations.services import Actor
from organizations.support import create_support_user

SETUP = Actor.command("tests")
COMBINATIONS = list(product([True, False], [False, True], [False, True]))  # idp active, admin removed, scim deleted


@pytest.fixture
def everyone(org: Organization, admin: Member) -> list[Member]:
    """One person per combination of the three facts, and Alice, the admin."""
    people = [admin]
    for n, (idp_active, admin_removed, scim_deleted) in enumerate(COMBINATIONS):
        member = services.create_member(org, by=SETUP, user_name=f"p{n}@acme.example", idp_active=idp_active)
        if admin_removed:
            services.remove_member(member, by=SETUP)
        if scim_deleted:
            services.delete_scim_member(member, by=SETUP)
        member.refresh_from_db()
        people.append(member)
    return people


@pytest.fixture
def support_client(db: None) -> Client:
    client = Client()
    client.force_login(create_support_user("support@preciate.example", password="support-pw-123"))
    return client


def test_every_person_is_in_exactly_the_state_the_database_finds_them_in(everyone):
    found = {
        member.user_name: {state for state in Member.State if Member.objects.in_state(state).filter(pk=member.pk)}
        for member in everyone
    }
    assert found == {member.user_name: {member.state} for member in everyone}


def test_every_state_has_someone_in_it(everyone):
    assert {member.state for member in everyone} == set(Member.State)


@pytest.mark.parametrize("state", list(Member.State))
def test_the_directory_and_django_admin_list_the_same_people_for_each_state(
    org, everyone, admin_client, support_client, state
):
    expected = {member.user_name for member in everyone if member.state == state}
    portal = admin_client.get("/web/admin/people", {"state": state.value})
    support = support_client.get(
        "/admin/organizations/member/", {"state": state.value, "organization__id__exact": org.pk}
    )
    assert {m.user_name for m in portal.context["people"]} == expected
    assert {m.user_name for m in support.context["cl"].result_list} == expected


def test_the_state_choices_are_the_same_in_the_directory_and_django_admin(org, admin_client, support_client):
    portal = admin_client.get("/web/admin/people").context["form"].fields["state"].choices
    support = support_client.get("/admin/organizations/member/").context["cl"].filter_specs
    (state_filter,) = [spec for spec in support if isinstance(spec, StateFilter)]
    assert portal == [("", "Any state"), *Member.State.choices]
    assert list(state_filter.lookup_choices) == Member.State.choices


def test_django_admin_shows_each_persons_state_in_the_directorys_words(org, everyone, support_client):
    page = support_client.get("/admin/organizations/member/", {"organization__id__exact": org.pk}).content.decode()
    for state in Member.State:
        assert f'<td class="field-state">{state.label}</td>' in page
