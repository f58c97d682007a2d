"""Django admin as Preciate support sees it: key metadata and revoke, never a key."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import Permission
from django.test import Client

from keys import services
from keys.models import ScimKey
from organizations.models import Organization
from organizations.services import Actor
from organizations.support import create_support_user
from tests.trail import entry, trail

CHANGELIST = "/admin/keys/scimkey/"
KEY = re.compile(r"prc_[A-Za-z0-9_-]{43}")


@pytest.fixture
def sam(db: None) -> AbstractBaseUser:
    """Sam, a Preciate support engineer (staff in the support group, not a superuser)."""
    return create_support_user("sam@preciate.example", password="support-pw-123")


@pytest.fixture
def support_client(sam: AbstractBaseUser) -> Client:
    client = Client()
    client.force_login(sam)
    return client


@pytest.fixture
def acme_key(org: Organization) -> str:
    return services.regenerate_key(org, by=Actor.command("ops-runbook"))


def assert_reveals_nothing(html: str, key: str, scim_key: ScimKey) -> None:
    assert key not in html
    assert key.removeprefix("prc_") not in html
    assert not KEY.search(html)
    assert scim_key.digest not in html
    assert "digest" not in html.lower()


def test_the_list_shows_metadata_not_the_key(support_client, org, acme_key):
    response = support_client.get(CHANGELIST)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Acme Corp" in html
    assert f"prc_…{acme_key[-4:]}" in html
    assert_reveals_nothing(html, acme_key, ScimKey.objects.get(organization=org))


def test_the_detail_page_shows_metadata_and_no_editable_field(support_client, org, acme_key):
    scim_key = ScimKey.objects.get(organization=org)
    response = support_client.get(f"{CHANGELIST}{scim_key.pk}/change/")
    html = response.content.decode()
    assert response.status_code == 200
    assert f"prc_…{acme_key[-4:]}" in html
    assert "ops-runbook" in html
    assert_reveals_nothing(html, acme_key, scim_key)
    assert not re.search(r'<(input|textarea|select)[^>]+name="(?!csrfmiddlewaretoken)', html)


def test_support_cannot_add_or_delete_a_key(support_client, org, acme_key):
    scim_key = ScimKey.objects.get(organization=org)
    assert support_client.get(f"{CHANGELIST}add/").status_code == 403
    assert support_client.get(f"{CHANGELIST}{scim_key.pk}/delete/").status_code == 403
    assert b"Add SCIM key" not in support_client.get(CHANGELIST).content


def test_support_revokes_selected_keys(support_client, sam, org, other_org, acme_key):
    globex_key = services.regenerate_key(other_org, by=Actor.command("tests"))
    scim_key = ScimKey.objects.get(organization=org)
    response = support_client.post(
        CHANGELIST, {"action": "revoke_selected", "_selected_action": [scim_key.pk]}, follow=True
    )
    assert b"Revoked 1 keys." in response.content
    assert services.organization_for_key(acme_key) is None
    assert services.organization_for_key(globex_key) == other_org
    assert trail(org, action="key.revoked") == [
        entry("key.revoked", by=Actor.support(sam), summary=f"Secret key …{acme_key[-4:]} revoked")
    ]


def test_support_with_view_rights_only_cannot_revoke(org, acme_key):
    viewer = get_user_model().objects.create_user("vic@preciate.example", password="pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_scimkey"))
    client = Client()
    client.force_login(viewer)
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert b"revoke_selected" not in response.content
    scim_key = ScimKey.objects.get(organization=org)
    client.post(CHANGELIST, {"action": "revoke_selected", "_selected_action": [scim_key.pk]})
    assert services.organization_for_key(acme_key) == org
