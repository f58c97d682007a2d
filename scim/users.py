"""Translate between a Member and a SCIM User resource (RFC 7643 §4.1, §4.3).

``to_resource`` is what the IdP reads back; ``from_resource`` turns what the IdP sent
into Preciate's fields. Attributes Preciate does not model travel in ``scim_data``
exactly as sent, so Entra sees no drift.
"""

from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError

from organizations.models import Member, Organization
from organizations.services import ProvisionedUser
from scim.patch import (
    MAX_ATTRIBUTES,
    PatchError,
    apply_operations,
    copy_json,
    json_size,
    normalise_operations,
    unstorable,
)
from scim.schemas import CORE_USER, ENTERPRISE_USER

# Never stored: server-assigned, or not ours to keep (Okta sends a password).
NOT_STORED = {"id", "meta", "schemas", "password", "active"}


def etag(member: Member) -> str:
    return f'W/"{int(member.updated_at.timestamp() * 1_000_000)}"'


def _iso(value: datetime) -> str:
    """xsd:dateTime in UTC to the second, as Entra's own examples show it."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _without_nulls(value: Any) -> Any:
    return copy_json(value, drop_nulls=True)


def _hand_added_resource(member: Member) -> dict[str, Any]:
    """A resource built from fields, for a person added by hand before the IdP adopted them."""
    resource: dict[str, Any] = {"userName": member.user_name}
    if member.external_id:
        resource["externalId"] = member.external_id
    name = {"givenName": member.given_name, "familyName": member.family_name}
    name = {k: v for k, v in name.items() if v}
    if name:
        resource["name"] = name
    if member.display_name or member.full_name:
        resource["displayName"] = member.display_name or member.full_name
    if member.email:
        resource["emails"] = [{"value": member.email, "type": "work", "primary": True}]
    if member.title:
        resource["title"] = member.title
    if member.location_id:
        resource["addresses"] = [{"type": "work", "formatted": member.location.name}]
    enterprise = {}
    if member.department_id:
        enterprise["department"] = member.department.name
    if member.employee_number:
        enterprise["employeeNumber"] = member.employee_number
    if enterprise:
        resource[ENTERPRISE_USER] = enterprise
    return resource


def extension_schemas(data: dict[str, Any]) -> list[str]:
    """Every extension present: the enterprise one and custom ones Entra names ``urn:…:2.0:User``."""
    return [key for key, value in data.items() if key.lower().startswith("urn:") and isinstance(value, dict) and value]


def to_resource(member: Member, *, base_url: str) -> dict[str, Any]:
    """The SCIM User for a member (expects department, location and manager selected)."""
    if member.managed_by_idp:
        data = copy_json(member.scim_data)
    else:
        data = _hand_added_resource(member)
    # An extension emptied by clears is no extension at all.
    data = {k: v for k, v in data.items() if not (k.lower().startswith("urn:") and v == {})}
    manager = member.manager if member.manager_id is not None else None
    if manager is not None and manager.scim_deleted_at is None:
        # Entra sends the manager as a bare id but must read it back as a complex value.
        data[ENTERPRISE_USER] = {**(data.get(ENTERPRISE_USER) or {}), "manager": {"value": str(manager.scim_id)}}
    location = f"{base_url}/Users/{member.scim_id}"
    resource: dict[str, Any] = {
        "schemas": [CORE_USER, *extension_schemas(data)],
        "id": str(member.scim_id),
        **data,
        "active": member.idp_active,
        "meta": {
            "resourceType": "User",
            "created": _iso(member.created_at),
            "lastModified": _iso(member.updated_at),
            "location": location,
            "version": etag(member),
        },
    }
    return _without_nulls(resource)


def parse_bool(value: Any, *, attribute: str = "active") -> bool:
    """Accept JSON booleans and Entra's string booleans ("True", "False", any case)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValidationError(f"{attribute} must be true or false, not {value!r}.")


def _text(value: Any, attribute: str, max_length: int) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        raise ValidationError(f"{attribute} must be a single value, not {type(value).__name__}.")
    if isinstance(value, bool):
        raise ValidationError(f"{attribute} must be a string.")
    # The product's copy is bounded; the IdP's exact value stays in scim_data.
    return str(value).strip()[:max_length]


def _pick(items: Any, attribute: str) -> dict[str, Any]:
    """The work entry of a multi-valued attribute (the primary one of several), else the primary, else the first."""
    if items is None:
        return {}
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ValidationError(f"{attribute} must be a list of objects.")

    def is_work(item: dict[str, Any]) -> bool:
        return str(item.get("type", "")).lower() == "work"

    def is_primary(item: dict[str, Any]) -> bool:
        return item.get("primary") is True

    # Microsoft's Postman suite posts two work emails: the primary one wins.
    for test in (lambda i: is_work(i) and is_primary(i), is_work, is_primary):
        for item in items:
            if test(item):
                return item
    return items[0] if items else {}


