"""Fixtures are people and places: two organizations, their admins, a signed-in client, an IdP with a key."""

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.test import Client

from keys.services import regenerate_key
from organizations.models import Member, Organization
from organizations.services import Actor
from tests.factories import MemberFactory, OrganizationFactory, UserFactory
from tests.scim.helpers import ScimClient

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


def clear_this_runs_cache() -> None:
    """Delete this run's keys only: Redis is shared, and RedisCache.clear() would flush the whole database."""
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        client = cache._cache.get_client(write=True)
        for key in client.scan_iter(match=f"{settings.CACHE_KEY_PREFIX}:*", count=1000):
            client.delete(key)
    else:
        cache.clear()


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    """Every test starts with no sign-in or SCIM failure counted, and leaves none behind."""
    clear_this_runs_cache()
    yield
    clear_this_runs_cache()


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


@pytest.fixture
def scim_key(org: Organization) -> str:
    """A live SCIM key for ``org``, as its admin generated it on the Integrations page."""
    return regenerate_key(org, by=Actor.command("tests"))


@pytest.fixture
def scim(scim_key: str) -> ScimClient:
    """Microsoft Entra ID provisioning ``org`` with its key."""
    return ScimClient(scim_key)


@pytest.fixture
def other_scim(other_org: Organization) -> ScimClient:
    """The IdP of ``other_org``, with that organization's key."""
    return ScimClient(regenerate_key(other_org, by=Actor.command("tests")))
