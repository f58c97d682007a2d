"""Every write to teams and their members, with its audit event.

A team is an IdP's group (SCIM /Groups) or one an admin made by hand. The IdP sees and
changes only the teams it manages; an admin changes only the teams made by hand. When the
IdP creates a group whose name a hand-made team already has, the team is adopted rather
than duplicated, as people are. Memberships stay on record when a person leaves the
organization (counts use ``Member.objects.present()``); a retired team keeps its members
and history and frees its name.

Member writes cost one statement per kind of row whatever the team's size: an Entra batch
of 100 members into a 50,000-member team reads and writes only those 100.
Each function owns its transaction, or runs inside the SCIM view's, which holds the team's
row lock.
"""

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from organizations.models import Event, Member, Organization, Team, TeamMembership
from organizations.services import Actor, build_event, record_event

NAME_MAX_LENGTH = Team._meta.get_field("name").max_length or 255


class TeamNameTaken(ValidationError):
    """Another current team of the organization has this name, in any case."""

    def __init__(self, name: str) -> None:
        super().__init__({"name": f"A team named {name!r} already exists in this organization."})
        self.name = name


class TeamManagedByIdp(ValidationError):
    """An admin tried to change a team that follows the identity provider."""

    def __init__(self, team: Team) -> None:
        super().__init__(
            f"{team.name} is managed by your identity provider: change its name and members there, "
            "and the next provisioning cycle brings the change here."
        )


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "A team needs a name."})
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError({"name": f"A team name has at most {NAME_MAX_LENGTH} characters."})
    return name


def _name_taken(organization: Organization, name: str, *, other_than: Team | None = None) -> Team | None:
    clash = Team.objects.current().filter(organization=organization, name__ci=name)
    if other_than is not None:
        clash = clash.exclude(pk=other_than.pk)
    return clash.first()


def _check_editable(team: Team, by: Actor) -> None:
    if team.retired_at is not None:
        raise ValidationError(f"{team.name} was retired; it can no longer change.")
    if by.kind == Event.ActorKind.IDP and not team.managed_by_idp:
        raise ValidationError(f"{team.name} was made by hand in Preciate; the identity provider cannot change it.")
    if by.kind == Event.ActorKind.ADMIN and team.managed_by_idp:
        raise TeamManagedByIdp(team)


def _touch(team: Team) -> None:
    """A membership change is a change of the group: its lastModified and ETag move."""
    team.updated_at = timezone.now()
    Team.objects.filter(pk=team.pk).update(updated_at=team.updated_at)


# -- Teams -----------------------------------------------------------------------------


@transaction.atomic
def create_team(
    organization: Organization,
    *,
    by: Actor,
    name: str,
    external_id: str = "",
    scim_data: dict[str, Any] | None = None,
    managed_by_idp: bool | None = None,
) -> Team:
    """A new team; by the IdP, a hand-made team of the same name is adopted instead.

    The IdP's teams are its to manage and everyone else's are made by hand, unless
    ``managed_by_idp`` says otherwise: the demo seed shows an IdP's team without
    recording a request from an IdP that never called (keys/health.py reads those).
    """
    name = _clean_name(name)
    by_idp = by.kind == Event.ActorKind.IDP if managed_by_idp is None else managed_by_idp
    existing = _name_taken(organization, name)
    if existing is not None:
        if not (by_idp and not existing.managed_by_idp):
            raise TeamNameTaken(name)
        existing.managed_by_idp = True
        existing.name = name
        existing.external_id = external_id
        existing.scim_data = scim_data or {}
        existing.save(update_fields=["managed_by_idp", "name", "external_id", "scim_data", "updated_at"])
        record_event(
            organization,
            by=by,
            action="team.adopted",
            team=existing,
            summary=f"{name}, made by hand, is now managed by {by.label}",
        )
        return existing
    try:
        with transaction.atomic():
            team = Team.objects.create(
                organization=organization,
                name=name,
                external_id=external_id,
                managed_by_idp=by_idp,
                scim_data=scim_data or {},
            )
    except IntegrityError:
        # Another request created the name between the look-up and the insert.
        raise TeamNameTaken(name) from None
    record_event(organization, by=by, action="team.created", team=team, summary=f"Created by {by.label}")
    return team


