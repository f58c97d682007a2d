"""Every write to organizations, members, departments and locations.

Each function owns its transaction and writes the audit event. Portal views, SCIM,
Django admin actions and management commands all call these; nothing else writes
the models.

Longer than the house's ~400 lines on purpose: this module *is* the write path, so
listing its ``def``s lists every way a person, a department, a location or an
organization can change, and the writes share one core (``_resolve_places``,
``_apply_fields``, ``_save_unique``, ``record_event``) that a split would either
duplicate or export. The sections below, in order: who acts and the audit trail;
organizations and their admins; departments and locations; a member's fields; people
added, edited, removed and restored; the IdP; an organization's settings; retention.
"""

import functools
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import reduce
from operator import or_
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from organizations import prepared
from organizations.models import (
    Department,
    Event,
    Location,
    Member,
    MemberEmail,
    MemberQuerySet,
    Organization,
    Team,
    TeamMembership,
)

# -- Who acts, and the audit trail -----------------------------------------------------


@dataclass(frozen=True)
class Actor:
    """Who is making a change: an admin, the IdP, Preciate support or a command."""

    kind: str
    user: User | None = None
    label: str = ""

    @classmethod
    def admin(cls, user: User) -> "Actor":
        return cls(Event.ActorKind.ADMIN, user, user.get_username())

    @classmethod
    def idp(cls, label: str = "Identity provider (SCIM)") -> "Actor":
        return cls(Event.ActorKind.IDP, None, label)

    @classmethod
    def support(cls, user: User) -> "Actor":
        return cls(Event.ActorKind.SUPPORT, user, user.get_username())

    @classmethod
    def command(cls, label: str = "manage.py") -> "Actor":
        return cls(Event.ActorKind.COMMAND, None, label)


def record_event(organization: Organization, *, by: Actor, action: str, **details: Any) -> Event:
    """Write one event; ``details`` are ``build_event``'s (member, team, status, summary, …)."""
    event = build_event(organization, by=by, action=action, **details)
    prepared.insert(event)  # event.save(), without compiling the INSERT each time
    return event


def build_event(
    organization: Organization,
    *,
    by: Actor,
    action: str,
    member: Member | None = None,
    team: Team | None = None,
    user_name: str = "",
    status: int | None = None,
    summary: str = "",
    changes: dict[str, Any] | None = None,
) -> Event:
    """An unsaved event, for writes that record many at once with ``bulk_create``."""
    return Event(
        organization=organization,
        member=member,
        team=team,
        actor_kind=by.kind,
        actor_user=by.user,
        actor_label=by.label[:200],
        action=action,
        # An IdP's bad request may carry U+0000, which PostgreSQL text cannot hold.
        user_name=(user_name or (member.user_name if member else "")).replace("\x00", "")[:255],
        status=status,
        summary=summary.replace("\x00", ""),
        changes=changes or {},
    )


# -- Organizations and their admins ----------------------------------------------------


@transaction.atomic
def create_organization(
    *,
    slug: str,
    name: str,
    by: Actor,
    admin_email: str | None = None,
    admin_password: str | None = None,
    admin_given_name: str = "",
    admin_family_name: str = "",
) -> Organization:
    if Organization.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": f"An organization with slug {slug!r} already exists."})
    organization = Organization.objects.create(slug=slug, name=name)
    record_event(organization, by=by, action="organization.created", summary=f"Organization {name} created")
    if admin_email:
        create_admin(
            organization,
            email=admin_email,
            password=admin_password,
            by=by,
            given_name=admin_given_name,
            family_name=admin_family_name,
        )
    return organization


