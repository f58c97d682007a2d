"""The portal's pages (organizations/views.py): the people directory, a person's page, adding, editing,
removing and restoring people; signing in; headcount reports."""

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from organizations import services
from organizations.models import Event, Member, Organization
from organizations.services import Actor, ProvisionedUser, remove_member
from tests.conftest import ADMIN_PASSWORD
from tests.factories import DepartmentFactory, LocationFactory, MemberFactory, UserFactory
from tests.trail import entry, trail

IDP = Actor.idp("Microsoft Entra ID")
SETUP = Actor.command("tests")


@pytest.fixture
def ada(org: Organization) -> Member:
    """An engineer added by hand, with a manager."""
    grace = services.create_member(
        org,
        by=SETUP,
        user_name="grace@acme.example",
        email="grace@acme.example",
        given_name="Grace",
        family_name="Hopper",
    )
    return services.create_member(
        org,
        by=SETUP,
        user_name="ada@acme.example",
        email="ada@acme.example",
        given_name="Ada",
        family_name="Lovelace",
        title="Engineer",
        department="Engineering",
        location="Lyon",
        manager=grace,
    )


@pytest.fixture
def mailbox(org: Organization) -> Member:
    """The shared it@ mailbox that came in from Entra with a group."""
    member, _ = services.provision_member(
        org,
        ProvisionedUser(
            user_name="it@acme.example",
            scim_data={"userName": "it@acme.example", "displayName": "IT Mailbox", "title": "Mailbox"},
            values={"display_name": "IT Mailbox", "email": "it@acme.example", "title": "Mailbox", "department": "IT"},
        ),
        by=IDP,
    )
    return member


@pytest.fixture
def olga(other_org: Organization) -> Member:
    """Someone of another organization, who must never show up here."""
    return services.create_member(
        other_org,
        by=SETUP,
        user_name="olga@globex.example",
        email="olga@globex.example",
        given_name="Olga",
        family_name="Outsider",
        department="Engineering",
        location="Lyon",
    )


def names_on(response) -> str:
    return response.content.decode()


# -- Access -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/web/admin/people",
        "/web/admin/people/new",
        "/web/admin/people/00000000-0000-0000-0000-000000000000",
        "/web/admin/provisioning",
        "/web/admin/reports",
        "/web/admin/reports.csv",
    ],
)
def test_anonymous_visitors_are_sent_to_sign_in(db, path):
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/web/login?next=")


def test_a_removed_admin_is_signed_out(admin, admin_client):
    services.remove_member(admin, by=SETUP)
    response = admin_client.get("/web/admin/people")
    assert response.status_code == 302
    assert response["Location"].startswith("/web/login")
    assert "_auth_user_id" not in admin_client.session


def test_another_organizations_admin_gets_404_for_this_organizations_person(ada, other_admin_client):
    base = f"/web/admin/people/{ada.scim_id}"
    assert other_admin_client.get(base).status_code == 404
    assert other_admin_client.post(base, {"title": "Hacked"}).status_code == 404
    assert other_admin_client.get(f"{base}/remove").status_code == 404
    assert other_admin_client.post(f"{base}/remove").status_code == 404
    assert other_admin_client.post(f"{base}/restore").status_code == 404
    ada.refresh_from_db()
    assert ada.title == "Engineer" and ada.is_present


def test_forms_refuse_a_post_without_the_csrf_token(admin, ada):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin.user)
    response = client.post("/web/admin/people/remove", {"people": [str(ada.scim_id)], "confirm": "yes"})
    assert response.status_code == 403
    ada.refresh_from_db()
    assert ada.is_present


# -- The directory ------------------------------------------------------------------------


def test_the_directory_lists_this_organizations_people_and_never_another_s(admin_client, ada, mailbox, olga):
    response = admin_client.get("/web/admin/people")
    assert response.status_code == 200
    html = names_on(response)
    assert "Ada Lovelace" in html and "IT Mailbox" in html and "Grace Hopper" in html
    assert "Olga" not in html and "globex" not in html


def test_each_row_shows_name_email_title_department_location_manager_and_state(admin_client, ada, mailbox):
    response = admin_client.get("/web/admin/people")
    row = next(r for r in response.context["people"] if r.pk == ada.pk)
    assert (
        row.department.name == "Engineering" and row.location.name == "Lyon" and row.manager.full_name == "Grace Hopper"
    )
    html = names_on(response)
    for text in ("ada@acme.example", "Engineer", "Engineering", "Lyon", "Grace Hopper", "Active"):
        assert text in html


