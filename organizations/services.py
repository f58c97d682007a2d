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

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from organizations.models import Department, Event, Location, Member, MemberEmail, Organization, Team

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
    event.save()
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


def _get_or_create_named(model: type[Named], organization: Organization, name: str) -> Named:
    name = name.strip()
    if not name:
        raise ValueError(f"A {model._meta.verbose_name} needs a name.")
    found = model.objects.filter(organization=organization, name__ci=name).first()
    if found is not None:
        return found
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
    """Save inside the caller's transaction, which an IntegrityError ends: its atomic block rolls back."""
    try:
        member.save(update_fields=fields)
    except IntegrityError as exc:
        raise UserNameTaken(
            {"user_name": f"Another person of this organization already has the userName {member.user_name}."}
        ) from exc


Email = tuple[str, str, bool]  # value, type, primary


def _sync_emails(member: Member, emails: list[Email], *, new: bool = False) -> None:
    """Replace the member's email rows (what SCIM filters on ``emails`` search)."""
    if not new:
        MemberEmail.objects.filter(member=member).delete()
    MemberEmail.objects.bulk_create(
        MemberEmail(organization_id=member.organization_id, member=member, value=v[:320], type=t[:64], primary=p)
        for v, t, p in emails
        if v
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
        record_event(
            member.organization,
            by=by,
            action="member.updated",
            member=member,
            summary=_summarize(changed),
            changes=changed,
        )
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


# -- The IdP: provisioning and SCIM deletes --------------------------------------------


@dataclass
class ProvisionedUser:
    """What an IdP says about a user, already translated to Preciate's fields."""

    user_name: str
    active: bool = True
    scim_data: dict[str, Any] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    # The SCIM id of the manager, "" to clear, None when the IdP did not say.
    manager_id: str | None = None
    emails: list[Email] = field(default_factory=list)


def _manager_for(organization: Organization, manager_id: str | None, member: Member | None) -> Member | None:
    if not manager_id:
        return None
    try:
        manager_uuid = uuid.UUID(str(manager_id))
    except ValueError:
        return None
    manager = Member.objects.scim_visible().filter(organization=organization, scim_id=manager_uuid).first()
    if manager is not None and member is not None and manager.pk == member.pk:
        return None
    return manager


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


# No savepoint: a SCIM write's view owns the transaction, and a failure here fails it whole.
@transaction.atomic(savepoint=False)
def provision_member(
    organization: Organization, user: ProvisionedUser, *, by: Actor, member: Member | None = None
) -> tuple[Member, bool]:
    """Create or update a member from the IdP; return (member, created).

    Without ``member`` (a SCIM POST): a person of that userName added by hand is adopted,
    a person whose SCIM resource was deleted returns (rehire, history kept), and an
    IdP-managed person raises UserNameTaken. An admin's removal is never lifted here.
    Nothing is written when the IdP resends what Preciate already has; everything else is
    one UPDATE of the member (``member`` is updated in place), email rows only when the
    emails changed, and the events.
    """
    values = dict(user.values)
    fields: list[str] = []
    created = False
    if member is None:
        # The live person first; else the most recently retired one, who returns.
        existing = (
            Member.objects.select_for_update()
            .filter(organization=organization, user_name__ci=user.user_name)
            .order_by(F("scim_deleted_at").desc(nulls_first=True))
            .first()
        )
        if existing is not None and existing.managed_by_idp and existing.scim_deleted_at is None:
            # Even an identical replay is refused: Microsoft's SCIM Validator requires 409 here.
            raise UserNameTaken(
                {"user_name": f"A user with userName {user.user_name} already exists in this organization."}
            )
        if existing is None:
            values["manager"] = _manager_for(organization, user.manager_id, None)
            member = _create_member(
                organization,
                by=by,
                user_name=user.user_name,
                managed_by_idp=True,
                scim_data=user.scim_data,
                idp_active=user.active,
                emails=user.emails,
                **values,
            )
            if not user.active:
                record_event(
                    organization, by=by, action="member.deactivated", member=member, summary="Created inactive"
                )
            return member, True
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
        else:
            record_event(
                organization,
                by=by,
                action="member.adopted",
                member=member,
                summary="Person added by hand is now managed by the identity provider",
            )
        created = True

    if user.manager_id is not None:
        current = member.manager if member.manager_id else None
        if current is None or str(current.scim_id) != user.manager_id:
            values["manager"] = _manager_for(organization, user.manager_id, member)
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
        record_event(
            organization, by=by, action="member.updated", member=member, summary=_summarize(changed), changes=changed
        )
    if active_changed:
        _record_active(member, by=by)
    return member, created


@transaction.atomic(savepoint=False)  # inside the SCIM view's transaction, as provision_member
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
