"""SCIM fixtures: a client carrying a live key for ``org``, and one for ``other_org``."""

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from keys.services import regenerate_key
from organizations.models import Event, Member, Organization
from organizations.services import Actor

BASE = "/api/v1/scim"
PAYLOADS = Path(__file__).parent / "payloads"


def payload(name: str) -> dict[str, Any]:
    return json.loads((PAYLOADS / f"{name}.json").read_text())


class ScimClient:
    """Speaks to /api/v1/scim the way an IdP does: bearer key, JSON bodies, no cookies."""

    def __init__(self, key: str | None, *, user_agent: str = "Azure AD Provisioning") -> None:
        self.client = Client()
        self.key = key
        self.user_agent = user_agent

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {"User-Agent": self.user_agent}
        if self.key is not None:
            headers["Authorization"] = f"Bearer {self.key}"
        headers.update(extra or {})
        return headers

    def get(self, path: str, params: dict[str, Any] | None = None, headers: dict[str, str] | None = None):
        return self.client.get(BASE + path, params or {}, headers=self._headers(headers))

    def send(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        content_type: str = "application/scim+json; charset=utf-8",
        headers: dict[str, str] | None = None,
        raw: str | None = None,
    ):
        data = raw if raw is not None else ("" if body is None else json.dumps(body))
        call = getattr(self.client, method.lower())
        return call(BASE + path, data=data, content_type=content_type, headers=self._headers(headers))

    def post(self, path: str, body: Any, **kwargs: Any):
        return self.send("POST", path, body, **kwargs)

    def patch(self, path: str, body: Any, **kwargs: Any):
        return self.send("PATCH", path, body, **kwargs)

    def put(self, path: str, body: Any, **kwargs: Any):
        return self.send("PUT", path, body, **kwargs)

    def delete(self, path: str, **kwargs: Any):
        return self.send("DELETE", path, None, **kwargs)

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        response = self.post("/Users", body)
        assert response.status_code == 201, response.content
        return response.json()


def patch_op(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": list(operations)}


@pytest.fixture
def scim_key(org: Organization) -> str:
    return regenerate_key(org, by=Actor.command("tests"))


@pytest.fixture
def scim(scim_key: str) -> ScimClient:
    return ScimClient(scim_key)


@pytest.fixture
def other_scim(other_org: Organization) -> ScimClient:
    return ScimClient(regenerate_key(other_org, by=Actor.command("tests")))


@pytest.fixture
def okta(scim_key: str) -> ScimClient:
    return ScimClient(scim_key, user_agent="Okta SCIM Client 1.0.0")


ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def refused(response: Any, status: int, scim_type: str | None = None) -> str:
    """Assert a SCIM error (RFC 7644 §3.12) with ``status`` and ``scim_type``; return its detail."""
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"] == "application/scim+json"
    body = response.json()
    assert body["schemas"] == [ERROR]
    assert body["status"] == str(status)
    if scim_type:
        assert body.get("scimType") == scim_type, body
    return body["detail"]


def directory(org: Organization) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """What a refused request must leave alone: the members, and the audit trail but its scim.failed rows."""
    members = list(
        Member.objects.filter(organization=org)
        .order_by("pk")
        .values_list("pk", "user_name", "title", "idp_active", "scim_data", "updated_at")
    )
    events = list(
        Event.objects.filter(organization=org).exclude(action="scim.failed").order_by("pk").values_list("pk", "action")
    )
    return members, events


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
