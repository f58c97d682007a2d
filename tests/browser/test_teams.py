"""Teams in Chromium: the Teams page, a team's page, the people filter by team, a person's
teams and the headcount by team with its CSV.

The demo seed has Platform (made by hand: Ada, Grace) and Customer Success (a group
Entra assigned: Katherine, Alan).
"""

import csv
import io

from playwright.sync_api import Page, expect

from organizations import services, teams
from organizations.demo import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, ensure_demo_organization
from organizations.models import Member, Team
from organizations.services import Actor
from tests.browser.conftest import screenshot, sign_in


def team_rows(page: Page):
    return page.get_by_test_id("team-row")


def test_the_admin_finds_teams_and_makes_one_of_their_own(page: Page):
    organization = ensure_demo_organization()
    sign_in(page, DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD)
    page.get_by_role("navigation", name="Admin portal").get_by_role("link", name="Teams").click()
    page.wait_for_url("**/web/admin/teams")
    expect(page.get_by_role("heading", name="Teams", exact=True)).to_be_visible()
    expect(team_rows(page)).to_have_count(2)
    entra_team = team_rows(page).filter(has_text="Customer Success")
    expect(entra_team.get_by_text("IdP", exact=True)).to_be_visible()
    expect(entra_team.get_by_test_id("active-count")).to_have_text("2")
    expect(team_rows(page).filter(has_text="Platform").get_by_text("IdP", exact=True)).to_have_count(0)
    screenshot(page, "teams")

    page.get_by_role("searchbox", name="Search").fill("CUST")
    page.get_by_role("button", name="Search").click()
    expect(team_rows(page)).to_have_count(1)
    expect(team_rows(page).first).to_contain_text("Customer Success")

    page.get_by_label("Team name").fill("Platform")
    page.get_by_role("button", name="Create team").click()
    expect(page.get_by_text("A team named 'Platform' already exists in this organization.")).to_be_visible()

    page.get_by_label("Team name").fill("Recognition Guild")
    page.get_by_role("button", name="Create team").click()
    expect(page.get_by_role("heading", name="Recognition Guild")).to_be_visible()
    page.get_by_label("Person").fill("alan@demo.preciate.test")
    page.get_by_role("button", name="Add to team").click()
    expect(page.get_by_text("Added Alan Turing to Recognition Guild.")).to_be_visible()
    page.get_by_label("Person").fill("katherine@demo.preciate.test")
    page.get_by_role("button", name="Add to team").click()
    expect(page.get_by_test_id("member-row")).to_have_count(2)
    expect(page.get_by_test_id("team-active-count")).to_have_text("2 active members")

    page.get_by_role("button", name="Take Alan Turing out of Recognition Guild").click()
    expect(page.get_by_text("Took Alan Turing out of Recognition Guild.")).to_be_visible()
    expect(page.get_by_test_id("member-row")).to_have_count(1)

    page.get_by_label("Team name").fill("Kudos Guild")
    page.get_by_role("button", name="Save name").click()
    expect(page.get_by_role("heading", name="Kudos Guild")).to_be_visible()
    history = page.get_by_test_id("history")
    expect(history).to_contain_text("Renamed from Recognition Guild to Kudos Guild")
    expect(history).to_contain_text("Taken out of the team: Alan Turing")
    expect(history).to_contain_text(f"by {DEMO_ADMIN_EMAIL} (admin)")
    screenshot(page, "team")

    page.get_by_role("link", name="Retire team…").click()
    page.get_by_role("button", name="Retire Kudos Guild").click()
    expect(page.get_by_test_id("team-state")).to_have_text("Retired")
    expect(page.get_by_role("button", name="Add to team")).to_have_count(0)
    screenshot(page, "team-retired")
    assert Team.objects.get(organization=organization, name="Kudos Guild").retired_at is not None

    page.get_by_role("link", name="← Teams").click()
    expect(team_rows(page)).to_have_count(2)


