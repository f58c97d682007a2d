"""The Teams page, a team's page, the team filter of the directory, a person's teams.

Acme has a team its admin made by hand (Design) and a group Entra assigned (Support);
Globex, another customer, has a team of its own that must never show up here.
"""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from organizations import services, teams
from organizations.models import Member, Organization, Team
from organizations.services import Actor
from tests.factories import MemberFactory
from tests.trail import entry, trail

ENTRA = Actor.idp("Microsoft Entra ID")
SETUP = Actor.command("tests")


def person(organization: Organization, user_name: str, given: str, family: str, **extra: str) -> Member:
    return services.create_member(
        organization, by=SETUP, user_name=user_name, email=user_name, given_name=given, family_name=family, **extra
    )


@pytest.fixture
def ada(org: Organization) -> Member:
    return person(org, "ada@acme.example", "Ada", "Lovelace", title="Engineer", department="Engineering")


@pytest.fixture
def grace(org: Organization) -> Member:
    return person(org, "grace@acme.example", "Grace", "Hopper")


@pytest.fixture
def rita(org: Organization) -> Member:
    """In Design, then removed from the organization by an admin: on record, never counted."""
    return person(org, "rita@acme.example", "Rita", "Removed")


@pytest.fixture
def design(org: Organization, ada: Member, grace: Member, rita: Member) -> Team:
    team = teams.create_team(org, by=SETUP, name="Design")
    teams.add_team_members(team, [ada, grace, rita], by=SETUP)
    services.remove_member(rita, by=SETUP)
    return team


@pytest.fixture
def support(org: Organization, grace: Member) -> Team:
    team = teams.create_team(org, by=ENTRA, name="Support", external_id="0b8a1c2d")
    teams.add_team_members(team, [grace], by=ENTRA)
    return team


@pytest.fixture
def olga(other_org: Organization) -> Member:
    return person(other_org, "olga@globex.example", "Olga", "Outsider")


@pytest.fixture
def globex_team(other_org: Organization, olga: Member) -> Team:
    team = teams.create_team(other_org, by=SETUP, name="Globex Secret Lab")
    teams.add_team_members(team, [olga], by=SETUP)
    return team


def html(response) -> str:
    return response.content.decode()


def listed(response) -> dict[str, int]:
    return {team.name: count for team, count in response.context["teams"]}


# -- Access -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/web/admin/teams", "/web/admin/teams/00000000-0000-0000-0000-000000000000"])
def test_anonymous_visitors_are_sent_to_sign_in(db, path):
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/web/login?next=")


def test_another_organizations_admin_gets_404_for_this_organizations_team(
    design, ada, admin_client, other_admin_client
):
    base = f"/web/admin/teams/{design.scim_id}"
    assert admin_client.get(base).status_code == 200
    assert other_admin_client.get(base).status_code == 404
    assert other_admin_client.post(f"{base}/rename", {"name": "Hacked"}).status_code == 404
    assert other_admin_client.post(f"{base}/members/add", {"person": "olivia.admin@globex.example"}).status_code == 404
    assert other_admin_client.post(f"{base}/members/remove", {"member": str(ada.scim_id)}).status_code == 404
    assert other_admin_client.get(f"{base}/retire").status_code == 404
    assert other_admin_client.post(f"{base}/retire").status_code == 404
    design.refresh_from_db()
    assert design.name == "Design" and design.retired_at is None
    assert design.memberships.count() == 3


def test_a_person_of_another_organization_cannot_be_taken_out_of_a_team_by_id(admin_client, design, ada, olga):
    url = f"/web/admin/teams/{design.scim_id}/members/remove"
    assert admin_client.post(url, {"member": str(olga.scim_id)}).status_code == 404
    assert admin_client.post(url, {"member": str(ada.scim_id)}).status_code == 302


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("", {"name": "Sneaky"}),
        ("/{team}/rename", {"name": "Sneaky"}),
        ("/{team}/members/add", {"person": "olga@globex.example"}),
        ("/{team}/members/remove", {"member": "{ada}"}),
        ("/{team}/retire", {}),
    ],
)
def test_team_forms_refuse_a_post_without_the_csrf_token(admin, design, ada, path, data):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin.user)
    url = "/web/admin/teams" + path.format(team=design.scim_id)
    response = client.post(url, {k: v.format(ada=ada.scim_id) for k, v in data.items()})
    assert response.status_code == 403
    design.refresh_from_db()
    assert design.name == "Design" and design.retired_at is None and design.memberships.count() == 3
    assert not Team.objects.filter(name="Sneaky").exists()