@transaction.atomic
def create_admin(
    organization: Organization,
    *,
    email: str,
    password: str | None,
    by: Actor,
    given_name: str = "",
    family_name: str = "",
) -> Member:
    """Create a portal login for a person of the organization (creating the person if new)."""
    User = get_user_model()
    # A login's username is the email lowered in Python, as the sign-in form lowers what is
    # typed (LoginForm), so look for that exact key as well as any case of the address.
    if User.objects.filter(Q(username=email.lower()) | Q(username__ci=email)).exists():
        raise ValidationError({"admin_email": f"A login for {email} already exists."})
    user = User.objects.create_user(username=email.lower(), email=email, password=password)
    member = Member.objects.filter(organization=organization, user_name__ci=email).first()
    if member is None:
        member = create_member(
            organization, by=by, user_name=email, email=email, given_name=given_name, family_name=family_name
        )
    member.user = user
    member.is_admin = True
    member.save(update_fields=["user", "is_admin", "updated_at"])
    record_event(organization, by=by, action="member.admin_granted", member=member, summary="Made an admin")
    return member


# -- Departments and locations ---------------------------------------------------------


def get_or_create_department(organization: Organization, name: str) -> Department:
    """Return the organization's department called ``name`` in any case, creating it on first use.

    A write, though it records no event of its own: a department comes into being only when
    a person is given it, and that person's event records "department set to …" and who set
    it; a department has nothing else to audit (nothing renames or deletes one).
    """
    return _get_or_create_named(Department, organization, name)


def get_or_create_location(organization: Organization, name: str) -> Location:
    """Return the organization's location called ``name`` in any case, creating it on first use.

    Records no event of its own, as for ``get_or_create_department``.
    """
    return _get_or_create_named(Location, organization, name)


Named = TypeVar("Named", Department, Location)


def _named(model: type[Named]) -> "prepared.Prepared[Named]":
    """The organization's department or location of a name, in any case: every SCIM POST and PUT asks."""

    def build(organization_id: int, name: str) -> QuerySet[Named]:
        # Unique in any case per organization (the model's constraint): no ORDER BY, which first() would add.
        return model.objects.filter(organization_id=organization_id, name__ci=name).order_by()[:1]

    return prepared.Prepared(build, organization_id=int, name=str)


_NAMED_LOOK_UPS: dict[type[Department] | type[Location], Any] = {
    Department: _named(Department),
    Location: _named(Location),
}


def _get_or_create_named(model: type[Named], organization: Organization, name: str) -> Named:
    name = name.strip()
    if not name:
        raise ValueError(f"A {model._meta.verbose_name} needs a name.")
    found = _NAMED_LOOK_UPS[model](organization_id=organization.pk, name=name)
    if found:
        return found[0]
    try:
        with transaction.atomic():
            return model.objects.create(organization=organization, name=name[:200])
    except IntegrityError:
        # Another transaction created it first.
        return model.objects.get(organization=organization, name__ci=name)


PLACES = {"department": get_or_create_department, "location": get_or_create_location}


def _resolve_places(member: Member, values: dict[str, Any]) -> dict[str, Any]:
    """Return ``values`` with a department or location given by name replaced by its record.

    This is where departments and locations are created, on first use. A blank name clears
    the field. The member's current record under exactly that name is kept without a
    look-up; any other case is for the database to match (organizations/lookups.py), as
    Python's lowercase is not the constraint's.
    """
    resolved = dict(values)
    for field_name, get_or_create in PLACES.items():
        value = values.get(field_name)
        if not isinstance(value, str):
            continue
        current = getattr(member, field_name)
        if not value.strip():
            resolved[field_name] = None
        elif current is not None and current.name == value.strip():
            resolved[field_name] = current
        else:
            resolved[field_name] = get_or_create(member.organization, value)
    return resolved


# -- A member's fields -----------------------------------------------------------------


class UserNameTaken(ValidationError):
    """Another member of the organization already has this userName."""


# Fields an admin or the IdP may change on a member, in the order they are reported.
EDITABLE_FIELDS = (
    "user_name",
    "external_id",
    "given_name",
    "family_name",
    "display_name",
    "email",
    "title",
    "employee_number",
    "department",
    "location",
    "manager",
)
FIELD_LABELS = {
    "user_name": "userName",
    "external_id": "external id",
    "given_name": "first name",
    "family_name": "last name",
    "display_name": "display name",
    "email": "email",
    "title": "title",
    "employee_number": "employee number",
    "department": "department",
    "location": "location",
    "manager": "manager",
}


