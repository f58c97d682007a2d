"""SCIM filter expressions (RFC 7644 §3.4.2.2) translated into Django ``Q`` objects over Member.

Pure: a filter string becomes a ``Q``; nothing here touches the database or decides the
tenant. The caller ANDs the result with ``organization=...``::

    Member.objects.filter(organization=org).filter(filter_to_q('userName eq "a@b.example"'))

The grammar is the maintained ``scim2-filter-parser`` library's. Three gaps in its 0.7.0
release are closed around it, without writing a grammar of our own:

* its lexer reads ``"..."`` with no backslash escapes, so quoted values are decoded as JSON
  strings first (RFC 7644 §3.4.2.2: compValue is a JSON value);
* unquoted values (Microsoft's legacy tutorial: ``externalId eq jyoung``) are tolerated;
* its precedence table puts ``and`` and ``or`` on one level, so ``a or b and c`` parses as
  ``(a or b) and c``; the tree is regrouped so ``and`` binds tighter, as the RFC requires.

Its own Django transpiler is not used: it silently drops unknown attributes, which would
turn a filter we cannot honour into "every member" (Entra then links the wrong person).

One module, though long: it is one translation over one tree. The three fixes above rewrite
the library's tree that the translation then walks, and each attribute's ``Q`` (text, email,
manager, dates, booleans) is a case of that walk; apart, each half would be read only
through the other.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from typing import Any

from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.functions import Lower
from django.utils.dateparse import parse_datetime
from scim2_filter_parser import ast
from scim2_filter_parser.lexer import SCIMLexer
from scim2_filter_parser.parser import SCIMParser

from organizations.models import MemberEmail
from scim import attributes
from scim.attributes import CORE_USER, ENTERPRISE_USER, as_bool

__all__ = ["SORTABLE", "FilterError", "filter_to_q", "parse_filter", "sort_field"]


class FilterError(ValueError):
    """A filter (or sortBy) the server cannot honour: answer 400 ``invalidFilter`` (RFC 7644 §3.4.2.2)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


# --------------------------------------------------------------------------------------------
# Parsing: the library's grammar, with typed comparison values and RFC precedence.
# --------------------------------------------------------------------------------------------

_COMPARE_OPS = ("eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le")
# A value with no quotes straight after a comparison operator (Microsoft's legacy tutorial
# sends `externalId eq jyoung`). JSON literals true/false/null stay literals.
_BARE_VALUE = re.compile(
    r"(?i)(?<=\s)(eq|ne|co|sw|ew|gt|ge|lt|le)(\s+)"  # the operator (any case, as the lexer allows)
    r"(?!\"|(?-i:true|false|null)(?![^\s()\[\]]))"  # not already quoted, not a JSON literal
    r"([^\s()\[\]\"]+)"  # the bare value, up to a space, bracket or parenthesis
)
_JSON = json.JSONDecoder(strict=False)

# Entra sends at most two terms (`id eq "…" and manager eq "…"`); 240 ANDed email terms took
# PostgreSQL 30 s to plan. Length is checked before parsing, terms and nesting on the tree.
MAX_FILTER_LENGTH = 2_000  # characters
MAX_FILTER_TERMS = 20  # comparisons (`attr op value` or `attr pr`)
MAX_FILTER_DEPTH = 8  # parentheses, `not (…)` and value-path brackets inside one another
_SURROGATE = re.compile("[\ud800-\udfff]")


