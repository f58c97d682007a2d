"""No one in Django admin acts as a customer admin, and every support write is audited as support's.

Sam is a support engineer (tests/organizations/conftest.py); Root is a superuser, who cannot
act as a customer admin either.
"""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

from organizations.models import Event, Organization
from organizations.services import Actor
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
