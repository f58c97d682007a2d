"""The team write path (organizations/teams.py): adoption, names, members, audit trail."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from organizations import services, teams
from organizations.models import Event, Member, Team, TeamMembership
from organizations.services import Actor
from tests.factories import MemberFactory

ENTRA = Actor.idp("Microsoft Entra ID")


@pytest.fixture
def by_admin(admin: Member) -> Actor:
    return Actor.admin(admin.user)


def summaries(team: Team) -> list[str]:
    return list(team.events.order_by("id").values_list("summary", flat=True))


def test_a_group_from_the_idp_becomes_a_team_the_idp_manages(org):
    team = teams.create_team(org, by=ENTRA, name="Support", external_id="0b8a1c2d")
    assert (team.name, team.external_id, team.managed_by_idp) == ("Support", "0b8a1c2d", True)
    assert summaries(team) == ["Created by Microsoft Entra ID"]


def test_a_hand_made_team_is_adopted_when_the_idp_creates_a_group_of_the_same_name(org, by_admin):
    made = teams.create_team(org, by=by_admin, name="support")
    adopted = teams.create_team(org, by=ENTRA, name="Support", external_id="0b8a1c2d")
    assert adopted.pk == made.pk
    assert (adopted.name, adopted.managed_by_idp, adopted.external_id) == ("Support", True, "0b8a1c2d")
    assert Team.objects.filter(organization=org).count() == 1
    assert summaries(adopted)[-1] == "Support, made by hand, is now managed by Microsoft Entra ID"


def test_a_second_idp_group_with_a_teams_name_in_any_case_is_refused(org):
    teams.create_team(org, by=ENTRA, name="Support")
    with pytest.raises(teams.TeamNameTaken):
        teams.create_team(org, by=ENTRA, name="SUPPORT")


def test_an_admin_cannot_make_a_second_team_of_the_same_name(org, by_admin):
    teams.create_team(org, by=by_admin, name="Design")
    with pytest.raises(teams.TeamNameTaken):
        teams.create_team(org, by=by_admin, name=" design ")


def test_the_same_team_name_is_free_in_another_organization(org, other_org):
    teams.create_team(org, by=ENTRA, name="Support")
    assert teams.create_team(other_org, by=ENTRA, name="Support").organization == other_org


def test_a_blank_team_name_is_refused(org, by_admin):
    with pytest.raises(ValidationError):
        teams.create_team(org, by=by_admin, name="   ")


def test_a_rename_is_recorded_with_the_old_and_new_name(org):
    team = teams.create_team(org, by=ENTRA, name="Field Engineering")
    teams.update_team(team, by=ENTRA, name="Field Engineering EMEA")
    team.refresh_from_db()
    assert team.name == "Field Engineering EMEA"
    assert summaries(team)[-1] == "Renamed from Field Engineering to Field Engineering EMEA"


def test_an_update_that_changes_nothing_writes_nothing(org):
    team = teams.create_team(org, by=ENTRA, name="Support", external_id="x1")
    with CaptureQueriesContext(connection) as queries:
        teams.update_team(team, by=ENTRA, name="Support", external_id="x1")
    assert not [q for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]


def test_a_rename_onto_another_teams_name_is_refused(org):
    teams.create_team(org, by=ENTRA, name="Support")
    sales = teams.create_team(org, by=ENTRA, name="Sales")
    with pytest.raises(teams.TeamNameTaken):
        teams.update_team(sales, by=ENTRA, name="support")


def test_an_admin_cannot_change_a_team_the_idp_manages(org, by_admin):
    team = teams.create_team(org, by=ENTRA, name="Support")
    person = MemberFactory(organization=org)
    with pytest.raises(teams.TeamManagedByIdp, match="managed by your identity provider"):
        teams.update_team(team, by=by_admin, name="Helpdesk")
    with pytest.raises(teams.TeamManagedByIdp):
        teams.add_team_members(team, [person], by=by_admin)
    assert not team.memberships.exists()


def test_the_idp_cannot_change_a_hand_made_team(org, by_admin):
    team = teams.create_team(org, by=by_admin, name="Book club")
    with pytest.raises(ValidationError):
        teams.update_team(team, by=ENTRA, name="Readers")


def test_adding_members_twice_keeps_one_membership_each_and_reports_only_the_new(org):
    team = teams.create_team(org, by=ENTRA, name="Support")
    ada, bob = MemberFactory(organization=org), MemberFactory(organization=org)
    assert teams.add_team_members(team, [ada], by=ENTRA) == [ada]
    assert teams.add_team_members(team, [ada, bob, bob], by=ENTRA) == [bob]
    assert set(team.members.all()) == {ada, bob}
    assert summaries(team)[1:] == ["Added to Support by Microsoft Entra ID"] * 2


def test_a_person_of_another_organization_never_joins_a_team(org, other_org):
    team = teams.create_team(org, by=ENTRA, name="Support")
    stranger = MemberFactory(organization=other_org)
    with pytest.raises(ValidationError, match="not a person of"):
        teams.add_team_members(team, [stranger], by=ENTRA)
    assert not TeamMembership.objects.exists()


def test_removing_someone_not_in_the_team_is_a_no_op(org):
    team = teams.create_team(org, by=ENTRA, name="Support")
    ada = MemberFactory(organization=org)
    assert teams.remove_team_members(team, [ada], by=ENTRA) == []
    assert summaries(team) == ["Created by Microsoft Entra ID"]


def test_removing_members_removes_exactly_those_named(org):
    team = teams.create_team(org, by=ENTRA, name="Support")
    ada, bob, cy = (MemberFactory(organization=org) for _ in range(3))
    teams.add_team_members(team, [ada, bob, cy], by=ENTRA)
    assert teams.remove_team_members(team, [bob], by=ENTRA) == [bob]
    assert set(team.members.all()) == {ada, cy}
    assert summaries(team)[-1] == "Removed from Support by Microsoft Entra ID"


def test_setting_members_adds_the_missing_and_removes_the_unlisted(org):
    team = teams.create_team(org, by=ENTRA, name="Support")
    ada, bob, cy = (MemberFactory(organization=org) for _ in range(3))
    teams.add_team_members(team, [ada, bob], by=ENTRA)
    added, removed = teams.set_team_members(team, [bob, cy], by=ENTRA)
    assert (added, removed) == ([cy], [ada])
    assert set(team.members.all()) == {bob, cy}


def test_a_membership_change_moves_the_teams_last_modified(org):
    team = teams.create_team(org, by=ENTRA, name="Support")
    before = Team.objects.get(pk=team.pk).updated_at
    teams.add_team_members(team, [MemberFactory(organization=org)], by=ENTRA)
    assert Team.objects.get(pk=team.pk).updated_at > before


def test_adding_a_batch_costs_the_same_statements_in_a_large_team_as_in_a_small_one(org):
    small, large = (teams.create_team(org, by=ENTRA, name=name) for name in ("Small", "Large"))
    people = [MemberFactory(organization=org) for _ in range(60)]
    teams.add_team_members(large, people[:50], by=ENTRA)
    counts = []
    for team in (small, large):
        with CaptureQueriesContext(connection) as queries:
            teams.add_team_members(team, people[50:], by=ENTRA)
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]


def test_a_person_removed_from_the_organization_stays_a_member_on_record(org):
    team = teams.create_team(org, by=ENTRA, name="Support")
    ada, bob = MemberFactory(organization=org), MemberFactory(organization=org)
    teams.add_team_members(team, [ada, bob], by=ENTRA)
    services.remove_member(ada, by=Actor.command("tests"))
    assert set(team.members.all()) == {ada, bob}
    assert list(team.members.present()) == [bob]


def test_a_retired_team_keeps_its_history_and_frees_its_name(org):
    team = teams.create_team(org, by=ENTRA, name="Support")
    ada = MemberFactory(organization=org)
    teams.add_team_members(team, [ada], by=ENTRA)
    teams.retire_team(team, by=ENTRA)
    assert not Team.objects.current().filter(pk=team.pk).exists()
    assert list(team.members.all()) == [ada]
    assert summaries(team)[-1] == "Retired by Microsoft Entra ID"
    assert teams.create_team(org, by=ENTRA, name="Support").pk != team.pk
    with pytest.raises(ValidationError, match="retired"):
        teams.add_team_members(team, [ada], by=ENTRA)


def test_team_events_belong_to_the_team_and_the_person(org):
    team = teams.create_team(org, by=ENTRA, name="Support")
    ada = MemberFactory(organization=org)
    teams.add_team_members(team, [ada], by=ENTRA)
    event = Event.objects.get(action="team.member_added")
    assert (event.team, event.member, event.actor_label) == (team, ada, "Microsoft Entra ID")