def test_people_managed_by_the_idp_carry_a_badge(admin_client, ada, mailbox):
    html = names_on(admin_client.get("/web/admin/people"))
    assert html.count('class="badge idp"') == 1


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ADA@acme.example", {"Ada Lovelace"}),  # an exact userName, any case
        ("grace@ACME.EXAMPLE", {"Grace Hopper"}),  # an exact email
        ("love", {"Ada Lovelace"}),  # the start of a last name
        ("Gra", {"Grace Hopper"}),  # the start of a first name
        ("ada lov", {"Ada Lovelace"}),  # first and last name
        ("IT Mail", {"IT Mailbox"}),  # the start of a display name
        ("ada@acme", set()),  # an address must match exactly
    ],
)
def test_search_matches_names_by_their_start_and_addresses_exactly(admin_client, ada, mailbox, olga, query, expected):
    response = admin_client.get("/web/admin/people", {"q": query})
    assert {m.full_name for m in response.context["people"]} == expected


def test_search_never_finds_another_organizations_people(admin_client, ada, olga):
    for query in ("olga@globex.example", "Olga", "Outsider"):
        response = admin_client.get("/web/admin/people", {"q": query})
        assert list(response.context["people"]) == []
        assert "No one matches" in names_on(response)


def test_filters_by_department_location_state_and_source(org, admin, admin_client, ada, mailbox, olga):
    lyon = ada.location
    engineering = ada.department
    removed = MemberFactory(organization=org, given_name="Rita", family_name="Removed")
    services.remove_member(removed, by=SETUP)
    services.provision_member(
        org, ProvisionedUser(user_name="dora@acme.example", active=False, values={"given_name": "Dora"}), by=IDP
    )

    def shown(**params: str) -> set[str]:
        response = admin_client.get("/web/admin/people", params)
        return {m.user_name for m in response.context["people"]}

    assert shown(department=str(engineering.pk)) == {"ada@acme.example"}
    assert shown(location=str(lyon.pk)) == {"ada@acme.example"}
    assert "grace@acme.example" in shown(department="none")
    assert shown(state="removed_by_admin") == {removed.user_name}
    assert shown(state="removed_by_idp") == {"dora@acme.example"}
    assert removed.user_name not in shown(state="active") and "dora@acme.example" not in shown(state="active")
    assert shown(source="idp") == {"it@acme.example", "dora@acme.example"}
    assert "it@acme.example" not in shown(source="manual")
    assert shown(department=str(engineering.pk), state="active", source="manual") == {"ada@acme.example"}


def test_a_filter_naming_another_organizations_department_is_ignored_not_leaked(admin_client, ada, olga):
    response = admin_client.get("/web/admin/people", {"department": str(olga.department_id)})
    assert response.status_code == 200
    assert "olga@globex.example" not in {m.user_name for m in response.context["people"]}


def test_the_department_and_location_filters_offer_only_this_organizations_names(org, admin_client, ada, olga):
    DepartmentFactory(organization=olga.organization, name="Globex Secret Lab")
    LocationFactory(organization=olga.organization, name="Springfield")
    html = names_on(admin_client.get("/web/admin/people"))
    assert "Globex Secret Lab" not in html and "Springfield" not in html


def test_the_directory_pages_by_keyset_without_repeating_or_skipping_anyone(org, admin_client, olga):
    for n in range(120):
        MemberFactory(organization=org, family_name=f"Person{n % 7}", given_name=f"Same{n % 3}")
    expected = set(Member.objects.filter(organization=org).values_list("user_name", flat=True))
    seen: list[str] = []
    url = "/web/admin/people"
    pages = 0
    while url:
        response = admin_client.get(url)
        seen += [m.user_name for m in response.context["people"]]
        next_url = response.context["next_url"]
        url = f"/web/admin/people{next_url}" if next_url else ""
        pages += 1
    assert pages == 3
    assert len(seen) == len(set(seen)) == len(expected)
    assert set(seen) == expected

    # Previous from the third page is the second page again.
    last_page = response
    previous = admin_client.get(f"/web/admin/people{last_page.context['previous_url']}")
    assert [m.user_name for m in previous.context["people"]] == seen[50:100]


