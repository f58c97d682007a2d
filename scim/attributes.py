"""The one table of SCIM User attributes (RFC 7643 §4.1, §4.3) and how each maps onto a Member.

Discovery (``/Schemas``), PATCH, filters, ``sortBy``, ``attributes``/``excludedAttributes``
and the resource ⇄ member translation all read ``USER`` and ``ENTERPRISE``; nothing else
pairs a SCIM attribute with a model field. Attributes not in the table are stored and
returned exactly as sent.

Reading an attribute path happens here too, once per distinct path text (``parse_path`` is
cached; its results are frozen and never mutated), and so do the client quirks of naming
attributes and of sending booleans, each in one function named after its client:

* ``as_bool``: Entra's default ``Switch([IsSoftDeleted], …)`` mapping sends "True"/"False".
* ``entra_pre_2018_dotted_extension``: ``…:enterprise:2.0:User.department``.
* ``microsoft_unqualified_manager``: ``manager`` without the enterprise URN.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from scim2_filter_parser import ast

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


@dataclass(frozen=True)
class Attribute:
    """One attribute or sub-attribute: its schema definition (RFC 7643 §7) and its place in Preciate.

    ``field`` is the Member field the translation reads and writes; ``filter`` says how a
    filter compares it (``text``, ``uuid``, ``bool`` or ``datetime``; None: not filterable) on
    ``filter_field`` (default ``field``), through the ``element`` rows when it lives in a
    multi-valued attribute's own table; ``sort_field`` makes it a ``sortBy`` attribute.
    """

    name: str
    type: str = "string"
    multi_valued: bool = False
    sub_attributes: tuple[Attribute, ...] = ()
    required: bool = False
    case_exact: bool = False
    mutability: str = "readWrite"
    returned: str = "default"
    uniqueness: str = "none"
    reference_types: tuple[str, ...] = ()
    canonical_values: tuple[str, ...] = ()
    description: str = ""
    discovered: bool = True  # listed in /Schemas
    field: str | None = None
    filter: str | None = None
    filter_field: str | None = None
    element: str | None = None
    nullable: bool = False  # reached through a nullable foreign key
    sort_field: str | None = None
    # A User's id in "value": Entra sends the manager bare, as an object or as an array.
    user_reference: bool = False

    def sub(self, name: str) -> Attribute | None:
        """The sub-attribute of that name, in any case (RFC 7643 §2.1)."""
        return _SUBS[id(self)].get(name.lower()) if self.sub_attributes else None

    @property
    def complex(self) -> bool:
        return self.type == "complex" and not self.multi_valued

    @property
    def read_only(self) -> bool:
        return self.mutability == "readOnly"

    @property
    def write_only(self) -> bool:
        return self.mutability == "writeOnly"


def _sub(name: str, type_: str = "string", **extra: Any) -> Attribute:
    return Attribute(name, type_, **extra)


def _plural(name: str, *, types: tuple[str, ...] = (), value: Attribute | None = None, **extra: Any) -> Attribute:
    """A multi-valued attribute of value, display, type and primary (RFC 7643 §2.4), kept as sent."""
    subs = (
        value or _sub("value"),
        _sub("display"),
        _sub("type", canonical_values=types),
        _sub("primary", "boolean"),
    )
    return Attribute(name, "complex", multi_valued=True, sub_attributes=subs, **extra)


# The core User of RFC 7643 §4.1, in the order of its schema representation (§8.7.1): every
# attribute with the RFC's type, mutability, returned, uniqueness, caseExact and
# canonicalValues. What has no field of its own is stored and returned as sent
# (docs/protocol.md#round-trip), so listing it is true.
USER: tuple[Attribute, ...] = (
    Attribute(
        "userName",
        required=True,
        uniqueness="server",
        field="user_name",
        filter="text",
        sort_field="user_name",
        description="Unique identifier for the User within the organization (Entra maps userPrincipalName). "
        "Required: it can be replaced, never removed.",
    ),
    Attribute("externalId", case_exact=True, field="external_id", filter="text", sort_field="external_id"),
    Attribute(
        "name",
        "complex",
        sub_attributes=(
            _sub("formatted"),
            _sub("familyName", field="family_name", filter="text", sort_field="family_name"),
            _sub("givenName", field="given_name", filter="text", sort_field="given_name"),
            _sub("middleName"),
            _sub("honorificPrefix"),
            _sub("honorificSuffix"),
        ),
    ),
    Attribute("displayName", field="display_name", filter="text", sort_field="display_name"),
    Attribute("nickName"),
    Attribute("profileUrl", "reference", reference_types=("external",)),
    Attribute("title", field="title", filter="text", sort_field="title"),
    Attribute("userType"),
    Attribute("preferredLanguage"),
    Attribute("locale"),
    Attribute("timezone"),
    # Required here although RFC 7643 §4.1.1 leaves it optional: a leaver must never come
    # back because an attribute was removed, and RFC 7644 §3.5.2.2 answers removing a
    # required attribute with 400 mutability (docs/protocol.md#active-is-required).
    Attribute(
        "active",
        "boolean",
        required=True,
        field="idp_active",
        filter="bool",
        description="The person's administrative status: false removes them from the organization (kept, "
        "restorable). It cannot be removed; send false to deactivate a leaver. A User created without it "
        "is active.",
    ),
    # Okta PATCHes passwords; Preciate signs people in through SSO and never keeps one.
    Attribute("password", mutability="writeOnly", returned="never"),
    Attribute(
        "emails",
        "complex",
        multi_valued=True,
        sub_attributes=(
            # Member.email is the work email the product uses; every email the IdP sent is a
            # MemberEmail row, which filters search element by element.
            _sub("value", field="email", filter="text", filter_field="value", element="emails", sort_field="email"),
            _sub("display"),
            _sub(
                "type",
                canonical_values=("work", "home", "other"),
                filter="text",
                filter_field="type",
                element="emails",
            ),
            _sub("primary", "boolean", filter="bool", filter_field="primary", element="emails"),
        ),
    ),
    _plural("phoneNumbers", types=("work", "home", "mobile", "fax", "pager", "other")),
    _plural("ims", types=("aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo")),
    _plural(
        "photos",
        types=("photo", "thumbnail"),
        value=_sub("value", "reference", reference_types=("external",)),
    ),
    Attribute(
        "addresses",
        "complex",
        multi_valued=True,
        field="location",
        sub_attributes=(
            _sub("formatted"),
            _sub("streetAddress"),
            _sub("locality"),
            _sub("region"),
            _sub("postalCode"),
            _sub("country"),
            _sub("type", canonical_values=("work", "home", "other")),
            _sub("primary", "boolean"),
        ),
    ),
    # Computed by the server from group membership (RFC 7643 §4.1.2), so read-only: nothing
    # sent for it is stored, and until Preciate serves Groups it is returned for nobody
    # (docs/protocol.md#groups-read-only).
    Attribute(
        "groups",
        "complex",
        multi_valued=True,
        mutability="readOnly",
        sub_attributes=(
            _sub("value", mutability="readOnly"),
            _sub("$ref", "reference", reference_types=("User", "Group"), mutability="readOnly"),
            _sub("display", mutability="readOnly"),
            _sub("type", canonical_values=("direct", "indirect"), mutability="readOnly"),
        ),
    ),
    _plural("entitlements"),
    _plural("roles"),
    _plural("x509Certificates", value=_sub("value", "binary", case_exact=True)),
    # Server-assigned (RFC 7643 §3.1): never patched, never stored.
    Attribute(
        "id",
        mutability="readOnly",
        returned="always",
        case_exact=True,
        discovered=False,
        field="scim_id",
        filter="uuid",
        sort_field="scim_id",
    ),
    Attribute(
        "meta",
        "complex",
        mutability="readOnly",
        discovered=False,
        sub_attributes=(
            _sub("created", "dateTime", field="created_at", filter="datetime", sort_field="created_at"),
            _sub("lastModified", "dateTime", field="updated_at", filter="datetime", sort_field="updated_at"),
        ),
    ),
    Attribute("schemas", mutability="readOnly", returned="always", discovered=False),
)

ENTERPRISE: tuple[Attribute, ...] = (
    Attribute("employeeNumber", field="employee_number", filter="text"),
    Attribute("department", field="department", filter="text", filter_field="department__name", nullable=True),
    Attribute("costCenter"),
    Attribute("organization"),
    Attribute("division"),
    Attribute(
        "manager",
        "complex",
        user_reference=True,
        sub_attributes=(
            _sub("value", field="manager", filter="uuid", filter_field="manager__scim_id", nullable=True),
            _sub("$ref", "reference", reference_types=("User",)),
            _sub("displayName", mutability="readOnly"),
        ),
    ),
)

SCHEMAS: dict[str | None, tuple[Attribute, ...]] = {None: USER, ENTERPRISE_USER: ENTERPRISE}
_BY_NAME: dict[str | None, dict[str, Attribute]] = {
    schema: {a.name.lower(): a for a in attributes} for schema, attributes in SCHEMAS.items()
}
_SUBS: dict[int, dict[str, Attribute]] = {
    id(a): {s.name.lower(): s for s in a.sub_attributes}
    for attributes in SCHEMAS.values()
    for a in attributes
    if a.sub_attributes
}
# The URN of each schema, lowered, to the key its attributes live under (None: the resource itself).
_SCHEMA_KEYS: dict[str, str | None] = {CORE_USER.lower(): None, ENTERPRISE_USER.lower(): ENTERPRISE_USER}


def attribute(schema: str | None, name: str | None) -> Attribute | None:
    """The table's attribute ``name`` (any case) of ``schema`` (None: the core User), if known."""
    if name is None:
        return None
    known = _BY_NAME.get(schema)
    return known.get(name.lower()) if known is not None else None


