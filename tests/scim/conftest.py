"""SCIM fixtures beyond the house ones (tests/conftest.py): Okta's client, and Grace, already provisioned."""

from typing import Any

import pytest

from tests.scim.helpers import ScimClient


@pytest.fixture
def okta(scim_key: str) -> ScimClient:
    return ScimClient(scim_key, user_agent="Okta SCIM Client 1.0.0")


@pytest.fixture
def grace(scim: ScimClient) -> dict[str, Any]:
    """A person Entra provisioned, as the SCIM resource it read back."""
    return scim.create(
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "grace.hopper@acme.example",
            "title": "Rear Admiral",
            "emails": [{"value": "grace.hopper@acme.example", "type": "work", "primary": True}],
        }
    )
