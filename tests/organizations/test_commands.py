from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from keys.services import regenerate_key
from organizations.demo import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD
from organizations.models import Member, Organization
from organizations.services import Actor


def test_create_organization_creates_the_organization_and_an_admin_who_can_sign_in(db):
    out = StringIO()
    call_command(
        "create_organization",
        "initech",
        "--name",
        "Initech",
        "--admin-email",
        "bill@initech.example",
        "--admin-password",
        "tps-reports-2026",
        stdout=out,
    )
    organization = Organization.objects.get(slug="initech")
    assert organization.name == "Initech"
    assert Member.objects.get(organization=organization, user_name="bill@initech.example").is_admin
    client = Client()
    client.post("/web/login", {"username": "bill@initech.example", "password": "tps-reports-2026"})
    assert client.get("/web/admin/").status_code == 200
    assert "initech" in out.getvalue()


def test_create_organization_refuses_an_existing_slug_with_a_clear_error(org):
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_organization", "acme", "--name", "Acme again")
    assert Organization.objects.filter(slug="acme").count() == 1


def test_seed_demo_is_idempotent_and_prints_the_credentials_and_tenant_url(db):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=StringIO())
    assert Organization.objects.filter(slug="demo").count() == 1
    text = out.getvalue()
    assert DEMO_ADMIN_EMAIL in text and DEMO_ADMIN_PASSWORD in text
    assert "/api/v1/scim" in text
    client = Client()
    client.post("/web/login", {"username": DEMO_ADMIN_EMAIL, "password": DEMO_ADMIN_PASSWORD})
    assert client.get("/web/admin/").status_code == 200


def test_seed_demo_tells_the_reader_how_to_watch_a_sync(db):
    out = StringIO()
    call_command("seed_demo", "--base-url", "http://127.0.0.1:9000", stdout=out)
    assert ".venv/bin/python manage.py simulate_idp demo --users 50 --base-url http://127.0.0.1:9000" in out.getvalue()


def test_an_admin_created_with_a_name_looks_complete_to_the_idp_reading_users(db):
    # Okta's SPEC test reads Resources[0] of the first list and expects a name.
    call_command(
        "create_organization",
        "initech",
        "--name",
        "Initech",
        "--admin-email",
        "bill@initech.example",
        "--admin-name",
        "Bill Lumbergh",
        stdout=StringIO(),
    )
    organization = Organization.objects.get(slug="initech")
    key = regenerate_key(organization, by=Actor.command())
    body = Client().get("/api/v1/scim/Users", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    first = body["Resources"][0]
    assert first["name"] == {"givenName": "Bill", "familyName": "Lumbergh"}
    assert first["displayName"] == "Bill Lumbergh"


def test_an_admin_name_without_an_admin_email_is_refused(db):
    with pytest.raises(CommandError, match="--admin-name needs --admin-email"):
        call_command("create_organization", "initech", "--name", "Initech", "--admin-name", "Bill Lumbergh")
