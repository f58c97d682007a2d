"""The organization domain: organizations, their people, departments, locations, teams, events."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower


class Organization(models.Model):
    class LocationSource(models.TextChoices):
        OFFICE = "office", "Office (work address), falling back to city"
        CITY = "city", "City (work address locality)"
        COUNTRY = "country", "Country (work address country)"

    slug = models.SlugField(max_length=63, unique=True)
    name = models.CharField(max_length=200)
    location_source = models.CharField(max_length=16, choices=LocationSource.choices, default=LocationSource.OFFICE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="departments")
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint("organization", Lower("name"), name="department_name_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.name


class Location(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="locations")
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint("organization", Lower("name"), name="location_name_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.name


# Part of the organization now (Member.State.ACTIVE): the present() filter and the condition
# of the partial index that counts headcount, which must be the same.
PRESENT = Q(idp_active=True, admin_removed_at__isnull=True, scim_deleted_at__isnull=True)


class MemberQuerySet(models.QuerySet["Member"]):
    """The people in each ``Member.State``, one method each, and the directory's search.

    Each state method is the database form of ``Member.state``; a test checks the two agree
    on every combination of the three facts (tests/organizations/test_models.py).
    """

    def present(self) -> "MemberQuerySet":
        """``Member.State.ACTIVE``: part of the organization now: counted, listed, may sign in."""
        return self.filter(PRESENT)

    def removed_by_idp(self) -> "MemberQuerySet":
        """``Member.State.REMOVED_BY_IDP``: deactivated or deleted by the IdP, and not removed by an admin."""
        return self.filter(admin_removed_at__isnull=True).filter(Q(idp_active=False) | Q(scim_deleted_at__isnull=False))

    def removed_by_admin(self) -> "MemberQuerySet":
        """``Member.State.REMOVED_BY_ADMIN``: an admin's removal, which decides whatever the IdP says."""
        return self.filter(admin_removed_at__isnull=False)

    def in_state(self, state: str) -> "MemberQuerySet":
        """The people in ``state`` (a ``Member.State`` value); ValueError for any other."""
        by_state = {
            Member.State.ACTIVE: self.present,
            Member.State.REMOVED_BY_IDP: self.removed_by_idp,
            Member.State.REMOVED_BY_ADMIN: self.removed_by_admin,
        }
        return by_state[Member.State(state)]()

    def scim_visible(self) -> "MemberQuerySet":
        """Every SCIM resource that has not been retired by a SCIM DELETE."""
        return self.filter(scim_deleted_at__isnull=True)

    def waiting_for_manager(self) -> "MemberQuerySet":
        """People whose IdP named a manager who matches nobody yet (a small partial index)."""
        return self.exclude(manager_reference="")

    def with_address(self, text: str) -> "MemberQuerySet":
        """People whose userName or work email is ``text``, in any case (both indexed)."""
        text = text.strip()
        return self.filter(Q(user_name__ci=text) | Q(email__ci=text))

    def search(self, text: str) -> "MemberQuerySet":
        """Match what an admin or support types against indexed columns only.

        An address (anything with "@") is matched exactly against userName and email through
        the case-insensitive indexes; anything else matches the start of a first, last or
        display name, or a userName exactly.
        """
        text = text.strip()
        if "@" in text:
            # Resolve the matches first through the two indexes; OR-ed into the name-ordered page
            # query, PostgreSQL walked the whole name index instead (1.1 s at 300k people).
            matches = self.with_address(text).order_by()
            return self.filter(pk__in=list(matches.values_list("pk", flat=True)[:1000]))
        condition = (
            Q(user_name__ci=text)
            | Q(given_name__ci_startswith=text)
            | Q(family_name__ci_startswith=text)
            | Q(display_name__ci_startswith=text)
        )
        first, _, rest = text.partition(" ")
        if rest.strip():
            condition |= Q(given_name__ci_startswith=first, family_name__ci_startswith=rest.strip())
        return self.filter(condition)


