"""Teams in Django admin: support browses them, never changes them (the IdP and admins do)."""

import pytest
from django.test import Client

from organizations import services, teams
from organizations.models import Team
from organizations.services import Actor
from organizations.support import create_support_user
from tests.factories import MemberFactory

SETUP = Actor.command("tests")


@pytest.fixture
def support_client(db) -> Client:
    client = Client()
    client.force_login(create_support_user("support@preciate.example", password="support-pw-123"))
    return client


@pytest.fixture
def support(org) -> Team:
    team = teams.create_team(org, by=Actor.idp("Microsoft Entra ID"), name="Support", external_id="0b8a1c2d")
    ada = MemberFactory(organization=org, given_name="Ada", family_name="Lovelace", display_name="")
    gone = MemberFactory(organization=org, given_name="Rita", family_name="Removed", display_name="")
    teams.add_team_members(team, [ada, gone], by=Actor.idp("Microsoft Entra ID"))
    services.remove_member(gone, by=SETUP)
    return team


@pytest.mark.parametrize("url", ["/admin/organizations/team/", "/admin/organizations/team/?q=0b8a1c2d"])
def test_support_lists_and_finds_teams(support_client, support, url):
    response = support_client.get(url)
    assert response.status_code == 200
    assert "Support" in response.content.decode()


def test_a_teams_page_is_view_only_and_counts_only_present_members(support_client, support):
    url = f"/admin/organizations/team/{support.pk}/change/"
    page = support_client.get(url).content.decode()
    assert "1: Ada Lovelace" in page and "Rita" not in page
    assert 'name="_save"' not in page
    assert support_client.post(url, {"name": "Hijacked"}).status_code == 403
    assert support_client.get("/admin/organizations/team/add/").status_code == 403
    assert support_client.post(f"/admin/organizations/team/{support.pk}/delete/", {"post": "yes"}).status_code == 403
    support.refresh_from_db()
    assert support.name == "Support"
