"""The SCIM 2.0 endpoint (RFC 7644) that Microsoft Entra ID and Okta provision into.

One ``ScimView`` base carries the policy: bearer-key authentication, lenient JSON
parsing, ``application/scim+json`` output whatever the Accept header, one exception
handler producing SCIM errors, and recording each request's outcome.

One module, though long: it is the HTTP layer and nothing else. What lies below it
(translation in users.py, PATCH, filters, the services) lives elsewhere already; what is
here (parsing limits, negotiation, the list query, projection, the resource and discovery
views) is the one policy every SCIM answer shares, read top to bottom as a request meets it.
"""

import functools
import json
import logging
import math
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any

from django.db import DatabaseError, transaction
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.json import strict_constant as json_strict_constant
from rest_framework.views import APIView

from keys.services import hold_key, record_key_use, record_rejected_key
from keys.tenant_url import tenant_url
from organizations.models import Member, MemberQuerySet, Organization, Team, TeamQuerySet
from organizations.prepared import Prepared
from organizations.services import Actor, Provisioned, delete_scim_member, provision_member, record_event
from organizations.teams import (
    add_team_members,
    create_team,
    remove_team_members,
    retire_team,
    set_team_members,
    update_team,
)
from preciate.limits import client_address
from scim import groups, schemas
from scim.attributes import PathError, parse_path
from scim.auth import INVALID_KEY, BearerKeyAuthentication, HasOrganization, organization_of, rejected_key
from scim.errors import ScimError, scim_exception_handler
from scim.filters import Equality, FilterError, equality, filter_to_q, sort_field
from scim.patch import apply_operations, normalise_operations
from scim.users import etag, normalise, read, to_resource

logger = logging.getLogger(__name__)


# Far above a SCIM User (a few KB) and below Django's 2.5 MiB default, which the portal keeps.
MAX_BODY_BYTES = 1024 * 1024
# A PATCH of the enterprise manager nests 6 levels; deeper input is refused before it is stored,
# so nothing stored can outgrow Python's recursion limit.
MAX_BODY_DEPTH = 32
BODY_TOO_LARGE = (
    f"The request body is larger than 1 MiB ({MAX_BODY_BYTES} bytes), the most Preciate's SCIM endpoint "
    "accepts; send one user per request."
)


def _depth(value: Any) -> int:
    """How deeply objects and arrays nest in parsed JSON (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


class ScimJSONParser(BaseParser):
    """JSON within bounds: at most MAX_BODY_BYTES, MAX_BODY_DEPTH levels, and valid Unicode.

    Each bound answers a SCIM 400 or 413 before anything is read into the directory. Not a
    JSONParser subclass: DRF reads a JSONParser's whole body first (``request.body``), which
    Django refuses above its own limit with an exception no SCIM client understands.
    """

    media_type = "application/scim+json"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        request = (parser_context or {}).get("request")
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
        except ValueError:
            declared = 0
        if declared > MAX_BODY_BYTES:
            raise ScimError(413, BODY_TOO_LARGE)
        raw = stream.read(MAX_BODY_BYTES + 1)
        if len(raw) > MAX_BODY_BYTES:  # a body longer than it said, or sent in chunks
            raise ScimError(413, BODY_TOO_LARGE)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ScimError(400, "The request body is not UTF-8 encoded JSON.", "invalidSyntax") from None
        too_deep = ScimError(
            400,
            f"The request body is nested more than {MAX_BODY_DEPTH} levels deep; a SCIM User is not.",
            "invalidSyntax",
        )
        try:
            data = json.loads(text, parse_constant=json_strict_constant)
        except RecursionError:
            raise too_deep from None
        except ValueError:
            raise ScimError(400, "The request body is not valid JSON.", "invalidSyntax") from None
        if _depth(data) > MAX_BODY_DEPTH:
            raise too_deep
        try:
            # Depth is bounded now, so the encoder's recursion is too.
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise ScimError(
                400,
                "The request body contains a lone UTF-16 surrogate (an escape such as \\ud800 without its pair), "
                "which is not a Unicode character and cannot be stored.",
                "invalidValue",
            ) from None
        return data


class PlainJSONParser(ScimJSONParser):
    media_type = "application/json"


class AnyJSONParser(ScimJSONParser):
    """Parse a body sent with no or an unexpected Content-Type as JSON, rather than refuse it."""

    media_type = "*/*"


class ScimJSONRenderer(JSONRenderer):
    media_type = "application/scim+json"
    format = "scim"
    charset = None


class AlwaysScim(BaseContentNegotiation):
    """Answer application/scim+json to every Accept header: Entra sends none (406 breaks Test Connection)."""

    def select_parser(self, request: Request, parsers: Iterable[BaseParser]) -> BaseParser | None:
        candidates = list(parsers)
        for parser in candidates:
            if parser.media_type != "*/*" and request.content_type.split(";")[0].strip().lower() == parser.media_type:
                return parser
        return candidates[-1]

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type


def _visible_members(organization_id: int) -> MemberQuerySet:
    """The organization's SCIM Users, with what a User resource shows of its department, location and manager."""
    return (
        Member.objects.scim_visible()
        .filter(organization_id=organization_id)
        .select_related("department", "location", "manager")
    )


