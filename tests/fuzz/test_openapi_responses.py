"""Real IdP conversations (the payload files Entra, Okta and the RFC send) answer as scim/openapi.yaml says.

Each answer is validated by schemathesis against the operation it belongs to: a status the
description lists, its content type, its required headers and its body schema.
"""

import json
from pathlib import Path

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from werkzeug.test import Client

from keys.services import regenerate_key
from organizations.services import Actor
from tests.factories import OrganizationFactory
from tests.fuzz.spec import BASE, SPEC_PATH
from tests.scim.helpers import PAYLOADS, payload

SCHEMA = schemathesis.openapi.from_path(SPEC_PATH)
APP = get_wsgi_application()


class DescribedClient:
    """Speaks to the endpoint like an IdP and validates every answer against the description."""

    def __init__(self, key: str | None) -> None:
        self.client = Client(APP)
        self.key = key
        self.statuses: list[int] = []

    def call(self, method: str, template: str, path: str | None = None, body: object = None, **headers: str):
        sent = {"Host": "testserver", "User-Agent": "Azure AD Provisioning"}
        if self.key:
            sent["Authorization"] = f"Bearer {self.key}"
        sent.update(headers)
        data = None if body is None else json.dumps(body)
        response = self.client.open(
            BASE + (path or template), method=method, data=data, headers=sent, content_type="application/scim+json"
        )
        SCHEMA[template][method].validate_response(response)
        self.statuses.append(response.status_code)
        return response


@pytest.fixture
def idp(transactional_db) -> DescribedClient:
    # Committed data: the WSGI handler closes the connection after each request, as in production.
    org = OrganizationFactory(slug="acme", name="Acme Corp")
    return DescribedClient(regenerate_key(org, by=Actor.command("tests")))


def test_an_entra_provisioning_cycle_answers_as_described(idp: DescribedClient):
    created = idp.call("POST", "/Users", body=payload("entra_create_user_default_mappings")).get_json()
    user = f"/Users/{created['id']}"
    idp.call("POST", "/Users", body=payload("entra_create_user_default_mappings"))  # 409
    idp.call("GET", "/Users/{scim_id}", user)
    idp.call("GET", "/Users", '/Users?filter=userName+eq+"alice@contoso.example"&attributes=userName')
    idp.call("GET", "/Users", "/Users?filter=userName+eq+")  # 400
    idp.call("POST", "/Users/.search", body={"filter": 'userName sw "alice"', "count": 5, "sortBy": "userName"})
    idp.call("GET", "/Users/.search")  # 405
    for path in sorted(PAYLOADS.glob("*patch*.json")):
        idp.call("PATCH", "/Users/{scim_id}", user, body=json.loads(Path(path).read_text()))
    idp.call("PUT", "/Users/{scim_id}", user, body=payload("okta_put_update_title_and_deactivate"))
    idp.call(
        "PATCH", "/Users/{scim_id}", user, body=payload("entra_patch_active_string_false"), **{"If-Match": 'W/"1"'}
    )
    idp.call("GET", "/Groups", '/Groups?filter=displayName+eq+"x"')
    idp.call("POST", "/Groups", body={"displayName": "Sales"})  # 501
    idp.call("GET", "/ServiceProviderConfig")
    idp.call("GET", "/ResourceTypes")
    idp.call("GET", "/ResourceTypes/{name}", "/ResourceTypes/User")
    idp.call("GET", "/Schemas")
    idp.call("GET", "/Schemas/{urn}", "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User")
    idp.call("GET", "/Schemas/{urn}", "/Schemas/nope")  # 404
    idp.call("DELETE", "/Users/{scim_id}", user)
    idp.call("GET", "/Users/{scim_id}", user)  # 404
    assert {200, 201, 204, 400, 404, 405, 409, 412, 501} <= set(idp.statuses)


def test_a_request_without_a_valid_key_answers_as_described(transactional_db):
    for key in (None, "prc_not_a_key"):
        DescribedClient(key).call("GET", "/Users")
