"""Support's rights (organizations/support.py): no one in Django admin acts as a customer admin, and every support write is audited as support's.

Sam is a support engineer (tests/organizations/conftest.py); Root is a superuser, who cannot
act as a customer admin either.
"""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.test import Client

from keys import services as key_services
from keys.models import ScimKey
from organizations.models import Event, Member, Organization
from organizations.services import Actor
from organizations.support import SUPPORT_GROUP
from scim.users import etag
from tests.conftest import ADMIN_PASSWORD
from tests.factories import MemberFactory
from tests.organizations.conftest import SAM
from tests.trail import entry, trail


@pytest.fixture
def root_client(db: None) -> Client:
    root = get_user_model().objects.create_superuser("root@preciate.example", "root@preciate.example", "pw")
    client = Client()
    client.force_login(root)
    return client


@pytest.fixture(params=["sam", "root"])
def staff_client(request: pytest.FixtureRequest) -> Client:
    return request.getfixturevalue(f"{request.param}_client")


def test_no_staff_login_opens_a_portal_admins_password_form(staff_client, admin):
    url = f"/admin/auth/user/{admin.user.pk}/password/"

    shown = staff_client.get(url)
    posted = staff_client.post(url, {"password1": "support-chose-this", "password2": "support-chose-this"})

    assert shown.status_code == 403
    assert posted.status_code == 403
    admin.user.refresh_from_db()
    assert admin.user.check_password(ADMIN_PASSWORD)


def test_no_staff_login_changes_a_portal_admins_login_through_the_user_form(staff_client, admin):
    response = staff_client.post(
        f"/admin/auth/user/{admin.user.pk}/change/",
        {
            "username": "takeover@preciate.example",
            "email": "support@preciate.example",
            "is_active": "on",
            "is_staff": "on",
            "date_joined_0": "2024-01-01",
            "date_joined_1": "00:00:00",
        },
    )

    assert response.status_code == 403
    admin.user.refresh_from_db()
    assert admin.user.username == "alice.admin@acme.example"
    assert not admin.user.is_staff


def test_a_superuser_sees_a_portal_login_without_its_password_form_or_delete(root_client, admin):
    page = root_client.get(f"/admin/auth/user/{admin.user.pk}/change/")
    delete = root_client.post(f"/admin/auth/user/{admin.user.pk}/delete/", {"post": "yes"})

    assert page.status_code == 200
    assert "password/" not in page.content.decode()
    assert 'name="username"' not in page.content.decode()
    assert delete.status_code == 403
    admin.refresh_from_db()
    assert admin.user is not None


def test_a_superuser_still_resets_a_support_logins_password(root_client, sam):
    response = root_client.post(
        f"/admin/auth/user/{sam.pk}/password/",
        {"password1": "a-new-support-pw-2", "password2": "a-new-support-pw-2", "set_usable_password": "true"},
    )

    assert response.status_code == 302
    sam.refresh_from_db()
    assert sam.check_password("a-new-support-pw-2")


def test_no_staff_login_attaches_itself_to_a_customer_as_an_admin(staff_client, org):
    person = MemberFactory(organization=org)
    own = get_user_model().objects.get(username__in=[SAM, "root@preciate.example"])

    response = staff_client.post(
        f"/admin/organizations/member/{person.pk}/change/",
        {"user": own.pk, "is_admin": "on", "user_name": person.user_name},
    )

    assert response.status_code == 403
    person.refresh_from_db()
    assert person.user is None
    assert not person.is_admin


def test_saving_a_person_in_django_admin_never_moves_their_etag_unaudited(staff_client, org):
    person = MemberFactory(organization=org)
    before = etag(person)

    page = staff_client.get(f"/admin/organizations/member/{person.pk}/change/")
    saved = staff_client.post(f"/admin/organizations/member/{person.pk}/change/", {"_save": "Save"})

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert saved.status_code == 403
    person.refresh_from_db()
    assert etag(person) == before
    assert not Event.objects.filter(member=person).exists()


def test_support_renaming_an_organization_lands_in_its_trail_as_support(sam_client, sam, org):
    response = sam_client.post(
        f"/admin/organizations/organization/{org.pk}/change/", {"name": "Acme Industries", "slug": "acme-industries"}
    )

    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.name, org.slug) == ("Acme Industries", "acme-industries")
    assert trail(org, action="organization.updated") == [
        entry(
            "organization.updated",
            by=Actor.support(sam),
            summary="name changed from Acme Corp to Acme Industries; slug changed from acme to acme-industries",
            changes={"name": ["Acme Corp", "Acme Industries"], "slug": ["acme", "acme-industries"]},
        )
    ]


def test_saving_an_organization_unchanged_records_nothing(sam_client, org):
    sam_client.post(f"/admin/organizations/organization/{org.pk}/change/", {"name": org.name, "slug": org.slug})

    assert not Event.objects.filter(organization=org, action="organization.updated").exists()