def known_schema(urn: str) -> bool:
    """Is ``urn`` (any case) the core User or the enterprise extension?"""
    return urn.lower() in _SCHEMA_KEYS


def walk(*, schema: str | None = None) -> Iterator[tuple[str | None, Attribute, Attribute | None]]:
    """Every (schema, attribute, sub-attribute or None) of the table, in its order."""
    schemas = SCHEMAS.items() if schema is None else [(schema, SCHEMAS[schema])]
    for key, attributes in schemas:
        for a in attributes:
            yield key, a, None
            for s in a.sub_attributes:
                yield key, a, s


def describe(a: Attribute) -> dict[str, Any]:
    """The attribute's definition for the /Schemas document (RFC 7643 §7)."""
    described: dict[str, Any] = {
        "name": a.name,
        "type": a.type,
        "multiValued": a.multi_valued,
        "required": a.required,
        "caseExact": a.case_exact,
        "mutability": a.mutability,
        "returned": a.returned,
        "uniqueness": a.uniqueness,
    }
    if a.type not in ("string", "reference", "binary"):
        del described["caseExact"]  # RFC 7643 §7: for string and reference attributes
    if a.description:
        described["description"] = a.description
    if a.canonical_values:
        described["canonicalValues"] = list(a.canonical_values)
    if a.sub_attributes:
        described["subAttributes"] = [describe(s) for s in a.sub_attributes if s.discovered]
    if a.reference_types:
        described["referenceTypes"] = list(a.reference_types)
    return described