def parse_filter(expression: str) -> ast.Filter:
    """Parse a filter (or, via ``f"{path} pr"``, a PATCH path) into the library's AST.

    Every ``CompValue.value`` of the result is a Python value: ``str``, ``bool`` or ``None``
    (numbers are kept as their text; no attribute we filter on is numeric). ``and`` binds
    tighter than ``or`` (RFC 7644 §3.4.2.2, order of operations). Raises FilterError.
    """
    if not isinstance(expression, str) or not expression.strip():
        raise FilterError('The filter is empty; send an expression such as userName eq "alice@example.com".')
    if len(expression) > MAX_FILTER_LENGTH:
        raise FilterError(
            f"The filter is {len(expression)} characters long; Preciate accepts filters of at most "
            f"{MAX_FILTER_LENGTH} characters and {MAX_FILTER_TERMS} terms."
        )
    if _SURROGATE.search(expression):
        raise FilterError(_LONE_SURROGATE)
    values: list[str] = []
    text = _quote_bare_values(_extract_strings(expression, values), values)
    if any(_SURROGATE.search(value) for value in values):
        raise FilterError(_LONE_SURROGATE)
    try:
        template = _parse_template(text)
    except _Unparseable:
        raise FilterError(f"Cannot parse filter {_shown(expression)}; check quotes, brackets and operators.") from None
    return _bind(template, values)


class _Unparseable(Exception):
    pass


@functools.lru_cache(maxsize=1024)
def _parse_template(text: str) -> ast.Filter:
    """Parse a filter whose values are placeholders (``userName eq "v0"``), once per distinct text.

    Entra's look-ups differ only in their values, so their templates repeat across requests.
    The tree returned is shared by every later caller: ``_bind`` copies, nothing mutates it.
    """
    try:
        tree = SCIMParser().parse(SCIMLexer().tokenize(text))
    except Exception as exc:  # the library raises ValueError, its SCIMParserError, or sly errors
        raise _Unparseable from exc
    if not isinstance(tree, ast.Filter):
        raise _Unparseable
    _check_size(tree)
    return _regroup(tree)


_LONE_SURROGATE = (
    "The filter contains a lone UTF-16 surrogate (an escape such as \\ud800 without its pair), "
    "which is not a Unicode character; no value can match it."
)


def _shown(expression: str) -> str:
    return repr(expression) if len(expression) <= 200 else repr(expression[:200]) + "..."