def _member_by_id(organization_id: int, scim_id: uuid.UUID, *, for_update: bool) -> MemberQuerySet:
    query = _visible_members(organization_id).filter(scim_id=scim_id).annotate(idp_teams=groups.idp_teams_column())
    if for_update:
        query = query.select_for_update(of=("self",))
    # scim_id is unique: no ORDER BY (first() would add one).
    return query.order_by()[:1]


# Every GET, PUT, PATCH and DELETE of a User runs one of these: compiled once per process.
_MEMBER_BY_ID: Prepared[Member] = Prepared(
    functools.partial(_member_by_id, for_update=False), organization_id=int, scim_id=uuid.UUID
)
_MEMBER_BY_ID_FOR_UPDATE: Prepared[Member] = Prepared(
    functools.partial(_member_by_id, for_update=True), organization_id=int, scim_id=uuid.UUID
)


def _idp_actor(request: Request) -> Actor:
    agent = request.headers.get("User-Agent", "").lower()
    if "okta" in agent:
        return Actor.idp("Okta")
    if "microsoft" in agent or "azure" in agent or "aad" in agent:
        return Actor.idp("Microsoft Entra ID")
    return Actor.idp("Identity provider (SCIM)")


class ScimView(APIView):
    authentication_classes = [BearerKeyAuthentication]
    permission_classes = [HasOrganization]
    parser_classes = [ScimJSONParser, PlainJSONParser, AnyJSONParser]
    renderer_classes = [ScimJSONRenderer]
    content_negotiation_class = AlwaysScim

    def get_exception_handler(self) -> Callable[[Exception, dict[str, Any]], Response]:
        return scim_exception_handler

    def base_url(self) -> str:
        return tenant_url(self.request)

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        try:
            # What authentication resolved, if it finished: reading ``request.auth`` after it
            # raised (the database down) would run it again, and raise again, here.
            auth = getattr(request, "_auth", None)
            organization = auth if isinstance(auth, Organization) else None
            if organization is not None:
                record_key_use(organization, status=response.status_code)
            elif (rejected := rejected_key(request)) is not None:
                # A retired key: one coalesced event per key, address and interval, not one per request.
                record_rejected_key(
                    rejected.organization,
                    by=_idp_actor(request),
                    key_hint=rejected.hint,
                    address=client_address(request),
                    method=request.method or "",
                    path=request.path,
                    throttled=response.status_code == 429,
                )
            if organization is not None and response.status_code >= 400:
                detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
                record_event(
                    organization,
                    by=_idp_actor(request),
                    action="scim.failed",
                    status=response.status_code,
                    user_name=getattr(self, "scim_user_name", ""),
                    summary=f"{request.method} {request.path}: {detail}",
                )
        except DatabaseError:
            # The database is out of reach (the answer is a 503 already): one line, not a traceback per request.
            logger.warning("Could not record the outcome of a SCIM request: the database is out of reach")
        except Exception:
            # Bookkeeping must never turn an answer to the IdP into a failure.
            logger.exception("Could not record the outcome of a SCIM request")
        return response

    def member_query(self, organization: Organization) -> MemberQuerySet:
        return _visible_members(organization.pk)

    def hold_key(self, organization: Organization) -> None:
        """Inside a write's transaction: refuse it if the key was regenerated or revoked meanwhile."""
        if not hold_key(organization):
            raise ScimError(401, INVALID_KEY)

    def get_member(self, organization: Organization, scim_id: str, *, for_update: bool = False) -> Member:
        try:
            parsed = uuid.UUID(scim_id)
        except ValueError:
            raise ScimError(404, f"User {scim_id} not found.") from None
        by_id = _MEMBER_BY_ID_FOR_UPDATE if for_update else _MEMBER_BY_ID
        found = by_id(organization_id=organization.pk, scim_id=parsed)
        member = found[0] if found else None
        if member is None:
            raise ScimError(404, f"User {scim_id} not found.")
        member.organization = organization  # already loaded: spare the services a query
        self.scim_user_name = member.user_name
        return member

    def user_resource(self, member: Member, *, in_no_team: bool = False) -> dict[str, Any]:
        """The User as the IdP reads it back, with its groups: read with the member, or by one query."""
        base_url = self.base_url()
        if in_no_team:
            teams = []
        elif hasattr(member, "idp_teams"):
            teams = groups.groups_from_column(member.idp_teams, base_url=base_url)
        else:
            teams = groups.groups_by_member(member.organization, [member], base_url=base_url).get(member.pk, [])
        return to_resource(member, base_url=base_url, groups=teams or None)

    def user_response(self, member: Member, *, status: int = 200, in_no_team: bool = False) -> Response:
        resource = self.user_resource(member, in_no_team=in_no_team)
        headers = {"ETag": resource["meta"]["version"]}
        if status == 201:
            headers["Location"] = resource["meta"]["location"]
        return Response(resource, status=status, headers=headers)

    def check_if_match(self, request: Request, member: Member) -> None:
        expected = request.headers.get("If-Match")
        if expected and expected.strip() != "*" and etag(member) not in [e.strip() for e in expected.split(",")]:
            raise ScimError(412, "The user changed since it was read (If-Match does not match its version).")