@transaction.atomic
def update_team(
    team: Team,
    *,
    by: Actor,
    name: str | None = None,
    external_id: str | None = None,
    scim_data: dict[str, Any] | None = None,
) -> Team:
    """Rename a team or change its external id; nothing is written when nothing changes."""
    _check_editable(team, by)
    fields: list[str] = []
    old_name = team.name
    if name is not None:
        name = _clean_name(name)
        if name != team.name:
            if name.casefold() != team.name.casefold() and _name_taken(team.organization, name, other_than=team):
                raise TeamNameTaken(name)
            team.name = name
            fields.append("name")
    if external_id is not None and external_id != team.external_id:
        team.external_id = external_id
        fields.append("external_id")
    if scim_data is not None and scim_data != team.scim_data:
        team.scim_data = scim_data
        fields.append("scim_data")
    if not fields:
        return team
    try:
        with transaction.atomic():
            team.save(update_fields=[*fields, "updated_at"])
    except IntegrityError:
        raise TeamNameTaken(team.name) from None
    if "name" in fields:
        record_event(
            team.organization,
            by=by,
            action="team.renamed",
            team=team,
            summary=f"Renamed from {old_name} to {team.name}",
            changes={"name": [old_name, team.name]},
        )
    if "external_id" in fields:
        record_event(team.organization, by=by, action="team.updated", team=team, summary="externalId changed")
    return team


@transaction.atomic
def retire_team(team: Team, *, by: Actor) -> Team:
    """Retire a team: it leaves every list, keeps its members and history, and frees its name."""
    _check_editable(team, by)
    team.retired_at = timezone.now()
    team.save(update_fields=["retired_at", "updated_at"])
    record_event(team.organization, by=by, action="team.retired", team=team, summary=f"Retired by {by.label}")
    return team


# -- Members ---------------------------------------------------------------------------


def _distinct_members(team: Team, members: Sequence[Member]) -> list[Member]:
    seen: dict[int, Member] = {}
    for member in members:
        if member.organization_id != team.organization_id:
            raise ValidationError(
                f"{member} is not a person of {team.organization}; only its own people join its teams."
            )
        seen.setdefault(member.pk, member)
    return list(seen.values())


def _record_each(team: Team, members: list[Member], *, by: Actor, action: str, summary: str) -> None:
    Event.objects.bulk_create(
        [build_event(team.organization, by=by, action=action, member=m, team=team, summary=summary) for m in members]
    )


def _insert(team: Team, members: list[Member], *, by: Actor) -> None:
    TeamMembership.objects.bulk_create(
        [TeamMembership(organization_id=team.organization_id, team=team, member=m) for m in members],
        ignore_conflicts=True,
    )
    _record_each(team, members, by=by, action="team.member_added", summary=f"Added to {team.name} by {by.label}")


def _delete(team: Team, members: list[Member], *, by: Actor) -> None:
    TeamMembership.objects.filter(team=team, member_id__in=[m.pk for m in members]).delete()
    _record_each(team, members, by=by, action="team.member_removed", summary=f"Removed from {team.name} by {by.label}")


def _member_ids(team: Team, members: list[Member]) -> set[int]:
    return set(
        TeamMembership.objects.filter(team=team, member_id__in=[m.pk for m in members]).values_list(
            "member_id", flat=True
        )
    )


# The member writes check first, then write without a savepoint: inside the SCIM view's
# transaction a batch then costs no SAVEPOINT/RELEASE pair, and a refusal raised before any
# write leaves the caller's transaction usable (a portal form shows the error and goes on).


def add_team_members(team: Team, members: Sequence[Member], *, by: Actor) -> list[Member]:
    """Add people to a team; those already in it are left alone. Returns those added."""
    _check_editable(team, by)
    wanted = _distinct_members(team, members)
    if not wanted:
        return []
    with transaction.atomic(savepoint=False):
        present = _member_ids(team, wanted)
        added = [m for m in wanted if m.pk not in present]
        if added:
            _insert(team, added, by=by)
            _touch(team)
    return added


def remove_team_members(team: Team, members: Sequence[Member], *, by: Actor) -> list[Member]:
    """Take people out of a team; those not in it are left alone. Returns those removed."""
    _check_editable(team, by)
    named = _distinct_members(team, members)
    if not named:
        return []
    with transaction.atomic(savepoint=False):
        present = _member_ids(team, named)
        removed = [m for m in named if m.pk in present]
        if removed:
            _delete(team, removed, by=by)
            _touch(team)
    return removed


def set_team_members(team: Team, members: Sequence[Member], *, by: Actor) -> tuple[list[Member], list[Member]]:
    """Make the team's members exactly ``members`` (a SCIM PUT or ``replace members``).

    Returns (added, removed). Reads the team's member ids once; only the people who leave
    are loaded.
    """
    _check_editable(team, by)
    wanted = _distinct_members(team, members)
    with transaction.atomic(savepoint=False):
        current = set(TeamMembership.objects.filter(team=team).values_list("member_id", flat=True))
        wanted_ids = {m.pk for m in wanted}
        added = [m for m in wanted if m.pk not in current]
        leaving = current - wanted_ids
        removed = list(Member.objects.filter(pk__in=leaving)) if leaving else []
        if added:
            _insert(team, added, by=by)
        if removed:
            _delete(team, removed, by=by)
        if added or removed:
            _touch(team)
    return added, removed
