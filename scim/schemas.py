"""SCIM discovery documents (RFC 7643 §5-§8, RFC 7644 §4), the User schemas drawn from scim/attributes.py."""

from typing import Any

from scim import attributes
from scim.attributes import CORE_GROUP, CORE_USER, ENTERPRISE_USER, describe

__all__ = ["CORE_GROUP", "CORE_USER", "ENTERPRISE_USER", "SCHEMAS"]

LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
SERVICE_PROVIDER_CONFIG = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"

# Paging: the most resources one list response carries (advertised as filter.maxResults).
MAX_RESULTS = 200
DEFAULT_COUNT = 100


def _schema(urn: str, name: str, description: str, table: tuple[attributes.Attribute, ...]) -> dict[str, Any]:
    return {
        "schemas": [SCHEMA],
        "id": urn,
        "name": name,
        "description": description,
        "attributes": [describe(a) for a in table if a.discovered],
        "meta": {"resourceType": "Schema", "location": f"/Schemas/{urn}"},
    }


USER_SCHEMA = _schema(
    CORE_USER,
    "User",
    "A person of the organization. Attributes not listed are stored and returned as sent.",
    attributes.USER,
)
ENTERPRISE_SCHEMA = _schema(
    ENTERPRISE_USER,
    "EnterpriseUser",
    "Enterprise User: department, employee number and manager drive Preciate's reporting.",
    attributes.ENTERPRISE,
)
GROUP_SCHEMA = _schema(
    CORE_GROUP,
    "Group",
    "A team of the organization; its members are Users of the same organization.",
    attributes.GROUP,
)

SCHEMAS = [USER_SCHEMA, ENTERPRISE_SCHEMA, GROUP_SCHEMA]


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
        {
            "schemas": [RESOURCE_TYPE],
            "id": "Group",
            "name": "Group",
            "endpoint": "/Groups",
            "description": "Teams of the organization, managed by the identity provider",
            "schema": CORE_GROUP,
            "meta": {"resourceType": "ResourceType", "location": f"{base_url}/ResourceTypes/Group"},
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
