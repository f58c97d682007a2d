"""One Tenant URL: the Integrations page, SCIM resources and `seed_demo` print the same one."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from keys.services import regenerate_key
from organizations.services import Actor

CONFIGURED = "https://people.preciate.example/api/v1/scim"


def shown_on_the_integrations_page(admin_client: Client) -> str:
    page = admin_client.get("/web/admin/keys").content.decode()
    return page.split('id="tenant-url" value="', 1)[1].split('"', 1)[0]


def in_a_scim_resource(org, admin_client: Client) -> str:
    """The Tenant URL as Entra reads it back: a created user's meta.location, minus /Users/<id>."""
    key = regenerate_key(org, by=Actor.command("tests"))
    response = Client().post(
        "/api/v1/scim/Users",
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "ada@acme.example"},
        content_type="application/scim+json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 201, response.content
    return response.json()["meta"]["location"].rsplit("/Users/", 1)[0]


def printed_by_seed_demo() -> str:
    out = StringIO()
    call_command("seed_demo", "--base-url", "http://testserver", stdout=out)
    return out.getvalue().split("Tenant URL:", 1)[1].split()[0]


@pytest.mark.parametrize("configured", [CONFIGURED, CONFIGURED + "/"])
def test_a_configured_tenant_url_reads_the_same_everywhere_with_or_without_its_trailing_slash(
    org, admin_client, settings, configured
):
    settings.SCIM_BASE_URL = configured
    assert shown_on_the_integrations_page(admin_client) == CONFIGURED
    assert in_a_scim_resource(org, admin_client) == CONFIGURED
    assert printed_by_seed_demo() == CONFIGURED


def test_without_configuration_the_tenant_url_is_the_host_the_admin_reached(org, admin_client):
    expected = "http://testserver/api/v1/scim"
    assert shown_on_the_integrations_page(admin_client) == expected
    assert in_a_scim_resource(org, admin_client) == expected
    assert printed_by_seed_demo() == expected