def test_support_cannot_take_another_organizations_slug(sam_client, org, other_org):
    response = sam_client.post(
        f"/admin/organizations/organization/{org.pk}/change/", {"name": org.name, "slug": other_org.slug}
    )

    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    org.refresh_from_db()
    assert org.slug == "acme"


def test_a_view_only_staff_login_cannot_remove_people_or_move_locations(org):
    viewer = get_user_model().objects.create_user("vic@preciate.example", password="pw", is_staff=True)
    viewer.user_permissions.add(
        Permission.objects.get(codename="view_member"), Permission.objects.get(codename="view_organization")
    )
    client = Client()
    client.force_login(viewer)
    person = MemberFactory(organization=org)

    client.post("/admin/organizations/member/", {"action": "remove_selected", "_selected_action": [person.pk]})
    client.post("/admin/organizations/organization/", {"action": "locations_from_city", "_selected_action": [org.pk]})

    person.refresh_from_db()
    org.refresh_from_db()
    assert person.is_present
    assert org.location_source == Organization.LocationSource.OFFICE
    assert not Event.objects.exists()


# --------------------------------------------------------------------------------------------
# A Preciate support login: staff with exactly the rights support's work needs, not a superuser.
# --------------------------------------------------------------------------------------------


def test_the_support_login_is_staff_not_superuser_with_exactly_its_rights(sam):
    assert sam.is_staff
    assert not sam.is_superuser
    assert list(sam.groups.values_list("name", flat=True)) == [SUPPORT_GROUP]
    assert sam.get_all_permissions() == {
        "organizations.view_organization",
        "organizations.change_organization",
        "organizations.view_member",
        "organizations.change_member",
        "organizations.view_department",
        "organizations.view_location",
        "organizations.view_event",
        "organizations.view_team",
        "keys.view_scimkey",
        "keys.change_scimkey",
        "auth.view_user",
    }


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/organizations/organization/",
        "/admin/organizations/member/",
        "/admin/organizations/department/",
        "/admin/organizations/location/",
        "/admin/organizations/event/",
        "/admin/keys/scimkey/",
        "/admin/auth/user/",
    ],
)
def test_the_support_login_opens_every_support_page(sam_client, org, url):
    MemberFactory(organization=org)
    assert sam_client.get(url).status_code == 200


@pytest.mark.parametrize("url", ["/admin/auth/group/", "/admin/auth/user/add/"])
def test_the_support_login_cannot_manage_logins_or_groups(sam_client, url):
    assert sam_client.get(url).status_code == 403


def test_the_support_login_runs_every_support_action_through_the_services(sam_client, sam, org):
    person = MemberFactory(organization=org)
    key_services.regenerate_key(org, by=Actor.command("tests"))

    sam_client.post("/admin/organizations/member/", {"action": "remove_selected", "_selected_action": [person.pk]})
    sam_client.post("/admin/organizations/member/", {"action": "restore_selected", "_selected_action": [person.pk]})
    sam_client.post(
        "/admin/organizations/organization/", {"action": "locations_from_country", "_selected_action": [org.pk]}
    )
    scim_key = ScimKey.objects.get(organization=org)
    sam_client.post("/admin/keys/scimkey/", {"action": "revoke_selected", "_selected_action": [scim_key.pk]})

    events = Event.objects.filter(organization=org, actor_user=sam).order_by("id")
    assert [(e.action, e.actor_kind) for e in events] == [
        ("member.removed", "support"),
        ("member.restored", "support"),
        ("organization.updated", "support"),
        ("key.revoked", "support"),
    ]


def test_create_support_user_prints_a_generated_password_once(db):
    out = io.StringIO()
    call_command("create_support_user", "Pat@Preciate.example", stdout=out)

    password = re.search(r"Password: (\S+)", out.getvalue()).group(1)
    client = Client()
    response = client.post("/admin/login/", {"username": "pat@preciate.example", "password": password})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_create_support_user_refuses_an_existing_login(admin):
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_support_user", admin.user.username.upper(), "--password", "another-pw-123")


def test_create_support_user_refuses_a_weak_password(db):
    with pytest.raises(CommandError, match="too short"):
        call_command("create_support_user", "pat@preciate.example", "--password", "pw")
    assert not get_user_model().objects.filter(username="pat@preciate.example").exists()


def test_seed_demo_prints_a_support_login_that_opens_django_admin(db):
    out = io.StringIO()
    call_command("seed_demo", "--base-url", "http://testserver", stdout=out)

    printed = out.getvalue()
    assert "http://testserver/admin/" in printed
    support = re.search(r"Support email: (\S+)\s+Password: +(\S+)", printed)
    client = Client()
    response = client.post("/admin/login/", {"username": support.group(1), "password": support.group(2)})
    assert response.status_code == 302
    assert client.get("/admin/organizations/member/").status_code == 200
    user = get_user_model().objects.get(username=support.group(1))
    assert not user.is_superuser
    assert not Member.objects.filter(user=user).exists()