def test_every_team_form_carries_a_csrf_token(admin_client, design):
    for path in ("/web/admin/teams", f"/web/admin/teams/{design.scim_id}", f"/web/admin/teams/{design.scim_id}/retire"):
        page = html(admin_client.get(path))
        assert page.count('method="post"') == page.count('name="csrfmiddlewaretoken"') >= 2  # and signing out


# -- The Teams page -----------------------------------------------------------------------


def test_the_teams_page_lists_current_teams_with_active_member_counts(admin_client, design, support, globex_team):
    response = admin_client.get("/web/admin/teams")
    assert response.status_code == 200
    # Rita was removed from Acme: still on Design's record, not counted.
    assert listed(response) == {"Design": 2, "Support": 1}
    assert "Globex Secret Lab" not in html(response)


def test_a_person_the_idp_deactivates_is_not_counted(org, admin_client, support):
    mailbox, _ = services.provision_member(
        org,
        services.ProvisionedUser(user_name="it@acme.example", values={"display_name": "IT Mailbox"}),
        by=ENTRA,
    )
    teams.add_team_members(support, [mailbox], by=ENTRA)
    assert listed(admin_client.get("/web/admin/teams"))["Support"] == 2
    services.provision_member(
        org, services.ProvisionedUser(user_name="it@acme.example", active=False, values={}), by=ENTRA, member=mailbox
    )
    assert listed(admin_client.get("/web/admin/teams"))["Support"] == 1


def test_only_the_idps_teams_carry_the_idp_badge(admin_client, design, support):
    rows = html(admin_client.get("/web/admin/teams")).split('data-testid="team-row"')[1:]
    badges = {("Design" in row): ('class="badge idp"' in row) for row in rows}
    assert badges == {True: False, False: True}


def test_a_retired_team_leaves_the_teams_page(admin_client, design, support):
    teams.retire_team(support, by=ENTRA)
    assert listed(admin_client.get("/web/admin/teams")) == {"Design": 2}


@pytest.mark.parametrize(("query", "expected"), [("des", {"Design"}), ("PORT", {"Support"}), ("zzz", set())])
def test_search_matches_any_part_of_a_teams_name_in_any_case(admin_client, design, support, query, expected):
    response = admin_client.get("/web/admin/teams", {"q": query})
    assert set(listed(response)) == expected
    if not expected:
        assert "No team matches" in html(response)


def test_search_never_finds_another_organizations_team(admin_client, design, globex_team):
    assert listed(admin_client.get("/web/admin/teams", {"q": "Globex"})) == {}


def test_the_teams_page_pages_by_keyset_without_repeating_or_skipping_a_team(org, admin_client, globex_team):
    for n in range(60):
        teams.create_team(org, by=SETUP, name=f"Team {n % 7} {n:02}")
    seen: list[str] = []
    url = "/web/admin/teams"
    while url:
        response = admin_client.get(url)
        seen += list(listed(response))
        url = f"/web/admin/teams{response.context['next_url']}" if response.context["next_url"] else ""
    assert len(seen) == len(set(seen)) == 60
    previous = admin_client.get(f"/web/admin/teams{response.context['previous_url']}")
    assert list(listed(previous)) == seen[:50]


def test_a_team_with_no_one_yet_is_an_explained_empty_page(admin_client):
    response = admin_client.get("/web/admin/teams")
    assert "No teams yet" in html(response)