def _int_param(params: Mapping[str, Any], name: str, default: int) -> int:
    """An integer paging parameter (RFC 7644 §3.4.2.4) from a query string or a SearchRequest body.

    JSON booleans, fractions and numbers beyond a float (``1e400`` parses as infinity) are
    refused; huge and negative integers are kept for the caller to clamp as the RFC says.
    """
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, float) and math.isfinite(raw) and raw.is_integer():
        return int(raw)
    if isinstance(raw, str):
        try:
            return int(raw.strip())
        except ValueError:
            pass
    shown = repr(raw) if len(repr(raw)) <= 40 else repr(raw)[:40] + "..."
    raise ScimError(400, f"{name} must be an integer, not {shown}.", "invalidValue")


def _paging(params: Mapping[str, Any]) -> tuple[int, int]:
    """``startIndex`` (1-based, at least 1) and ``count`` (0 to MAX_RESULTS), clamped as RFC 7644 §3.4.2.4 says."""
    start_index = max(_int_param(params, "startIndex", 1), 1)
    count = min(max(_int_param(params, "count", schemas.DEFAULT_COUNT), 0), schemas.MAX_RESULTS)
    return start_index, count


# Each name is looked for in every resource of a page: bounded, like filters and PATCH.
MAX_ATTRIBUTE_NAMES = 100


def _attribute_set(params: Mapping[str, Any], name: str) -> set[str]:
    raw = params.get(name) or ""
    items = raw if isinstance(raw, list) else str(raw).split(",")
    names = {str(a).strip() for a in items if str(a).strip()}
    if len(names) > MAX_ATTRIBUTE_NAMES:
        raise ScimError(
            400,
            f"{name} names {len(names)} attributes; Preciate accepts at most {MAX_ATTRIBUTE_NAMES}.",
            "invalidValue",
        )
    return names


def _projected_path(text: str) -> tuple[str | None, str | None, str | None] | None:
    """(extension key or None, attribute, sub-attribute) an ``attributes`` name points at; None if it names nothing."""
    try:
        path = parse_path(text, object_value=True)
    except PathError:
        return None  # names no attribute, so selects none (RFC 7644 §3.4.2.5 defines no error)
    if path.value_filter is not None:
        return None
    return path.schema, path.attribute, path.sub_attribute


def _find_key(container: Mapping[str, Any], name: str) -> str | None:
    return next((k for k in container if k.lower() == name.lower()), None)


def _only_subs(value: Any, subs: set[str]) -> Any:
    """``value`` cut down to the sub-attributes ``subs`` (lowered): of the object, or of each object of a list."""
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k.lower() in subs} or None
    if isinstance(value, list):
        return [kept for item in value if (kept := _only_subs(item, subs))] or None
    return None