class Member(models.Model):
    """A person of an organization.

    Three independent facts decide whether the person is part of the organization:
    ``idp_active`` (what the IdP set, echoed back to it unchanged), ``admin_removed_at``
    (a local admin decision that wins over sync) and ``scim_deleted_at`` (the IdP
    retired the SCIM resource). The record and its history are never erased. Together they
    make one ``State``, the one the portal, its filters and Django admin show.
    """

    class State(models.TextChoices):
        ACTIVE = "active", "Active"
        REMOVED_BY_IDP = "removed_by_idp", "Removed by the IdP"
        REMOVED_BY_ADMIN = "removed_by_admin", "Removed by an admin"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="members")
    # The public SCIM id. Replaced by a fresh one when a deleted resource is re-provisioned,
    # so a retired id is never reused.
    scim_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user_name = models.CharField("userName", max_length=255)
    external_id = models.CharField("externalId", max_length=255, blank=True, default="")
    given_name = models.CharField(max_length=150, blank=True, default="")
    family_name = models.CharField(max_length=150, blank=True, default="")
    display_name = models.CharField(max_length=300, blank=True, default="")
    email = models.CharField("work email", max_length=320, blank=True, default="")
    title = models.CharField(max_length=200, blank=True, default="")
    employee_number = models.CharField(max_length=100, blank=True, default="")
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="members")
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.SET_NULL, related_name="members")
    manager = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports")
    # The manager as the IdP named them (a userName, email, externalId or employee number)
    # while that names nobody of the organization; the person who arrives with that key
    # becomes the manager and this is cleared (docs/protocol.md#manager-references).
    manager_reference = models.CharField(max_length=320, blank=True, default="")

    idp_active = models.BooleanField("active (as the IdP set it)", default=True)
    managed_by_idp = models.BooleanField(default=False)
    admin_removed_at = models.DateTimeField(null=True, blank=True)
    admin_removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    scim_deleted_at = models.DateTimeField(null=True, blank=True)
    # The user resource exactly as the IdP last set it (without id/meta), so attributes
    # Preciate does not model are returned as sent and Entra sees no drift.
    scim_data = models.JSONField(default=dict, blank=True)

    # A portal login, for the organization's admins.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="member"
    )
    is_admin = models.BooleanField(default=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        constraints = [
            # A SCIM DELETE retires the resource; its userName no longer counts in conflicts
            # (RFC 7644 §3.6), but the retired record keeps its history for a rehire.
            models.UniqueConstraint(
                "organization",
                Lower("user_name"),
                condition=models.Q(scim_deleted_at__isnull=True),
                name="member_username_unique_ci",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "external_id"], name="member_org_externalid"),
            models.Index("organization", Lower("email"), name="member_org_email_ci"),
            models.Index(fields=["organization", "family_name", "given_name", "id"], name="member_org_name"),
            models.Index(fields=["organization", "updated_at"], name="member_org_updated"),
            # The POST look-up also finds retired people, which the partial unique index skips.
            models.Index("organization", Lower("user_name"), name="member_org_username_ci"),
            # SCIM listing: COUNT(*) and the startIndex walk read only these.
            models.Index(
                fields=["organization", "id"],
                condition=models.Q(scim_deleted_at__isnull=True),
                name="member_org_scim_visible",
            ),
            # The directory's "added by hand" filter: few rows, so a small partial index.
            models.Index(
                fields=["organization", "family_name", "given_name", "id"],
                condition=models.Q(managed_by_idp=False),
                name="member_org_added_by_hand",
            ),
            # Headcount on the portal home and reports, as index-only scans.
            models.Index(
                fields=["organization", "department", "location"],
                condition=PRESENT,
                name="member_org_present",
            ),
            # People waiting for a manager who has not arrived: few rows, looked up on every
            # creation and every change of a key a manager may be named by.
            models.Index(
                "organization",
                Lower("manager_reference"),
                condition=~models.Q(manager_reference=""),
                name="member_org_manager_waiting",
            ),
            # A manager named by employee number (Okta, custom mappings).
            models.Index(fields=["organization", "employee_number"], name="member_org_employee_number"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.user_name

    @property
    def full_name(self) -> str:
        return self.display_name or " ".join(p for p in (self.given_name, self.family_name) if p)

    @property
    def state(self) -> "Member.State":
        """What MemberQuerySet's state methods select in the database, for a loaded row."""
        if self.admin_removed_at is not None:
            return Member.State.REMOVED_BY_ADMIN
        if self.scim_deleted_at is not None or not self.idp_active:
            return Member.State.REMOVED_BY_IDP
        return Member.State.ACTIVE

    @property
    def is_present(self) -> bool:
        return self.state == Member.State.ACTIVE


class MemberEmail(models.Model):
    """Each email the IdP sent for a member, so SCIM filters see every one of them.

    ``Member.email`` is the one work email the product uses; this table answers
    ``emails.value eq …`` and ``emails[type eq "work"].value eq …`` exactly, element by element.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="emails")
    value = models.CharField(max_length=320)
    type = models.CharField(max_length=64, blank=True, default="")
    primary = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index("organization", Lower("value"), name="memberemail_org_value_ci")]

    def __str__(self) -> str:
        return self.value


class Event(models.Model):
    """One entry of an organization's audit trail and provisioning activity."""

    class ActorKind(models.TextChoices):
        ADMIN = "admin", "Admin"
        IDP = "idp", "Identity provider"
        SUPPORT = "support", "Preciate support"
        COMMAND = "command", "Command line"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="events")
    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    team = models.ForeignKey("Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    actor_kind = models.CharField(max_length=16, choices=ActorKind.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True, default="")
    # e.g. member.created, member.updated, member.deactivated, scim.failed, key.generated
    action = models.CharField(max_length=40)
    user_name = models.CharField(max_length=255, blank=True, default="")
    # The HTTP status answered to the IdP, for SCIM requests.
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    summary = models.TextField(blank=True, default="")
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Not stored: the pages that list events set these for their templates
    # (reports.action_label, reports.status_phrase).
    label: str
    status_text: str

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="event_org_created"),
            models.Index(fields=["member", "-created_at"], name="event_member_created"),
            models.Index(fields=["organization", "action", "-created_at"], name="event_org_action"),
            models.Index(fields=["team", "-created_at"], name="event_team_created"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.user_name}".strip()

    @property
    def failed(self) -> bool:
        return self.status is not None and self.status >= 400


class TeamQuerySet(models.QuerySet["Team"]):
    def current(self) -> "TeamQuerySet":
        """Teams that have not been retired (an IdP's DELETE retires a team, keeping its history)."""
        return self.filter(retired_at__isnull=True)


class Team(models.Model):
    """A team of an organization: an IdP's group (a SCIM Group) or one an admin made by hand.

    An IdP-managed team follows the IdP; an admin cannot edit it. A retired team keeps its
    memberships and events, and its name is free for a new team.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="teams")
    # The public SCIM id; never reused, like Member.scim_id.
    scim_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField("displayName", max_length=255)
    external_id = models.CharField("externalId", max_length=255, blank=True, default="")
    managed_by_idp = models.BooleanField(default=False)
    retired_at = models.DateTimeField(null=True, blank=True)
    # The group resource as the IdP last sent it, without id, meta and members.
    scim_data = models.JSONField(default=dict, blank=True)
    members = models.ManyToManyField(Member, through="TeamMembership", related_name="teams")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            # Entra matches groups by displayName, so two current teams may not share one
            # (docs/protocol.md#groups); a retired team's name is free again (RFC 7644 §3.6).
            models.UniqueConstraint(
                "organization",
                Lower("name"),
                condition=models.Q(retired_at__isnull=True),
                name="team_name_unique_ci",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "external_id"], name="team_org_externalid"),
            models.Index(
                fields=["organization", "id"], condition=models.Q(retired_at__isnull=True), name="team_org_current"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TeamMembership(models.Model):
    """One person in one team. The row stays when the person is removed from the organization."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="team_memberships")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "member"], name="teammembership_unique")]
        indexes = [models.Index(fields=["member", "team"], name="teammembership_member")]

    def __str__(self) -> str:
        return f"{self.member} in {self.team}"
