"""SCIM PATCH (RFC 7644 §3.5.2) applied to a User resource held as a plain dict.

Pure: no database. ``apply_patch(resource, body)`` returns a new resource dict; the caller
maps it onto the member (one write path) and keeps the original if PatchError is raised.

Two steps, kept apart on purpose:

* ``normalise_operations(body)`` is the ONE place where IdP quirks become RFC-shaped
  operations (capitalised ops, "True"/"False" strings, dotted and URN keys in path-less
  values, the manager's several shapes and clears, Okta's whole-object values). Each quirk
  has a test named after it in tests/scim/test_patch.py.
* ``apply_operations`` then runs plain RFC semantics over those operations, in order, on a
  deep copy, so a failing operation leaves nothing half-applied. ``apply_patch`` is the two.

A SCIM write normalises before its transaction and applies inside it, so nothing but the
apply runs under the key hold and the row lock. Both steps are bounded: at most
``MAX_OPERATIONS`` operations, ``MAX_ATTRIBUTES`` attributes and values per resource and
``MAX_VALUES`` values per multi-valued attribute, and each operation costs the same however
many came before it (keys are found through an index, never by scanning).

What the server knows of each attribute (canonical spelling, type, sub-attributes) is
scim/attributes.py's table; paths are parsed there, once per distinct path text. Value
filters are evaluated against the in-memory element, never the database. Values are
never changed in place: the result shares what no operation touched with the input and
the body, so treat all three as read-only.

One module, though long: the two steps are one contract. Every shape ``normalise_operations``
produces is a shape ``apply_operations`` must accept, both walk the same ``Operation``, path
and limits, and the element helpers (``_find``, ``_key``, ``_without``, ``_store``) serve
both; split, they would become a public API between two halves that change together, and
tracing a client quirk from its payload to its effect would cross files.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Literal, cast

from scim2_filter_parser import ast

from scim import attributes
from scim.attributes import CORE_USER, ENTERPRISE_USER, Attribute, Path, PathError, as_bool, parse_path

__all__ = [
    "MAX_ATTRIBUTES",
    "MAX_OPERATIONS",
    "MAX_VALUES",
    "Operation",
    "PatchError",
    "Path",
    "apply_operations",
    "apply_patch",
    "copy_json",
    "json_size",
    "normalise_operations",
    "read_envelope",
    "read_operation",
]

OpName = Literal["add", "replace", "remove"]

# Far above what any IdP sends (Entra sends fewer than ten operations, and a user of its
# default mappings is about 40 attributes and values), low enough that a hostile request
# is refused at once instead of holding the key's lock for a minute.
MAX_OPERATIONS = 1_000
MAX_ATTRIBUTES = 1_000  # attributes, sub-attributes and values of one resource, in all
MAX_VALUES = 100  # values of one multi-valued attribute (emails, phoneNumbers, ...)


def json_size(value: Any) -> int:
    """How many attributes, sub-attributes and values ``value`` holds (object keys + array items).

    Iterative, so data of any depth is measured without recursion.
    """
    size, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            size += len(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            size += len(item)
            stack.extend(item)
    return size


MAX_VALUE_DEPTH = 32  # levels of objects and arrays in one value, as in a request body


def unstorable(value: Any, *, max_depth: int | None = MAX_VALUE_DEPTH) -> str | None:
    """Why ``value`` cannot be stored as a user's JSON, or None when it can.

    Refused: U+0000 (PostgreSQL text cannot hold it), lone UTF-16 surrogates (not Unicode,
    so not encodable as UTF-8), numbers that are not finite (``1e400`` parses as infinity,
    which JSON cannot write back), and nesting past ``max_depth`` (None: any depth, for a
    resource stored before bodies were limited). Iterative, so any depth is walked safely.
    """
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return "contains a NUL character (U+0000), which Preciate cannot store"
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return (
                    "contains a lone UTF-16 surrogate (an escape such as \\ud800 without its pair), "
                    "which is not a Unicode character and cannot be stored"
                )
        elif isinstance(item, float) and not math.isfinite(item):
            return f"contains the number {item}, which is out of range; send a finite number"
        elif isinstance(item, dict | list):
            if max_depth is not None and level >= max_depth:
                return f"is nested more than {max_depth} levels deep"
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return None


def copy_json(value: Any, *, drop_nulls: bool = False) -> Any:
    """A deep copy of parsed JSON, optionally without null members and items.

    Iterative rather than ``copy.deepcopy``: a resource stored before bodies were limited in
    depth (hundreds of levels) must still be read, patched and deactivated.
    """
    if not isinstance(value, dict | list):
        return value
    root: dict[Any, Any] | list[Any] = {} if isinstance(value, dict) else []
    stack: list[tuple[Any, Any]] = [(value, root)]
    while stack:
        source, target = stack.pop()
        items = source.items() if isinstance(source, dict) else enumerate(source)
        for key, item in items:
            if drop_nulls and item is None:
                continue
            if isinstance(item, dict | list):
                child: Any = {} if isinstance(item, dict) else []
                stack.append((item, child))
                item = child
            if isinstance(target, dict):
                target[key] = item
            else:
                target.append(item)
    return root


class PatchError(Exception):
    """A PATCH the server refuses; answer 400 with ``scim_type`` (RFC 7644 §3.12, Table 9)."""

    def __init__(self, scim_type: str, detail: str) -> None:
        super().__init__(detail)
        self.scim_type = scim_type  # invalidSyntax | invalidPath | invalidValue | noTarget | mutability | invalidFilter
        self.detail = detail


def _known(schema: str | None, attribute: str | None) -> Attribute | None:
    return attributes.attribute(schema, attribute)


def _sub_name(known: Attribute | None, name: str) -> str:
    sub = known.sub(name) if known is not None else None
    return sub.name if sub is not None else name


def _sub_is_boolean(known: Attribute | None, name: str) -> bool:
    sub = known.sub(name) if known is not None else None
    return sub is not None and sub.type == "boolean"


# --------------------------------------------------------------------------------------------
# Normalised operations.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    """One RFC-shaped operation; path-less add/replace values are already expanded into these."""

    op: OpName
    path: Path
    value: Any = None
    has_value: bool = False
    index: int = 0  # 1-based position in the request, for error details
    from_pathless: bool = False  # the key came from a path-less value object (Okta's whole objects)
    limited: bool = True  # held to MAX_VALUES; not when re-reading a stored resource (canonical)


def _error(scim_type: str, index: int, detail: str) -> PatchError:
    return PatchError(scim_type, f"Operation {index}: {detail}" if index else detail)


def read_envelope(body: Any, *, limited: bool = True, max_operations: int = MAX_OPERATIONS) -> list[Any]:
    """The raw operations of a PatchOp body (RFC 7644 §3.5.2), its key in any case; raise PatchError.

    Shared by User and Group PATCH: the envelope is the same whatever the resource.
    """
    if not isinstance(body, dict):
        raise PatchError("invalidSyntax", 'The PATCH body must be a JSON object with an "Operations" array.')
    key = next((k for k in body if isinstance(k, str) and k.lower() == "operations"), None)
    if key is None:
        raise PatchError(
            "invalidSyntax",
            'The PATCH body has no "Operations" array (RFC 7644 §3.5.2); send '
            '{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [...]}.',
        )
    raw_operations = body[key]
    if not isinstance(raw_operations, list) or not raw_operations:
        raise PatchError("invalidSyntax", '"Operations" must be an array of one or more operations.')
    if limited and len(raw_operations) > max_operations:
        raise PatchError(
            "invalidValue",
            f"The PATCH has {len(raw_operations)} operations; Preciate applies at most {max_operations} "
            "in one request. Send the changes in several PATCH requests.",
        )
    return raw_operations


def read_operation(raw: Any, index: int, *, limited: bool = True) -> tuple[OpName, str | None, bool, Any]:
    """One raw operation as (op, path or None, has a value, value); raise PatchError.

    ``op`` and the operation's member names are read in any case (Entra capitalises ops
    unless the admin set ``aadOptscim062020``, docs/protocol.md); unknown members, such as
    the ``"name": "addMember"`` of Microsoft's Postman suite, are ignored. A blank path is
    no path. The value is checked storable.
    """
    if not isinstance(raw, dict):
        raise _error("invalidSyntax", index, "each operation must be an object with op, path and value.")
    members = {k.lower(): v for k, v in raw.items() if isinstance(k, str)}
    op = members.get("op")
    if not isinstance(op, str) or op.lower() not in ("add", "replace", "remove"):
        raise _error("invalidSyntax", index, f'unknown op {op!r}; use "add", "replace" or "remove".')
    has_value = "value" in members
    value = members.get("value")
    problem = unstorable(value, max_depth=MAX_VALUE_DEPTH if limited else None)
    if problem is not None:
        raise _error("invalidValue", index, f"the value {problem}.")
    path_text = members.get("path")
    if path_text is not None and not isinstance(path_text, str):
        raise _error("invalidPath", index, "path must be a string.")
    if path_text is not None and not path_text.strip():
        path_text = None
    return cast(OpName, op.lower()), path_text, has_value, value


def normalise_operations(body: Any, *, limited: bool = True) -> list[Operation]:
    """Turn a PatchOp body into RFC 7644 §3.5.2 operations, absorbing every known client quirk.

    ``limited`` holds the request to MAX_OPERATIONS, MAX_ATTRIBUTES and MAX_VALUES; reading
    back a whole resource already stored (``scim.users.canonical``) is not held to them, so
    a user stored before the limits can always be deactivated.

    Quirks handled here and nowhere else:

    * ``op`` in any case: Entra sends "Add"/"Replace"/"Remove" unless the admin set
      ``aadOptscim062020`` (docs/protocol.md#capitalised-ops); the ``Operations`` key and operation member
      names are matched case-insensitively too.
    * ``active`` (and ``primary``) as the strings "True"/"False" in any case: Entra's default
      ``Switch([IsSoftDeleted], ...)`` mapping (§0.1), with a path or inside a path-less value.
    * Path-less add/replace whose value has dotted (``name.givenName``) or URN-qualified
      keys, or the enterprise extension as an object: Entra with ``aadOptscim062020`` and
      Microsoft's validator (§0.3, §1.5b). Every key is treated as a path.
    * Manager as a bare id, ``{"value": id}`` or ``[{"value": id}]`` becomes ``{"value": id}``;
      ``""``, null, ``{"value": ""}`` or ``[]`` becomes a remove (§0.6, §1.5 Manager).
    * ``id``/``meta``/``schemas`` inside a path-less value (Okta sends whole objects) are
      ignored when unchanged; ``password`` (Okta) is dropped, never stored.
    * An unqualified ``manager`` path is the enterprise manager (Microsoft's older docs).
    """
    raw_operations = read_envelope(body, limited=limited)
    operations: list[Operation] = []
    for index, raw in enumerate(raw_operations, start=1):
        operations.extend(_normalise_one(raw, index, limited=limited))
        if limited and len(operations) > MAX_OPERATIONS:
            raise _error(
                "invalidValue",
                index,
                f"the PATCH sets more than {MAX_OPERATIONS} attributes (each attribute of a path-less value "
                f"counts as one operation); Preciate applies at most {MAX_OPERATIONS} in one request.",
            )
    return operations if limited else [replace(op, limited=False) for op in operations]


def _normalise_one(raw: Any, index: int, *, limited: bool) -> list[Operation]:
    name, path_text, has_value, value = read_operation(raw, index, limited=limited)
    if limited and json_size(value) > MAX_ATTRIBUTES:
        raise _error(
            "invalidValue",
            index,
            f"the value carries {json_size(value)} attributes and values; a User holds at most {MAX_ATTRIBUTES}.",
        )
    if path_text is None:
        if name == "remove":
            raise _error("noTarget", index, "remove needs a path naming what to remove (RFC 7644 §3.5.2.2).")
        if not isinstance(value, dict):
            raise _error("invalidValue", index, f"{name} without a path needs an object value of attributes.")
        return _expand(name, value, schema=None, index=index)

    if name != "remove" and not has_value:
        raise _error("invalidValue", index, f'{name} of "{path_text}" needs a value.')
    path = _parse_path(path_text, index=index, value=value if has_value else None)
    return _targeted(name, path, value, has_value=has_value, index=index, from_pathless=False)


def _expand(op: OpName, value: dict[str, Any], *, schema: str | None, index: int) -> list[Operation]:
    """Each key of a path-less value (or of an extension object) as its own operation."""
    operations: list[Operation] = []
    for key, item in value.items():
        lowered = key.lower()
        if schema is None and lowered in ("schemas", "meta"):
            continue  # Okta sends the whole resource back; these are the server's to compute.
        path = _parse_path(key, index=index, value=item, default_schema=schema)
        operations.extend(_targeted(op, path, item, has_value=True, index=index, from_pathless=True))
    return operations


def _targeted(
    op: OpName, path: Path, value: Any, *, has_value: bool, index: int, from_pathless: bool
) -> list[Operation]:
    if path.attribute is None:
        # The extension object itself, e.g. path-less {"urn:…:enterprise:2.0:User": {...}}.
        if op == "remove" or value is None:
            if path.schema is None:
                raise _error("invalidPath", index, "the core schema cannot be removed.")
            return [Operation("remove", path, index=index)]
        if not isinstance(value, dict):
            raise _error("invalidValue", index, f'"{path.text}" takes an object of attributes.')
        return _expand(op, value, schema=path.schema, index=index)

    known = _known(path.schema, path.attribute)
    if known is not None and known.write_only:
        return []
    if known is not None and known.read_only:
        if from_pathless and op != "remove":
            return [Operation(op, path, value, has_value, index, from_pathless=True)]
        raise _error("mutability", index, f'"{path.text}" is read-only and cannot be patched.')
    if op == "remove" and known is not None and known.required and path.sub_attribute is None:
        # RFC 7644 §3.5.2.2: removing a required attribute is a mutability error; silently
        # keeping it would tell the IdP a leaver's "remove active" worked (docs/protocol.md#active-is-required).
        raise _error("mutability", index, _REQUIRED_REMOVE.get(known.name, f'"{path.text}" is required.'))

    if op != "remove" or (has_value and value is not None):
        value = _normalise_value(path, known, value, index)

    if known is not None and known.user_reference and path.sub_attribute is None and path.value_filter is None:
        if op != "remove" and value is None:
            return [Operation("remove", path, index=index)]
        return [Operation(op, path, value, has_value and value is not None, index, from_pathless)]
    return [Operation(op, path, value, has_value, index, from_pathless)]


_REQUIRED_REMOVE = {
    "active": '"active" is required and cannot be removed; to deactivate a leaver send '
    '{"op": "replace", "path": "active", "value": false}.',
    "userName": '"userName" is required and cannot be removed; replace it with the new userName instead.',
}


def _normalise_value(path: Path, known: Attribute | None, value: Any, index: int) -> Any:
    if known is None:
        return value
    if known.user_reference and path.sub_attribute is None and path.value_filter is None:
        return _manager(value, index)
    if known.type == "boolean":
        return _boolean(value, path.text, index)
    if path.sub_attribute is not None:
        if _sub_is_boolean(known, path.sub_attribute):
            return _boolean(value, path.text, index)
        return value
    if known.multi_valued:
        if isinstance(value, list):
            return [_element(known, item, path.text, index) for item in value]
        return _element(known, value, path.text, index)
    if known.complex and path.value_filter is None and value not in _EMPTY:
        if not isinstance(value, dict):
            raise _error("invalidValue", index, f'"{path.text}" is complex; send an object of its sub-attributes.')
        return _element(known, value, path.text, index)
    return value


def _element(known: Attribute, item: Any, where: str, index: int) -> Any:
    """Canonical sub-attribute names (Microsoft's Postman suite sends "Primary"), booleans such as primary."""
    if not isinstance(item, dict):
        return item
    out: dict[str, Any] = {}
    for key, value in item.items():
        sub = known.sub(key)
        if sub is None:
            out[key] = value
        else:
            out[sub.name] = _boolean(value, f"{where}.{sub.name}", index) if sub.type == "boolean" else value
    return out


def _boolean(value: Any, where: str, index: int) -> bool | None:
    if value is None or value == "":
        return None
    flag = as_bool(value)
    if flag is None:
        raise _error("invalidValue", index, f'"{where}" is a boolean; send true or false, not {value!r}.')
    return flag


def _manager(value: Any, index: int) -> dict[str, Any] | None:
    """Entra sends our id of the manager bare; older docs an array of objects (docs/protocol.md#manager-bare-id)."""
    if isinstance(value, list):
        if len(value) > 1:
            raise _error("invalidValue", index, "manager is single-valued; send one manager id.")
        value = value[0] if value else None
    if value is None:
        return None
    if isinstance(value, str):
        return {"value": value} if value.strip() else None
    if isinstance(value, dict):
        manager = {_sub_name(_MANAGER, k): v for k, v in value.items()}
        inner = manager.get("value")
        if inner is None or inner == "":
            if any(v not in (None, "") for v in manager.values()):
                raise _error("invalidValue", index, 'manager needs "value": the id of the manager\'s user.')
            return None
        if not isinstance(inner, str):
            raise _error("invalidValue", index, "manager value must be the manager's user id as a string.")
        return manager
    raise _error("invalidValue", index, "manager must be the manager's user id.")


# --------------------------------------------------------------------------------------------
# Paths.
# --------------------------------------------------------------------------------------------

_MANAGER = attributes.attribute(ENTERPRISE_USER, "manager")


def _parse_path(text: str, *, index: int, value: Any = None, default_schema: str | None = None) -> Path:
    try:
        return parse_path(text, default_schema=default_schema, object_value=isinstance(value, dict))
    except PathError as exc:
        raise _error("invalidPath", index, exc.detail) from None


# --------------------------------------------------------------------------------------------
# Applying.
# --------------------------------------------------------------------------------------------


def apply_patch(resource: dict[str, Any], body: Any) -> dict[str, Any]:
    """Apply a PatchOp request (RFC 7644 §3.5.2) and return the patched resource as a new dict."""
    return apply_operations(resource, normalise_operations(body))


def apply_operations(resource: dict[str, Any], operations: list[Operation]) -> dict[str, Any]:
    """Apply normalised operations to ``resource`` and return the patched resource as a new dict.

    Operations apply in order; any error raises PatchError and nothing is applied (the input
    is never mutated). The result keeps ``id`` and ``meta`` as they were (the caller owns
    ``meta``), stores unknown attributes exactly as sent, holds the manager as
    ``{"value": id}`` inside the enterprise extension, drops emptied extension objects, and
    lists every extension present in ``schemas``.
    """
    # Shallow: no operation changes a value in place, it replaces what it changes.
    result = _Keys(resource)
    for key, value in list(result.items()):
        if isinstance(key, str) and key.lower().startswith("urn:") and isinstance(value, dict):
            result[key] = _Keys(value)
    for operation in operations:
        _apply(result, operation)
    _sync_schemas(result, before=_extensions(resource))
    return {key: dict(value) if isinstance(value, _Keys) else value for key, value in result.items()}


class _Keys(dict):
    """A resource or extension object that finds a key in any case (RFC 7643 §2.1) in O(1).

    Scanning the keys instead made a PATCH quadratic: 20,000 operations took 80 s.
    """

    def __init__(self, items: Any = ()) -> None:
        super().__init__(items)
        self.lowered = {key.lower(): key for key in self if isinstance(key, str)}

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, value)
        if isinstance(key, str):
            self.lowered[key.lower()] = key

    def __delitem__(self, key: Any) -> None:
        super().__delitem__(key)
        if isinstance(key, str) and self.lowered.get(key.lower()) == key:
            del self.lowered[key.lower()]

    _absent = object()

    def pop(self, key: Any, default: Any = _absent) -> Any:
        if key not in self:
            if default is self._absent:
                raise KeyError(key)
            return default
        value = self[key]
        del self[key]
        return value

    def setdefault(self, key: Any, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = value


_EMPTY: tuple[Any, ...] = (None, "")


def _apply(resource: dict[str, Any], op: Operation) -> None:
    path = op.path
    if path.attribute is None:
        existing = _find(resource, path.schema or "")
        if existing is not None:
            del resource[existing]
        return
    known = _known(path.schema, path.attribute)
    if known is not None and known.read_only:
        current = resource.get(_find(resource, path.attribute) or path.attribute)
        if path.attribute == "id" and op.value != current:
            raise _error("mutability", op.index, '"id" is assigned by the server and cannot be changed.')
        return  # Okta's whole-object value repeating what is already there

    if op.op == "remove" and _is_custom_extension_object(resource, path):
        del resource[_find(resource, f"{path.schema}:{path.attribute}") or ""]
        return
    holder = _holder(resource, path.schema, create=op.op != "remove", index=op.index)
    if holder is None:
        return
    key = _key(holder, path.attribute, known)
    if path.value_filter is not None:
        _apply_filtered(holder, key, known, op)
    elif path.sub_attribute is not None:
        _apply_sub_attribute(holder, key, known, op)
    else:
        _apply_attribute(holder, key, known, op)


def _is_custom_extension_object(resource: dict[str, Any], path: Path) -> bool:
    """``remove urn:…:contoso:2.0:User``: the lexer reads "User" as an attribute of "urn:…:2.0"."""
    if path.schema in (None, ENTERPRISE_USER) or path.sub_attribute or path.value_filter is not None:
        return False
    if _find(resource, path.schema or "") is not None:
        return False
    key = _find(resource, f"{path.schema}:{path.attribute}")
    return key is not None and isinstance(resource[key], dict)


def _find(container: dict[str, Any], name: str) -> str | None:
    """The key of ``container`` naming ``name``; attribute names are case-insensitive (RFC 7643 §2.1)."""
    if name in container:
        return name
    lowered = name.lower()
    if isinstance(container, _Keys):
        return container.lowered.get(lowered)
    return next((k for k in container if isinstance(k, str) and k.lower() == lowered), None)


def _key(container: dict[str, Any], name: str, known: Attribute | None) -> str:
    """The key to use: the canonical name for known attributes (re-keying a differently cased one)."""
    existing = _find(container, name)
    if known is None:
        return existing or name
    if existing is not None and existing != known.name:
        container[known.name] = container.pop(existing)
    return known.name


def _holder(resource: dict[str, Any], schema: str | None, *, create: bool, index: int) -> dict[str, Any] | None:
    if schema is None:
        return resource
    existing = _find(resource, schema)
    if existing is None:
        if not create:
            return None
        resource[schema] = _Keys()
        return resource[schema]
    holder = resource[existing]
    if not isinstance(holder, dict):
        raise _error("invalidPath", index, f'"{existing}" is not an extension object.')
    if not isinstance(holder, _Keys):
        holder = resource[existing] = _Keys(holder)
    return holder


def _is_multi(known: Attribute | None, current: Any, value: Any) -> bool:
    if known is not None:
        return known.multi_valued
    return isinstance(current, list) or isinstance(value, list)


def _apply_attribute(holder: dict[str, Any], key: str, known: Attribute | None, op: Operation) -> None:
    """attrPath without filter or sub-attribute (RFC 7644 §3.5.2.1-3)."""
    current = holder.get(key)
    multi = _is_multi(known, current, op.value)
    if op.op == "remove":
        if key not in holder:
            return
        if op.has_value and op.value not in _EMPTY:
            # Remove-with-value: Entra's legacy shape (members/emails with a value array) means
            # "remove these", never "remove all" (docs/protocol.md#remove-with-value).
            if multi:
                targets = op.value if isinstance(op.value, list) else [op.value]
                kept = [item for item in _as_list(current) if not any(_same(item, t) for t in targets)]
                _store(holder, key, kept)
            elif _same(current, op.value):
                del holder[key]
            return
        del holder[key]
        return

    value = op.value
    if value in _EMPTY:
        # Microsoft's SCIM_Null_Update_Test clears with "" and with null.
        holder.pop(key, None)
        return
    if multi:
        merged = _as_list(current) if op.op == "add" else []
        by_value: dict[str, list[int]] = {}
        for i, element in enumerate(merged):
            if (found := _value_key(element)) is not None:
                by_value.setdefault(found, []).append(i)
        touched = []
        for item in value if isinstance(value, list) else [value]:
            at = _existing_value(merged, item, by_value)
            if at is None:
                if (found := _value_key(item)) is not None:
                    by_value.setdefault(found, []).append(len(merged))
                merged.append(item)
                touched.append(item)
                _check_values(key, merged, op)  # before the next look-up scans a longer list
            else:
                # RFC 7644 §3.5.2.1: "If the target location already contains the value
                # specified, no changes SHOULD be made"; sub-attributes it adds (primary,
                # display) update that value instead of duplicating it.
                if isinstance(item, dict) and isinstance(merged[at], dict):
                    element = dict(merged[at])
                    for sub, sub_value in item.items():
                        element[_key(element, sub, None)] = sub_value
                    merged[at] = element
                if isinstance(item, dict) and item.get("primary") is True:
                    touched.append(merged[at])  # only what this add makes primary wins (RFC 7643 §2.4)
        _one_primary(merged, touched)
        _store(holder, key, merged)
        return
    # A manager is replaced whole: its value is the reference, the rest describes it.
    complex_ = known.complex and not known.user_reference if known is not None else isinstance(current, dict)
    if complex_ and isinstance(value, dict):
        # RFC 7644 §3.5.2.1/3: sub-attributes not given are left unchanged.
        target = dict(current) if isinstance(current, dict) else {}
        for sub, sub_value in value.items():
            sub_key = _key(target, sub, None)
            if sub_value in _EMPTY:
                target.pop(sub_key, None)
            else:
                target[sub_key] = sub_value
        _store(holder, key, target)
        return
    holder[key] = value


def _apply_sub_attribute(holder: dict[str, Any], key: str, known: Attribute | None, op: Operation) -> None:
    """attrPath with a sub-attribute, e.g. name.givenName or …:User:manager.value."""
    current = holder.get(key)
    sub = op.path.sub_attribute or ""
    clearing = op.op == "remove" or op.value in _EMPTY
    if isinstance(current, list) or (known is not None and known.multi_valued):
        # No filter: every value of the multi-valued attribute (RFC 7644 §3.5.2.3).
        elements = _as_list(current)
        if clearing:
            elements = [_without(e, sub, op) for e in elements]
            _store(holder, key, [e for e in elements if e is not None])
        elif elements:
            value = op.value
            _store(
                holder, key, [{**e, _key(dict(e), sub, None): value} if isinstance(e, dict) else e for e in elements]
            )
        else:
            _store(holder, key, [{sub: op.value}])
        return
    if current is not None and not isinstance(current, dict):
        raise _error("invalidPath", op.index, f'"{key}" has no sub-attributes, so "{op.path.text}" cannot be set.')
    target: dict[str, Any] | None
    if clearing:
        target = _without(dict(current), sub, op) if current else None
    elif (
        known is not None
        and known.user_reference
        and sub.lower() == "value"
        and op.value != (current or {}).get("value")
    ):
        # Another manager: the old one's $ref and displayName describe someone else.
        target = {"value": op.value}
    else:
        target = dict(current or {})
        target[_key(target, sub, None)] = op.value
    if known is not None and known.user_reference and target is not None and "value" not in target:
        target = None  # a manager without an id is no manager
    _store(holder, key, target or {})


def _apply_filtered(holder: dict[str, Any], key: str, known: Attribute | None, op: Operation) -> None:
    """valuePath, e.g. emails[type eq "work"].value; Entra needs add/replace to upsert (§0.5)."""
    current = holder.get(key)
    single = isinstance(current, dict) or (
        current is None and known is not None and known.type == "complex" and not known.multi_valued
    )
    if current is not None and not isinstance(current, dict | list):
        raise _error("invalidPath", op.index, f'"{key}" is not multi-valued; a value filter cannot select from it.')
    elements = _as_list(current)
    assert op.path.value_filter is not None
    matched = [i for i, e in enumerate(elements) if isinstance(e, dict) and _matches(e, op.path.value_filter, op.index)]
    sub = op.path.sub_attribute
    value = op.value

    if op.op == "remove" or value in _EMPTY:
        for i in matched:
            elements[i] = _without(elements[i], sub, op) if sub is not None else None
    elif sub is not None:
        if matched:
            for i in matched:
                element = dict(elements[i])
                element[_key(element, sub, None)] = value
                elements[i] = element
        else:
            elements.append({**_element_from_filter(op.path.value_filter, known, op), sub: value})
            _check_values(key, elements, op)
            matched = [len(elements) - 1]
    else:
        if not isinstance(value, dict):
            raise _error("invalidValue", op.index, f'"{op.path.text}" selects whole values; send an object.')
        if matched:
            for i in matched:
                element = dict(elements[i])
                for name, item in value.items():
                    if item in _EMPTY:
                        element.pop(_key(element, name, None), None)
                    else:
                        element[_key(element, name, None)] = item
                elements[i] = element
        else:
            template = _element_from_filter(op.path.value_filter, known, op)
            elements.append({**template, **{k: v for k, v in value.items() if v not in _EMPTY}})
            _check_values(key, elements, op)
            matched = [len(elements) - 1]
    kept = [e for e in elements if e is not None]
    if op.op != "remove":
        _one_primary(kept, [elements[i] for i in matched if elements[i] is not None])
    if single:
        _store(holder, key, kept[0] if kept else {})
    else:
        _store(holder, key, kept)


def _value_key(element: Any) -> str | None:
    """What identifies a value of a multi-valued attribute: its "value", case-folded (None: it has none)."""
    if not isinstance(element, dict):
        return None
    name = _find(element, "value")
    if name is None:
        return None
    value = element[name]
    return value.casefold() if isinstance(value, str) else repr(value)


def _existing_value(elements: list[Any], item: Any, by_value: dict[str, list[int]]) -> int | None:
    """Where ``elements`` already holds ``item``: equal, or the same value (and type, when both have one).

    Values and types compare case-insensitively, like a remove-with-value (emails' value and
    type are caseExact false, RFC 7643 §4.1.2). ``by_value`` indexes ``elements`` by
    ``_value_key``, so a large add stays linear.
    """
    key = _value_key(item)
    if key is None:
        return elements.index(item) if item in elements else None
    candidates = by_value.get(key, [])
    for i in candidates:
        if elements[i] == item:
            return i
    item_type = _find(item, "type")
    for i in candidates:
        element = elements[i]
        element_type = _find(element, "type")
        if item_type is None or element_type is None or _same(element[element_type], item[item_type]):
            return i
    return None


def _check_values(key: str, elements: list[Any], op: Operation) -> None:
    """Refuse growing a multi-valued attribute past MAX_VALUES, as soon as it happens."""
    if op.limited and len(elements) > MAX_VALUES:
        raise _error(
            "invalidValue", op.index, f'"{key}" would hold more than {MAX_VALUES} values; a User holds at most that.'
        )


def _without(element: Any, sub: str | None, op: Operation) -> Any:
    """``element`` minus ``sub`` (remove-if-equal when the op carries a value); None if nothing meaningful is left."""
    if not isinstance(element, dict) or sub is None:
        return element
    name = _find(element, sub)
    if name is None:
        return element
    if op.op == "remove" and op.has_value and op.value not in _EMPTY and not _same(element[name], op.value):
        return element  # Entra's legacy remove with a value: only if it is still that value
    rest = {k: v for k, v in element.items() if k != name}
    # An email or phone without its value, or an address with only its type, is no value at all.
    if name.lower() == "value" or all(k.lower() in ("type", "primary", "display") for k in rest):
        return None
    return rest


def _element_from_filter(node: ast.Filter, known: Attribute | None, op: Operation) -> dict[str, Any]:
    """The new value an upsert creates: ``type eq "work" [and primary eq true]`` → {"type": "work", ...}."""
    element = _equalities(node, known)
    if element is None:
        raise _error(
            "noTarget",
            op.index,
            f'no value matches "{op.path.text}", and only filters made of "eq" joined by "and" can create one.',
        )
    return element


def _equalities(node: ast.Filter, known: Attribute | None) -> dict[str, Any] | None:
    if node.negated or node.namespace is not None:
        return None
    expr = node.expr
    if isinstance(expr, ast.Filter):
        return _equalities(expr, known)
    if isinstance(expr, ast.LogExpr):
        if expr.op.lower() != "and":
            return None
        left, right = _equalities(expr.expr1, known), _equalities(expr.expr2, known)
        return {**left, **right} if left is not None and right is not None else None
    path = expr.attr_path
    if expr.value.lower() != "eq" or not isinstance(path.attr_name, str) or path.sub_attr or path.uri:
        return None
    if expr.comp_value is None or expr.comp_value.value is None:
        return None
    return {_sub_name(known, path.attr_name): expr.comp_value.value}


def _matches(element: dict[str, Any], node: ast.Filter, index: int) -> bool:
    """Evaluate a value filter against one element in memory (RFC 7644 §3.4.2.2 operators)."""
    if node.namespace is not None:
        raise _error("invalidFilter", index, "value filters cannot be nested.")
    expr = node.expr
    if isinstance(expr, ast.Filter):
        result = _matches(element, expr, index)
    elif isinstance(expr, ast.LogExpr):
        left = _matches(element, expr.expr1, index)
        right = _matches(element, expr.expr2, index)
        result = (left and right) if expr.op.lower() == "and" else (left or right)
    else:
        result = _compare(element, expr, index)
    return not result if node.negated else result


def _compare(element: dict[str, Any], expr: ast.AttrExpr, index: int) -> bool:
    path = expr.attr_path
    if not isinstance(path.attr_name, str) or path.sub_attr is not None or path.uri is not None:
        raise _error("invalidFilter", index, "a value filter compares sub-attributes such as type or value.")
    name = _find(element, path.attr_name)
    actual = element.get(name) if name is not None else None
    op = expr.value.lower()
    if op == "pr":
        return actual not in (None, "", [], {})
    expected = expr.comp_value.value if expr.comp_value is not None else None
    if expected is None:
        absent = actual in (None, "")
        return {"eq": absent, "ne": not absent}.get(op, False)
    if isinstance(expected, bool) or isinstance(actual, bool):
        if op not in ("eq", "ne"):
            raise _error("invalidFilter", index, f'"{op}" cannot compare booleans; use eq or ne.')
        same = as_bool(actual) == as_bool(expected)
        return same if op == "eq" else not same
    if actual is None:
        return op == "ne"
    # type and value of emails, phones and addresses are caseExact false (RFC 7643 §4.1.2).
    a, e = str(actual).casefold(), str(expected).casefold()
    return {
        "eq": a == e,
        "ne": a != e,
        "co": e in a,
        "sw": a.startswith(e),
        "ew": a.endswith(e),
        "gt": a > e,
        "ge": a >= e,
        "lt": a < e,
        "le": a <= e,
    }[op]


def _same(current: Any, given: Any) -> bool:
    """Does ``given`` (from a remove-with-value) name ``current``? Values compare case-insensitively."""
    if isinstance(given, list) and len(given) == 1:
        given = given[0]
    if isinstance(given, dict):
        given_value = given.get(_find(given, "value") or "value")
        if given_value is not None:
            return _same(current, given_value)
        if not isinstance(current, dict):
            return False
        return all(_same(current.get(_find(current, k) or k), v) for k, v in given.items())
    if isinstance(current, dict):
        return _same(current.get(_find(current, "value") or "value"), given)
    if isinstance(current, str) and isinstance(given, str):
        return current.casefold() == given.casefold()
    return current == given


def _as_list(current: Any) -> list[Any]:
    if current is None:
        return []
    return list(current) if isinstance(current, list) else [current]


def _store(holder: dict[str, Any], key: str, value: Any) -> None:
    """Set, or drop the attribute when nothing is left (no nulls or empties in the resource)."""
    if value in (None, "", [], {}):
        holder.pop(key, None)
    else:
        holder[key] = value


def _one_primary(elements: list[Any], touched: list[Any]) -> None:
    """RFC 7643 §2.4: "primary" true appears at most once; the value just set wins."""
    if not any(isinstance(t, dict) and t.get("primary") is True for t in touched):
        return
    winner = next(t for t in touched if isinstance(t, dict) and t.get("primary") is True)
    for i, element in enumerate(elements):
        if isinstance(element, dict) and element is not winner and element.get("primary") is True:
            elements[i] = {**element, "primary": False}


def _extensions(resource: dict[str, Any]) -> set[str]:
    return {
        key.lower()
        for key, value in resource.items()
        if isinstance(key, str) and key.lower().startswith("urn:") and isinstance(value, dict) and value
    }


def _sync_schemas(resource: dict[str, Any], *, before: set[str]) -> None:
    """Drop emptied extension objects and list every extension present (RFC 7643 §3).

    A URN leaves ``schemas`` only when this patch removed that extension's object.
    """
    for key in [k for k in resource if isinstance(k, str) and k.lower().startswith("urn:")]:
        if isinstance(resource[key], dict) and not resource[key]:
            del resource[key]
    present = _extensions(resource)
    schemas = resource.get("schemas")
    schemas = list(schemas) if isinstance(schemas, list) else [CORE_USER]
    schemas = [s for s in schemas if not (isinstance(s, str) and s.lower() in before - present)]
    for key in resource:
        if (
            isinstance(key, str)
            and key.lower() in present
            and not any(isinstance(s, str) and s.lower() == key.lower() for s in schemas)
        ):
            schemas.append(key)
    resource["schemas"] = schemas
