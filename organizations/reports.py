"""Read-only aggregations for the portal: provisioning activity and headcount.

Every function takes the organization explicitly and runs a fixed number of bounded
queries; counting and bucketing happen in the database. Integration health reads the
SCIM key, so it lives with the key (keys/health.py); the charts' drawing is
organizations/charts.py.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from http import HTTPStatus
from typing import Any

from django.db.models import Count, Q, Value
from django.db.models.functions import TruncDay, TruncHour
from django.db.models.functions.datetime import TruncBase
from django.utils import timezone
from django.utils.timesince import timesince

from organizations.models import PRESENT, Department, Event, Location, Member, Organization, Team, TeamMembership

CREATE_ACTIONS = ("member.created", "member.rehired", "member.adopted")
# A manager's link or unlink was a member.updated before it had events of its own.
UPDATE_ACTIONS = ("member.updated", "member.reactivated", "member.restored", "manager.linked", "manager.unlinked")
REMOVAL_ACTIONS = ("member.deactivated", "member.deleted", "member.removed")
KEY_ACTIONS = ("key.generated", "key.revoked")
MANAGER_ACTIONS = ("manager.linked", "manager.unlinked", "manager.unresolved")
FAILED = Q(status__gte=400)

ACTION_GROUPS: dict[str, tuple[str, ...]] = {
    "created": CREATE_ACTIONS,
    "updated": UPDATE_ACTIONS,
    "removed": REMOVAL_ACTIONS,
    "keys": KEY_ACTIONS,
    "managers": MANAGER_ACTIONS,
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
    "manager.linked": "Manager linked",
    "manager.unlinked": "Manager unlinked",
    "manager.unresolved": "Manager not found",
    "scim.failed": "Request failed",
    "key.generated": "Key generated",
    "key.revoked": "Key revoked",
    "team.created": "Team created",
    "team.adopted": "Taken over by the IdP",
    "team.renamed": "Renamed",
    "team.updated": "Team updated",
    "team.retired": "Team retired",
    "team.member_added": "Added to the team",
    "team.member_removed": "Taken out of the team",
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
        trunc: TruncBase = TruncHour("created_at")
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
        .annotate(total=Count("id"), failures=Count("id", filter=FAILED))
        .order_by("bucket")
    )
    found: dict[datetime, Mapping[str, Any]] = {timezone.localtime(row["bucket"]): row for row in rows}
    buckets = []
    start = first
    while start <= last:
        row = found.get(start, {})
        buckets.append(Bucket(start=start, total=row.get("total", 0), failed=row.get("failures", 0)))
        start = timezone.localtime(start + step)
    return buckets


# -- Headcount ---------------------------------------------------------------------

UNASSIGNED = "Unassigned"
HEADCOUNT_BY = ("department", "location", "department_location", "team")


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
    departments: dict[int | None, str] = {}
    locations: dict[int | None, str] = {}
    # Both name tables in one statement (the reports page's count is guarded).
    places = (Department.objects.filter(organization=organization), Location.objects.filter(organization=organization))
    named = [
        rows.order_by().annotate(kind=Value(kind)).values_list("kind", "id", "name") for kind, rows in enumerate(places)
    ]
    for kind, pk, name in named[0].union(named[1], all=True):
        (departments, locations)[kind][pk] = name

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

    def largest_first(totals: dict[int | None, int], names: dict[int | None, str]) -> list[HeadcountRow]:
        rows = [HeadcountRow(label=names.get(pk, UNASSIGNED), key=key(pk), count=n) for pk, n in totals.items()]
        return sorted(rows, key=lambda r: (-r.count, r.label.lower()))

    return {
        "department": largest_first(by_department, departments),
        "location": largest_first(by_location, locations),
        "department_location": sorted(
            both, key=lambda r: (r.label == UNASSIGNED, r.label.lower(), r.second_label.lower())
        ),
    }


def present_through(relation: str) -> Q:
    """``Member.objects.present()``'s condition, read through ``relation`` (e.g. "memberships__member")."""
    conditions = []
    for child in PRESENT.children:
        # PRESENT is keyword conditions only: (lookup, value) pairs.
        assert isinstance(child, tuple)
        name, value = child
        conditions.append((f"{relation}__{name}", value))
    return Q(*conditions)


def team_headcounts(organization: Organization) -> list[HeadcountRow]:
    """Present people per current team, largest first, empty teams included, in one query.

    A person in several teams counts in each, so the rows add up to more than the
    organization's headcount. People removed from the organization stay on their teams'
    records and are not counted.
    """
    teams = (
        Team.objects.current()
        .filter(organization=organization)
        .order_by()
        .annotate(count=Count("memberships", filter=present_through("memberships__member")))
        .values_list("id", "name", "count")
    )
    rows = [HeadcountRow(label=name, key=str(pk), count=count) for pk, name, count in teams]
    return sorted(rows, key=lambda r: (-r.count, r.label.lower()))


def team_active_counts(organization: Organization, teams: list[Team]) -> dict[int, int]:
    """Present members of each of ``teams`` (one page of them), in one grouped query."""
    rows = (
        TeamMembership.objects.filter(organization=organization, team__in=teams)
        .filter(present_through("member"))
        .order_by()
        .values_list("team_id")
        .annotate(count=Count("id"))
    )
    return dict(rows)


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
