"""Integration health: whether the IdP is reaching Preciate with the organization's key.

It reads the key row (when it was issued, last used, what the last request was answered)
and the organization's provisioning events, so it lives with the key: ``keys`` depends on
``organizations``, never the other way round.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import IntegerField, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from keys.models import ScimKey
from organizations.models import Event, Organization
from organizations.reports import FAILED, ago, status_phrase

# Entra ID provisions every ~40 minutes; two missed cycles mean something is wrong.
SILENCE_LIMIT = timedelta(minutes=90)


@dataclass
class HealthWarning:
    kind: str  # "silent", "rejected", "failing"
    since: datetime | None = None
    count: int = 0


@dataclass
class IntegrationHealth:
    """Whether the IdP is reaching Preciate with the current key, in an admin's terms."""

    key: ScimKey | None = None  # active or revoked
    last_request_at: datetime | None = None
    last_status: int | None = None
    last_sync_at: datetime | None = None
    warnings: list[HealthWarning] = field(default_factory=list)

    @property
    def key_active(self) -> bool:
        return self.key is not None and self.key.is_active

    @property
    def state(self) -> str:
        """One of: not_connected, revoked, waiting, failing, healthy."""
        if self.key is None:
            return "not_connected"
        if not self.key_active:
            return "revoked"
        if self.warnings:
            return "failing"
        if self.last_request_at is None:
            return "waiting"
        return "healthy"

    @property
    def last_request_ago(self) -> str:
        return ago(self.last_request_at)

    @property
    def last_sync_ago(self) -> str:
        return ago(self.last_sync_at)

    @property
    def last_outcome(self) -> str:
        if self.last_request_at is None:
            return ""
        if self.last_status is None:
            return "Succeeded"
        return status_phrase(self.last_status)

    @property
    def last_failed(self) -> bool:
        return self.last_status is not None and self.last_status >= 400


def integration_health(organization: Organization, *, now: datetime | None = None) -> IntegrationHealth:
    """Last request, its outcome, and the warnings an admin should act on (a bounded few queries)."""
    now = now or timezone.now()
    key = ScimKey.objects.filter(organization=organization).first()
    health = IntegrationHealth(key=key)
    idp_events = Event.objects.filter(organization=organization, actor_kind=Event.ActorKind.IDP)
    last_event = idp_events.only("created_at", "status", "action").first()
    last_success = idp_events.exclude(FAILED).only("created_at").first()
    health.last_sync_at = last_success.created_at if last_success else None

    key_used_at = key.last_used_at if key is not None else None
    if last_event is not None:
        health.last_request_at, health.last_status = last_event.created_at, last_event.status
    if key is not None and key_used_at is not None:
        if health.last_request_at is None or key_used_at >= health.last_request_at:
            health.last_request_at, health.last_status = key_used_at, key.last_status

    key_ok_at = key_used_at if key is not None and not key.last_failed else None
    last_ok_at = max((t for t in (health.last_sync_at, key_ok_at) if t), default=None)
    rejected = Event.objects.filter(organization=organization, action="scim.failed", status=401)
    if last_ok_at is not None:
        rejected = rejected.filter(created_at__gt=last_ok_at)
    # Refusals of a retired key are coalesced into one event carrying their count.
    rejected_count = rejected.aggregate(n=Sum(Coalesce(Cast(KT("changes__requests"), IntegerField()), 1)))["n"] or 0
    if rejected_count and last_event is not None and last_event.status == 401:
        first_rejected = rejected.order_by("created_at").only("created_at").first()
        health.warnings.append(
            HealthWarning("rejected", since=first_rejected.created_at if first_rejected else None, count=rejected_count)
        )
    elif key is not None and health.key_active:
        reference = max(key.issued_at, key_used_at) if key_used_at else key.issued_at
        if now - reference > SILENCE_LIMIT:
            health.warnings.append(HealthWarning("silent", since=reference))
        elif health.last_failed and health.last_status != 404:
            # A 404 is part of Entra's normal flow (looking up a user deleted here).
            health.warnings.append(HealthWarning("failing", since=health.last_request_at))
    return health
