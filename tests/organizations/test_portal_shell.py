"""Signing in to the admin portal, and who may stay signed in."""

from django.test import Client

from organizations.services import Actor, remove_member
from tests.conftest import ADMIN_PASSWORD
from tests.factories import MemberFactory, UserFactory


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
