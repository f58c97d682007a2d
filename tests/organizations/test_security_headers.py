"""Response headers: a Content-Security-Policy everywhere, and no caching of personal data."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from keys.models import ScimKey

PORTAL_PAGES = [
    "/web/admin/",
    "/web/admin/people",
    "/web/admin/people?q=ada",
    "/web/admin/people/new",
    "/web/admin/people/{person}",
    "/web/admin/provisioning",
    "/web/admin/reports",
    "/web/admin/reports.csv",
    "/web/admin/keys",
]


def directives(response) -> dict[str, list[str]]:
    policy = response.headers.get("Content-Security-Policy", "")
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


@pytest.mark.parametrize("url", PORTAL_PAGES)
def test_every_portal_page_forbids_inline_scripts_and_framing(admin_client, admin, url):
    response = admin_client.get(url.format(person=admin.scim_id))

    assert response.status_code == 200
    policy = directives(response)
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["style-src"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("url", PORTAL_PAGES)
def test_no_portal_page_with_personal_data_may_be_cached(admin_client, admin, url):
    response = admin_client.get(url.format(person=admin.scim_id))

    cache_control = {part.strip() for part in response.headers.get("Cache-Control", "").split(",")}
    assert {"private", "no-store"} <= cache_control


def test_a_person_saved_in_the_portal_answers_uncached_too(admin_client, admin):
    response = admin_client.post(f"/web/admin/people/{admin.scim_id}", {"user_name": admin.user_name})

    assert "no-store" in response.headers["Cache-Control"]


@pytest.mark.parametrize("url", ["/web/login", "/admin/login/", "/healthz"])
def test_pages_without_a_sign_in_send_the_policy_too(client, db, url):
    response = client.get(url)

    assert directives(response)["script-src"] == ["'self'"]
    assert directives(response)["frame-ancestors"] == ["'none'"]


def test_a_support_login_without_a_membership_never_reaches_the_integrations_page(org):
    support = get_user_model().objects.create_user("sam@preciate.example", password="pw", is_staff=True)
    client = Client()
    client.force_login(support)

    page = client.get("/web/admin/keys")
    generate = client.post("/web/admin/keys/generate")

    assert page.status_code == 302
    assert page.url.startswith("/web/login")
    assert generate.status_code == 302
    assert not ScimKey.objects.exists()
