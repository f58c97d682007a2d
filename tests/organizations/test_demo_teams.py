"""`manage.py seed_demo` gives the demo organization a team of each kind, once, without
pretending the IdP has called."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from organizations import teams
from organizations.demo import DEMO_ADMIN_EMAIL, DEMO_SLUG
from organizations.models import Event, Organization, Team
from organizations.services import Actor


def test_seed_demo_makes_a_team_the_idp_manages_and_a_hand_made_one_once(db):
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())
    demo_teams = Team.objects.filter(organization__slug=DEMO_SLUG)
    assert {(t.name, t.managed_by_idp) for t in demo_teams} == {("Platform", False), ("Customer Success", True)}
    members = {t.name: sorted(t.members.values_list("user_name", flat=True)) for t in demo_teams}
    assert members == {
        "Platform": ["ada@demo.preciate.test", "grace@demo.preciate.test"],
        "Customer Success": ["alan@demo.preciate.test", "katherine@demo.preciate.test"],
    }


def test_the_demos_idp_team_is_read_only_and_the_home_page_still_waits_for_a_first_request(db):
    call_command("seed_demo", stdout=StringIO())
    organization = Organization.objects.get(slug=DEMO_SLUG)
    assert not Event.objects.filter(organization=organization, actor_kind=Event.ActorKind.IDP).exists()
    client = Client()
    client.force_login(organization.members.get(user_name=DEMO_ADMIN_EMAIL).user)
    team = Team.objects.get(organization=organization, name="Customer Success")
    page = client.get(f"/web/admin/teams/{team.scim_id}").content.decode()
    assert "Managed by your identity provider: change it there" in page
    assert "Add to team" not in page
    provisioning = client.get("/web/admin/provisioning").content.decode()
    assert "Generate a secret key" in provisioning.split('data-testid="last-request"')[1].split("</section>")[0]


def test_an_admin_cannot_mark_a_new_team_as_the_idps_through_the_portal(admin, admin_client):
    admin_client.post("/web/admin/teams", {"name": "Support", "managed_by_idp": "on"})
    assert not Team.objects.get(name="Support").managed_by_idp


def test_a_team_made_as_the_idps_follows_the_idp_and_refuses_admins(org, admin):
    team = teams.create_team(org, by=Actor.command("seed_demo"), name="Support", managed_by_idp=True)
    assert team.managed_by_idp
    teams.add_team_members(team, [], by=Actor.idp("Microsoft Entra ID"))  # the IdP may change it
    with pytest.raises(teams.TeamManagedByIdp):
        teams.update_team(team, by=Actor.admin(admin.user), name="Helpdesk")