def test_paging_keeps_the_search_and_filters(org, admin_client):
    for n in range(60):
        MemberFactory(organization=org, family_name=f"Smith{n:02}")
    MemberFactory(organization=org, family_name="Jones")
    first = admin_client.get("/web/admin/people", {"q": "smith"})
    assert "q=smith" in first.context["next_url"]
    second = admin_client.get(f"/web/admin/people{first.context['next_url']}")
    assert len(second.context["people"]) == 10
    assert all(m.family_name.startswith("Smith") for m in second.context["people"])


@pytest.mark.parametrize("size", [5, 50])
def test_the_directory_costs_the_same_queries_for_5_or_50_people(
    org, admin_client, django_assert_max_num_queries, size
):
    for n in range(size):
        manager = MemberFactory(organization=org) if n % 5 == 0 else None
        services.create_member(
            org, by=SETUP, user_name=f"p{n}@acme.example", department=f"D{n % 4}", location=f"L{n % 3}", manager=manager
        )
    with django_assert_max_num_queries(6):
        response = admin_client.get("/web/admin/people")
    assert response.status_code == 200
    cursor = response.context["people"][0].scim_id
    with django_assert_max_num_queries(7):
        later = admin_client.get("/web/admin/people", {"after": str(cursor), "state": "active", "source": "manual"})
    assert later.context["people"]


def test_a_search_that_finds_nobody_explains_how_search_matches(admin_client, ada):
    response = admin_client.get("/web/admin/people", {"q": "zzz"})
    html = names_on(response)
    assert "No one matches" in html
    assert "exact email or userName" in html


# -- A person -----------------------------------------------------------------------------


def test_a_persons_page_shows_their_attributes_and_history_newest_first(admin, admin_client, ada):
    services.update_member(ada, by=Actor.admin(admin.user), title="Staff Engineer")
    response = admin_client.get(f"/web/admin/people/{ada.scim_id}")
    assert response.status_code == 200
    html = names_on(response)
    for text in ("Ada Lovelace", "ada@acme.example", "Staff Engineer", "Engineering", "Lyon", "Grace Hopper"):
        assert text in html
    history = response.context["history"]
    assert [e.action for e in history] == ["member.updated", "manager.linked", "member.created"]
    assert "title changed from Engineer to Staff Engineer" in html
    assert f"by {admin.user.username}" in html


def test_a_persons_history_is_bounded_and_costs_the_same_queries_however_long(
    admin_client, ada, django_assert_max_num_queries
):
    for n in range(150):
        services.update_member(ada, by=SETUP, title=f"Title {n}")
    with django_assert_max_num_queries(8):
        response = admin_client.get(f"/web/admin/people/{ada.scim_id}")
    assert len(response.context["history"]) == 100
    assert response.context["history_truncated"]


def test_an_admin_edits_a_hand_added_persons_title_department_and_location(org, admin, admin_client, ada):
    response = admin_client.post(
        f"/web/admin/people/{ada.scim_id}",
        {
            "user_name": "ada@acme.example",
            "given_name": "Ada",
            "family_name": "Lovelace",
            "email": "ada@acme.example",
            "title": "Principal Engineer",
            "department": "Research",
            "location": "London",
            "manager": "grace@acme.example",
        },
    )
    assert response.status_code == 302
    ada.refresh_from_db()
    assert (ada.title, ada.department.name, ada.location.name) == ("Principal Engineer", "Research", "London")
    assert trail(org, member=ada, action="member.updated") == [
        entry(
            "member.updated",
            by=Actor.admin(admin.user),
            user_name="ada@acme.example",
            summary="title changed from Engineer to Principal Engineer; department changed from Engineering to "
            "Research; location changed from Lyon to London",
            changes={
                "title": ["Engineer", "Principal Engineer"],
                "department": ["Engineering", "Research"],
                "location": ["Lyon", "London"],
            },
        )
    ]


def test_a_taken_username_is_shown_on_the_form_and_nothing_typed_is_lost(admin_client, ada):
    response = admin_client.post(
        f"/web/admin/people/{ada.scim_id}",
        {
            "user_name": "GRACE@acme.example",
            "given_name": "Ada",
            "title": "Kept title",
            "manager": "grace@acme.example",
        },
    )
    assert response.status_code == 200
    assert "already has the userName" in names_on(response)
    assert response.context["form"]["title"].value() == "Kept title"
    ada.refresh_from_db()
    assert ada.user_name == "ada@acme.example" and ada.title == "Engineer"


