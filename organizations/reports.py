"""Read-only aggregations for the portal: integration health, provisioning activity, headcount.

Every function takes the organization explicitly and runs a fixed number of bounded
queries; counting and bucketing happen in the database.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http import HTTPStatus
from typing import Any

from django.db.models import Count, IntegerField, Q, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, TruncDay, TruncHour
from django.utils import timezone
from django.utils.timesince import timesince

from organizations.models import Department, Event, Location, Member, Organization

# Entra ID provisions every ~40 minutes; two missed cycles mean something is wrong.
SILENCE_LIMIT = timedelta(minutes=90)

CREATE_ACTIONS = ("member.created", "member.rehired", "member.adopted")
UPDATE_ACTIONS = ("member.updated", "member.reactivated", "member.restored")
REMOVAL_ACTIONS = ("member.deactivated", "member.deleted", "member.removed")
KEY_ACTIONS = ("key.generated", "key.revoked")
FAILED = Q(status__gte=400)

ACTION_GROUPS: dict[str, tuple[str, ...]] = {
    "created": CREATE_ACTIONS,
    "updated": UPDATE_ACTIONS,
    "removed": REMOVAL_ACTIONS,
    "keys": KEY_ACTIONS,
}

ACTION_LABELS = {
    "member.created": "Created",
    "member.rehired": "Rehired",
    "member.adopted": "Adopted by the IdP",
    "member.updated": "Updated",
    "member.reactivated": "Reactivated",
    "member.restored": "Restored by an admin",
    "member.deactivated": "Deactivated",
    "member.deleted": "Deleted by the IdP",
    "member.removed": "Removed by an admin",
    "member.admin_granted": "Made an admin",
    "scim.failed": "Request failed",
    "key.generated": "Key generated",
    "key.revoked": "Key revoked",
    "organization.created": "Organization created",
    "organization.updated": "Settings changed",
}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def status_phrase(status: int | None) -> str:
    if status is None:
        return ""
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def ago(moment: datetime | None, *, now: datetime | None = None) -> str:
    """'just now', '5 minutes ago', '2 days, 3 hours ago'; '' for None."""
    if moment is None:
        return ""
    now = now or timezone.now()
    if now - moment < timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment, now)} ago"


# -- Integration health ------------------------------------------------------------


@dataclass
class HealthWarning:
    kind: str  # "silent", "rejected", "failing"
    since: datetime | None = None
    count: int = 0


@dataclass
class IntegrationHealth:
    """Whether the IdP is reaching Preciate with the current key, in an admin's terms."""

    key: Any = None  # keys.models.ScimKey, active or revoked, or None
    last_request_at: datetime | None = None
    last_status: int | None = None
    last_sync_at: datetime | None = None
    warnings: list[HealthWarning] = field(default_factory=list)

    @property
    def key_active(self) -> bool:
        return self.key is not None and getattr(self.key, "revoked_at", None) is None

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


def scim_key_of(organization: Organization) -> Any:
    """The organization's SCIM key row, or None (the keys app owns the model).

    A missing reverse one-to-one raises RelatedObjectDoesNotExist, which is an
    AttributeError, so getattr's default covers "no key yet" without importing keys.
    """
    return getattr(organization, "scim_key", None)


def integration_health(organization: Organization, *, now: datetime | None = None) -> IntegrationHealth:
    """Last request, its outcome, and the warnings an admin should act on (three queries)."""
    now = now or timezone.now()
    health = IntegrationHealth(key=scim_key_of(organization))
    idp_events = Event.objects.filter(organization=organization, actor_kind=Event.ActorKind.IDP)
    last_event = idp_events.only("created_at", "status", "action").first()
    last_success = idp_events.exclude(FAILED).only("created_at").first()
    health.last_sync_at = last_success.created_at if last_success else None

    key = health.key
    key_used_at = getattr(key, "last_used_at", None)
    if last_event is not None:
        health.last_request_at, health.last_status = last_event.created_at, last_event.status
    if key_used_at is not None and (health.last_request_at is None or key_used_at >= health.last_request_at):
        health.last_request_at, health.last_status = key_used_at, key.last_status

    last_ok_at = max(
        [t for t in (health.last_sync_at, key_used_at if (key and (key.last_status or 0) < 400) else None) if t],
        default=None,
    )
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
    elif health.key_active:
        issued_at = key.issued_at
        reference = max(issued_at, key_used_at) if key_used_at else issued_at
        if now - reference > SILENCE_LIMIT:
            health.warnings.append(HealthWarning("silent", since=reference))
        elif health.last_failed and health.last_status != 404:
            # A 404 is part of Entra's normal flow (looking up a user deleted here).
            health.warnings.append(HealthWarning("failing", since=health.last_request_at))
    return health