def _describe(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, Member):
        return value.full_name or value.user_name
    return str(value)


def _apply_fields(member: Member, values: dict[str, Any]) -> dict[str, list[str]]:
    """Set the given fields on member; return {field: [old, new]} for what changed.

    Writes nothing to the database: ``values`` hold records, not names, for department and
    location (``_resolve_places`` turns names into records first, creating them).
    """
    organization = member.organization
    changed: dict[str, list[str]] = {}
    for name in EDITABLE_FIELDS:
        if name not in values:
            continue
        value = values[name]
        if (
            name == "manager"
            and value is not None
            and (value.organization_id != organization.id or value.pk == member.pk)
        ):
            raise ValidationError({"manager": "The manager must be another person of the same organization."})
        elif value is None and name not in ("department", "location", "manager"):
            value = ""
        old = getattr(member, name)
        if name in ("department", "location", "manager"):
            if (old.pk if old else None) == (value.pk if value else None):
                continue
        elif old == value:
            continue
        changed[name] = [_describe(old), _describe(value)]
        setattr(member, name, value)
    return changed


def _summarize(changed: dict[str, list[str]]) -> str:
    parts = []
    for name, (old, new) in changed.items():
        label = FIELD_LABELS.get(name, name)
        if old and new:
            parts.append(f"{label} changed from {old} to {new}")
        elif new:
            parts.append(f"{label} set to {new}")
        else:
            parts.append(f"{label} cleared (was {old})")
    return "; ".join(parts)


def _save_unique(member: Member, fields: list[str] | None = None) -> None:
    """Save inside the caller's transaction, which an IntegrityError ends: its atomic block rolls back.

    A new member is inserted, else ``fields`` are updated, by SQL written once per process
    (organizations/prepared.py): every SCIM POST, PUT and PATCH that changes something writes here.
    """
    try:
        if fields is None:
            prepared.insert(member)
        else:
            prepared.update(member, fields)
    except IntegrityError as exc:
        raise UserNameTaken(
            {"user_name": f"Another person of this organization already has the userName {member.user_name}."}
        ) from exc


Email = tuple[str, str, bool]  # value, type, primary


def _sync_emails(member: Member, emails: list[Email], *, new: bool = False) -> None:
    """Replace the member's email rows (what SCIM filters on ``emails`` search)."""
    if not new:
        MemberEmail.objects.filter(member=member).delete()
    prepared.insert(
        *(
            MemberEmail(organization_id=member.organization_id, member=member, value=v[:320], type=t[:64], primary=p)
            for v, t, p in emails
            if v
        )
    )


def _own_email(member: Member) -> list[Email]:
    return [(member.email, "work", True)] if member.email else []


# -- People: added, edited, removed and restored ---------------------------------------


def _create_member(
    organization: Organization,
    *,
    by: Actor,
    user_name: str,
    managed_by_idp: bool = False,
    scim_data: dict[str, Any] | None = None,
    idp_active: bool = True,
    emails: list[Email] | None = None,
    manager_reference: str = "",
    **values: Any,
) -> Member:
    user_name = user_name.strip()
    if not user_name:
        raise ValidationError({"user_name": "A userName is required."})
    member = Member(
        organization=organization,
        user_name=user_name,
        managed_by_idp=managed_by_idp,
        scim_data=scim_data or {},
        idp_active=idp_active,
        manager_reference=manager_reference[:320],
    )
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown member fields: {sorted(unknown)}")
    _apply_fields(member, _resolve_places(member, values))
    _save_unique(member)
    _sync_emails(member, _own_email(member) if emails is None else emails, new=True)
    source = "by the identity provider" if by.kind == Event.ActorKind.IDP else f"by {by.label}".rstrip()
    record_event(
        organization,
        by=by,
        action="member.created",
        member=member,
        summary=f"Created {source}",
        changes={k: ["", _describe(getattr(member, k))] for k in values if getattr(member, k)},
    )
    if member.manager is not None:
        _record_manager(member, ["", _describe(member.manager)], by=by)
    if member.manager_reference:
        _record_unresolved(member, by=by)
    _link_waiting_reports(member, by=by)
    return member