def _without_sub(value: Any, sub: str) -> Any:
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k.lower() != sub.lower()}
    if isinstance(value, list):
        return [_without_sub(item, sub) for item in value]
    return value


def _locate(resource: dict[str, Any], text: str) -> tuple[str | None, str | None, str | None] | None:
    """(extension key or None, attribute key or None, sub-attribute) of ``resource`` that a name selects; None: nothing."""
    located = _projected_path(text)
    if located is None:
        return None
    schema, name, sub = located
    if schema is not None and schema.lower() == schemas.CORE_GROUP.lower():
        schema = None  # a Group's own attributes live on the resource itself, as a User's do
    holder_key = _find_key(resource, schema) if schema is not None else None
    if schema is not None and holder_key is None:
        return None
    if name is None:
        return holder_key, None, None
    holder = resource if holder_key is None else resource[holder_key]
    key = _find_key(holder, name) if isinstance(holder, dict) else None
    return None if key is None else (holder_key, key, sub)


def project(resource: dict[str, Any], *, attributes: set[str], excluded: set[str]) -> dict[str, Any]:
    """Apply ``attributes``/``excludedAttributes`` (RFC 7644 §3.4.2.5); id and schemas (returned always) stay.

    Names are attribute paths in any case, with or without their schema URN; a sub-attribute
    of a multi-valued attribute (``emails.value``) selects it in every value.
    """
    if attributes:
        # (extension key or None, attribute key) → the sub-attributes asked for, or None: all of it.
        wanted: dict[tuple[str | None, str | None], set[str] | None] = {}
        for text in attributes:
            located = _locate(resource, text)
            if located is None:
                continue
            holder_key, key, sub = located
            if sub is None or wanted.get((holder_key, key), set()) is None:
                wanted[holder_key, key] = None
            else:
                subs = wanted.setdefault((holder_key, key), set())
                assert subs is not None
                subs.add(sub.lower())
        kept: dict[str, Any] = {"schemas": resource["schemas"], "id": resource["id"]}
        for (holder_key, key), subs in wanted.items():
            holder = resource if holder_key is None else resource[holder_key]
            if key is None:
                kept[holder_key or ""] = holder
                continue
            value = holder[key] if subs is None else _only_subs(holder[key], subs)
            target = kept if holder_key is None else kept.setdefault(holder_key, {})
            if value is not None and isinstance(target, dict):
                target[key] = value
        return kept
    if excluded:
        result = dict(resource)
        for text in excluded:
            located = _locate(result, text)
            if located is None:
                continue
            holder_key, key, sub = located
            if key is None:
                result.pop(holder_key or "", None)
                continue
            if holder_key is None and key in ("id", "schemas"):
                continue
            holder = dict(result if holder_key is None else result[holder_key])
            if sub is None:
                del holder[key]
            else:
                holder[key] = _without_sub(holder[key], sub)
            if holder_key is None:
                result = holder
            else:
                result[holder_key] = holder
        return result
    return resource


@functools.cache
def _equality_look_up(attribute: Any, count: int) -> Prepared[Member]:
    """The first ``count`` users whose ``attribute`` equals a value, by id: compiled once per attribute and count."""
    kind = uuid.UUID if attribute.kind == "uuid" else str

    def build(organization_id: int, value: str | uuid.UUID) -> MemberQuerySet:
        return (
            _visible_members(organization_id)
            .filter(Equality(attribute, value).q(value))
            .annotate(idp_teams=groups.idp_teams_column())
            .order_by("id")[:count]
        )

    return Prepared(build, organization_id=int, value=kind)


def search_users(
    view: ScimView, organization: Organization, params: Mapping[str, Any], offset: int, count: int
) -> tuple[int, list[dict[str, Any]]]:
    """How many users match ``params``' filter, and the resources of ``count`` of them from ``offset``."""
    expression = str(params.get("filter") or "").strip()
    default_order = not params.get("sortBy") and str(params.get("sortOrder") or "ascending").lower() == "ascending"
    look_up = equality(expression) if expression and default_order and offset == 0 and count else None
    if look_up is not None:
        # Entra's look-up of one person, the commonest request of all: prepared SQL.
        members = _equality_look_up(look_up.attribute, count)(organization_id=organization.pk, value=look_up.value)
        total = len(members) if len(members) < count else _users(view, organization, params).count()
    else:
        total, members = _page_of_users(_users(view, organization, params), offset, count)
    return total, [view.user_resource(m) for m in members] if look_up else _resources(view, organization, members)