# -- Provisioning activity ---------------------------------------------------------

RANGES = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}


def activity_counts(organization: Organization, *, now: datetime | None = None) -> dict[str, dict[str, int]]:
    """Creates, updates, removals and failures over the last 24 hours and 7 days (one query)."""
    now = now or timezone.now()
    windows = {"24h": now - timedelta(hours=24), "7d": now - timedelta(days=7)}
    kinds = {
        "created": Q(action__in=CREATE_ACTIONS),
        "updated": Q(action__in=UPDATE_ACTIONS),
        "removed": Q(action__in=REMOVAL_ACTIONS),
        "failed": FAILED,
    }
    aggregates = {
        f"{kind}_{window}": Count("id", filter=condition & Q(created_at__gte=since))
        for window, since in windows.items()
        for kind, condition in kinds.items()
    }
    totals = Event.objects.filter(organization=organization, created_at__gte=windows["7d"]).aggregate(**aggregates)
    return {window: {kind: totals[f"{kind}_{window}"] or 0 for kind in kinds} for window in windows}


@dataclass
class Bucket:
    start: datetime
    total: int = 0
    failed: int = 0

    @property
    def succeeded(self) -> int:
        return self.total - self.failed


def activity_buckets(organization: Organization, *, range_key: str, now: datetime | None = None) -> list[Bucket]:
    """Events per hour (24h) or per day (7d, 30d), every bucket present, zeros included."""
    now = timezone.localtime(now or timezone.now())
    if range_key == "24h":
        step = timedelta(hours=1)
        last = now.replace(minute=0, second=0, microsecond=0)
        first = last - 23 * step
        trunc = TruncHour("created_at")
    else:
        days = RANGES[range_key].days
        step = timedelta(days=1)
        last = now.replace(hour=0, minute=0, second=0, microsecond=0)
        first = last - (days - 1) * step
        trunc = TruncDay("created_at")
    rows = (
        Event.objects.filter(organization=organization, created_at__gte=first)
        .annotate(bucket=trunc)
        .values("bucket")
        .annotate(total=Count("id"), failed=Count("id", filter=FAILED))
        .order_by("bucket")
    )
    found = {timezone.localtime(row["bucket"]): row for row in rows}
    buckets = []
    start = first
    while start <= last:
        row = found.get(start, {})
        buckets.append(Bucket(start=start, total=row.get("total", 0), failed=row.get("failed", 0)))
        start = timezone.localtime(start + step)
    return buckets


def _nice_ceiling(value: int) -> int:
    """The smallest of 1, 2 or 5 times a power of ten that is at least value."""
    if value <= 1:
        return 1
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            if factor * magnitude >= value:
                return factor * magnitude
        magnitude *= 10


def activity_chart(buckets: list[Bucket], *, range_key: str) -> dict[str, Any]:
    """Geometry for a stacked column chart (succeeded + failed) drawn as inline SVG."""
    width, height = 760, 220
    left, right, top, bottom = 40, 10, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = _nice_ceiling(max((b.total for b in buckets), default=0))
    slot = plot_w / max(len(buckets), 1)
    bar_w = max(slot * 0.7, 2)
    label_every = {"24h": 3, "7d": 1, "30d": 5}[range_key]
    label_format = "%H:%M" if range_key == "24h" else "%b %d"
    bars = []
    for index, bucket in enumerate(buckets):
        x = left + index * slot + (slot - bar_w) / 2
        ok_h = plot_h * bucket.succeeded / top_value
        failed_h = plot_h * bucket.failed / top_value
        bars.append(
            {
                "x": round(x, 1),
                "width": round(bar_w, 1),
                "ok_y": round(top + plot_h - ok_h, 1),
                "ok_h": round(ok_h, 1),
                "failed_y": round(top + plot_h - ok_h - failed_h, 1),
                "failed_h": round(failed_h, 1),
                "label": bucket.start.strftime(label_format) if index % label_every == 0 else "",
                "label_x": round(x + bar_w / 2, 1),
                "title": f"{bucket.start.strftime('%b %d, %H:%M' if range_key == '24h' else '%a %b %d')}: "
                f"{bucket.total} event{'s' if bucket.total != 1 else ''}, {bucket.failed} failed",
                "bucket": bucket,
            }
        )
    grid = [
        {"y": round(top + plot_h - plot_h * fraction, 1), "value": round(top_value * fraction)}
        for fraction in (0, 0.5, 1)
        if top_value * fraction == int(top_value * fraction)
    ]
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": width - right,
        "baseline": top + plot_h,
        "label_y": height - 8,
        "bars": bars,
        "grid": grid,
        "total": sum(b.total for b in buckets),
        "failed": sum(b.failed for b in buckets),
    }


# -- Headcount ---------------------------------------------------------------------

