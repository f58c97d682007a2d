"""SCIM discovery documents (RFC 7643 §5-§8, RFC 7644 §4), the User schemas drawn from scim/attributes.py."""

from typing import Any

from scim import attributes
from scim.attributes import CORE_USER, ENTERPRISE_USER, describe

__all__ = ["CORE_USER", "ENTERPRISE_USER", "SCHEMAS"]

LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
SERVICE_PROVIDER_CONFIG = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"

# Paging: the most resources one list response carries (advertised as filter.maxResults).
MAX_RESULTS = 200
DEFAULT_COUNT = 100


USER_SCHEMA: dict[str, Any] = {
    "schemas": [SCHEMA],
    "id": CORE_USER,
    "name": "User",
    "description": "A person of the organization. Attributes not listed are stored and returned as sent.",
    "attributes": [describe(a) for a in attributes.USER if a.discovered],
    "meta": {"resourceType": "Schema", "location": f"/Schemas/{CORE_USER}"},
}

ENTERPRISE_SCHEMA: dict[str, Any] = {
    "schemas": [SCHEMA],
    "id": ENTERPRISE_USER,
    "name": "EnterpriseUser",
    "description": "Enterprise User: department, employee number and manager drive Preciate's reporting.",
    "attributes": [describe(a) for a in attributes.ENTERPRISE if a.discovered],
    "meta": {"resourceType": "Schema", "location": f"/Schemas/{ENTERPRISE_USER}"},
}

SCHEMAS = [USER_SCHEMA, ENTERPRISE_SCHEMA]


def service_provider_config(base_url: str) -> dict[str, Any]:
    return {
        "schemas": [SERVICE_PROVIDER_CONFIG],
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": MAX_RESULTS},
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


def resource_types(base_url: str) -> list[dict[str, Any]]:
    return [
        {
            "schemas": [RESOURCE_TYPE],
            "id": "User",
            "name": "User",
            "endpoint": "/Users",
            "description": "People of the organization",
            "schema": CORE_USER,
            "schemaExtensions": [{"schema": ENTERPRISE_USER, "required": False}],
            "meta": {"resourceType": "ResourceType", "location": f"{base_url}/ResourceTypes/User"},
        },
    ]


def list_response(resources: list[dict[str, Any]], *, total: int, start_index: int = 1) -> dict[str, Any]:
    """A ListResponse (RFC 7644 §3.4.2), even for a single hit or none."""
    return {
        "schemas": [LIST_RESPONSE],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }
