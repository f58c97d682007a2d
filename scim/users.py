"""Translate between a Member and a SCIM User resource (RFC 7643 §4.1, §4.3).

``to_resource`` is what the IdP reads back. What the IdP sends goes through two steps:
``normalise`` (a POST or PUT body, once: every client quirk absorbed, the same way a
path-less PATCH value is) and ``read`` (a normalised resource into Preciate's fields).
Which attribute is which field is scim/attributes.py's table; attributes Preciate does not
model travel in ``scim_data`` exactly as sent, so Entra sees no drift.
"""

from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Field

from organizations.models import Member, Organization
from organizations.services import EDITABLE_FIELDS, ProvisionedUser, names_member
from scim import attributes
from scim.attributes import CORE_USER, ENTERPRISE_USER, Attribute
from scim.patch import (
    MAX_ATTRIBUTES,
    PatchError,
    apply_operations,
    copy_json,
    json_size,
    normalise_operations,
    unstorable,
)

# Never stored in scim_data: server-assigned or secret (Okta sends a password), or held by a
# field of its own that ``to_resource`` answers from (active: ``idp_active``).
NOT_STORED = frozenset(a.name for a in attributes.USER if a.mutability != "readWrite" or a.field == "idp_active")


def _field_length(name: str) -> int:
    """The most characters the model keeps of a field (a relation: its target's name)."""
    model_field = Member._meta.get_field(name)
    if model_field.related_model is not None:
        model_field = model_field.related_model._meta.get_field("name")
    if not isinstance(model_field, Field) or model_field.max_length is None:
        raise TypeError(f"Member.{name} has no maximum length for the SCIM attribute table to enforce.")
    return model_field.max_length


# Text attributes the table maps onto a field of their own: (schema, attribute, sub-attribute, field, length).
_TEXT_FIELDS: list[tuple[str | None, Attribute, Attribute | None, str, int]] = [
    (schema, a, s, target.field, _field_length(target.field))
    for schema, rows in attributes.SCHEMAS.items()
    for a in rows
    for s in (None, *a.sub_attributes)
    if (target := s or a).field is not None
    and target.type == "string"
    and not a.multi_valued
    and not target.read_only
    and not (s is not None and a.user_reference)
]


def _field_of(schema: str | None, name: str, sub: str | None = None) -> tuple[str, int]:
    a = attributes.attribute(schema, name)
    target = a.sub(sub) if a is not None and sub is not None else a
    assert target is not None and target.field is not None, (schema, name, sub)
    return target.field, _field_length(target.field)


_EMAIL = _field_of(None, "emails", "value")
_LOCATION = _field_of(None, "addresses")


def etag(member: Member) -> str:
    return f'W/"{int(member.updated_at.timestamp() * 1_000_000)}"'