UNASSIGNED = "Unassigned"
HEADCOUNT_BY = ("department", "location", "department_location")


@dataclass
class HeadcountRow:
    label: str
    count: int
    # The filter value for the people page: a department/location id, or "none".
    key: str = ""
    second_label: str = ""
    second_key: str = ""


def headcounts(organization: Organization) -> dict[str, list[HeadcountRow]]:
    """Present people per department, per location and per both, from one grouped query.

    Grouping on the ids alone is an index-only scan of ``member_org_present``; names come
    from the organization's (small) department and location tables. At 300k people the
    name-joined grouping sorted on disk for 0.7 s (docs/performance.md).
    """
    cells = (
        Member.objects.filter(organization=organization)
        .present()
        .order_by()
        .values_list("department_id", "location_id")
        .annotate(count=Count("id"))
    )
    departments = dict(Department.objects.filter(organization=organization).values_list("id", "name"))
    locations = dict(Location.objects.filter(organization=organization).values_list("id", "name"))

    def key(pk: int | None) -> str:
        return str(pk) if pk is not None else "none"

    by_department: dict[int | None, int] = {}
    by_location: dict[int | None, int] = {}
    both = []
    for department_id, location_id, count in cells:
        by_department[department_id] = by_department.get(department_id, 0) + count
        by_location[location_id] = by_location.get(location_id, 0) + count
        both.append(
            HeadcountRow(
                label=departments.get(department_id, UNASSIGNED),
                key=key(department_id),
                second_label=locations.get(location_id, UNASSIGNED),
                second_key=key(location_id),
                count=count,
            )
        )

    def largest_first(totals: dict[int | None, int], names: dict[int, str]) -> list[HeadcountRow]:
        rows = [HeadcountRow(label=names.get(pk, UNASSIGNED), key=key(pk), count=n) for pk, n in totals.items()]
        return sorted(rows, key=lambda r: (-r.count, r.label.lower()))

    return {
        "department": largest_first(by_department, departments),
        "location": largest_first(by_location, locations),
        "department_location": sorted(
            both, key=lambda r: (r.label == UNASSIGNED, r.label.lower(), r.second_label.lower())
        ),
    }


def headcount(organization: Organization, *, by: str) -> list[HeadcountRow]:
    """Present people per department, location or both (``HEADCOUNT_BY``)."""
    if by not in HEADCOUNT_BY:
        raise ValueError(f"Unknown headcount grouping {by!r}")
    return headcounts(organization)[by]


def crosstab(rows: list[HeadcountRow]) -> dict[str, Any]:
    """Department-by-location rows as a matrix: departments down, locations across."""
    locations: dict[str, str] = {}
    departments: dict[str, dict[str, Any]] = {}
    for row in rows:
        locations.setdefault(row.second_key, row.second_label)
        department = departments.setdefault(row.key, {"label": row.label, "key": row.key, "cells": {}, "total": 0})
        department["cells"][row.second_key] = row.count
        department["total"] += row.count
    columns = sorted(locations.items(), key=lambda item: (item[1] == UNASSIGNED, item[1].lower()))
    matrix = []
    for department in departments.values():
        department["values"] = [(key, department["cells"].get(key, 0)) for key, _ in columns]
        matrix.append(department)
    column_totals = [sum(d["cells"].get(key, 0) for d in matrix) for key, _ in columns]
    return {"columns": columns, "rows": matrix, "column_totals": column_totals, "total": sum(column_totals)}


def bar_chart(rows: list[HeadcountRow], *, limit: int = 15) -> dict[str, Any]:
    """Geometry for a horizontal bar chart of the largest groups, drawn as inline SVG."""
    shown = rows[:limit]
    # Drawn about as wide as its card, so 12-unit text reads as 12px.
    width, label_w, value_w, row_h, bar_h = 460, 140, 44, 26, 16
    plot_w = width - label_w - value_w
    top_value = max((r.count for r in shown), default=0) or 1
    bars = []
    for index, row in enumerate(shown):
        y = 6 + index * row_h
        bar_w = max(plot_w * row.count / top_value, 2)
        label = row.label if len(row.label) <= 20 else row.label[:19] + "…"
        bars.append(
            {
                "label": label,
                "full_label": row.label,
                "count": row.count,
                "y": y,
                "text_y": y + bar_h - 3,
                "width": round(bar_w, 1),
                "value_x": round(label_w + bar_w + 6, 1),
                "unassigned": row.label == UNASSIGNED,
            }
        )
    return {
        "width": width,
        "height": 12 + len(shown) * row_h,
        "label_w": label_w,
        "label_x": label_w - 8,
        "bar_h": bar_h,
        "bars": bars,
        "hidden": max(len(rows) - len(shown), 0),
    }