# provision_member runs the body inside its caller's transaction, without a savepoint.
create_member = transaction.atomic(_create_member)


@transaction.atomic
def update_member(member: Member, *, by: Actor, **values: Any) -> Member:
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown member fields: {sorted(unknown)}")
    if "user_name" in values and not (values["user_name"] or "").strip():
        raise ValidationError({"user_name": "A userName is required."})
    # Apply the edit to the row as it is now, and write only what the edit changed: a copy
    # loaded when the form was shown must not undo a removal, a SCIM delete or an adoption
    # that committed since.
    Member.objects.select_for_update().filter(pk=member.pk).exists()
    member.refresh_from_db()
    changed = _apply_fields(member, _resolve_places(member, values))
    if changed:
        _save_unique(member, [*changed, "updated_at"])
        if "email" in changed and not member.managed_by_idp:
            _sync_emails(member, _own_email(member))
        _record_update(member, changed, by=by)
        if changed.keys() & MANAGER_KEY_FIELDS:
            _link_waiting_reports(member, by=by)
    return member


@transaction.atomic
def remove_member(member: Member, *, by: Actor) -> Member:
    """Remove the person from the organization by a local decision that later syncs keep."""
    if member.admin_removed_at is not None:
        return member
    member.admin_removed_at = timezone.now()
    member.admin_removed_by = by.user
    member.save(update_fields=["admin_removed_at", "admin_removed_by", "updated_at"])
    record_event(member.organization, by=by, action="member.removed", member=member, summary=f"Removed by {by.label}")
    return member


@transaction.atomic
def remove_members(organization: Organization, members: list[Member], *, by: Actor) -> int:
    removed = 0
    for member in members:
        if member.organization_id != organization.id:
            raise ValidationError("A person of another organization cannot be removed here.")
        if member.admin_removed_at is None:
            remove_member(member, by=by)
            removed += 1
    return removed


@transaction.atomic
def restore_member(member: Member, *, by: Actor) -> Member:
    """Lift an admin's removal; the IdP's own active state still applies."""
    if member.admin_removed_at is None:
        return member
    member.admin_removed_at = None
    member.admin_removed_by = None
    member.save(update_fields=["admin_removed_at", "admin_removed_by", "updated_at"])
    record_event(member.organization, by=by, action="member.restored", member=member, summary=f"Restored by {by.label}")
    return member


def _record_update(member: Member, changed: dict[str, list[str]], *, by: Actor) -> None:
    """The events for fields just saved: member.updated, and the manager's own event."""
    rest = {name: change for name, change in changed.items() if name != "manager"}
    if rest:
        record_event(
            member.organization,
            by=by,
            action="member.updated",
            member=member,
            summary=_summarize(rest),
            changes=rest,
        )
    if "manager" in changed:
        _record_manager(member, changed["manager"], by=by)


# -- Managers: named by id or by another key, linked now or on arrival ------------------

# Fields a manager may be named by besides the SCIM id; a change of one may link people
# waiting for that manager (docs/protocol.md#manager-references).
_MANAGER_KEYS_IN_ORDER = ("user_name", "email", "external_id", "employee_number")
MANAGER_KEY_FIELDS = frozenset(_MANAGER_KEYS_IN_ORDER)
MANAGER_KEY_LABELS = {
    "id": "id",
    "user_name": "userName",
    "email": "email",
    "external_id": "externalId",
    "employee_number": "employee number",
}


