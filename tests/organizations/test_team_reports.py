"""Headcount by team: present people per current team, on the Reports page and as CSV."""

import csv
import io

import pytest

from organizations import services, teams
from organizations.models import Member, Organization, Team
from organizations.services import Actor

SETUP = Actor.command("tests")
ENTRA = Actor.idp("Microsoft Entra ID")


def people(organization: Organization, *names: str) -> list[Member]:
    return [services.create_member(organization, by=SETUP, user_name=f"{n}@example.com") for n in names]


@pytest.fixture
def acme_teams(org: Organization) -> dict[str, Team]:
    """Support (Entra) 3 present + 1 removed, Design 2 (one also in Support), an empty team, a retired one."""
    ada, grace, alan, kath, gone = people(org, "ada", "grace", "alan", "kath", "gone")
    support = teams.create_team(org, by=ENTRA, name="Support")
    teams.add_team_members(support, [ada, grace, alan, gone], by=ENTRA)
    services.remove_member(gone, by=SETUP)
    design = teams.create_team(org, by=SETUP, name="=Design")
    teams.add_team_members(design, [kath, ada], by=SETUP)
    empty = teams.create_team(org, by=SETUP, name="Empty")
    retired = teams.create_team(org, by=SETUP, name="Old Guard")
    teams.add_team_members(retired, [ada], by=SETUP)
    teams.retire_team(retired, by=SETUP)
    return {"support": support, "design": design, "empty": empty}


@pytest.fixture
def globex_team(other_org: Organization) -> Team:
    team = teams.create_team(other_org, by=SETUP, name="Globex Research")
    teams.add_team_members(team, people(other_org, "g1", "g2"), by=SETUP)
    return team


def test_it_counts_present_people_per_current_team_largest_first(admin_client, acme_teams, globex_team):
    response = admin_client.get("/web/admin/reports")
    rows = [(row.label, row.count) for row in response.context["by_team"]]
    # gone@ was removed: on Support's record, not counted; Old Guard is retired.
    assert rows == [("Support", 3), ("=Design", 2), ("Empty", 0)]
    page = response.content.decode()
    assert "Globex Research" not in page and "Old Guard" not in page
    assert page.count('<svg class="chart hbar"') == 3
    assert "Headcount by team" in page


def test_each_team_row_opens_the_directory_filtered_to_its_active_members(admin_client, acme_teams):
    page = admin_client.get("/web/admin/reports").content.decode()
    assert f'href="/web/admin/people?team={acme_teams["support"].pk}&amp;state=active"' in page
    response = admin_client.get("/web/admin/people", {"team": acme_teams["support"].pk, "state": "active"})
    assert len(response.context["people"]) == 3


def test_without_teams_the_report_says_where_they_come_from(admin_client, org):
    people(org, "solo")
    page = admin_client.get("/web/admin/reports").content.decode()
    assert "No teams yet." in page and "?by=team" not in page


def test_the_team_csv_is_an_attachment_with_a_row_per_current_team(admin_client, acme_teams, globex_team):
    response = admin_client.get("/web/admin/reports.csv", {"by": "team"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="acme-headcount-by-team-')
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    # A name that starts like a formula is quoted so spreadsheets do not run it.
    assert rows == [["team", "headcount"], ["Support", "3"], ["'=Design", "2"], ["Empty", "0"]]


def test_the_team_report_costs_the_same_queries_for_small_and_large_teams(
    org, admin_client, acme_teams, django_assert_max_num_queries
):
    teams.add_team_members(acme_teams["empty"], people(org, *(f"p{n}" for n in range(40))), by=SETUP)
    with django_assert_max_num_queries(6):
        assert admin_client.get("/web/admin/reports").status_code == 200
    with django_assert_max_num_queries(4):
        assert admin_client.get("/web/admin/reports.csv", {"by": "team"}).status_code == 200


def test_an_unknown_breakdown_names_every_one_there_is(admin_client):
    response = admin_client.get("/web/admin/reports.csv", {"by": "shoe_size"})
    assert response.status_code == 400
    assert response.content.decode() == "by must be one of: department, location, department_location, team."