def query_count(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_the_teams_page_costs_the_same_queries_for_small_and_large_teams(org, admin_client, design):
    small = query_count(admin_client, "/web/admin/teams")
    big = teams.create_team(org, by=SETUP, name="Everyone")
    teams.add_team_members(big, [MemberFactory(organization=org) for _ in range(60)], by=SETUP)
    for n in range(20):
        teams.create_team(org, by=SETUP, name=f"Squad {n}")
    assert query_count(admin_client, "/web/admin/teams") == small <= 5


# -- Making a team ------------------------------------------------------------------------


def test_an_admin_makes_a_team_of_their_own(org, admin, admin_client):
    response = admin_client.post("/web/admin/teams", {"name": "  Guild of Makers "})
    team = Team.objects.get(organization=org, name="Guild of Makers")
    assert response.status_code == 302 and response["Location"] == f"/web/admin/teams/{team.scim_id}"
    assert not team.managed_by_idp
    by = Actor.admin(admin.user)
    assert trail(org, team=team) == [entry("team.created", by=by, summary=f"Created by {admin.user.username}")]


def test_a_second_team_of_the_same_name_in_any_case_is_refused_on_the_form(org, admin_client, design):
    response = admin_client.post("/web/admin/teams", {"name": "DESIGN"})
    assert response.status_code == 200
    assert "A team named &#x27;DESIGN&#x27; already exists in this organization." in html(response)
    assert Team.objects.filter(organization=org).count() == 1


def test_a_blank_team_name_is_refused(org, admin_client):
    response = admin_client.post("/web/admin/teams", {"name": "   "})
    assert response.status_code == 200 and response.context["form"].errors
    assert not Team.objects.filter(organization=org).exists()


def test_another_organization_may_have_a_team_of_the_same_name(org, admin_client, globex_team):
    admin_client.post("/web/admin/teams", {"name": "Globex Secret Lab"})
    assert Team.objects.filter(organization=org, name="Globex Secret Lab").exists()


# -- A team's page ------------------------------------------------------------------------


def test_a_team_page_lists_active_members_and_shows_removed_ones_apart(admin_client, design, ada, grace, rita):
    response = admin_client.get(f"/web/admin/teams/{design.scim_id}")
    assert response.status_code == 200
    assert [m.user_name for m in response.context["members"]] == ["grace@acme.example", "ada@acme.example"]
    assert response.context["active_count"] == 2
    assert [m.user_name for m in response.context["removed"]] == ["rita@acme.example"]
    members_table = html(response).split('data-testid="members"')[1].split("</table>")[0]
    assert "Rita" not in members_table
    removed = html(response).split('data-testid="removed-members"')[1].split("</ul>")[0]
    assert "Rita Removed" in removed and "Removed by an admin" in removed


def test_a_team_page_shows_its_history_with_who_did_what(admin, admin_client, design, ada):
    teams.remove_team_members(design, [ada], by=Actor.admin(admin.user))
    page = html(admin_client.get(f"/web/admin/teams/{design.scim_id}"))
    history = page.split('data-testid="history"')[1]
    assert "Taken out of the team" in history and "Ada Lovelace" in history
    assert f"by {admin.user.username} (admin)" in history
    assert "Team created" in history


def test_a_team_the_idp_manages_is_read_only_and_says_where_to_change_it(admin_client, support):
    response = admin_client.get(f"/web/admin/teams/{support.scim_id}")
    page = html(response)
    assert "Managed by Microsoft Entra ID: change it there" in page
    assert 'action="/web/admin/teams/' not in page  # no rename, add, take-out or retire form
    assert "Retire team" not in page
    assert "0b8a1c2d" in page  # its external id, for matching it with Entra


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("rename", {"name": "Helpdesk"}),
        ("members/add", {"person": "ada@acme.example"}),
        ("members/remove", {"member": "{grace}"}),
        ("retire", {}),
    ],
)
def test_an_admin_cannot_change_a_team_the_idp_manages(admin_client, support, ada, grace, path, data):
    url = f"/web/admin/teams/{support.scim_id}/{path}"
    response = admin_client.post(url, {k: v.format(grace=grace.scim_id) for k, v in data.items()}, follow=True)
    assert "is managed by your identity provider: change its name and members there" in html(response)
    support.refresh_from_db()
    assert support.name == "Support" and support.retired_at is None
    assert list(support.memberships.values_list("member__user_name", flat=True)) == ["grace@acme.example"]


def test_an_admin_adds_a_person_by_email_and_it_is_recorded_on_both_pages(org, admin, admin_client, design):
    katherine = person(org, "katherine@acme.example", "Katherine", "Johnson")
    response = admin_client.post(
        f"/web/admin/teams/{design.scim_id}/members/add", {"person": "KATHERINE@acme.example"}, follow=True
    )
    assert "Added Katherine Johnson to Design." in html(response)
    assert design.memberships.filter(member=katherine).exists()
    person_page = html(admin_client.get(f"/web/admin/people/{katherine.scim_id}"))
    assert f"Added to Design by {admin.user.username}" in person_page