def test_an_admin_clears_a_persons_manager(admin_client, ada):
    admin_client.post(f"/web/admin/people/{ada.scim_id}", {"user_name": ada.user_name, "manager": ""})
    ada.refresh_from_db()
    assert ada.manager is None


def test_an_unknown_manager_is_a_form_error(admin_client, ada, olga):
    response = admin_client.post(
        f"/web/admin/people/{ada.scim_id}", {"user_name": ada.user_name, "manager": "olga@globex.example"}
    )
    assert response.status_code == 200
    assert "No one in this organization" in names_on(response)
    ada.refresh_from_db()
    assert ada.manager.user_name == "grace@acme.example"


def test_fields_the_idp_owns_are_read_only_with_an_explanation(admin_client, mailbox):
    response = admin_client.get(f"/web/admin/people/{mailbox.scim_id}")
    html = names_on(response)
    assert "Managed by your identity provider; change it in Entra ID" in html
    assert "Save changes" not in html
    assert "Remove from organization" in html

    admin_client.post(f"/web/admin/people/{mailbox.scim_id}", {"user_name": "hijack@acme.example", "title": "Changed"})
    mailbox.refresh_from_db()
    assert (mailbox.user_name, mailbox.title) == ("it@acme.example", "Mailbox")
    assert not Event.objects.filter(member=mailbox, actor_kind="admin").exists()


def test_an_admin_adds_a_person_by_hand(org, admin, admin_client, ada):
    response = admin_client.post(
        "/web/admin/people/new",
        {
            "user_name": "alan@acme.example",
            "given_name": "Alan",
            "family_name": "Turing",
            "email": "alan@acme.example",
            "title": "Data Scientist",
            "department": "engineering",
            "location": "London",
            "manager": "ADA@acme.example",
        },
    )
    alan = Member.objects.get(organization=org, user_name="alan@acme.example")
    assert response["Location"] == f"/web/admin/people/{alan.scim_id}"
    assert alan.department_id == ada.department_id  # matched case-insensitively
    assert alan.manager == ada and not alan.managed_by_idp and alan.is_present
    event = Event.objects.get(member=alan, action="member.created")
    assert event.actor_kind == "admin" and event.actor_user == admin.user


def test_adding_a_person_with_a_taken_username_keeps_the_form(admin_client, ada):
    response = admin_client.post("/web/admin/people/new", {"user_name": "Ada@Acme.Example", "title": "Typed"})
    assert response.status_code == 200
    assert "already has the userName" in names_on(response)
    assert response.context["form"]["title"].value() == "Typed"


def test_adding_a_person_requires_a_username(admin_client):
    response = admin_client.post("/web/admin/people/new", {"given_name": "No", "family_name": "Name"})
    assert response.status_code == 200
    assert response.context["form"].errors["user_name"]


# -- Remove and restore -------------------------------------------------------------------


def test_removing_a_person_asks_for_confirmation_first(admin_client, ada):
    response = admin_client.get(f"/web/admin/people/{ada.scim_id}/remove")
    assert response.status_code == 200
    assert "Remove Ada Lovelace from Acme Corp?" in names_on(response)
    ada.refresh_from_db()
    assert ada.is_present


def test_a_confirmed_removal_removes_through_the_services_and_keeps_the_record(admin, admin_client, ada):
    response = admin_client.post(f"/web/admin/people/{ada.scim_id}/remove")
    assert response.status_code == 302
    ada.refresh_from_db()
    assert ada.state == "removed_by_admin" and ada.admin_removed_by == admin.user
    assert trail(ada.organization, member=ada, action="member.removed") == [
        entry(
            "member.removed",
            by=Actor.admin(admin.user),
            user_name="ada@acme.example",
            summary="Removed by alice.admin@acme.example",
        )
    ]
    page = names_on(admin_client.get(f"/web/admin/people/{ada.scim_id}"))
    assert "Removed by alice.admin@acme.example" in page and "Restore" in page