def _naming(key: str) -> list[tuple[str, Q]]:
    """Each way ``key`` may name a person, best first.

    Entra names a manager by our SCIM id; Okta and custom mappings by userName, email,
    externalId or employee number. userName and email match in any case (as the unique
    constraint and the SCIM filters do), externalId exactly (RFC 7643 §3.1: caseExact), and
    the employee number exactly.
    """
    conditions = [
        ("user_name", Q(user_name__ci=key)),
        ("email", Q(email__ci=key)),
        ("external_id", Q(external_id=key)),
        ("employee_number", Q(employee_number=key)),
    ]
    scim_id = _as_uuid(key)
    return [("id", Q(scim_id=scim_id)), *conditions] if scim_id is not None else conditions


def _as_uuid(key: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(key)
    except ValueError:
        return None


def names_member(person: Member, key: str) -> bool:
    """Does ``key`` name ``person`` (a loaded row, no query)? The manager's read-back asks this.

    Lowers in Python, which disagrees with the database only on rare letters (lookups.py);
    a miss there costs one look-up that finds the same person.
    """
    key = key.strip()
    if not key:
        return False
    return (
        key == str(person.scim_id)
        or key.lower() in (person.user_name.lower(), person.email.lower())
        or key in (person.external_id, person.employee_number)
    )


def find_manager(organization: Organization, key: str) -> tuple[Member, str] | None:
    """The person of ``organization`` that ``key`` names, and by which field; None if nobody.

    One indexed query. Raises ValidationError when the best way it names someone names
    two people (two people sharing a work email, say): linking either would be a guess.
    """
    naming = _naming(key)
    rank = Case(*(When(q, then=Value(i)) for i, (_, q) in enumerate(naming)), output_field=IntegerField())
    found = list(
        Member.objects.scim_visible()
        .filter(organization=organization)
        .filter(reduce(or_, (q for _, q in naming)))
        .annotate(rank=rank)
        .order_by("rank", "pk")[:2]
    )
    if not found:
        return None
    best = found[0]
    label = naming[best.rank][0]
    if len(found) > 1 and found[1].rank == best.rank:
        raise ValidationError(
            f"The manager {key!r} matches more than one person of {organization.name} by "
            f"{MANAGER_KEY_LABELS[label]}; send a key that names one person, such as the manager's userName."
        )
    return best, label


def _manager_from_idp(organization: Organization, key: str, member: Member | None) -> tuple[Member | None, str]:
    """The manager the IdP names by ``key``, and the key to keep waiting while it names nobody.

    An id-shaped key (our SCIM id is a UUID) that names nobody of the organization is an
    error the IdP must see: Entra sends only ids of people it provisioned, so the person is
    missing or of another organization, and it retries a 400. Any other key waits for its
    person to arrive. A key the member already waits on (resent unchanged by a PATCH of
    something else, or a PUT) is looked up again, and never refused.
    """
    key = key.strip()
    if not key:
        return None, ""
    linked = member.manager if member is not None and member.manager_id is not None else None
    if linked is not None and names_member(linked, key):
        return linked, ""  # the manager already linked, resent: no query
    waiting_already = member is not None and member.manager_reference == key
    try:
        found = find_manager(organization, key)
    except ValidationError:
        if waiting_already:
            return None, key
        raise
    if found is not None:
        manager, _ = found
        if member is not None and manager.pk == member.pk:
            raise ValidationError(f"The manager {key!r} is this user; a person cannot be their own manager.")
        return manager, ""
    if _as_uuid(key) is not None and not waiting_already:
        raise ValidationError(
            f"The manager {key!r} is no user of {organization.name}: provision the manager first, "
            "or send the id Preciate returned for them."
        )
    return None, key


def _idp_name(by: Actor) -> str:
    return by.label if by.kind == Event.ActorKind.IDP and by.label in ("Okta", "Microsoft Entra ID") else "Entra/Okta"


def _record_unresolved(member: Member, *, by: Actor) -> None:
    """What an admin sees on the provisioning page and the person page: what to fix."""
    record_event(
        member.organization,
        by=by,
        action="manager.unresolved",
        member=member,
        summary=(
            f"Manager {member.manager_reference!r} matches nobody in {member.organization.name}; "
            f"provision that person or fix the manager mapping in {_idp_name(by)}"
        ),
    )


def _record_manager(member: Member, change: list[str], *, by: Actor) -> None:
    """manager.linked (a new manager, replacing any other) or manager.unlinked, with who."""
    old, new = change
    if new:
        summary = f"Manager set to {new}" + (f" (was {old})" if old else "")
        action = "manager.linked"
    else:
        summary = f"Manager {old} unlinked"
        if member.manager_reference:
            summary += f": the identity provider now names {member.manager_reference!r}, who matches nobody yet"
        action = "manager.unlinked"
    record_event(
        member.organization,
        by=by,
        action=action,
        member=member,
        summary=summary,
        changes={"manager": [old, new]},
    )


@functools.cache
def _waiting_for(keys: tuple[str, ...]) -> "prepared.Prepared[Member]":
    """The people of an organization waiting for a manager of these keys (their values as arguments), locked.

    Every SCIM POST asks, so the statement is prepared once per combination of keys present.
    """

    def build(organization_id: int, pk: int, **values: str) -> MemberQuerySet:
        conditions = []
        for name, value in values.items():
            if name in ("user_name", "email"):
                conditions.append(Q(manager_reference__ci=value))
            else:
                # Exactly, yet through the index on the lowered text, like the two above.
                conditions.append(Q(manager_reference__ci=value, manager_reference=value))
        return (
            Member.objects.select_for_update()
            .filter(organization_id=organization_id)
            .waiting_for_manager()
            .filter(reduce(or_, conditions))
            .exclude(pk=pk)
            .order_by("pk")
        )

    return prepared.Prepared(build, organization_id=int, pk=int, **dict.fromkeys(keys, str))


def _link_waiting_reports(person: Member, *, by: Actor) -> None:
    """Link everyone waiting for a manager that ``person`` now answers to: one indexed query.

    Within the person's organization only; the partial index holds only people waiting.
    """
    if person.scim_deleted_at is not None:
        return
    keys = {name: getattr(person, name) for name in _MANAGER_KEYS_IN_ORDER if getattr(person, name)}
    waiting = _waiting_for(tuple(keys))(organization_id=person.organization_id, pk=person.pk, **keys)
    if not waiting:
        return
    Member.objects.filter(pk__in=[r.pk for r in waiting]).update(
        manager=person, manager_reference="", updated_at=timezone.now()
    )
    for report in waiting:
        record_event(
            person.organization,
            by=by,
            action="manager.linked",
            member=report,
            summary=f"Manager set to {_describe(person)}: {report.manager_reference!r} now names them",
            changes={"manager": [report.manager_reference, _describe(person)]},
        )


# -- The IdP: provisioning and SCIM deletes --------------------------------------------


@dataclass
class ProvisionedUser:
    """What an IdP says about a user, already translated to Preciate's fields."""

    user_name: str
    active: bool = True
    scim_data: dict[str, Any] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    # The manager as the IdP names them (our SCIM id, or a userName, email, externalId or
    # employee number), "" to clear, None when the IdP did not say.
    manager_id: str | None = None
    emails: list[Email] = field(default_factory=list)


def _record_active(member: Member, *, by: Actor) -> None:
    """The event for the IdP's change of ``member.idp_active``, already saved."""
    if member.idp_active:
        summary = "Reactivated by the identity provider"
        if member.admin_removed_at is not None:
            summary += " (stays removed: an admin removed this person)"
        record_event(member.organization, by=by, action="member.reactivated", member=member, summary=summary)
    else:
        record_event(
            member.organization,
            by=by,
            action="member.deactivated",
            member=member,
            summary="Deactivated by the identity provider: removed from the organization",
        )


class Provisioned(StrEnum):
    """What ``provision_member`` did; true when the IdP's resource was created (a 201)."""

    NEW = "new"  # a new person: in no team yet
    ADOPTED = "adopted"  # a person added by hand, now the IdP's, in the teams they were in
    REHIRED = "rehired"  # a person whose resource was deleted, provisioned again
    UPDATED = ""  # an existing resource, updated


# Who holds a userName, locked: the live person first, else the most recently retired one.
# Every SCIM POST asks, so the statement is prepared once per process.
_HOLDER_OF_USER_NAME: "prepared.Prepared[Member]" = prepared.Prepared(
    lambda organization_id, user_name: (
        Member.objects.select_for_update()
        .filter(organization_id=organization_id, user_name__ci=user_name)
        .order_by(F("scim_deleted_at").desc(nulls_first=True), "pk")[:1]
    ),
    organization_id=int,
    user_name=str,
)


# No savepoint: a SCIM write's view owns the transaction, and a failure here fails it whole.
@transaction.atomic(savepoint=False)
def provision_member(
    organization: Organization, user: ProvisionedUser, *, by: Actor, member: Member | None = None
) -> tuple[Member, "Provisioned"]:
    """Create or update a member from the IdP; return the member and what was done (``Provisioned``).

    Without ``member`` (a SCIM POST): a person of that userName added by hand is adopted,
    a person whose SCIM resource was deleted returns (rehire, history kept), and an
    IdP-managed person raises UserNameTaken. An admin's removal is never lifted here.
    Nothing is written when the IdP resends what Preciate already has; everything else is
    one UPDATE of the member (``member`` is updated in place), email rows only when the
    emails changed, and the events.
    """
    values = dict(user.values)
    fields: list[str] = []
    created = Provisioned.UPDATED
    if member is None:
        # The live person first; else the most recently retired one, who returns.
        found = _HOLDER_OF_USER_NAME(organization_id=organization.pk, user_name=user.user_name)
        existing = found[0] if found else None
        if existing is not None and existing.managed_by_idp and existing.scim_deleted_at is None:
            # Even an identical replay is refused: Microsoft's SCIM Validator requires 409 here.
            raise UserNameTaken(
                {"user_name": f"A user with userName {user.user_name} already exists in this organization."}
            )
        if existing is None:
            values["manager"], waiting = _manager_from_idp(organization, user.manager_id or "", None)
            member = _create_member(
                organization,
                by=by,
                user_name=user.user_name,
                managed_by_idp=True,
                scim_data=user.scim_data,
                idp_active=user.active,
                emails=user.emails,
                manager_reference=waiting,
                **values,
            )
            if not user.active:
                record_event(
                    organization, by=by, action="member.deactivated", member=member, summary="Created inactive"
                )
            return member, Provisioned.NEW
        member = existing
        if member.scim_deleted_at is not None:
            member.scim_id = uuid.uuid4()
            member.scim_deleted_at = None
            fields += ["scim_id", "scim_deleted_at"]
            record_event(
                organization,
                by=by,
                action="member.rehired",
                member=member,
                summary="Provisioned again: history reattached",
            )
            _leave_idp_teams(member, by=by)
            created = Provisioned.REHIRED
        else:
            record_event(
                organization,
                by=by,
                action="member.adopted",
                member=member,
                summary="Person added by hand is now managed by the identity provider",
            )
            created = Provisioned.ADOPTED

    newly_waiting = False
    if user.manager_id is not None:
        values["manager"], waiting = _manager_from_idp(organization, user.manager_id, member)
        if waiting != member.manager_reference:
            newly_waiting = bool(waiting)
            member.manager_reference = waiting
            fields.append("manager_reference")
    values["user_name"] = user.user_name
    emails_changed = not member.managed_by_idp or member.scim_data.get("emails") != user.scim_data.get("emails")
    if not member.managed_by_idp:
        member.managed_by_idp = True
        fields.append("managed_by_idp")
    if member.scim_data != user.scim_data:
        member.scim_data = user.scim_data
        fields.append("scim_data")
    changed = _apply_fields(member, _resolve_places(member, values))
    fields += list(changed)
    active_changed = member.idp_active != user.active
    if active_changed:
        member.idp_active = user.active
        fields.append("idp_active")
    if fields:
        _save_unique(member, [*fields, "updated_at"])
    if emails_changed or created:
        _sync_emails(member, user.emails)
    if changed:
        _record_update(member, changed, by=by)
    if newly_waiting:
        _record_unresolved(member, by=by)
    if active_changed:
        _record_active(member, by=by)
    if created or changed.keys() & MANAGER_KEY_FIELDS:
        _link_waiting_reports(member, by=by)
    return member, created


@transaction.atomic(savepoint=False)  # inside the SCIM view's transaction, as provision_member
def _leave_idp_teams(member: Member, *, by: Actor) -> None:
    """A deleted person provisioned again starts in none of the IdP's teams.

    Entra sends no member removals for a deleted user (docs/protocol.md#group-membership-survives-deactivation),
    so the old memberships may be stale; it adds the new resource to the groups it still assigns.
    """
    left = list(Team.objects.filter(managed_by_idp=True, memberships__member=member))
    if not left:
        return
    TeamMembership.objects.filter(member=member, team__in=left).delete()
    Event.objects.bulk_create(
        [
            build_event(
                member.organization,
                by=by,
                action="team.member_removed",
                member=member,
                team=team,
                summary=f"Removed from {team.name}: deleted by {by.label} and provisioned again",
            )
            for team in left
        ]
    )


def delete_scim_member(member: Member, *, by: Actor) -> Member:
    """Retire the member's SCIM resource and remove them; the record and history stay."""
    member.scim_deleted_at = timezone.now()
    member.save(update_fields=["scim_deleted_at", "updated_at"])
    record_event(
        member.organization,
        by=by,
        action="member.deleted",
        member=member,
        summary="Deleted by the identity provider: removed from the organization",
    )
    return member


# -- An organization's settings --------------------------------------------------------


@transaction.atomic
def set_location_source(organization: Organization, source: str, *, by: Actor) -> Organization:
    if source not in Organization.LocationSource.values:
        raise ValidationError({"location_source": f"Unknown location source {source!r}."})
    old = organization.location_source
    if old != source:
        organization.location_source = source
        organization.save(update_fields=["location_source"])
        record_event(
            organization,
            by=by,
            action="organization.updated",
            summary=f"Location now comes from {source} (was {old})",
        )
    return organization


@transaction.atomic
def update_organization(organization: Organization, *, by: Actor, name: str, slug: str) -> Organization:
    """Rename the organization or change its slug, and record what changed.

    Updates ``organization`` in place: it is reloaded under a row lock first, so values a
    form already set on it are compared with what is stored, not with themselves.
    """
    name = name.strip()
    slug = slug.strip()
    if not name:
        raise ValidationError({"name": "A name is required."})
    if not slug:
        raise ValidationError({"slug": "A slug is required."})
    Organization.objects.select_for_update().filter(pk=organization.pk).exists()
    organization.refresh_from_db()
    if slug != organization.slug and Organization.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": f"An organization with slug {slug!r} already exists."})
    changed = {
        field: [getattr(organization, field), value]
        for field, value in (("name", name), ("slug", slug))
        if getattr(organization, field) != value
    }
    if changed:
        for field, (_, value) in changed.items():
            setattr(organization, field, value)
        organization.save(update_fields=list(changed))
        record_event(
            organization,
            by=by,
            action="organization.updated",
            summary=_summarize(changed),
            changes=changed,
        )
    return organization


# -- Retention -------------------------------------------------------------------------


def prune_events(*, before: datetime, batch_size: int = 1000) -> int:
    """Delete events created before ``before``, in batches; return how many went.

    Each batch is its own short transaction, so a large backlog never holds one long
    lock on the event table and a cron run interrupted halfway keeps what it did.
    """
    pruned = 0
    while True:
        ids = list(Event.objects.filter(created_at__lt=before).order_by("id").values_list("id", flat=True)[:batch_size])
        if not ids:
            return pruned
        with transaction.atomic():
            pruned += Event.objects.filter(id__in=ids).delete()[0]