def test_adding_someone_already_in_the_team_changes_nothing(admin_client, design, ada):
    response = admin_client.post(
        f"/web/admin/teams/{design.scim_id}/members/add", {"person": "ada@acme.example"}, follow=True
    )
    assert "Ada Lovelace is already in Design." in html(response)
    assert design.memberships.count() == 3


def test_a_person_of_another_organization_cannot_be_added(admin_client, design, olga):
    response = admin_client.post(f"/web/admin/teams/{design.scim_id}/members/add", {"person": "olga@globex.example"})
    assert response.status_code == 400
    assert "No one in this organization has that userName or work email." in html(response)
    assert not design.memberships.filter(member=olga).exists()


def test_a_person_removed_from_the_organization_cannot_be_added(org, admin_client, support, design, rita):
    teams.remove_team_members(design, [rita], by=SETUP)
    response = admin_client.post(f"/web/admin/teams/{design.scim_id}/members/add", {"person": "rita@acme.example"})
    assert response.status_code == 400
    assert "Rita Removed is removed from the organization: restore them first." in html(response)
    assert not design.memberships.filter(member=rita).exists()


def test_an_admin_takes_a_person_out_of_a_team_they_made(admin_client, design, ada):
    response = admin_client.post(
        f"/web/admin/teams/{design.scim_id}/members/remove", {"member": str(ada.scim_id)}, follow=True
    )
    assert "Took Ada Lovelace out of Design." in html(response)
    assert not design.memberships.filter(member=ada).exists()
    assert Member.objects.filter(pk=ada.pk).present().exists()  # still part of the organization


def test_an_admin_renames_a_team_they_made(org, admin, admin_client, design):
    response = admin_client.post(f"/web/admin/teams/{design.scim_id}/rename", {"name": "Product Design"}, follow=True)
    assert "Renamed Design to Product Design." in html(response)
    design.refresh_from_db()
    assert design.name == "Product Design"
    assert trail(org, team=design, action="team.renamed") == [
        entry(
            "team.renamed",
            by=Actor.admin(admin.user),
            summary="Renamed from Design to Product Design",
            changes={"name": ["Design", "Product Design"]},
        )
    ]


def test_a_rename_onto_another_teams_name_is_refused_on_the_form(admin_client, design, support):
    response = admin_client.post(f"/web/admin/teams/{design.scim_id}/rename", {"name": "support"})
    assert response.status_code == 400
    assert "A team named &#x27;support&#x27; already exists in this organization." in html(response)
    assert response.context["team"].name == "Design"
    design.refresh_from_db()
    assert design.name == "Design"


def test_an_admin_retires_a_team_after_confirming_and_it_keeps_its_history(admin_client, design):
    confirm = admin_client.get(f"/web/admin/teams/{design.scim_id}/retire")
    assert "Retire Design?" in html(confirm)
    design.refresh_from_db()
    assert design.retired_at is None

    response = admin_client.post(f"/web/admin/teams/{design.scim_id}/retire", follow=True)
    page = html(response)
    assert "Retired Design." in page
    assert "Retired</span>" in page and "no longer listed or counted" in page
    assert 'action="/web/admin/teams/' not in page
    assert "Team retired" in page and "Team created" in page
    assert [m.user_name for m in response.context["members"]] == ["grace@acme.example", "ada@acme.example"]


def test_a_retired_team_cannot_change_again(admin_client, design):
    teams.retire_team(design, by=SETUP)
    response = admin_client.post(f"/web/admin/teams/{design.scim_id}/rename", {"name": "Design Again"}, follow=True)
    assert "Design was retired; it can no longer change." in html(response)
    design.refresh_from_db()
    assert design.name == "Design"


def test_a_team_page_pages_its_members(org, admin_client):
    team = teams.create_team(org, by=SETUP, name="Everyone")
    teams.add_team_members(team, [MemberFactory(organization=org) for _ in range(55)], by=SETUP)
    first = admin_client.get(f"/web/admin/teams/{team.scim_id}")
    assert len(first.context["members"]) == 50 and first.context["active_count"] == 55
    second = admin_client.get(f"/web/admin/teams/{team.scim_id}{first.context['next_url']}")
    assert len(second.context["members"]) == 5
    assert not {m.pk for m in first.context["members"]} & {m.pk for m in second.context["members"]}


