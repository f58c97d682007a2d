"""What SCIM tests share: a client that speaks as an IdP, payload files, and the expected bodies.

The builders (``user_resource``, ``list_response``, ``error_body``,
``service_provider_config``) write out what a client must read, from RFC 7643/7644 and
docs/protocol.md, independently of scim/: a test compares a whole body with one of them,
so an attribute that appears, vanishes or changes shape fails it.
"""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.test import Client

from organizations.models import Event, Member, Organization

BASE = "/api/v1/scim"
# The Tenant URL the test client reaches (tests/settings.py sets no SCIM_BASE_URL).
TENANT_URL = "http://testserver" + BASE
PAYLOADS = Path(__file__).parent / "payloads"

CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SERVICE_PROVIDER_CONFIG = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
SCIM_JSON = "application/scim+json"


def payload(name: str) -> dict[str, Any]:
    """A request body a real client sent: tests/scim/payloads/<client>_<what_it_shows>.json."""
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

    def get(self, path: str, params: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> Any:
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
    ) -> Any:
        data = raw if raw is not None else ("" if body is None else json.dumps(body))
        call = getattr(self.client, method.lower())
        return call(BASE + path, data=data, content_type=content_type, headers=self._headers(headers))

    def post(self, path: str, body: Any, **kwargs: Any) -> Any:
        return self.send("POST", path, body, **kwargs)

    def patch(self, path: str, body: Any, **kwargs: Any) -> Any:
        return self.send("PATCH", path, body, **kwargs)

    def put(self, path: str, body: Any, **kwargs: Any) -> Any:
        return self.send("PUT", path, body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.send("DELETE", path, None, **kwargs)

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        response = self.post("/Users", body)
        assert response.status_code == 201, response.content
        return response.json()


def patch_op(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    """Assert a SCIM success with ``status`` (a 204 has no body); return the body."""
    assert response.status_code == status, response.content[:500]
    if status == 204:
        assert response.content == b""
        return {}
    assert response["Content-Type"] == SCIM_JSON
    return response.json()


def scim_error(response: Any, status: int, scim_type: str | None = None) -> dict[str, Any]:
    """Assert a SCIM error (RFC 7644 §3.12) with ``status`` and ``scim_type``; return its body.

    Without ``scim_type`` any scimType is accepted; a detail the admin can act on is required.
    """
    body = ok(response, status)
    assert body["detail"], body
    if scim_type is None:
        assert body == error_body(status, body["detail"], body.get("scimType")), body
    else:
        assert body == error_body(status, body["detail"], scim_type), body
    return body


def error_body(status: int, detail: str, scim_type: str | None = None) -> dict[str, Any]:
    """An Error response (RFC 7644 §3.12): status as a string, scimType only where one applies."""
    body: dict[str, Any] = {"schemas": [ERROR], "status": str(status), "detail": detail}
    if scim_type is not None:
        body["scimType"] = scim_type
    return body


def list_response(resources: list[dict[str, Any]], *, total: int | None = None, start_index: int = 1) -> dict[str, Any]:
    """A ListResponse (RFC 7644 §3.4.2) holding ``resources``; ``total`` defaults to them all."""
    return {
        "schemas": [LIST_RESPONSE],
        "totalResults": len(resources) if total is None else total,
        "startIndex": start_index,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }


def _timestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def user_resource(member: Member, sent: dict[str, Any], *, base_url: str = TENANT_URL) -> dict[str, Any]:
    """The User an IdP reads back for ``member``, provisioned from ``sent``: what it sent, exactly,
    with the server's id, active and meta (RFC 7643 §3.1, §4.1), and no password (§4.1.1).
    """
    member.refresh_from_db()
    # An empty value is no value (RFC 7643 §2.5): "roles": [] does not come back.
    attributes = {
        k: v
        for k, v in sent.items()
        if k not in ("schemas", "id", "meta", "password", "active") and v not in (None, "", [], {})
    }
    extensions = [k for k, v in attributes.items() if k.lower().startswith("urn:") and v]
    return {
        "schemas": [CORE, *extensions],
        "id": str(member.scim_id),
        **attributes,
        "active": member.idp_active,
        "meta": {
            "resourceType": "User",
            "created": _timestamp(member.created_at),
            "lastModified": _timestamp(member.updated_at),
            "location": f"{base_url}/Users/{member.scim_id}",
            "version": f'W/"{int(member.updated_at.timestamp() * 1_000_000)}"',
        },
    }


def service_provider_config(*, base_url: str = TENANT_URL) -> dict[str, Any]:
    """What Preciate advertises (RFC 7643 §5): PATCH, filters and sorting, ETags, a 200-result page, a bearer key."""
    return {
        "schemas": [SERVICE_PROVIDER_CONFIG],
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": 200},
        "changePassword": {"supported": False},
        "sort": {"supported": True},
        "etag": {"supported": True},
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "Bearer secret key",
                "description": "The secret key generated on Preciate's Integrations page, sent as "
                "'Authorization: Bearer <key>'.",
                "primary": True,
            }
        ],
        "meta": {"resourceType": "ServiceProviderConfig", "location": f"{base_url}/ServiceProviderConfig"},
    }


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