def test_restoring_asks_for_confirmation_then_restores(admin, admin_client, ada):
    services.remove_member(ada, by=Actor.admin(admin.user))
    assert "Restore Ada Lovelace?" in names_on(admin_client.get(f"/web/admin/people/{ada.scim_id}/restore"))
    ada.refresh_from_db()
    assert not ada.is_present
    admin_client.post(f"/web/admin/people/{ada.scim_id}/restore")
    ada.refresh_from_db()
    assert ada.is_present
    assert Event.objects.get(member=ada, action="member.restored").actor_user == admin.user


def test_an_admin_cannot_remove_themselves(admin, admin_client):
    response = admin_client.post(f"/web/admin/people/{admin.scim_id}/remove")
    assert response.status_code == 302
    admin.refresh_from_db()
    assert admin.is_present


def test_an_admin_removal_wins_over_a_later_idp_update(org, admin, admin_client, mailbox):
    admin_client.post(f"/web/admin/people/{mailbox.scim_id}/remove")
    mailbox.refresh_from_db()  # SCIM reads the person afresh, as here
    services.provision_member(
        org,
        ProvisionedUser(
            user_name="it@acme.example",
            active=True,
            scim_data={"userName": "it@acme.example", "title": "Shared mailbox"},
            values={"title": "Shared mailbox"},
        ),
        by=IDP,
        member=mailbox,
    )
    mailbox.refresh_from_db()
    assert mailbox.idp_active and mailbox.title == "Shared mailbox"  # the IdP's facts are kept
    assert mailbox.state == "removed_by_admin"  # and the admin's removal still decides
    assert not Member.objects.filter(pk=mailbox.pk).present().exists()
    listed = admin_client.get("/web/admin/people", {"state": "removed_by_admin"}).context["people"]
    assert [m.pk for m in listed] == [mailbox.pk]
    assert mailbox.pk not in [
        m.pk for m in admin_client.get("/web/admin/people", {"state": "active"}).context["people"]
    ]


# -- Bulk removal -------------------------------------------------------------------------


def test_bulk_removal_shows_who_will_be_removed_before_removing_anyone(org, admin_client, ada, mailbox):
    response = admin_client.post("/web/admin/people/remove", {"people": [str(ada.scim_id), str(mailbox.scim_id)]})
    assert response.status_code == 200
    html = names_on(response)
    assert "Remove 2 people from the organization?" in html
    assert "Ada Lovelace" in html and "IT Mailbox" in html
    assert Member.objects.filter(organization=org).present().filter(pk__in=[ada.pk, mailbox.pk]).count() == 2


def test_a_confirmed_bulk_removal_removes_everyone_selected_through_the_services(admin, admin_client, ada, mailbox):
    response = admin_client.post(
        "/web/admin/people/remove",
        {"people": [str(ada.scim_id), str(mailbox.scim_id)], "confirm": "yes", "next": "/web/admin/people?q=x"},
    )
    assert response.status_code == 302 and response["Location"] == "/web/admin/people?q=x"
    for member in (ada, mailbox):
        member.refresh_from_db()
        assert member.state == "removed_by_admin"
        assert Event.objects.get(member=member, action="member.removed").actor_user == admin.user


def test_bulk_removal_never_touches_another_organizations_people_or_the_admin(admin, admin_client, ada, olga):
    response = admin_client.post(
        "/web/admin/people/remove",
        {"people": [str(ada.scim_id), str(olga.scim_id), str(admin.scim_id)], "confirm": "yes"},
    )
    assert response.status_code == 302
    olga.refresh_from_db()
    admin.refresh_from_db()
    ada.refresh_from_db()
    assert olga.is_present and admin.is_present and not ada.is_present