def _resources(view: ScimView, organization: Organization, members: list[Member]) -> list[dict[str, Any]]:
    """A page of Users, with their groups in one statement for the page."""
    base_url = view.base_url()
    teams = groups.groups_by_member(organization, members, base_url=base_url)
    return [to_resource(m, base_url=base_url, groups=teams.get(m.pk)) for m in members]


def _users(view: ScimView, organization: Organization, params: Mapping[str, Any]) -> MemberQuerySet:
    """The users ``params``' filter matches, in its sortBy and sortOrder, then by id."""
    query = view.member_query(organization)
    expression = str(params.get("filter") or "").strip()
    if expression:
        query = query.filter(filter_to_q(expression))
    sort_by = params.get("sortBy")
    try:
        order = sort_field(str(sort_by)) if sort_by else "id"
    except FilterError as exc:
        raise ScimError(400, f"sortBy {sort_by!r} is not a sortable attribute. {exc.detail}", "invalidValue") from None
    if str(params.get("sortOrder") or "ascending").lower() == "descending":
        order = f"-{order}"
    return query.order_by(order, "id")


def _page_of_users(query: MemberQuerySet, offset: int, count: int) -> tuple[int, list[Member]]:
    members: list[Member] = []
    if offset == 0 and count:
        # The first page in one statement: Entra's look-ups find one person or none, and a
        # page that is not full is the whole result, so it needs no COUNT.
        members = list(query[:count])
        total = len(members) if len(members) < count else query.count()
    else:
        total = query.count()
        if count and offset < total:
            # Walk the offset over ids only, then load the page's rows: skipping 250k joined
            # rows took 2 s for the last page at 300k people (docs/performance.md).
            page = list(query.values_list("pk", flat=True)[offset : offset + count])
            by_pk = {m.pk: m for m in query.filter(pk__in=page)}
            members = [by_pk[pk] for pk in page if pk in by_pk]
    return total, members


class UserList(ScimView):
    def get(self, request: Request) -> Response:
        return self.list_users(organization_of(request), request.query_params)

    def list_users(self, organization: Organization, params: Mapping[str, Any]) -> Response:
        """Query the organization's users (RFC 7644 §3.4.2): filter, sort, page, project."""
        start_index, count = _paging(params)
        total, resources = search_users(self, organization, params, start_index - 1, count)
        attributes = _attribute_set(params, "attributes")
        excluded = _attribute_set(params, "excludedAttributes")
        resources = [project(r, attributes=attributes, excluded=excluded) for r in resources]
        return Response(schemas.list_response(resources, total=total, start_index=start_index))

    def post(self, request: Request) -> Response:
        """Create the user (RFC 7644 §3.3): parse → hold the key → provision → answer."""
        organization = organization_of(request)
        if isinstance(request.data, dict):
            self.scim_user_name = str(request.data.get("userName", ""))[:255]
        user = read(organization, normalise(request.data))
        with transaction.atomic():
            self.hold_key(organization)
            member, provisioned = provision_member(organization, user, by=_idp_actor(request))
        # A row just inserted is in no team: no statement to ask.
        return self.user_response(member, status=201, in_no_team=provisioned is Provisioned.NEW)


class UserSearch(UserList):
    """POST /Users/.search (RFC 7644 §3.4.3): the same query, its parameters in the body."""

    def get(self, request: Request) -> Response:
        raise ScimError(405, "Use POST for /Users/.search, or GET /Users with query parameters.")

    def post(self, request: Request) -> Response:
        if not isinstance(request.data, dict):
            raise ScimError(400, "The search request must be a JSON object (a SearchRequest).", "invalidSyntax")
        return self.list_users(organization_of(request), request.data)


# The resource types a search at the service root covers, in the order their results are
# listed (RFC 7644 §3.4.3). Each takes the view, the organization, the SearchRequest and a
# 0-based offset and count into its own matches, and answers (how many match, that page).
RootSearchSource = Callable[[ScimView, Organization, Mapping[str, Any], int, int], tuple[int, list[dict[str, Any]]]]
ROOT_SEARCH: dict[str, RootSearchSource] = {"User": search_users}