def test_a_team_entra_manages_is_read_only_and_a_removed_person_is_shown_apart(page: Page):
    organization = ensure_demo_organization()
    entra = Actor.idp("Microsoft Entra ID")
    support = teams.create_team(organization, by=entra, name="Support Desk", external_id="0b8a1c2d")
    katherine, alan = (
        Member.objects.get(organization=organization, user_name=f"{name}@demo.preciate.test")
        for name in ("katherine", "alan")
    )
    teams.add_team_members(support, [katherine, alan], by=entra)
    services.remove_member(alan, by=Actor.command("tests"))
    sign_in(page, DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD)
    page.goto("/web/admin/teams")
    expect(team_rows(page).filter(has_text="Support Desk").get_by_test_id("active-count")).to_have_text("1")
    page.get_by_role("link", name="Support Desk").click()
    expect(page.get_by_test_id("team-note")).to_contain_text("Managed by Microsoft Entra ID: change it there")
    expect(page.get_by_role("button", name="Add to team")).to_have_count(0)
    expect(page.get_by_role("button", name="Save name")).to_have_count(0)
    expect(page.get_by_test_id("member-row")).to_have_count(1)
    expect(page.get_by_test_id("member-row")).to_contain_text("Katherine Johnson")
    expect(page.get_by_test_id("removed-members")).to_contain_text("Alan Turing")
    expect(page.get_by_test_id("removed-members")).to_contain_text("Removed by an admin")
    expect(page.get_by_test_id("history")).to_contain_text("by Microsoft Entra ID (identity provider)")
    screenshot(page, "team-idp")


def test_the_admin_filters_people_by_team_and_opens_a_persons_teams(page: Page):
    ensure_demo_organization()
    sign_in(page, DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD)
    page.goto("/web/admin/people")
    page.get_by_label("Team").select_option(label="Platform")
    page.get_by_role("button", name="Apply").click()
    rows = page.get_by_test_id("person-row")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Ada Lovelace")).to_have_count(1)
    expect(rows.filter(has_text="Grace Hopper")).to_have_count(1)
    screenshot(page, "people-by-team")

    page.get_by_role("searchbox", name="Search").fill("hop")
    page.get_by_role("button", name="Apply").click()
    expect(rows).to_have_count(1)
    expect(page.get_by_label("Team")).to_have_value(
        str(Team.objects.get(organization__slug="demo", name="Platform").pk)
    )

    page.get_by_label("Team").select_option(label="In no team")
    page.get_by_role("searchbox", name="Search").fill("")
    page.get_by_role("button", name="Apply").click()
    expect(rows).to_have_count(2)  # the demo admin and the IT mailbox

    page.goto("/web/admin/people")
    page.get_by_role("link", name="Grace Hopper").click()
    person_teams = page.get_by_test_id("teams")
    expect(person_teams.get_by_role("link")).to_have_text(["Platform"])
    screenshot(page, "person-teams")
    person_teams.get_by_role("link", name="Platform").click()
    expect(page.get_by_role("heading", name="Platform")).to_be_visible()


def test_the_admin_reads_headcount_by_team_and_downloads_its_csv(page: Page):
    organization = ensure_demo_organization()
    mailbox = Member.objects.get(organization=organization, user_name="katherine@demo.preciate.test")
    services.remove_member(mailbox, by=Actor.command("tests"))  # not counted
    sign_in(page, DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD)
    page.goto("/web/admin/reports")
    by_team = page.get_by_test_id("by-team")
    expect(by_team.locator("svg.chart")).to_be_visible()
    expect(by_team.get_by_role("row", name="Platform 2")).to_be_visible()
    expect(by_team.get_by_role("row", name="Customer Success 1")).to_be_visible()
    by_team.scroll_into_view_if_needed()
    screenshot(page, "reports-by-team")

    with page.expect_download() as download_info:
        by_team.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith("demo-headcount-by-team-")
    rows = list(csv.reader(io.StringIO(open(download.path(), encoding="utf-8").read())))
    assert rows == [["team", "headcount"], ["Platform", "2"], ["Customer Success", "1"]]

    by_team.get_by_role("link", name="Customer Success").click()
    expect(page.get_by_test_id("person-row")).to_have_count(1)
    expect(page.get_by_test_id("person-row")).to_contain_text("Alan Turing")
