"""The organization domain: organizations, their people, departments, locations, events."""

import uuid

from django.conf import settings
from django.db import models
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


class MemberQuerySet(models.QuerySet):
    def present(self) -> "MemberQuerySet":
        """People who are part of the organization now: counted, listed, may sign in."""
        return self.filter(idp_active=True, admin_removed_at__isnull=True, scim_deleted_at__isnull=True)

    def scim_visible(self) -> "MemberQuerySet":
        """Every SCIM resource that has not been retired by a SCIM DELETE."""
        return self.filter(scim_deleted_at__isnull=True)


class Member(models.Model):
    """A person of an organization.

    Three independent facts decide whether the person is part of the organization:
    ``idp_active`` (what the IdP set, echoed back to it unchanged), ``admin_removed_at``
    (a local admin decision that wins over sync) and ``scim_deleted_at`` (the IdP
    retired the SCIM resource). The record and its history are never erased.
    """

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
                condition=models.Q(idp_active=True, admin_removed_at__isnull=True, scim_deleted_at__isnull=True),
                name="member_org_present",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.user_name

    @property
    def full_name(self) -> str:
        return self.display_name or " ".join(p for p in (self.given_name, self.family_name) if p)

    @property
    def is_present(self) -> bool:
        return self.idp_active and self.admin_removed_at is None and self.scim_deleted_at is None

    @property
    def state(self) -> str:
        if self.admin_removed_at is not None:
            return "removed_by_admin"
        if self.scim_deleted_at is not None or not self.idp_active:
            return "removed_by_idp"
        return "active"


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

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="event_org_created"),
            models.Index(fields=["member", "-created_at"], name="event_member_created"),
            models.Index(fields=["organization", "action", "-created_at"], name="event_org_action"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.user_name}".strip()

    @property
    def failed(self) -> bool:
        return self.status is not None and self.status >= 400