class RootSearch(ScimView):
    """POST /.search (RFC 7644 §3.4.3): one SearchRequest across every resource type in ROOT_SEARCH.

    Filters, paging, sortBy and attributes mean what they mean on /Users/.search; paging runs
    over the types' results one after the other.
    """

    def get(self, request: Request) -> Response:
        raise ScimError(405, "Use POST for /.search with a SearchRequest body, or GET /Users with query parameters.")

    def post(self, request: Request) -> Response:
        body = request.data
        if not isinstance(body, dict):
            raise ScimError(400, "The search request must be a JSON object (a SearchRequest).", "invalidSyntax")
        declared = body.get("schemas")
        if declared is not None and (
            not isinstance(declared, list) or schemas.SEARCH_REQUEST.lower() not in [str(s).lower() for s in declared]
        ):
            raise ScimError(
                400, f'A search at the service root needs "schemas": ["{schemas.SEARCH_REQUEST}"].', "invalidSyntax"
            )
        start_index, count = _paging(body)
        attributes = _attribute_set(body, "attributes")
        excluded = _attribute_set(body, "excludedAttributes")
        organization = organization_of(request)
        offset, total = start_index - 1, 0
        resources: list[dict[str, Any]] = []
        for search in ROOT_SEARCH.values():
            found, page = search(self, organization, body, max(offset - total, 0), count - len(resources))
            total += found
            resources += [project(r, attributes=attributes, excluded=excluded) for r in page]
        return Response(schemas.list_response(resources, total=total, start_index=start_index))


class UserDetail(ScimView):
    def get(self, request: Request, scim_id: str) -> Response:
        member = self.get_member(organization_of(request), scim_id)
        resource = project(
            self.user_resource(member),
            attributes=_attribute_set(request.query_params, "attributes"),
            excluded=_attribute_set(request.query_params, "excludedAttributes"),
        )
        return Response(resource, headers={"ETag": etag(member)})

    def put(self, request: Request, scim_id: str) -> Response:
        """Replace the user (RFC 7644 §3.5.1): attributes not sent are cleared. Okta updates this way.

        parse and validate → lock (key, member) → compute → write → answer.
        """
        organization = organization_of(request)
        resource = normalise(request.data)
        user = read(organization, resource)
        with transaction.atomic():
            self.hold_key(organization)
            member = self.get_member(organization, scim_id, for_update=True)
            self.check_if_match(request, member)
            if "active" not in resource:
                # A PUT that does not say keeps the leaver a leaver (see ``read``).
                user = replace(user, active=member.idp_active)
            provision_member(organization, user, by=_idp_actor(request), member=member)
        # provision_member updated this instance (fields, relations, updated_at) in place.
        return self.user_response(member)

    def patch(self, request: Request, scim_id: str) -> Response:
        """Apply a PatchOp (RFC 7644 §3.5.2), all operations or none, once, to the stored resource.

        parse → lock (key, member) → compute (apply, read) → write → answer.
        """
        organization = organization_of(request)
        operations = normalise_operations(request.data)
        with transaction.atomic():
            self.hold_key(organization)
            member = self.get_member(organization, scim_id, for_update=True)
            self.check_if_match(request, member)
            current = to_resource(member, base_url=self.base_url(), described=False)
            user = read(
                organization,
                apply_operations(current, operations),
                current_active=member.idp_active,
                current=current,
            )
            provision_member(organization, user, by=_idp_actor(request), member=member)
        return self.user_response(member)

    def delete(self, request: Request, scim_id: str) -> Response:
        organization = organization_of(request)
        with transaction.atomic():
            self.hold_key(organization)
            member = self.get_member(organization, scim_id, for_update=True)
            self.check_if_match(request, member)
            delete_scim_member(member, by=_idp_actor(request))
        return Response(status=204)