@pytest.mark.parametrize("idp", [False, True])
def test_a_team_page_costs_the_same_queries_for_3_or_60_members(org, admin_client, idp):
    by = ENTRA if idp else SETUP

    def team_of(size: int, name: str) -> Team:
        team = teams.create_team(org, by=by, name=name)
        people = [MemberFactory(organization=org, department=None) for _ in range(size)]
        teams.add_team_members(team, people, by=by)
        services.remove_member(people[0], by=SETUP)
        return team

    small, large = team_of(3, "Small"), team_of(60, "Large")
    counts = {query_count(admin_client, f"/web/admin/teams/{team.scim_id}") for team in (small, large)}
    assert len(counts) == 1 and counts.pop() <= 10


# -- The directory's team filter, a person's teams -----------------------------------------


def shown(client: Client, **params: str) -> set[str]:
    return {m.user_name for m in client.get("/web/admin/people", params).context["people"]}


def test_the_directory_filters_by_team(admin_client, design, support):
    # Rita is on Design's record; the state filter decides whether removed people show.
    assert shown(admin_client, team=str(design.pk)) == {"ada@acme.example", "grace@acme.example", "rita@acme.example"}
    assert shown(admin_client, team=str(design.pk), state="active") == {"ada@acme.example", "grace@acme.example"}
    assert shown(admin_client, team=str(support.pk)) == {"grace@acme.example"}


def test_the_team_filter_combines_with_search_and_the_other_filters(admin_client, design, support, ada):
    assert shown(admin_client, team=str(design.pk), q="lov") == {"ada@acme.example"}
    assert shown(admin_client, team=str(design.pk), q="grace@acme.example") == {"grace@acme.example"}
    assert shown(admin_client, team=str(design.pk), department=str(ada.department_id)) == {"ada@acme.example"}
    assert shown(admin_client, team=str(support.pk), q="lov") == set()


def test_the_team_filter_finds_people_in_no_current_team(admin, admin_client, design, support):
    teams.retire_team(design, by=SETUP)
    assert shown(admin_client, team="none") == {admin.user_name, "ada@acme.example", "rita@acme.example"}


def test_the_team_filter_offers_only_this_organizations_current_teams(admin_client, design, support, globex_team):
    choices = dict(admin_client.get("/web/admin/people").context["form"].fields["team"].choices)
    assert set(choices.values()) == {"All teams", "In no team", "Design", "Support"}
    teams.retire_team(support, by=ENTRA)
    choices = dict(admin_client.get("/web/admin/people").context["form"].fields["team"].choices)
    assert "Support" not in choices.values()


def test_a_team_filter_naming_another_organizations_team_is_ignored_not_leaked(admin_client, design, globex_team):
    people = shown(admin_client, team=str(globex_team.pk))
    assert "olga@globex.example" not in people and "ada@acme.example" in people
    assert str(globex_team.pk) not in dict(admin_client.get("/web/admin/people").context["form"].fields["team"].choices)


def test_a_persons_page_lists_their_current_teams_as_links(admin_client, design, support, grace):
    teams.create_team(grace.organization, by=SETUP, name="Old Guard")
    old = Team.objects.get(name="Old Guard")
    teams.add_team_members(old, [grace], by=SETUP)
    teams.retire_team(old, by=SETUP)
    response = admin_client.get(f"/web/admin/people/{grace.scim_id}")
    assert [t.name for t in response.context["teams"]] == ["Design", "Support"]
    listed_teams = html(response).split('data-testid="teams"')[1].split("</dd>")[0]
    assert f'href="/web/admin/teams/{design.scim_id}"' in listed_teams
    assert f'href="/web/admin/teams/{support.scim_id}"' in listed_teams
    assert "Old Guard" not in listed_teams


def test_a_person_in_no_team_says_so(admin_client, ada):
    response = admin_client.get(f"/web/admin/people/{ada.scim_id}")
    assert html(response).split('data-testid="teams"')[1].split("</dd>")[0] == ">—"


# -- The setup guide ----------------------------------------------------------------------


def test_the_setup_guide_keeps_group_provisioning_on_and_says_groups_become_teams(admin_client):
    page = html(admin_client.get("/web/admin/keys"))
    assert "disable group provisioning" not in page
    assert "<strong>Provision Microsoft Entra ID Groups</strong> on <strong>Yes</strong>, the default" in page
    assert "Each assigned group becomes a Preciate team" in page and "its membership follows Entra" in page