def _check_size(tree: ast.Filter) -> None:
    """Refuse a tree of more than MAX_FILTER_TERMS terms or MAX_FILTER_DEPTH groups deep.

    Iterative, and run before anything recursive walks the tree (a thousand nested groups
    would exhaust Python's recursion limit).
    """
    terms = 0
    stack: list[tuple[object, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, ast.Filter):
            # The library wraps each group, `not (…)` and value path in one more Filter.
            nested = depth + isinstance(node.expr, ast.Filter)
            if nested > MAX_FILTER_DEPTH:
                raise FilterError(
                    f"The filter nests groups more than {MAX_FILTER_DEPTH} levels deep; Preciate accepts at most "
                    f"{MAX_FILTER_DEPTH} (parentheses, not (...) and value-path brackets)."
                )
            stack.append((node.expr, nested))
        elif isinstance(node, ast.LogExpr):
            stack.extend([(node.expr1, depth), (node.expr2, depth)])
        elif isinstance(node, ast.AttrExpr):
            terms += 1
            if terms > MAX_FILTER_TERMS:
                raise FilterError(
                    f"The filter has more than {MAX_FILTER_TERMS} terms; Preciate accepts at most "
                    f"{MAX_FILTER_TERMS} comparisons in one filter."
                )
            if isinstance(node.attr_path.attr_name, ast.Filter):
                stack.append((node.attr_path.attr_name, depth))


def _extract_strings(expression: str, values: list[str]) -> str:
    """Replace each quoted value by a placeholder ``"vN"``, decoding it as a JSON string."""
    out: list[str] = []
    i = 0
    while i < len(expression):
        quote = expression.find('"', i)
        if quote < 0:
            out.append(expression[i:])
            break
        out.append(expression[i:quote])
        try:
            value, end = _JSON.raw_decode(expression, quote)
        except ValueError:
            # Not valid JSON (e.g. a lone backslash in `DOMAIN\user`): take it literally up to
            # the next quote, as the library itself would.
            close = expression.find('"', quote + 1)
            if close < 0:
                raise FilterError(f"Unterminated quoted value in filter {expression!r}.") from None
            value, end = expression[quote + 1 : close], close + 1
        out.append(f'"v{len(values)}"')
        values.append(value)
        i = end
    return "".join(out)


def _quote_bare_values(text: str, values: list[str]) -> str:
    def placeholder(match: re.Match[str]) -> str:
        values.append(match.group(3))
        return f'{match.group(1)}{match.group(2)}"v{len(values) - 1}"'

    return _BARE_VALUE.sub(placeholder, text)


def _bind(node: Any, values: list[str]) -> Any:
    """A copy of a template tree with each placeholder replaced by its value, typed (JSON literals too)."""
    if isinstance(node, ast.Filter):
        namespace = _bind(node.namespace, values) if node.namespace is not None else None
        return ast.Filter(_bind(node.expr, values), node.negated, namespace)
    if isinstance(node, ast.LogExpr):
        return ast.LogExpr(node.op, _bind(node.expr1, values), _bind(node.expr2, values))
    if isinstance(node, ast.AttrExpr):
        comp_value = None
        if node.comp_value is not None:
            raw = node.comp_value.value
            if raw.startswith("v") and raw[1:].isdigit():
                comp_value = ast.CompValue(values[int(raw[1:])])
            else:
                comp_value = ast.CompValue({"true": True, "false": False, "null": None}.get(raw, raw))
        return ast.AttrExpr(node.value, _bind(node.attr_path, values), comp_value)
    if isinstance(node, ast.AttrPath) and isinstance(node.attr_name, ast.Filter):
        return ast.AttrPath(_bind(node.attr_name, values), node.sub_attr, node.uri)
    return node  # an AttrPath naming an attribute: no values, shared as it is


def _is_chain(node: ast.Filter) -> bool:
    """An unparenthesised and/or (the library wraps parenthesised groups in one more Filter)."""
    return isinstance(node.expr, ast.LogExpr) and not node.negated and node.namespace is None


def _regroup(node: ast.Filter) -> ast.Filter:
    if _is_chain(node):
        operands: list[ast.Filter] = []
        ops: list[str] = []
        _flatten(node, operands, ops)
        groups: list[list[ast.Filter]] = [[operands[0]]]
        for op, operand in zip(ops, operands[1:], strict=True):
            if op == "and":
                groups[-1].append(operand)
            else:
                groups.append([operand])
        ands = [reduce(lambda a, b: ast.Filter(ast.LogExpr("and", a, b), False, None), group) for group in groups]
        return reduce(lambda a, b: ast.Filter(ast.LogExpr("or", a, b), False, None), ands)
    if isinstance(node.expr, ast.Filter):
        return ast.Filter(_regroup(node.expr), node.negated, node.namespace)
    if isinstance(node.expr, ast.AttrExpr) and isinstance(node.expr.attr_path.attr_name, ast.Filter):
        node.expr.attr_path.attr_name = _regroup(node.expr.attr_path.attr_name)
    return node


def _flatten(node: ast.Filter, operands: list[ast.Filter], ops: list[str]) -> None:
    if _is_chain(node):
        _flatten(node.expr.expr1, operands, ops)
        ops.append(node.expr.op.lower())
        _flatten(node.expr.expr2, operands, ops)
    else:
        operands.append(_regroup(node))


# --------------------------------------------------------------------------------------------
# Attributes we can filter on, and how each one compares (RFC 7643 §4.1, §4.3 caseExact).
# --------------------------------------------------------------------------------------------

# Explicit always-false/always-true conditions (an empty Q() cannot be negated into "nothing").
_NOTHING = Q(pk__isnull=True)
_EVERYTHING = Q(pk__isnull=False)


@dataclass(frozen=True)
class _Attribute:
    name: str  # as the SCIM schema spells it, for error messages
    kind: str  # text_ci | text_exact | uuid | bool | datetime
    field: str = ""
    # Sub-attributes of a multi-valued attribute are fields of its element rows.
    element: str | None = None
    nullable: bool = False  # reached through a nullable foreign key


def _filterable() -> dict[tuple[str | None, str], _Attribute]:
    """Each filterable attribute of scim/attributes.py by (schema, lowered dotted name).

    A multi-valued or reference attribute named without a sub-attribute means its "value".
    """
    found: dict[tuple[str | None, str], _Attribute] = {}
    for schema, rows in attributes.SCHEMAS.items():
        for a in rows:
            for s in (None, *a.sub_attributes):
                target = s or a
                if target.filter is None:
                    continue
                name = f"{a.name}.{s.name}" if s is not None else a.name
                kind = target.filter
                if kind == "text":
                    kind = "text_exact" if target.case_exact else "text_ci"
                found[schema, name.lower()] = _Attribute(
                    name, kind, target.filter_field or target.field or "", target.element, target.nullable
                )
                if s is not None and s.name == "value" and a.filter is None:
                    found[schema, a.name.lower()] = found[schema, name.lower()]
    return found


_FILTERABLE_BY_NAME = _filterable()


def _emails_exist(q: Q) -> Q:
    """Members having an email row that satisfies ``q`` (RFC 7644 §3.4.2.2 multi-valued match)."""
    rows = MemberEmail.objects.filter(member=OuterRef("pk"), organization=OuterRef("organization"))
    return Q(Exists(rows.filter(q)))


# Value paths (`emails[...]`) open these element tables.
_ELEMENTS = {"emails": _emails_exist}

_FILTERABLE = (
    ", ".join(a.name for (schema, key), a in _FILTERABLE_BY_NAME.items() if schema is None and key == a.name.lower())
    + f", and {ENTERPRISE_USER}:"
    + ", ".join(
        key if key != a.name.lower() else a.name
        for (schema, key), a in _FILTERABLE_BY_NAME.items()
        if schema == ENTERPRISE_USER and "." not in key
    )
    + " (also without the URN)"
)


def _resolve(uri: str | None, parts: list[str], as_sent: str) -> _Attribute:
    """Find the attribute a filter names; attribute names and URNs are case-insensitive (RFC 7643 §2.1)."""
    unknown = FilterError(f'Unknown attribute "{as_sent}" in filter; filterable attributes are {_FILTERABLE}.')
    if len(parts) > 2:
        raise unknown
    name, sub = parts[0], (parts[1] if len(parts) > 1 else None)
    schemas: tuple[str | None, ...]
    if uri is None:
        # Entra's legacy read `id eq "…" and manager eq "…"` names manager without its URN.
        schemas = (None, ENTERPRISE_USER)
    else:
        schema, name, sub = attributes.locate(uri, name, sub)
        if schema not in (None, ENTERPRISE_USER):
            shown = f"{uri}:{parts[0]}" if len(parts) > 1 else uri
            raise FilterError(f'Unknown schema "{shown.lower()}" in filter; filterable attributes are {_FILTERABLE}.')
        schemas = (schema,)
    key = f"{name}.{sub}".lower() if sub is not None else name.lower()
    for schema in schemas:
        if (schema, key) in _FILTERABLE_BY_NAME:
            return _FILTERABLE_BY_NAME[schema, key]
    if any(attributes.attribute(schema, name) is not None for schema in schemas):
        # Listed in /Schemas and kept as sent, but with no column of its own to search.
        raise FilterError(
            f'Preciate stores "{as_sent}" as sent but cannot filter on it; filterable attributes are {_FILTERABLE}.'
        )
    raise unknown


def _path_parts(path: ast.AttrPath) -> list[str]:
    return [path.attr_name] + ([path.sub_attr.value] if path.sub_attr is not None else [])


# --------------------------------------------------------------------------------------------
# Translation.
# --------------------------------------------------------------------------------------------


def filter_to_q(expression: str) -> Q:
    """Translate a SCIM filter (RFC 7644 §3.4.2.2) into a ``Q`` over Member.

    Every operator (eq ne co sw ew pr gt ge lt le), and/or/not, grouping and value paths
    (``emails[type eq "work"].value``) are supported on the attributes listed in
    ``FilterError`` messages. A value that matches nobody (Entra's Test Connection sends a
    random GUID as userName) gives an empty match, never an error. Unparseable input, an
    unknown attribute or an operator the attribute's type forbids raises FilterError.
    """
    return _filter(parse_filter(expression), namespace=None)


@dataclass(frozen=True)
class Equality:
    """A filter that is one ``attribute eq "value"`` on a single-valued attribute: Entra's look-up."""

    attribute: _Attribute
    value: str | uuid.UUID

    def q(self, value: str | uuid.UUID) -> Q:
        """The condition for ``value`` in place of this one's: what ``filter_to_q`` gives for it."""
        return _condition(self.attribute, "eq", str(value), in_element=False)


def equality(expression: str) -> Equality | None:
    """The attribute and value when ``expression`` is one equality of a string, else None.

    Entra looks every user up by ``userName eq "…"`` (or another matching attribute) before
    creating or updating them; the SQL of such a look-up is the same for every value, so
    the view runs it prepared (organizations/prepared.py). Any other filter, and values the
    translation treats apart (U+0000, text that is not an id), give None.
    """
    node = parse_filter(expression)
    expr = node.expr
    if node.negated or node.namespace is not None or not isinstance(expr, ast.AttrExpr) or expr.value.lower() != "eq":
        return None
    path = expr.attr_path
    value = _comp(expr)
    if isinstance(path.attr_name, ast.Filter) or not isinstance(value, str) or "\x00" in value:
        return None
    attribute = _resolve(path.uri, _path_parts(path), _display(path))
    if attribute.element is not None or attribute.kind not in ("text_ci", "text_exact", "uuid"):
        return None
    if attribute.kind == "uuid":
        try:
            return Equality(attribute, uuid.UUID(value))
        except ValueError:
            return None
    return Equality(attribute, value)


def _filter(node: ast.Filter, namespace: ast.AttrPath | None) -> Q:
    if node.namespace is not None:
        if namespace is not None:
            raise FilterError("Value paths cannot be nested inside another value path's brackets.")
        q = _value_path(node.expr, node.namespace)
    elif isinstance(node.expr, ast.Filter):
        q = _filter(node.expr, namespace)
    elif isinstance(node.expr, ast.LogExpr):
        left, right = _filter(node.expr.expr1, namespace), _filter(node.expr.expr2, namespace)
        q = left & right if node.expr.op.lower() == "and" else left | right
    else:
        q = _compare(node.expr, namespace)
    return ~q if node.negated else q


def _value_path(inner: ast.Filter, namespace: ast.AttrPath) -> Q:
    """``emails[type eq "work" and value co "@x"]`` (RFC 7644 §3.4.2.2, complex attribute filter)."""
    return _within(namespace, _filter(inner, namespace))


def _within(namespace: ast.AttrPath, element_q: Q) -> Q:
    """Wrap conditions on one element (``emails[...]``) so they hold for the same element."""
    core = namespace.uri is None or namespace.uri.lower() == CORE_USER.lower()
    wrap = _ELEMENTS.get(str(namespace.attr_name).lower()) if core else None
    return wrap(element_q) if wrap else element_q


def _compare(expr: ast.AttrExpr, namespace: ast.AttrPath | None) -> Q:
    path = expr.attr_path
    if isinstance(path.attr_name, ast.Filter):
        # `emails[type eq "work"].value eq "x"`: the library moves ".value" onto the bracket's
        # namespace. Entra sends this when the work email is a matching attribute.
        value_path = path.attr_name
        outer = value_path.namespace
        namespace = ast.AttrPath(outer.attr_name, None, outer.uri)
        element = _filter(value_path.expr, namespace)
        attribute = _resolve(outer.uri, _path_parts(outer), _display(outer))
        return _within(namespace, element & _condition(attribute, expr.value.lower(), _comp(expr), in_element=True))
    if namespace is not None:
        if path.uri is not None:
            raise FilterError("Attributes inside a value path's brackets cannot carry a schema URN.")
        attribute = _resolve(namespace.uri, _path_parts(namespace) + _path_parts(path), _display(namespace, path))
        return _condition(attribute, expr.value.lower(), _comp(expr), in_element=True)
    attribute = _resolve(path.uri, _path_parts(path), _display(path))
    return _condition(attribute, expr.value.lower(), _comp(expr), in_element=False)


def _comp(expr: ast.AttrExpr) -> str | bool | None:
    return expr.comp_value.value if expr.comp_value is not None else None


def _display(*paths: ast.AttrPath) -> str:
    names = []
    for path in paths:
        names.extend(_path_parts(path))
    prefix = f"{paths[0].uri}:" if paths[0].uri else ""
    return prefix + ".".join(str(n) for n in names)


def _condition(attribute: _Attribute, op: str, value: str | bool | None, *, in_element: bool) -> Q:
    if attribute.element is not None and not in_element and value is None and op == "eq":
        # `emails eq null`: no email at all.
        return ~_ELEMENTS[attribute.element](_EVERYTHING)
    q = _HANDLERS[attribute.kind](attribute, op, value)
    # A multi-valued attribute matches if one of its values does (RFC 7644 §3.4.2.2);
    # inside brackets the value path wraps the whole element condition instead.
    if attribute.element is not None and not in_element:
        return _ELEMENTS[attribute.element](q)
    return q


def _unsupported(attribute: _Attribute, op: str, what: str, allowed: str) -> FilterError:
    return FilterError(f'Operator "{op}" is not supported on "{attribute.name}" ({what}); use {allowed}.')


def _text(attribute: _Attribute, op: str, value: str | bool | None) -> Q:
    field = attribute.field
    present = ~Q(**{field: ""})
    if attribute.nullable:
        present = Q(**{f"{field}__isnull": False}) & present
    if op == "pr":
        return present
    if value is None:
        # `title eq null` asks for "no value"; `ne null` for "has a value".
        if op == "eq":
            return ~present
        if op == "ne":
            return present
        raise FilterError(f'"{attribute.name}" cannot be compared with null using "{op}".')
    if isinstance(value, bool):
        raise FilterError(f'"{attribute.name}" is a string; compare it with a quoted value, not {str(value).lower()}.')
    if "\x00" in value:
        # No stored value holds U+0000 (PostgreSQL text cannot), and sending it would fail.
        return present if op == "ne" else _NOTHING
    ci = attribute.kind == "text_ci"
    if op in ("eq", "ne"):
        # Folded on both sides by the database (organizations/lookups.py), so the
        # (organization, lower(...)) indexes are used and the folding is the unique constraint's.
        q = Q(**{f"{field}__ci": value}) if ci else Q(**{field: value})
        return q if op == "eq" else ~q
    if op in ("co", "sw", "ew"):
        lookup = {"co": "contains", "sw": "startswith", "ew": "endswith"}[op]
        return Q(**{f"{field}__{'ci_' if ci else ''}{lookup}": value})
    lookup = {"gt": "gt", "ge": "gte", "lt": "lt", "le": "lte"}[op]
    if ci:
        return Q(**{f"{field}__lower__{lookup}": Lower(Value(value))})
    return Q(**{f"{field}__{lookup}": value})


def _uuid(attribute: _Attribute, op: str, value: str | bool | None) -> Q:
    field = attribute.field
    if op == "pr" or (value is None and op in ("eq", "ne")):
        present = Q(**{f"{field}__isnull": False}) if attribute.nullable else _EVERYTHING
        return present if (op == "pr" or op == "ne") else ~present
    if not isinstance(value, str):
        raise FilterError(f'"{attribute.name}" is an id; compare it with a quoted value.')
    if "\x00" in value:
        # No id holds U+0000, and PostgreSQL cannot take it in a pattern.
        return _EVERYTHING if op == "ne" else _NOTHING
    if op in ("eq", "ne"):
        try:
            q = Q(**{field: uuid.UUID(value)})
        except ValueError:
            # Not one of our ids, so nobody has it (Entra's Test Connection probes with
            # random strings): an empty match, not an error.
            q = _NOTHING
        return q if op == "eq" else ~q
    if op in ("co", "sw", "ew"):
        lookup = {"co": "icontains", "sw": "istartswith", "ew": "iendswith"}[op]
        return Q(**{f"{field}__{lookup}": value})
    raise _unsupported(attribute, op, "an id", "eq, ne, co, sw, ew or pr")


def _bool(attribute: _Attribute, op: str, value: str | bool | None) -> Q:
    if op == "pr":
        return _EVERYTHING
    if op not in ("eq", "ne"):
        # RFC 7644 §3.4.2.2: gt/ge/lt/le on a Boolean SHALL fail with invalidFilter.
        raise _unsupported(attribute, op, "a boolean", "eq, ne or pr")
    flag = as_bool(value)
    if flag is None:
        raise FilterError(f'"{attribute.name}" is a boolean; compare it with true or false.')
    q = Q(**{attribute.field: flag})
    return q if op == "eq" else ~q


_FRACTION = re.compile(r"\d:\d\d[.,]\d")


def _datetime(attribute: _Attribute, op: str, value: str | bool | None) -> Q:
    field = attribute.field
    if op == "pr":
        return _EVERYTHING
    if op in ("co", "sw", "ew"):
        raise _unsupported(attribute, op, "a date-time", "eq, ne, gt, ge, lt, le or pr")
    moment = _parse_moment(attribute, value)
    # We render timestamps to the second, so a value without fractional seconds means that
    # whole second: `eq 09:12:03Z` matches 09:12:03.42 and `gt 09:12:03Z` does not.
    step = dt.timedelta(microseconds=1) if _FRACTION.search(str(value)) else dt.timedelta(seconds=1)
    try:
        moment = moment.astimezone(dt.UTC)  # what the database compares with
        after = moment + step
    except OverflowError:
        raise FilterError(
            f'"{attribute.name}" must be compared with a date-time between the years 0001 and 9999 in UTC, '
            f"not {str(value)[:40]!r}."
        ) from None
    conditions = {
        "eq": Q(**{f"{field}__gte": moment, f"{field}__lt": after}),
        "gt": Q(**{f"{field}__gte": after}),
        "ge": Q(**{f"{field}__gte": moment}),
        "lt": Q(**{f"{field}__lt": moment}),
        "le": Q(**{f"{field}__lt": after}),
    }
    if op == "ne":
        return ~conditions["eq"]
    return conditions[op]


def _parse_moment(attribute: _Attribute, value: str | bool | None) -> dt.datetime:
    moment = None
    if isinstance(value, str):
        try:
            moment = parse_datetime(value.strip())
        except ValueError:
            moment = None
    if moment is None:
        raise FilterError(
            f'"{attribute.name}" is a date-time; compare it with an ISO 8601 value such as "2025-01-14T09:12:03Z".'
        )
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


_HANDLERS: dict[str, Callable[[_Attribute, str, str | bool | None], Q]] = {
    "text_ci": _text,
    "text_exact": _text,
    "uuid": _uuid,
    "bool": _bool,
    "datetime": _datetime,
}


# --------------------------------------------------------------------------------------------
# Sorting (RFC 7644 §3.4.2.3).
# --------------------------------------------------------------------------------------------


def _sortable() -> dict[str, str]:
    """``sortBy`` names of scim/attributes.py's core attributes; "emails" alone sorts by its value."""
    found: dict[str, str] = {}
    for a in attributes.USER:
        for s in (None, *a.sub_attributes):
            target = s or a
            if target.sort_field is not None:
                found[f"{a.name}.{s.name}" if s is not None else a.name] = target.sort_field
                if s is not None and s.name == "value" and a.sort_field is None:
                    found[a.name] = target.sort_field
    return found


SORTABLE: dict[str, str] = _sortable()
_SORTABLE_CI = {name.lower(): field for name, field in SORTABLE.items()}


def sort_field(attr: str) -> str:
    """The ORM field for a ``sortBy`` attribute (RFC 7644 §3.4.2.3); names are case-insensitive.

    A core-URN prefix is allowed. Raises FilterError (a ValueError) for anything else.
    """
    key = attr.strip().lower()
    prefix = CORE_USER.lower() + ":"
    if key.startswith(prefix):
        key = key[len(prefix) :]
    if key in _SORTABLE_CI:
        return _SORTABLE_CI[key]
    raise FilterError(f'Cannot sort by "{attr}"; sortable attributes are {", ".join(SORTABLE)}.')