class GroupView(ScimView):
    """Groups are the organization's IdP-managed teams (docs/protocol.md#groups).

    Hand-made teams are not SCIM resources: a group POSTed with such a team's name adopts it
    (organizations/teams.py) instead of being linked to it by a filter.
    """

    @staticmethod
    def team_query(organization: Organization) -> TeamQuerySet:
        return Team.objects.current().filter(organization=organization, managed_by_idp=True)

    def get_team(self, organization: Organization, group_id: str, *, for_update: bool = False) -> Team:
        try:
            parsed = uuid.UUID(group_id)
        except ValueError:
            raise ScimError(404, f"Group {group_id} not found.") from None
        query = self.team_query(organization)
        if for_update:
            # Serialise writes to one group: concurrent member PATCHes must not read stale
            # membership (docs/protocol.md#group-row-lock).
            query = query.select_for_update()
        team = next(iter(query.filter(scim_id=parsed).order_by()[:1]), None)
        if team is None:
            raise ScimError(404, f"Group {group_id} not found.")
        team.organization = organization
        return team

    def check_team_if_match(self, request: Request, team: Team) -> None:
        expected = request.headers.get("If-Match")
        if expected and expected.strip() != "*" and groups.etag(team) not in [e.strip() for e in expected.split(",")]:
            raise ScimError(412, "The group changed since it was read (If-Match does not match its version).")

    def group_response(self, team: Team, params: Mapping[str, Any], *, status: int = 200) -> Response:
        attributes = _attribute_set(params, "attributes")
        excluded = _attribute_set(params, "excludedAttributes")
        base_url = self.base_url()
        members = None
        if groups.wants_members(attributes=attributes, excluded=excluded):
            members = groups.members_of(team.organization, [team], base_url=base_url).get(team.pk, [])
        resource = project(
            groups.to_group(team, base_url=base_url, members=members), attributes=attributes, excluded=excluded
        )
        headers = {"ETag": groups.etag(team)}
        if status == 201:
            headers["Location"] = f"{base_url}/Groups/{team.scim_id}"
        return Response(resource, status=status, headers=headers)


def search_groups(
    view: ScimView,
    organization: Organization,
    params: Mapping[str, Any],
    offset: int,
    count: int,
    *,
    root: bool = False,
) -> tuple[int, list[dict[str, Any]]]:
    """How many groups match ``params``' filter, and the resources of ``count`` of them from ``offset``.

    Members are loaded only when the projection returns them. At the service root (``root``)
    a filter or sortBy only Users understand matches no group instead of failing the search.
    """
    query = GroupView.team_query(organization)
    expression = str(params.get("filter") or "").strip()
    if expression:
        try:
            query = query.filter(groups.group_filter(expression))
        except FilterError:
            if not root:
                raise
            return 0, []
    if params.get("sortBy") and not root:
        raise ScimError(
            400, "Groups are listed in the order they were created; sortBy is not supported.", "invalidValue"
        )
    query = query.order_by("id")  # stable: Okta pages with startIndex and count
    teams = list(query[offset : offset + count]) if count else []
    # A first page that is not full is the whole result: no COUNT.
    total = len(teams) if offset == 0 and len(teams) < count else query.count()
    base_url = view.base_url()
    members = None
    if groups.wants_members(
        attributes=_attribute_set(params, "attributes"), excluded=_attribute_set(params, "excludedAttributes")
    ):
        members = groups.members_of(organization, teams, base_url=base_url)
    return total, [
        groups.to_group(t, base_url=base_url, members=members.get(t.pk, []) if members is not None else None)
        for t in teams
    ]


class GroupList(GroupView):
    def get(self, request: Request) -> Response:
        """Query the groups (RFC 7644 §3.4.2): Entra's Test Connection and matching, Okta's import."""
        params = request.query_params
        start_index, count = _paging(params)
        total, resources = search_groups(self, organization_of(request), params, start_index - 1, count)
        attributes = _attribute_set(params, "attributes")
        excluded = _attribute_set(params, "excludedAttributes")
        resources = [project(r, attributes=attributes, excluded=excluded) for r in resources]
        return Response(schemas.list_response(resources, total=total, start_index=start_index))

    def post(self, request: Request) -> Response:
        """Create the group (RFC 7644 §3.3); a hand-made team of the same name is adopted."""
        organization = organization_of(request)
        values = groups.read_group(request.data)
        actor = _idp_actor(request)
        with transaction.atomic():
            self.hold_key(organization)
            people = groups.resolve_members(organization, values.members or (), invalid=values.invalid)
            team = create_team(
                organization,
                by=actor,
                name=values.display_name,
                external_id=values.external_id,
                scim_data=values.extras,
            )
            if people:
                add_team_members(team, list(people.values()), by=actor)
        team.organization = organization
        return self.group_response(team, request.query_params, status=201)