def _iso(value: datetime) -> str:
    """xsd:dateTime in UTC to the second, as Entra's own examples show it."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _has_null(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if item is None:
            return True
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _without_nulls(value: Any) -> Any:
    """``value`` without null members and items; ``value`` itself when it holds none (the usual case)."""
    return copy_json(value, drop_nulls=True) if _has_null(value) else value


def _hand_added_resource(member: Member) -> dict[str, Any]:
    """A resource built from fields, for a person added by hand before the IdP adopted them."""
    resource: dict[str, Any] = {}
    for schema, a, s, field, _length in _TEXT_FIELDS:
        value = getattr(member, field)
        if field == "display_name":
            value = member.display_name or member.full_name
        elif hasattr(value, "name"):  # a department: its name
            value = value.name
        if not value:
            continue
        holder = resource if schema is None else resource.setdefault(schema, {})
        if s is None:
            holder[a.name] = value
        else:
            holder.setdefault(a.name, {})[s.name] = value
    if "name" not in resource and member.display_name:
        # Only a display name: the name an IdP reads is that, never an empty object.
        resource["name"] = {"formatted": member.display_name}
    if getattr(member, _EMAIL[0]):
        resource["emails"] = [{"value": getattr(member, _EMAIL[0]), "type": "work", "primary": True}]
    if getattr(member, f"{_LOCATION[0]}_id"):
        resource["addresses"] = [{"type": "work", "formatted": getattr(member, _LOCATION[0]).name}]
    return resource


def extension_schemas(data: dict[str, Any]) -> list[str]:
    """Every extension present: the enterprise one and custom ones Entra names ``urn:…:2.0:User``."""
    return [key for key, value in data.items() if key.lower().startswith("urn:") and isinstance(value, dict) and value]


def _manager(manager: Member, sent: Any, *, base_url: str, described: bool) -> dict[str, Any]:
    """The linked manager as the IdP sent it (value, $ref, displayName), completed by Preciate.

    What was sent is echoed while its value still names the linked manager (Okta compares
    what it reads back with what it sent); otherwise, or for a manager an admin linked, our
    id. ``described`` adds our $ref where none was sent (docs/protocol.md#manager-references).
    """
    sent = sent if isinstance(sent, dict) and isinstance(sent.get("value"), str) else {}
    if not sent or not names_member(manager, sent["value"]):
        sent = {"value": str(manager.scim_id)}
    if not described:
        return sent
    # A displayName only when one was sent: clients compare what they read back with what
    # they sent, and scim2-tester fails a manager that gains one (docs/interop.md).
    return {**sent, "$ref": sent.get("$ref") or f"{base_url}/Users/{manager.scim_id}"}


def _has_text(value: Any) -> bool:
    return isinstance(value, dict) and any(v not in (None, "") for v in value.values())


def to_resource(member: Member, *, base_url: str, described: bool = True) -> dict[str, Any]:
    """The SCIM User for a member (expects department, location and manager selected).

    ``described=False`` leaves out what Preciate adds to the manager (its $ref):
    the resource a PATCH applies to, so that only what the IdP sent is stored.
    Shares nested values with ``member.scim_data``: read it, never change it in place.
    """
    source = member.scim_data if member.managed_by_idp else _hand_added_resource(member)
    # An extension emptied by clears is no extension at all; an empty name is no name
    # (Okta's SPEC tests read name from the first user listed); groups are the server's to
    # compute (read-only), so what an IdP stored in them before they were is not returned.
    data = {
        k: v
        for k, v in source.items()
        if not (k.lower().startswith("urn:") and v == {}) and not (k == "name" and not _has_text(v)) and k != "groups"
    }
    manager = member.manager if member.manager_id is not None else None
    if manager is not None and manager.scim_deleted_at is None:
        # Entra sends the manager as a bare id but must read it back as a complex value.
        enterprise = data.get(ENTERPRISE_USER) or {}
        value = _manager(manager, enterprise.get("manager"), base_url=base_url, described=described)
        data[ENTERPRISE_USER] = {**enterprise, "manager": value}
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


def _check_size(resource: dict[str, Any], *, allowed: int) -> None:
    size = json_size(resource)
    if size > max(MAX_ATTRIBUTES, allowed):
        raise ValidationError(
            f"The User carries {size} attributes, sub-attributes and values; Preciate keeps at most "
            f"{MAX_ATTRIBUTES} per user. Remove unused attribute mappings in the identity provider."
        )


def normalise(resource: Any) -> dict[str, Any]:
    """A POST or PUT body as a canonical resource, read the way PATCH reads a path-less value.

    Attribute names in any case, string booleans, dotted and URN keys and every manager
    shape then mean the same in POST and PUT as in PATCH (Microsoft's Postman suite posts
    ``"Primary": "True"``; Okta puts whole objects). Raises ValidationError or PatchError.
    """
    if not isinstance(resource, dict):
        raise ValidationError("The request body must be a JSON object describing a User.")
    _check_size(resource, allowed=0)
    body = {k: v for k, v in resource.items() if k.lower() not in {"id", "meta", "schemas", "password"}}
    if not body:
        return {}
    try:
        # Bounded by the size check above rather than by the PATCH limits.
        operations = normalise_operations({"Operations": [{"op": "add", "value": body}]}, limited=False)
        return apply_operations({"schemas": [CORE_USER]}, operations)
    except PatchError as exc:
        raise PatchError(exc.scim_type, exc.detail.removeprefix("Operation 1: ")) from None


def read(
    organization: Organization,
    resource: dict[str, Any],
    *,
    current_active: bool = True,
    current: dict[str, Any] | None = None,
) -> ProvisionedUser:
    """Read a normalised resource into Preciate's fields; raise ValidationError with an admin-actionable message.

    A resource without ``active`` keeps ``current_active``: clearing ``active`` (Microsoft's
    null-update test sends ``""``/null for every mapped attribute) must never bring a
    deprovisioned leaver back. ``current`` is what a patched user held before: a resource may
    hold MAX_ATTRIBUTES attributes and values, or as many as ``current`` if more (stored
    before the limit, it must still be patched, above all deactivated).
    """
    if current is not None:
        size = json_size(resource)
        if size > MAX_ATTRIBUTES:
            _check_size(resource, allowed=json_size(current))
    problem = unstorable(resource, max_depth=None)  # a stored resource may predate the depth limit
    if problem is not None:
        raise ValidationError(f"The user {problem}.")
    user_name = resource.get("userName")
    if not isinstance(user_name, str) or not user_name.strip():
        raise ValidationError("userName is required: map an attribute (by default userPrincipalName) to userName.")
    if len(user_name) > _field_length("user_name"):
        raise ValidationError(f"userName is longer than {_field_length('user_name')} characters.")
    active = resource.get("active")
    if not isinstance(active, bool):  # normalise refused anything else, and dropped "" and null
        active = current_active

    name = resource.get("name") or {}
    if not isinstance(name, dict):
        raise ValidationError("name must be an object with givenName and familyName.")
    enterprise = resource.get(ENTERPRISE_USER) or {}
    if not isinstance(enterprise, dict):
        raise ValidationError(f"{ENTERPRISE_USER} must be an object.")

    values: dict[str, Any] = {}
    for schema, a, s, field, length in _TEXT_FIELDS:
        holder = resource if schema is None else enterprise
        value = holder.get(a.name)
        where = a.name
        if s is not None:
            value = value.get(s.name) if isinstance(value, dict) else None
            where = f"{a.name}.{s.name}"
        if field == "display_name":
            value = value or name.get("formatted")
        values[field] = _text(value, where, length)
    del values["user_name"]  # required, and checked above
    email = _pick(resource.get("emails"), "emails").get("value") or ""
    if not email and "@" in user_name:
        email = user_name
    values[_EMAIL[0]] = _text(email, "emails.value", _EMAIL[1])
    address = _pick(resource.get("addresses"), "addresses")
    values[_LOCATION[0]] = _text(_location_name(organization, address), "addresses", _LOCATION[1])

    stored = _without_nulls({k: v for k, v in resource.items() if k not in NOT_STORED})
    stored_enterprise = stored.get(ENTERPRISE_USER)
    if isinstance(stored_enterprise, dict) and "manager" in stored_enterprise:
        # The reference as sent (value, $ref, displayName), to answer it back unchanged.
        sent = stored_enterprise["manager"]
        manager = _manager_id(sent)
        stored_enterprise = {k: v for k, v in stored_enterprise.items() if k != "manager"}
        if manager:
            described = sent if isinstance(sent, dict) else {}
            stored_enterprise["manager"] = {
                "value": manager,
                **{k: v for k in ("$ref", "displayName") if isinstance(v := described.get(k), str) and v.strip()},
            }
        stored = {**stored, ENTERPRISE_USER: stored_enterprise}
    emails = [
        (
            _text(item.get("value"), "emails.value", _EMAIL[1]),
            str(item.get("type") or "")[:64],
            item.get("primary") is True,
        )
        for item in (resource.get("emails") or [])
        if item.get("value")
    ]
    return ProvisionedUser(
        emails=emails,
        user_name=user_name.strip(),
        active=active,
        scim_data=stored,
        values={field: values[field] for field in EDITABLE_FIELDS if field in values},
        manager_id=_manager_id(enterprise.get("manager")),
    )


def from_resource(organization: Organization, resource: Any) -> ProvisionedUser:
    """``read(normalise(resource))``: what a POST of ``resource`` would provision."""
    return read(organization, normalise(resource))