def test_bulk_removal_sends_back_only_to_the_people_page(admin_client, ada):
    response = admin_client.post(
        "/web/admin/people/remove", {"people": [str(ada.scim_id)], "confirm": "yes", "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("people")


def test_bulk_removal_with_nothing_selected_says_so(admin_client):
    response = admin_client.post("/web/admin/people/remove", {}, follow=True)
    assert "Select the people to remove first." in names_on(response)


# --------------------------------------------------------------------------------------------
# Signing in to the admin portal, and who may stay signed in.
# --------------------------------------------------------------------------------------------


def test_an_admin_signs_in_with_email_and_password_and_sees_their_organization(admin):
    client = Client()
    response = client.post("/web/login", {"username": "Alice.Admin@acme.example", "password": ADMIN_PASSWORD})
    assert response.status_code == 302
    home = client.get("/web/admin/")
    assert home.status_code == 200
    assert "Acme Corp" in home.content.decode()


def test_home_counts_only_people_who_are_part_of_the_organization(admin_client, org, other_org):
    MemberFactory(organization=org)
    removed = MemberFactory(organization=org)
    remove_member(removed, by=Actor.command("tests"))
    MemberFactory(organization=org, idp_active=False)
    MemberFactory.create_batch(3, organization=other_org)
    response = admin_client.get("/web/admin/")
    # The admin and one colleague.
    assert '<p class="big-number" data-testid="people-count">2</p>' in response.content.decode()


def test_an_anonymous_visitor_is_sent_to_sign_in(db):
    response = Client().get("/web/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/web/login")


def test_a_wrong_password_is_refused_with_a_message(admin):
    response = Client().post("/web/login", {"username": "alice.admin@acme.example", "password": "nope"})
    assert response.status_code == 200
    assert "correct" in response.content.decode().lower()


def test_a_login_that_is_not_an_admin_of_an_organization_cannot_sign_in(org):
    user = UserFactory(username="bob@acme.example")
    MemberFactory(organization=org, user=user, is_admin=False, user_name="bob@acme.example")
    response = Client().post("/web/login", {"username": "bob@acme.example", "password": ADMIN_PASSWORD})
    assert response.status_code == 200
    assert "not an admin" in response.content.decode()


def test_a_removed_admin_is_signed_out_at_once(admin, admin_client):
    assert admin_client.get("/web/admin/").status_code == 200
    remove_member(admin, by=Actor.command("tests"))
    response = admin_client.get("/web/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/web/login")
    assert "_auth_user_id" not in admin_client.session


def test_an_admin_deactivated_by_the_idp_is_signed_out(admin, admin_client):
    admin.idp_active = False
    admin.save()
    assert admin_client.get("/web/admin/").status_code == 302


def test_signing_out_needs_a_post_with_csrf(admin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin.user)
    assert client.post("/web/logout").status_code == 403


def test_the_login_form_is_csrf_protected(admin):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/web/login", {"username": "alice.admin@acme.example", "password": ADMIN_PASSWORD})
    assert response.status_code == 403


# --------------------------------------------------------------------------------------------
# Headcount reports: by department, by location, both, as charts, tables and CSV.
# --------------------------------------------------------------------------------------------


SETUP = Actor.command("tests")


def person(organization: Organization, user_name: str, department: str = "", location: str = "", **extra) -> None:
    services.create_member(
        organization, by=SETUP, user_name=user_name, department=department, location=location, **extra
    )


@pytest.fixture
def acme_people(org: Organization) -> None:
    """Acme: 3 in Engineering (2 Lyon, 1 London), 1 in Sales (London), 1 with neither, and leavers."""
    person(org, "ada@acme.example", "Engineering", "Lyon")
    person(org, "grace@acme.example", "engineering", "Lyon")
    person(org, "alan@acme.example", "Engineering", "London")
    person(org, "kath@acme.example", "Sales", "London")
    person(org, "nobody@acme.example")
    removed = services.create_member(org, by=SETUP, user_name="gone@acme.example", department="Sales")
    services.remove_member(removed, by=SETUP)
    services.provision_member(
        org, ProvisionedUser(user_name="left@acme.example", active=False, values={"department": "Sales"}), by=SETUP
    )


@pytest.fixture
def globex_people(other_org: Organization) -> None:
    for n in range(4):
        person(other_org, f"g{n}@globex.example", "Globex Research", "Springfield")


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_it_counts_present_people_by_department_with_unassigned(admin_client, acme_people, globex_people):
    response = admin_client.get("/web/admin/reports")
    assert response.status_code == 200
    by_department = {row.label: row.count for row in response.context["by_department"]}
    # The admin (Alice) and nobody@ have no department.
    assert by_department == {"Engineering": 3, "Sales": 1, "Unassigned": 2}
    assert response.context["total"] == 6


def test_it_counts_present_people_by_location(admin_client, acme_people, globex_people):
    by_location = {row.label: row.count for row in admin_client.get("/web/admin/reports").context["by_location"]}
    assert by_location == {"Lyon": 2, "London": 2, "Unassigned": 2}


def test_it_crosses_department_and_location(admin_client, acme_people):
    crosstab = admin_client.get("/web/admin/reports").context["crosstab"]
    columns = [label for _, label in crosstab["columns"]]
    assert columns == ["London", "Lyon", "Unassigned"]
    cells = {row["label"]: [value for _, value in row["values"]] for row in crosstab["rows"]}
    assert cells == {"Engineering": [1, 2, 0], "Sales": [1, 0, 0], "Unassigned": [0, 0, 2]}
    assert crosstab["column_totals"] == [2, 2, 2] and crosstab["total"] == 6


def test_another_organizations_people_never_show_in_reports(admin_client, acme_people, globex_people):
    html = admin_client.get("/web/admin/reports").content.decode()
    assert "Globex Research" not in html and "Springfield" not in html


def test_charts_are_inline_svg_drawn_on_the_server(admin_client, acme_people):
    html = admin_client.get("/web/admin/reports").content.decode()
    assert html.count('<svg class="chart hbar"') == 2
    assert "<script" not in html
    assert "Engineering: 3" in html  # each bar's tooltip


def test_rows_link_to_the_people_they_count(admin_client, org, acme_people):
    engineering = org.departments.get(name="Engineering")
    html = admin_client.get("/web/admin/reports").content.decode()
    assert f"/web/admin/people?department={engineering.pk}&amp;state=active" in html


@pytest.mark.parametrize("size", [5, 50])
def test_reports_cost_the_same_queries_for_5_or_50_people(org, admin_client, django_assert_max_num_queries, size):
    for n in range(size):
        person(org, f"p{n}@acme.example", f"D{n % 4}", f"L{n % 3}")
    with django_assert_max_num_queries(6):
        assert admin_client.get("/web/admin/reports").status_code == 200
    # One grouped count over the ids plus the department and location names.
    with django_assert_max_num_queries(6):
        assert admin_client.get("/web/admin/reports.csv?by=department_location").status_code == 200


# -- CSV ------------------------------------------------------------------------------------


def test_csv_by_department_is_an_attachment_with_one_row_per_department(admin_client, acme_people, globex_people):
    response = admin_client.get("/web/admin/reports.csv", {"by": "department"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="acme-headcount-by-department-')
    assert csv_rows(response) == [
        ["department", "headcount"],
        ["Engineering", "3"],
        ["Unassigned", "2"],
        ["Sales", "1"],
    ]


def test_csv_by_location(admin_client, acme_people, globex_people):
    rows = csv_rows(admin_client.get("/web/admin/reports.csv", {"by": "location"}))
    assert rows[0] == ["location", "headcount"]
    assert sorted(rows[1:]) == [["London", "2"], ["Lyon", "2"], ["Unassigned", "2"]]


def test_csv_by_department_and_location(admin_client, acme_people, globex_people):
    response = admin_client.get("/web/admin/reports.csv", {"by": "department_location"})
    assert 'filename="acme-headcount-by-department-location-' in response["Content-Disposition"]
    assert csv_rows(response) == [
        ["department", "location", "headcount"],
        ["Engineering", "London", "1"],
        ["Engineering", "Lyon", "2"],
        ["Sales", "London", "1"],
        ["Unassigned", "Unassigned", "2"],
    ]


def test_csv_defaults_to_departments_and_refuses_an_unknown_grouping(admin_client, acme_people):
    assert csv_rows(admin_client.get("/web/admin/reports.csv"))[0] == ["department", "headcount"]
    assert admin_client.get("/web/admin/reports.csv", {"by": "salary"}).status_code == 400


def test_csv_never_contains_another_organizations_people(other_admin_client, acme_people, globex_people):
    rows = csv_rows(other_admin_client.get("/web/admin/reports.csv", {"by": "department_location"}))
    assert rows[1:] == [["Globex Research", "Springfield", "4"], ["Unassigned", "Unassigned", "1"]]


def test_csv_keeps_a_department_named_like_a_formula_from_running_in_a_spreadsheet(org, admin_client):
    person(org, "eve@acme.example", '=HYPERLINK("http://evil.example")')
    rows = csv_rows(admin_client.get("/web/admin/reports.csv"))
    assert ['\'=HYPERLINK("http://evil.example")', "1"] in rows
