"""Fixtures are people and places: two organizations, their admins, a signed-in client."""

import pytest
from django.test import Client

from organizations.models import Member, Organization
from tests.factories import MemberFactory, OrganizationFactory, UserFactory

ADMIN_PASSWORD = "correct horse battery"


def make_admin(organization: Organization, email: str) -> Member:
    user = UserFactory(username=email, email=email)
    # A fixed name: random ones (Faker's "Smith") would leak into tests that search by name.
    given, family = email.split("@")[0].split(".")[:2] if "." in email.split("@")[0] else (email, "Admin")
    return MemberFactory(
        organization=organization,
        user_name=email,
        email=email,
        user=user,
        is_admin=True,
        given_name=given.title(),
        family_name=family.title(),
    )


@pytest.fixture
def org(db) -> Organization:
    return OrganizationFactory(slug="acme", name="Acme Corp")


@pytest.fixture
def other_org(db) -> Organization:
    return OrganizationFactory(slug="globex", name="Globex")


@pytest.fixture
def admin(org: Organization) -> Member:
    return make_admin(org, "alice.admin@acme.example")


@pytest.fixture
def other_admin(other_org: Organization) -> Member:
    return make_admin(other_org, "olivia.admin@globex.example")


@pytest.fixture
def admin_client(admin: Member) -> Client:
    client = Client()
    client.force_login(admin.user)
    return client


@pytest.fixture
def other_admin_client(other_admin: Member) -> Client:
    client = Client()
    client.force_login(other_admin.user)
    return client
