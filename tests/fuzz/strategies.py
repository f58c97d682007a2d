"""Hypothesis strategies shaped like what reaches the SCIM protocol layer: any JSON, and IdP-like JSON."""

import json
import string

from hypothesis import strategies as st

from scim.schemas import CORE_USER, ENTERPRISE_USER

# Text as JSON can carry it: any code point, and in half the strings lone surrogates too
# (`"\ud800"` is valid JSON; hypothesis leaves surrogates out unless asked).
any_text = st.text(st.characters(), max_size=30) | st.text(
    st.characters() | st.characters(categories=["Cs"]), max_size=30
)
# Numbers as a JSON parser yields them: 1e400 becomes inf; NaN is refused on the wire.
json_numbers = st.integers() | st.floats(allow_nan=False, allow_infinity=True)
json_scalars = st.none() | st.booleans() | json_numbers | any_text

json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=25,
)

# Attribute paths Entra, Okta and the RFC use, and mangled versions of them.
KNOWN_PATHS = [
    "userName",
    "active",
    "title",
    "displayName",
    "externalId",
    "name",
    "name.givenName",
    "name.familyName",
    "emails",
    'emails[type eq "work"].value',
    'emails[type eq "work"]',
    'emails[value eq "alice@contoso.example"]',
    "emails.value",
    'addresses[type eq "work"].formatted',
    'addresses[type eq "work"].locality',
    'phoneNumbers[type eq "mobile"].value',
    "phoneNumbers",
    "roles",
    "password",
    "id",
    "meta",
    "schemas",
    f"{ENTERPRISE_USER}:department",
    f"{ENTERPRISE_USER}:manager",
    f"{ENTERPRISE_USER}:manager.value",
    f"{ENTERPRISE_USER}:employeeNumber",
    f"{ENTERPRISE_USER}.department",
    f"{CORE_USER}:title",
    ENTERPRISE_USER,
    "urn:ietf:params:scim:schemas:extension:custom:2.0:User:badge",
    "manager",
]
attribute_names = st.text(string.ascii_letters + string.digits + "_-$", min_size=1, max_size=12)
paths = (
    st.sampled_from(KNOWN_PATHS)
    | st.builds(lambda a, b: f"{a}.{b}", st.sampled_from(KNOWN_PATHS), attribute_names)
    | st.builds(
        lambda a, f: f"{a}[{f}]", st.sampled_from(["emails", "addresses", "phoneNumbers", "x"]), st.text(max_size=20)
    )
    | any_text
)
ops = st.sampled_from(["add", "replace", "remove", "Add", "Replace", "Remove", "ADD", "delete", ""]) | any_text

idp_values = (
    json_values
    | st.sampled_from(["True", "False", "true", "", "alice@contoso.example", "6c0e1a4e-6a55-4ef1-9b5c-2d3f5f0b7a11"])
    | st.fixed_dictionaries({"value": json_scalars})
    | st.lists(st.fixed_dictionaries({"value": json_scalars, "type": st.sampled_from(["work", "home", "mobile"])}))
    | st.dictionaries(st.sampled_from(KNOWN_PATHS) | attribute_names, json_values, max_size=4)
)


def _operation(op: str, path: str | None, value: object, has_value: bool) -> dict:
    operation: dict = {"op": op}
    if path is not None:
        operation["path"] = path
    if has_value:
        operation["value"] = value
    return operation


operations = st.builds(_operation, ops, st.none() | paths, idp_values, st.booleans())
patch_bodies = st.fixed_dictionaries(
    {"Operations": st.lists(operations, max_size=6)},
    optional={"schemas": st.just(["urn:ietf:params:scim:api:messages:2.0:PatchOp"]) | json_values},
) | st.dictionaries(st.sampled_from(["Operations", "operations", "schemas"]) | any_text, json_values, max_size=3)

# A User as an IdP might send it: known attributes with values of any shape, plus unknown ones.
user_resources = st.dictionaries(
    st.sampled_from([*KNOWN_PATHS, "userName", "userName", "emails", "addresses", ENTERPRISE_USER]) | any_text,
    idp_values,
    max_size=8,
).map(lambda d: {"userName": "someone@contoso.example", **d} if len(d) % 3 else d)

# --- filters, shaped by RFC 7644 §3.4.2.2's grammar --------------------------------------------

FILTER_ATTRIBUTES = [
    "userName",
    "id",
    "externalId",
    "displayName",
    "name.givenName",
    "name.familyName",
    "title",
    "active",
    "emails",
    "emails.value",
    "emails.type",
    "emails.primary",
    "meta.created",
    "meta.lastModified",
    "department",
    "manager",
    "employeeNumber",
    f"{ENTERPRISE_USER}:department",
    f"{ENTERPRISE_USER}:manager.value",
    f"{ENTERPRISE_USER}.department",
    f"{CORE_USER}:userName",
    "urn:ietf:params:scim:schemas:extension:custom:2.0:User:badge",
]
operators = st.sampled_from(["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "EQ", "Sw", "xx"])
moments = st.datetimes(timezones=st.timezones() | st.none()).map(lambda d: d.isoformat()) | st.sampled_from(
    ["9999-12-31T23:59:59Z", "9999-12-31T23:59:59.999999-01:00", "0001-01-01T00:00:00+14:00", "2025-01-14T09:12:03Z"]
)
filter_values = (
    any_text.map(json.dumps)
    | moments.map(json.dumps)
    | st.uuids().map(lambda u: json.dumps(str(u)))
    | st.sampled_from(["true", "false", "null", "True", "0", "1e400", "-1", '""', '"\\u0000"', '"\\ud800"'])
    | st.text(string.ascii_letters + string.digits + "@._-\\", min_size=1, max_size=12)
)
filter_attributes = st.sampled_from(FILTER_ATTRIBUTES) | attribute_names
comparisons = st.builds(lambda a, o, v: f"{a} {o} {v}", filter_attributes, operators, filter_values) | st.builds(
    lambda a: f"{a} pr", filter_attributes
)
filters = st.recursive(
    comparisons,
    lambda inner: (
        st.builds(lambda a, b, j: f"{a} {j} {b}", inner, inner, st.sampled_from(["and", "or", "AND", "Or"]))
        | inner.map(lambda f: f"({f})")
        | inner.map(lambda f: f"not ({f})")
        | st.builds(lambda a, f: f"{a}[{f}]", st.sampled_from(["emails", "addresses", "name", "x"]), inner)
    ),
    max_leaves=12,
)
