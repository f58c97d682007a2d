"""A Preciate support login: staff with exactly the rights support's work needs, not a superuser."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client

from keys import services as key_services
from keys.models import ScimKey
from organizations.models import Event, Member
from organizations.services import Actor
from organizations.support import SUPPORT_GROUP
from tests.factories import MemberFactory


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