# --------------------------------------------------------------------------------------------
# Client quirks in naming attributes and sending booleans: each handled here and nowhere else.
# --------------------------------------------------------------------------------------------


def as_bool(value: Any) -> bool | None:
    """A JSON boolean, or Entra's string boolean ("True"/"False" in any case); None for anything else.

    Entra's default mapping for ``active`` is ``Switch([IsSoftDeleted], , "False", "True",
    "True", "False")``, which sends strings; Microsoft's Postman suite sends ``"Primary": "True"``.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "false"):
            return lowered == "true"
    return None


def entra_pre_2018_dotted_extension(uri: str, name: str, sub: str | None) -> tuple[str, str, None] | None:
    """``…:enterprise:2.0:User.department`` (Entra before 2018) as (URN, attribute, None), else None.

    The grammar reads the "." as a sub-attribute, so the URN arrives cut short ("…:2.0"),
    "User" as the attribute and the real attribute as its sub-attribute.
    """
    joined = f"{uri}:{name}"
    if sub is not None and not known_schema(uri) and known_schema(joined):
        return joined, sub, None
    return None


def microsoft_unqualified_manager(schema: str | None, name: str) -> str | None:
    """Microsoft's older documentation PATCHes ``manager`` without the enterprise URN."""
    return ENTERPRISE_USER if schema is None and name.lower() == "manager" else schema