class GroupDetail(GroupView):
    def get(self, request: Request, group_id: str) -> Response:
        team = self.get_team(organization_of(request), group_id)
        return self.group_response(team, request.query_params)

    def put(self, request: Request, group_id: str) -> Response:
        """Replace the group (RFC 7644 §3.5.1), members included; externalId not sent is cleared.

        Okta's custom (AIW) apps rename and push membership this way.
        """
        organization = organization_of(request)
        values = groups.read_group(request.data)
        actor = _idp_actor(request)
        with transaction.atomic():
            self.hold_key(organization)
            team = self.get_team(organization, group_id, for_update=True)
            self.check_team_if_match(request, team)
            people = groups.resolve_members(organization, values.members or (), invalid=values.invalid)
            update_team(
                team, by=actor, name=values.display_name, external_id=values.external_id, scim_data=values.extras
            )
            set_team_members(team, list(people.values()), by=actor)
        return self.group_response(team, request.query_params)

    def patch(self, request: Request, group_id: str) -> Response:
        """Apply a PatchOp (RFC 7644 §3.5.2), all of it or none, under the group's row lock.

        Costs what the request names: the ids it adds or removes are resolved in one query and
        written in one statement each, whatever the group's size; only a replace of members
        reads the current set. Answers 204 (Entra: "Returning a body with a list of all the
        members isn't advisable"), or 200 with the group when ``attributes`` or
        ``excludedAttributes`` ask for it (RFC 7644 §3.5.2).
        """
        organization = organization_of(request)
        actor = _idp_actor(request)
        change = groups.read_patch(request.data, group_id=group_id)
        members = change.members
        with transaction.atomic():
            self.hold_key(organization)
            team = self.get_team(organization, group_id, for_update=True)
            self.check_team_if_match(request, team)
            people = groups.resolve_members(
                organization, [*change.named, *members.remove], required=change.named, invalid=change.invalid
            )
            if change.display_name is not None or change.external_id is not None:
                update_team(team, by=actor, name=change.display_name, external_id=change.external_id)
            if members.whole is not None:
                # Two vendors saw Entra send a one-member replace they read as an add; keep RFC
                # semantics, and log each so real Entra logs can be checked (docs/protocol.md#group-pathless-rename).
                logger.info("replace of members of group %s with %d members", team.scim_id, len(members.whole))
                set_team_members(team, [people[i] for i in members.whole], by=actor)
            else:
                if members.remove:
                    remove_team_members(team, [people[i] for i in members.remove if i in people], by=actor)
                if members.add:
                    add_team_members(team, [people[i] for i in members.add], by=actor)
        if "attributes" in request.query_params or "excludedAttributes" in request.query_params:
            return self.group_response(team, request.query_params)
        return Response(status=204, headers={"ETag": groups.etag(team)})

    def delete(self, request: Request, group_id: str) -> Response:
        """Retire the team (RFC 7644 §3.6): 404 from now on, its name free, its history kept."""
        organization = organization_of(request)
        with transaction.atomic():
            self.hold_key(organization)
            team = self.get_team(organization, group_id, for_update=True)
            self.check_team_if_match(request, team)
            retire_team(team, by=_idp_actor(request))
        return Response(status=204)


ROOT_SEARCH["Group"] = functools.partial(search_groups, root=True)


class ServiceProviderConfig(ScimView):
    def get(self, request: Request) -> Response:
        return Response(schemas.service_provider_config(self.base_url()))


class ResourceTypeList(ScimView):
    def get(self, request: Request) -> Response:
        types = schemas.resource_types(self.base_url())
        return Response(schemas.list_response(types, total=len(types)))


class ResourceTypeDetail(ScimView):
    def get(self, request: Request, name: str) -> Response:
        for resource_type in schemas.resource_types(self.base_url()):
            if resource_type["id"].lower() == name.lower():
                return Response(resource_type)
        raise ScimError(404, f"Resource type {name} not found.")


class SchemaList(ScimView):
    def get(self, request: Request) -> Response:
        return Response(schemas.list_response(schemas.SCHEMAS, total=len(schemas.SCHEMAS)))


class SchemaDetail(ScimView):
    def get(self, request: Request, urn: str) -> Response:
        for schema in schemas.SCHEMAS:
            if schema["id"].lower() == urn.lower():
                return Response(schema)
        raise ScimError(404, f"Schema {urn} not found.")


class NotFound(ScimView):
    """Anything else under the SCIM base: a SCIM 404, never Django's HTML page."""

    def dispatch_any(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise ScimError(404, f"{request.path} is not a SCIM endpoint of Preciate; use /Users.")

    get = post = put = patch = delete = dispatch_any