def _location_name(organization: Organization, address: dict[str, Any]) -> str:
    source = organization.location_source
    if source == Organization.LocationSource.CITY:
        return address.get("locality") or ""
    if source == Organization.LocationSource.COUNTRY:
        return address.get("country") or ""
    return address.get("formatted") or address.get("locality") or ""


def _manager_id(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("value")
    return "" if value is None else str(value)


def canonical(resource: dict[str, Any]) -> dict[str, Any]:
    """Read a whole resource the way PATCH reads a path-less value.

    Attribute names in any case, string booleans, dotted and URN keys and every manager
    shape then mean the same in POST and PUT as in PATCH (Microsoft's Postman suite posts
    ``"Primary": "True"``; Okta puts whole objects).
    """
    body = {k: v for k, v in resource.items() if k.lower() not in {"id", "meta", "schemas", "password"}}
    if not body:
        return {}
    try:
        # Not held to the PATCH limits: the caller bounded a request's resource already, and
        # a resource stored before the limits must still read (and so deactivate).
        operations = normalise_operations({"Operations": [{"op": "add", "value": body}]}, limited=False)
        return apply_operations({"schemas": [CORE_USER]}, operations)
    except PatchError as exc:
        raise PatchError(exc.scim_type, exc.detail.removeprefix("Operation 1: ")) from None


def from_resource(
    organization: Organization, resource: Any, *, current_active: bool = True, current_size: int = 0
) -> ProvisionedUser:
    """Read what the IdP sent; raise ValidationError with an admin-actionable message.

    A resource without ``active`` keeps ``current_active``: clearing ``active`` (Microsoft's
    null-update test sends ``""``/null for every mapped attribute) must never bring a
    deprovisioned leaver back. A resource may hold MAX_ATTRIBUTES attributes and values, or
    ``current_size`` (what a patched user held before) if more: stored before the limit, it
    must still be patched, above all deactivated.
    """
    if not isinstance(resource, dict):
        raise ValidationError("The request body must be a JSON object describing a User.")
    size = json_size(resource)
    if size > max(MAX_ATTRIBUTES, current_size):
        raise ValidationError(
            f"The User carries {size} attributes, sub-attributes and values; Preciate keeps at most "
            f"{MAX_ATTRIBUTES} per user. Remove unused attribute mappings in the identity provider."
        )
    resource = canonical(resource)
    problem = unstorable(resource, max_depth=None)  # a stored resource may predate the depth limit
    if problem is not None:
        raise ValidationError(f"The user {problem}.")
    user_name = resource.get("userName")
    if not isinstance(user_name, str) or not user_name.strip():
        raise ValidationError("userName is required: map an attribute (by default userPrincipalName) to userName.")
    if len(user_name) > 255:
        raise ValidationError("userName is longer than 255 characters.")
    active = parse_bool(resource["active"]) if resource.get("active") not in (None, "") else current_active

    name = resource.get("name") or {}
    if not isinstance(name, dict):
        raise ValidationError("name must be an object with givenName and familyName.")
    enterprise = resource.get(ENTERPRISE_USER) or {}
    if not isinstance(enterprise, dict):
        raise ValidationError(f"{ENTERPRISE_USER} must be an object.")
    email = _pick(resource.get("emails"), "emails").get("value") or ""
    if not email and "@" in user_name:
        email = user_name
    address = _pick(resource.get("addresses"), "addresses")

    values = {
        "external_id": _text(resource.get("externalId"), "externalId", 255),
        "given_name": _text(name.get("givenName"), "name.givenName", 150),
        "family_name": _text(name.get("familyName"), "name.familyName", 150),
        "display_name": _text(resource.get("displayName") or name.get("formatted"), "displayName", 300),
        "email": _text(email, "emails.value", 320),
        "title": _text(resource.get("title"), "title", 200),
        "employee_number": _text(enterprise.get("employeeNumber"), "employeeNumber", 100),
        "department": _text(enterprise.get("department"), "department", 200),
        "location": _text(_location_name(organization, address), "addresses", 200),
    }
    stored = _without_nulls({k: v for k, v in resource.items() if k not in NOT_STORED})
    if isinstance(stored.get(ENTERPRISE_USER), dict) and "manager" in stored[ENTERPRISE_USER]:
        manager = _manager_id(stored[ENTERPRISE_USER]["manager"])
        if manager:
            stored[ENTERPRISE_USER]["manager"] = {"value": manager}
        else:
            del stored[ENTERPRISE_USER]["manager"]
    emails = [
        (_text(item.get("value"), "emails.value", 320), str(item.get("type") or "")[:64], item.get("primary") is True)
        for item in (resource.get("emails") or [])
        if item.get("value")
    ]
    return ProvisionedUser(
        emails=emails,
        user_name=user_name.strip(),
        active=active,
        scim_data=stored,
        values=values,
        manager_id=_manager_id(enterprise.get("manager")),
    )