# --------------------------------------------------------------------------------------------
# Attribute paths (RFC 7644 §3.5.2: PATH = attrPath / valuePath [subAttr]; §3.10 attrPath).
# --------------------------------------------------------------------------------------------


class PathError(ValueError):
    """A path that names no single attribute; ``detail`` says why."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True)
class Path:
    """Where an operation applies, or which attribute a projection names.

    ``schema`` is None for the core User schema, else the extension's URN (the key of its
    object in the resource). ``attribute`` is None when the path is the extension itself.
    Known names carry the table's canonical spelling; unknown ones are kept as sent.
    ``value_filter`` is shared by every request that sends this path: read it, never change it.
    """

    schema: str | None
    attribute: str | None
    sub_attribute: str | None = None
    value_filter: ast.Filter | None = field(default=None, compare=False, repr=False)
    text: str = ""

    @property
    def known(self) -> Attribute | None:
        return attribute(self.schema, self.attribute)


PATH_HELP = (
    'paths look like title, name.givenName, emails[type eq "work"].value or '
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"
)


def locate(
    uri: str | None, name: str, sub: str | None, *, default_schema: str | None = None
) -> tuple[str | None, str, str | None]:
    """The schema key, attribute and sub-attribute a parsed attrPath names, quirks absorbed.

    The schema is None for the core User, the enterprise URN, or a custom extension's URN
    as sent.
    """
    if uri is None:
        return microsoft_unqualified_manager(default_schema, name), name, sub
    dotted = entra_pre_2018_dotted_extension(uri, name, sub)
    if dotted is not None:
        uri, name, sub = dotted
    if known_schema(uri):
        return _SCHEMA_KEYS[uri.lower()], name, sub
    return uri, name, sub


@functools.lru_cache(maxsize=1024)
def parse_path(text: str, *, default_schema: str | None = None, object_value: bool = False) -> Path:
    """Parse an attribute path once per distinct text; raise PathError.

    ``object_value`` says the path's value is an object, so an unknown URN alone names a
    custom extension object (RFC 7643 §3.3). ``default_schema`` is the extension whose
    object the path appears in (a path-less value's extension object).
    """
    # Imported here: scim.filters reads this table for its own attributes.
    from scim.filters import FilterError, parse_filter

    stripped = text.strip()
    lowered = stripped.lower()
    if lowered in _SCHEMA_KEYS:
        return Path(_SCHEMA_KEYS[lowered], None, text=stripped)
    if lowered.startswith("urn:") and object_value and not _names_known_attribute(lowered):
        return Path(stripped, None, text=stripped)
    try:
        tree = parse_filter(f"{stripped} pr")
    except FilterError:
        raise PathError(f'cannot parse path "{text}"; {PATH_HELP}.') from None
    expr = tree.expr
    if tree.negated or tree.namespace is not None or not isinstance(expr, ast.AttrExpr) or expr.value.lower() != "pr":
        raise PathError(f'"{text}" is not a single attribute path; {PATH_HELP}.')
    attr_path = expr.attr_path
    value_filter: ast.Filter | None = None
    if isinstance(attr_path.attr_name, ast.Filter):
        value_filter = attr_path.attr_name.expr
        attr_path = attr_path.attr_name.namespace
    if not isinstance(attr_path.attr_name, str):
        raise PathError(f'"{text}" nests value filters; {PATH_HELP}.')
    sub = attr_path.sub_attr.value if attr_path.sub_attr is not None else None
    schema, name, sub = locate(attr_path.uri, attr_path.attr_name, sub, default_schema=default_schema)
    known = attribute(schema, name)
    sub_known = known.sub(sub) if known is not None and sub is not None else None
    return Path(
        schema=schema,
        attribute=known.name if known is not None else name,
        sub_attribute=sub_known.name if sub_known is not None else sub,
        value_filter=value_filter,
        text=stripped,
    )


def _names_known_attribute(lowered_urn: str) -> bool:
    return lowered_urn.rpartition(":")[0] in _SCHEMA_KEYS or lowered_urn.rpartition(".")[0] in _SCHEMA_KEYS
