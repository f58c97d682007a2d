"""SCIM Groups (RFC 7643 §4.2) as Preciate teams: the resource ⇄ team translation, PATCH, filters.

Two layers, kept apart as for Users:

* Pure (no database): ``read_group`` reads a POST or PUT body, ``read_patch`` turns a
  PatchOp into one ``GroupChange`` (the new name and externalId, and which members to add,
  remove, or the whole new set), and ``group_filter`` turns a filter into a ``Q`` over
  Team. Client quirks are absorbed here, each written up in docs/protocol.md#groups and
  the sections after it: ops in any case (Entra), Entra's remove-with-value (remove *those*), a bare-string
  or path-less displayName, Okta's path-less ``{"id", "displayName"}`` replace that names no
  members and so leaves them alone, ``Add externalId``, unknown operation and member keys.
* Reads: ``to_group`` renders a team, members only when asked for (``members_of``, one
  query for a whole page); ``groups_by_member`` lists each User's groups; ``resolve_members``
  turns the ids a request names into people with one IN query scoped to the organization.

Nothing here writes: every write is a function of organizations/teams.py, called by the view
inside its transaction.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet, TextField
from django.db.models.expressions import RawSQL
from scim2_filter_parser import ast

from organizations.models import Member, Organization, Team, TeamMembership
from organizations.prepared import Prepared
from scim.attributes import CORE_GROUP, PathError, group_attribute, parse_path
from scim.filters import FilterError, parse_filter
from scim.patch import MAX_OPERATIONS, OpName, PatchError, read_envelope, read_operation, unstorable

__all__ = [
    "CORE_GROUP",
    "GroupChange",
    "GroupValues",
    "MemberChange",
    "etag",
    "group_filter",
    "groups_by_member",
    "members_of",
    "read_group",
    "read_patch",
    "resolve_members",
    "to_group",
    "wants_members",
]

# Member values one request may name, in all its operations. A PATCH of Entra's batches is far
# below (docs/protocol.md#group-member-batches); Okta's PUT of a whole group is bounded by
# the 1 MiB body anyway (about 20,000 ids). Each id is resolved in one IN query.
MAX_MEMBER_VALUES = 20_000
_NAME_LENGTH: int = Team._meta.get_field("name").max_length or 200
_EXTERNAL_ID_LENGTH: int = Team._meta.get_field("external_id").max_length or 255
# Keys of a Group body Preciate computes or models; anything else is kept in scim_data as sent.
_KNOWN_KEYS = frozenset({"schemas", "id", "meta", "displayname", "externalid", "members"})


def _error(scim_type: str, index: int, detail: str) -> PatchError:
    return PatchError(scim_type, f"Operation {index}: {detail}" if index else detail)


# --------------------------------------------------------------------------------------------
# Member values: [{"value": id, "display"?, "$ref"?, "type"?}, ...] as Entra and Okta send them.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _MemberValues:
    ids: tuple[uuid.UUID, ...]
    invalid: tuple[str, ...]  # values that are no id of ours at all (not a UUID)


def _member_values(value: Any, *, index: int, where: str) -> _MemberValues:
    """The member ids a value names; unknown keys ("display", "displayName", "$ref": null) are ignored.

    A bare id or a single object is read as a list of one. An element without "value" is
    refused: it names nobody, and keeping it would store a member that is no one.
    """
    if value is None:
        return _MemberValues((), ())
    items = value if isinstance(value, list) else [value]
    ids: dict[uuid.UUID, None] = {}
    invalid: list[str] = []
    for item in items:
        raw = item
        if isinstance(item, dict):
            key = next((k for k in item if isinstance(k, str) and k.lower() == "value"), None)
            raw = item.get(key) if key is not None else None
        if not isinstance(raw, str) or not raw.strip():
            raise _error(
                "invalidValue",
                index,
                f'each value of "{where}" must be an object with "value", the id of a User of this organization.',
            )
        try:
            ids[uuid.UUID(raw.strip())] = None
        except ValueError:
            invalid.append(raw[:100])
    return _MemberValues(tuple(ids), tuple(invalid))


# --------------------------------------------------------------------------------------------
# A POST or PUT body.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupValues:
    """What a POST or PUT body says the group is; ``members`` None when the body has no members key."""

    display_name: str
    external_id: str
    members: tuple[uuid.UUID, ...] | None
    invalid: tuple[str, ...]
    extras: dict[str, Any]


def _lookup(body: Mapping[str, Any], name: str) -> tuple[bool, Any]:
    """(present, value) of attribute ``name`` in any case, optionally qualified by the Group URN."""
    qualified = f"{CORE_GROUP}:{name}".lower()
    for key, value in body.items():
        if isinstance(key, str) and key.lower() in (name.lower(), qualified):
            return True, value
    return False, None


def _display_name(value: Any, *, index: int = 0) -> str:
    if isinstance(value, dict):
        # A value object {"displayName": "..."} where a string was expected.
        _present, value = _lookup(value, "displayName")
    if not isinstance(value, str) or not value.strip():
        raise _error("invalidValue", index, "displayName is required: the group's name, a non-empty string.")
    if len(value.strip()) > _NAME_LENGTH:
        raise _error("invalidValue", index, f"displayName is longer than {_NAME_LENGTH} characters.")
    return value.strip()


def _external_id(value: Any, *, index: int = 0) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _error("invalidValue", index, "externalId must be a string.")
    if len(value) > _EXTERNAL_ID_LENGTH:
        raise _error("invalidValue", index, f"externalId is longer than {_EXTERNAL_ID_LENGTH} characters.")
    return value  # client-owned and case-exact (RFC 7643 §3.1): kept byte for byte


def read_group(body: Any) -> GroupValues:
    """Read a Group POST or PUT body (RFC 7643 §4.2); raise PatchError (400).

    Extra schema URNs (Entra sends its private ADSCIM one) and a client ``meta`` are
    accepted and ignored; ``members`` may be absent, ``[]`` or filled. Attributes Preciate
    does not model are kept in ``extras`` as sent.
    """
    if not isinstance(body, dict):
        raise PatchError("invalidSyntax", "The request body must be a JSON object describing a Group.")
    _present, name = _lookup(body, "displayName")
    has_members, members = _lookup(body, "members")
    _present, external_id = _lookup(body, "externalId")
    values = _member_values(members, index=0, where="members") if has_members else None
    if values is not None and len(values.ids) + len(values.invalid) > MAX_MEMBER_VALUES:
        raise _too_many(len(values.ids) + len(values.invalid))
    extras = {
        k: v
        for k, v in body.items()
        if isinstance(k, str)
        and k.lower() not in _KNOWN_KEYS
        and not k.lower().startswith(CORE_GROUP.lower() + ":")
        and not k.lower().startswith("urn:")
    }
    # Kept as sent, so held to what a User's attributes are: storable as JSON (U+0000 is not).
    problem = unstorable(extras)
    if problem is not None:
        raise PatchError("invalidValue", f"The Group {problem}.")
    return GroupValues(
        display_name=_display_name(name),
        external_id=_external_id(external_id),
        members=values.ids if values is not None else None,
        invalid=values.invalid if values is not None else (),
        extras=extras,
    )


def _too_many(count: int) -> PatchError:
    return PatchError(
        "tooMany",
        f"The request names {count} members; Preciate accepts at most {MAX_MEMBER_VALUES} in one request. "
        "Send the members in several PATCH requests.",
    )


# --------------------------------------------------------------------------------------------
# PATCH (RFC 7644 §3.5.2) of a Group.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberChange:
    """What a request does to membership: ``whole`` is the new set (a replace); else add and remove."""

    whole: tuple[uuid.UUID, ...] | None = None
    add: tuple[uuid.UUID, ...] = ()
    remove: tuple[uuid.UUID, ...] = ()

    @property
    def empty(self) -> bool:
        return self.whole is None and not self.add and not self.remove


@dataclass(frozen=True)
class GroupChange:
    """A PatchOp read into what changes; None: unchanged. ``named`` must all be people of the organization."""

    display_name: str | None = None
    external_id: str | None = None  # "" clears it
    members: MemberChange = field(default_factory=MemberChange)
    named: tuple[uuid.UUID, ...] = ()  # ids the request adds or sets: each must resolve
    invalid: tuple[str, ...] = ()  # values of adds and sets that are no id at all


class _Membership:
    """Membership ops in order, without the current set: a delta until a replace names the whole set."""

    def __init__(self) -> None:
        self.whole: dict[uuid.UUID, None] | None = None
        self.add: dict[uuid.UUID, None] = {}
        self.remove: dict[uuid.UUID, None] = {}

    def added(self, ids: Iterable[uuid.UUID]) -> None:
        for i in ids:
            if self.whole is not None:
                self.whole[i] = None
            else:
                self.add[i] = None
                self.remove.pop(i, None)

    def removed(self, ids: Iterable[uuid.UUID]) -> None:
        for i in ids:
            if self.whole is not None:
                self.whole.pop(i, None)
            else:
                self.add.pop(i, None)
                self.remove[i] = None

    def replaced(self, ids: Iterable[uuid.UUID]) -> None:
        self.whole = dict.fromkeys(ids)
        self.add.clear()
        self.remove.clear()

    def change(self) -> MemberChange:
        if self.whole is not None:
            return MemberChange(whole=tuple(self.whole))
        return MemberChange(add=tuple(self.add), remove=tuple(self.remove))


def _filtered_ids(node: ast.Filter, *, index: int, text: str) -> list[str]:
    """The ids of ``members[value eq "a" or value eq "b"]``; any other filter is refused."""
    refused = _error(
        "invalidFilter",
        index,
        f'"{text}" is not supported; select members by id: members[value eq "<id of a User>"].',
    )
    if node.negated or node.namespace is not None:
        raise refused
    expr = node.expr
    if isinstance(expr, ast.Filter):
        return _filtered_ids(expr, index=index, text=text)
    if isinstance(expr, ast.LogExpr):
        if expr.op.lower() != "or":
            raise refused
        return _filtered_ids(expr.expr1, index=index, text=text) + _filtered_ids(expr.expr2, index=index, text=text)
    path = expr.attr_path
    if (
        expr.value.lower() != "eq"
        or path.uri is not None
        or path.sub_attr is not None
        or not isinstance(path.attr_name, str)
        or path.attr_name.lower() != "value"
        or expr.comp_value is None
        or not isinstance(expr.comp_value.value, str)
    ):
        raise refused
    return [expr.comp_value.value]


def _as_ids(values: Iterable[str]) -> list[uuid.UUID]:
    """Ids of ours among ``values``; anything else names nobody here (removing it is a no-op)."""
    found = []
    for value in values:
        try:
            found.append(uuid.UUID(value.strip()))
        except ValueError:
            continue
    return found


@dataclass
class _Plan:
    group_id: str
    membership: _Membership = field(default_factory=_Membership)
    display_name: str | None = None
    external_id: str | None = None
    named: dict[uuid.UUID, None] = field(default_factory=dict)
    invalid: list[str] = field(default_factory=list)
    values: int = 0

    def named_members(self, values: _MemberValues) -> None:
        self.named.update(dict.fromkeys(values.ids))
        self.invalid.extend(values.invalid)
        self.values += len(values.ids) + len(values.invalid)
        if self.values > MAX_MEMBER_VALUES:
            raise _too_many(self.values)


def _resolve_attribute(text: str, *, index: int, object_value: bool) -> tuple[str, ast.Filter | None]:
    """The Group attribute a path names (lowered: displayname, externalid, members) and its value filter."""
    try:
        path = parse_path(text, object_value=object_value)
    except PathError as exc:
        raise _error("invalidPath", index, exc.detail) from None
    known = group_attribute(path.attribute)
    if (
        known is None
        or known.name not in ("displayName", "externalId", "members")
        or (path.schema is not None and path.schema.lower() != CORE_GROUP.lower())
        or path.sub_attribute is not None
        or (path.value_filter is not None and known.name != "members")
    ):
        raise _error(
            "invalidPath",
            index,
            f'"{text}" is not a path of a Group that can be changed; use displayName, externalId, members '
            'or members[value eq "<id>"].',
        )
    return known.name.lower(), path.value_filter


def _apply(plan: _Plan, op: OpName, name: str, value_filter: ast.Filter | None, value: Any, **kw: Any) -> None:
    index: int = kw["index"]
    has_value: bool = kw["has_value"]
    text: str = kw["text"]
    if name == "displayname":
        if op == "remove":
            raise _error("invalidValue", index, "displayName is required and cannot be removed; replace it.")
        plan.display_name = _display_name(value, index=index)
    elif name == "externalid":
        plan.external_id = "" if op == "remove" or value in ("", None) else _external_id(value, index=index)
    elif value_filter is not None:  # members[value eq "..."]
        ids = _as_ids(_filtered_ids(value_filter, index=index, text=text))
        if op == "remove":
            plan.membership.removed(ids)
        else:
            # add/replace of a selected member: that member is in the group afterwards.
            values = _member_values([str(i) for i in ids], index=index, where=text)
            plan.named_members(values)
            plan.membership.added(values.ids)
    elif op == "remove":
        if has_value and value is not None:
            # Entra's default removal carries the members to remove in "value": it means "remove
            # these", never "remove all" (docs/protocol.md#group-remove-with-value).
            items = value if isinstance(value, list) else [value]
            sent: list[Any] = [
                item.get(next((k for k in item if isinstance(k, str) and k.lower() == "value"), "value"))
                if isinstance(item, dict)
                else item
                for item in items
            ]
            plan.membership.removed(_as_ids(i for i in sent if isinstance(i, str)))
        else:
            plan.membership.replaced(())  # RFC 7644 §3.5.2.2: no filter, no value: all members
    else:
        values = _member_values(value, index=index, where="members")
        plan.named_members(values)
        if op == "add":
            plan.membership.added(values.ids)
        else:
            plan.membership.replaced(values.ids)  # RFC 7644 §3.5.2.3: the whole set


def read_patch(body: Any, *, group_id: str) -> GroupChange:
    """Read a PatchOp for the group ``group_id`` into one GroupChange; raise PatchError (400).

    Operations apply in order (Okta removes then adds in one request). Membership is read as
    a delta, so a PATCH costs what it names, not what the group holds; only a replace of
    ``members`` (or a removal of all of them) names the whole new set.
    """
    plan = _Plan(group_id=group_id)
    for index, raw in enumerate(read_envelope(body, max_operations=MAX_OPERATIONS), start=1):
        op, path_text, has_value, value = read_operation(raw, index)
        if path_text is None:
            if op == "remove":
                raise _error("noTarget", index, "remove needs a path naming what to remove (RFC 7644 §3.5.2.2).")
            if isinstance(value, str) and op == "replace":
                value = {"displayName": value}  # a bare name without a path: the group's name
            if not isinstance(value, dict):
                raise _error("invalidValue", index, f"{op} without a path needs an object value of attributes.")
            _pathless(plan, op, value, index=index)
            continue
        if op != "remove" and not has_value:
            raise _error("invalidValue", index, f'{op} of "{path_text}" needs a value.')
        name, value_filter = _resolve_attribute(path_text, index=index, object_value=isinstance(value, dict))
        _apply(plan, op, name, value_filter, value, index=index, has_value=has_value, text=path_text)
    return GroupChange(
        display_name=plan.display_name,
        external_id=plan.external_id,
        members=plan.membership.change(),
        named=tuple(plan.named),
        invalid=tuple(plan.invalid),
    )


def _pathless(plan: _Plan, op: OpName, value: dict[str, Any], *, index: int) -> None:
    """Each attribute of a path-less value (RFC 7644 §3.5.2.1, §3.5.2.3); the others stay as they are.

    Okta renames with ``{"id": <this group>, "displayName": ...}`` on every membership update:
    it names no members, so members are left alone. ``id`` is the group's own or refused;
    ``schemas``, ``meta`` and attributes Preciate does not model are ignored.
    """
    for key, item in value.items():
        lowered = key.lower() if isinstance(key, str) else ""
        lowered = lowered.removeprefix(CORE_GROUP.lower() + ":")
        if lowered == "id":
            if str(item).strip().lower() != plan.group_id.lower():
                raise _error("mutability", index, f"id is assigned by Preciate and cannot change (sent {item!r}).")
            continue
        if lowered not in ("displayname", "externalid", "members"):
            continue
        _apply(plan, op, lowered, None, item, index=index, has_value=True, text=key)


# --------------------------------------------------------------------------------------------
# Filters on /Groups (RFC 7644 §3.4.2.2).
# --------------------------------------------------------------------------------------------

_GROUP_FILTERS = 'displayName eq, externalId eq, id eq and members.value eq, joined by "and"'


def group_filter(expression: str) -> Q:
    """A Q over Team for ``displayName eq`` (any case), ``externalId eq`` (exact), ``id eq`` and ``members eq``.

    Entra matches groups by ``displayName eq`` or ``externalId eq``; a filter ignored would
    link the wrong group, so anything else is refused with FilterError (400 invalidFilter).
    """
    return _group_q(parse_filter(expression))


def _group_q(node: ast.Filter) -> Q:
    unsupported = FilterError(f"Groups can be filtered by {_GROUP_FILTERS}; this filter is not supported.")
    if node.negated or node.namespace is not None:
        raise unsupported
    expr = node.expr
    if isinstance(expr, ast.Filter):
        return _group_q(expr)
    if isinstance(expr, ast.LogExpr):
        if expr.op.lower() != "and":
            raise unsupported
        return _group_q(expr.expr1) & _group_q(expr.expr2)
    path = expr.attr_path
    if path.uri is not None and path.uri.lower() != CORE_GROUP.lower():
        raise unsupported
    if not isinstance(path.attr_name, str) or expr.value.lower() != "eq":
        raise unsupported
    known = group_attribute(path.attr_name)
    sub = known.sub(path.sub_attr.value) if known is not None and path.sub_attr is not None else None
    target = sub if path.sub_attr is not None else known
    if known is not None and known.name == "members" and path.sub_attr is None:
        target = known.sub("value")  # "members eq <id>" means its value (RFC 7644 §3.4.2.2)
    value = expr.comp_value.value if expr.comp_value is not None else None
    if target is None or target.filter is None or not isinstance(value, str):
        raise unsupported
    if target.filter == "uuid":
        try:
            wanted = uuid.UUID(value.strip())
        except ValueError:
            return Q(pk__isnull=True)  # no id of ours: nothing matches (Entra probes with random values)
        if known is not None and known.name == "members":
            rows = TeamMembership.objects.filter(
                team=OuterRef("pk"), member__scim_id=wanted, member__scim_deleted_at__isnull=True
            )
            return Q(Exists(rows))
        return Q(**{target.field or "": wanted})
    if "\x00" in value:
        return Q(pk__isnull=True)  # nothing stored holds U+0000
    # displayName is caseExact false (RFC 7643 §4.2), folded by the database like userName.
    return Q(**{f"{target.field}__ci": value}) if not target.case_exact else Q(**{target.field or "": value})


# --------------------------------------------------------------------------------------------
# Reads.
# --------------------------------------------------------------------------------------------


def wants_members(*, attributes: set[str], excluded: set[str]) -> bool:
    """Does the projection return members? If not, they are never loaded (Entra excludes them on every read)."""

    def names_members(path: str) -> bool:
        head = path.strip().lower().removeprefix(CORE_GROUP.lower() + ":")
        return head.split(".")[0].split("[")[0] == "members"

    if attributes:
        return any(names_members(a) for a in attributes)
    return not any(names_members(e) for e in excluded)


def etag(team: Team) -> str:
    return f'W/"{int(team.updated_at.timestamp() * 1_000_000)}"'


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def members_of(organization: Organization, teams: Sequence[Team], *, base_url: str) -> dict[int, list[dict[str, Any]]]:
    """The SCIM members of each team, in one query; people whose SCIM user was deleted are left out.

    A DELETE'd user is gone from every group (RFC 7644 §3.6); a deactivated one stays a member
    (docs/protocol.md#group-membership-survives-deactivation).
    """
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if not teams:
        return found
    rows = (
        TeamMembership.objects.filter(
            organization=organization, team__in=[t.pk for t in teams], member__scim_deleted_at__isnull=True
        )
        .order_by("team_id", "member_id")
        .values_list("team_id", "member__scim_id")
    )
    for team_id, scim_id in rows:
        # value, $ref and type: the sub-attributes of RFC 7643 §8.7.1. No "display": clients
        # compare members with what they sent, which never carries Preciate's name for the person.
        found[team_id].append({"value": str(scim_id), "$ref": f"{base_url}/Users/{scim_id}", "type": "User"})
    return found


def to_group(team: Team, *, base_url: str, members: list[dict[str, Any]] | None) -> dict[str, Any]:
    """The SCIM Group for a team; ``members`` None leaves the attribute out (not loaded)."""
    location = f"{base_url}/Groups/{team.scim_id}"
    resource: dict[str, Any] = {"schemas": [CORE_GROUP], "id": str(team.scim_id), "displayName": team.name}
    if team.external_id:
        resource["externalId"] = team.external_id
    if members is not None:
        resource["members"] = members
    resource["meta"] = {
        "resourceType": "Group",
        "created": _iso(team.created_at),
        "lastModified": _iso(team.updated_at),
        "location": location,
        "version": etag(team),
    }
    return resource


def _groups_of(organization_id: int, member_ids: list[int]) -> QuerySet[TeamMembership, tuple[int, uuid.UUID, str]]:
    return (
        TeamMembership.objects.filter(
            organization_id=organization_id,
            member__in=member_ids,
            team__retired_at__isnull=True,
            team__managed_by_idp=True,
        )
        .order_by("member_id", "team__name", "team_id")
        .values_list("member_id", "team__scim_id", "team__name")
    )


# Every User read runs it, for one member or a page: compiled once per process and page size.
_GROUPS_OF: Prepared[tuple[int, uuid.UUID, str]] = Prepared(_groups_of, organization_id=int, member_ids=[int])


def idp_teams_column() -> RawSQL:
    """A member row's current IdP teams as one JSON text column: ``[[scim_id, name], …]`` by name, or NULL.

    Read with the member itself (``.annotate(idp_teams=idp_teams_column())``), a User read
    needs no statement of its own for its groups. The same teams as ``groups_by_member``;
    identifiers come from the models' ``_meta``, quoted, and the SQL takes no parameter.
    """
    quote = connection.ops.quote_name
    membership, team, member = TeamMembership._meta, Team._meta, Member._meta

    def column(meta: Any, name: str) -> str:
        return quote(str(meta.get_field(name).column))

    outer = quote(member.db_table)
    scim_id, name = f"t.{column(team, 'scim_id')}", f"t.{column(team, 'name')}"
    order = f"t.{column(team, 'name')}, t.{column(team, 'id')}"
    rows = (
        f"FROM {quote(membership.db_table)} tm JOIN {quote(team.db_table)} t "
        f"ON t.{column(team, 'id')} = tm.{column(membership, 'team')} "
        f"WHERE tm.{column(membership, 'member')} = {outer}.{column(member, 'id')} "
        f"AND tm.{column(membership, 'organization')} = {outer}.{column(member, 'organization')} "
        f"AND t.{column(team, 'retired_at')} IS NULL AND t.{column(team, 'managed_by_idp')}"
    )
    if connection.vendor == "postgresql":
        sql = f"SELECT json_agg(json_build_array({scim_id}, {name}) ORDER BY {order})::text {rows}"
    else:
        # SQLite aggregates in the order of the rows it is given.
        sql = (
            f"SELECT json_group_array(json_array(p, n)) "  # noqa: S608
            f"FROM (SELECT {scim_id} AS p, {name} AS n {rows} ORDER BY {order})"
        )
    # No value of a request reaches this SQL: only quoted identifiers from _meta.
    return RawSQL(f"({sql})", (), output_field=TextField())  # noqa: S611


def groups_from_column(value: str | None, *, base_url: str) -> list[dict[str, Any]]:
    """The ``groups`` of a User from its ``idp_teams_column()`` value."""
    found = []
    for scim_id, name in json.loads(value) if value else ():
        value_id = str(uuid.UUID(scim_id))  # SQLite keeps ids as hex text
        found.append({"value": value_id, "display": name, "$ref": f"{base_url}/Groups/{value_id}", "type": "direct"})
    return found


def groups_by_member(
    organization: Organization, members: Sequence[Member], *, base_url: str
) -> dict[int, list[dict[str, Any]]]:
    """Each member's current IdP teams as a User's ``groups`` (RFC 7643 §4.1.2), in one query for them all.

    Only the teams /Groups serves: a hand-made team has no SCIM resource its ``$ref`` could name.
    """
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if not members:
        return found
    rows = _GROUPS_OF(organization_id=organization.pk, member_ids=[m.pk for m in members])
    for member_id, scim_id, name in rows:
        found[member_id].append(
            {"value": str(scim_id), "display": name, "$ref": f"{base_url}/Groups/{scim_id}", "type": "direct"}
        )
    return found


def resolve_members(
    organization: Organization,
    ids: Sequence[uuid.UUID],
    *,
    required: Sequence[uuid.UUID] | None = None,
    invalid: Sequence[str] = (),
) -> dict[uuid.UUID, Member]:
    """The people of ``organization`` these SCIM ids name, in one IN query.

    Every id of ``required`` (default: all of ``ids``) must be found, else ValidationError
    naming the others and nothing is applied: an id of another organization, of a deleted
    user, or no id at all (``invalid``) is refused with 400 invalidValue. Entra then retries
    and shows the ids in its provisioning log, where skipping them silently would never be
    noticed (docs/protocol.md#group-unknown-members). Ids only removed need not exist.
    """
    wanted = list(dict.fromkeys(ids))
    found: dict[uuid.UUID, Member] = {}
    if wanted:
        found = {
            m.scim_id: m
            for m in Member.objects.scim_visible().filter(organization=organization, scim_id__in=wanted).order_by()
        }
    unknown = [*invalid, *(str(i) for i in (wanted if required is None else required) if i not in found)]
    if unknown:
        shown = ", ".join(unknown[:20]) + (f" and {len(unknown) - 20} more" if len(unknown) > 20 else "")
        raise ValidationError(
            f"No User of this organization has the id {shown}; provision the user before adding them to a group. "
            "Nothing in this request was applied."
        )
    for member in found.values():
        member.organization = organization  # already loaded: spare the services a query
    return found
