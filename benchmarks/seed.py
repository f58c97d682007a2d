"""Seed one large IdP-managed organization (and a small second one) for benchmarks.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/preciate_bench SECRET_KEY=bench DEBUG=0 \\
        .venv/bin/python benchmarks/seed.py --people 300000 --org bench

People, events, departments and locations go in through PostgreSQL ``COPY`` (email rows by one
INSERT … SELECT from the people; 1,000,000 people in a few minutes, see docs/performance.md);
organizations, admin logins and SCIM keys go through the services like any other
caller. The people are those of ``benchmarks/dataset.py``, so the load generator can
address them by index without reading the database. Credentials (the SCIM keys, the
portal admin and a Django admin superuser) are written to ``--out`` (default
``/tmp/preciate-bench-<org>.json``, outside the repository) and the key to stderr.
"""

import argparse
import json
import os
import random
import secrets
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "preciate.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from benchmarks import dataset  # noqa: E402
from keys.services import regenerate_key  # noqa: E402
from organizations.models import Department, Location, Member, Organization  # noqa: E402
from organizations.services import Actor, create_organization  # noqa: E402
from scim.users import from_resource  # noqa: E402

ENTRA = "Microsoft Entra ID"
SUPPORT_EMAIL = "support@preciate.example"

MEMBER_COLUMNS = (
    "id",
    "organization_id",
    "scim_id",
    "user_name",
    "external_id",
    "given_name",
    "family_name",
    "display_name",
    "email",
    "title",
    "employee_number",
    "department_id",
    "location_id",
    "manager_id",
    "idp_active",
    "managed_by_idp",
    "admin_removed_at",
    "admin_removed_by_id",
    "scim_deleted_at",
    "scim_data",
    "user_id",
    "is_admin",
    "created_at",
    "updated_at",
    "manager_reference",
)
EVENT_COLUMNS = (
    "organization_id",
    "member_id",
    "actor_kind",
    "actor_user_id",
    "actor_label",
    "action",
    "user_name",
    "status",
    "summary",
    "changes",
    "created_at",
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def copy_rows(table: str, columns: tuple[str, ...], rows: Iterator[tuple[Any, ...]]) -> int:
    """Stream rows into ``table`` with COPY; return how many went in."""
    count = 0
    with connection.cursor() as cursor:
        # Quoted: MemberEmail has a column named "primary", a reserved word.
        quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
        with cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


def check_shape(organization: Organization, slug: str) -> None:
    """Fail loudly if dataset.scim_data no longer matches what a real POST would store."""
    for index in (1, 2, 3, 17, 1234):
        p = dataset.person(slug, index)
        manager = dataset.scim_id(slug, p.manager) if p.manager is not None else None
        body = dataset.post_body(p, manager_scim_id=manager)
        stored = from_resource(organization, body).scim_data
        expected = dataset.scim_data(p, manager_scim_id=manager)
        if stored != expected:
            raise SystemExit(f"dataset.scim_data drifted from scim.users.from_resource:\n{stored}\n!=\n{expected}")


def member_rows(
    organization: Organization,
    people: int,
    *,
    base_id: int,
    departments: list[int],
    locations: list[int],
    remover_id: int,
    now: datetime,
) -> Iterator[tuple[Any, ...]]:
    slug = organization.slug
    rng = random.Random(f"members:{slug}")
    # The initial provisioning cycle a year ago, then hires trickling in until a month ago:
    # ids and created_at rise together, as they do in a real append-only table.
    start, span = now - timedelta(days=400), timedelta(days=370)
    for index in range(people):
        p = dataset.person(slug, index)
        created = start + span * (index / max(people, 1)) + timedelta(seconds=rng.random() * 60)
        updated = created + (now - created) * rng.random() ** 3
        manager = dataset.scim_id(slug, p.manager) if p.manager is not None else None
        removed_at = updated if p.state == "admin_removed" else None
        yield (
            base_id + index,
            organization.id,
            p.scim_id,
            p.user_name,
            p.external_id,
            p.given_name,
            p.family_name,
            p.display_name,
            p.email,
            p.title,
            p.employee_number,
            departments[p.department],
            locations[p.location],
            base_id + p.manager if p.manager is not None else None,
            p.state != "deactivated",
            True,
            removed_at,
            remover_id if removed_at else None,
            updated if p.state == "deleted" else None,
            json.dumps(dataset.scim_data(p, manager_scim_id=manager)),
            None,
            False,
            created,
            updated,
            "",  # every manager named is someone seeded: nobody waits for one
        )


def copy_emails(organization: Organization) -> int:
    """The MemberEmail row per person that provisioning writes for Entra's one work email.

    Set-based from the member rows just copied (their ``email`` is the person's one work
    email), so a million people are not generated in Python a second time.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            'INSERT INTO organizations_memberemail (organization_id, member_id, value, type, "primary") '
            "SELECT organization_id, id, email, 'work', true FROM organizations_member WHERE organization_id = %s",
            [organization.id],
        )
        return cursor.rowcount


def event_rows(
    organization: Organization, people: int, *, base_id: int, recent: int, remover_id: int, now: datetime
) -> Iterator[tuple[Any, ...]]:
    """One member.created per person, the removal events their state implies, then a month of activity."""
    slug = organization.slug
    rng = random.Random(f"events:{slug}")
    start, span = now - timedelta(days=400), timedelta(days=370)
    removed = "Deactivated by the identity provider: removed from the organization"

    def event(
        member_id: int | None,
        action: str,
        user_name: str,
        status: int | None,
        summary: str,
        at: datetime,
        *,
        changes: dict[str, Any] | None = None,
        admin: bool = False,
    ) -> tuple[Any, ...]:
        kind, user, label = ("admin", remover_id, f"admin@{slug}.example") if admin else ("idp", None, ENTRA)
        return (
            organization.id,
            member_id,
            kind,
            user,
            label,
            action,
            user_name,
            status,
            summary,
            json.dumps(changes or {}),
            at,
        )

    for index in range(people):
        p = dataset.person(slug, index)
        created = start + span * (index / max(people, 1))
        member_id = base_id + index
        changes = {"department": ["", dataset.DEPARTMENTS[p.department]], "title": ["", p.title]}
        yield event(
            member_id, "member.created", p.user_name, 201, "Created by the identity provider", created, changes=changes
        )
        later = created + timedelta(days=rng.random() * 20)
        if p.state == "deactivated":
            yield event(member_id, "member.deactivated", p.user_name, 200, removed, later)
        elif p.state == "admin_removed":
            yield event(
                member_id, "member.removed", p.user_name, None, f"Removed by admin@{slug}.example", later, admin=True
            )
        elif p.state == "deleted":
            summary = "Deleted by the identity provider: removed from the organization"
            yield event(member_id, "member.deleted", p.user_name, 204, summary, later)
    # The last 30 days, oldest first: mostly updates, some leavers and returns, a few failures.
    moments = sorted(now - timedelta(days=30) * rng.random() for _ in range(recent))
    for moment in moments:
        index = rng.randrange(people)
        p = dataset.person(slug, index)
        member_id = base_id + index
        draw = rng.random()
        if draw < 0.80:
            old, new = rng.sample(dataset.TITLES, 2)
            yield event(
                member_id,
                "member.updated",
                p.user_name,
                200,
                f"title changed from {old} to {new}",
                moment,
                changes={"title": [old, new]},
            )
        elif draw < 0.87:
            yield event(member_id, "member.deactivated", p.user_name, 200, removed, moment)
        elif draw < 0.92:
            yield event(
                member_id, "member.reactivated", p.user_name, 200, "Reactivated by the identity provider", moment
            )
        else:
            status = rng.choice((400, 409, 404))
            yield event(
                None, "scim.failed", p.user_name, status, f"PATCH /api/v1/scim/Users/{p.scim_id}: refused", moment
            )


def drop_organization(slug: str) -> None:
    """Delete a previous seed of ``slug`` with set-based SQL (the ORM would cascade row by row)."""
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None:
        return
    org_id = organization.id
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM auth_user WHERE id IN (SELECT user_id FROM organizations_member "
            "WHERE organization_id = %s AND user_id IS NOT NULL)",
            [org_id],
        )
        for table in ("organizations_event", "keys_scimkey", "organizations_memberemail", "organizations_member"):
            cursor.execute(f"DELETE FROM {table} WHERE organization_id = %s", [org_id])
        for table in ("organizations_department", "organizations_location"):
            cursor.execute(f"DELETE FROM {table} WHERE organization_id = %s", [org_id])
        cursor.execute("DELETE FROM organizations_organization WHERE id = %s", [org_id])
    log(f"dropped the previous seed of {slug}")


def seed_organization(slug: str, people: int, *, recent_events: int, now: datetime) -> dict[str, Any]:
    """Create the organization, its admin, departments, locations, people and events; return credentials."""
    t0 = time.perf_counter()
    admin_email, admin_password = f"admin@{slug}.example", secrets.token_urlsafe(12)
    organization = create_organization(
        slug=slug,
        name=f"{slug.capitalize()} Corp",
        by=Actor.command("bench"),
        admin_email=admin_email,
        admin_password=admin_password,
    )
    check_shape(organization, slug)
    remover_id = Member.objects.get(organization=organization, user_name=admin_email).user_id
    departments = Department.objects.bulk_create(
        Department(organization=organization, name=name) for name in dataset.DEPARTMENTS
    )
    locations = Location.objects.bulk_create(
        Location(organization=organization, name=office) for office, _, _ in dataset.LOCATIONS
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM organizations_member")
        base_id = cursor.fetchone()[0]
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
        count = copy_rows(
            "organizations_member",
            MEMBER_COLUMNS,
            member_rows(
                organization,
                people,
                base_id=base_id,
                departments=[d.pk for d in departments],
                locations=[loc.pk for loc in locations],
                remover_id=remover_id,
                now=now,
            ),
        )
        copy_emails(organization)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('organizations_member', 'id'), "
                "(SELECT max(id) FROM organizations_member))"
            )
    t1 = time.perf_counter()
    log(f"{slug}: {count} people in {t1 - t0:.1f} s")
    with transaction.atomic():
        events = copy_rows(
            "organizations_event",
            EVENT_COLUMNS,
            event_rows(organization, people, base_id=base_id, recent=recent_events, remover_id=remover_id, now=now),
        )
    log(f"{slug}: {events} events in {time.perf_counter() - t1:.1f} s")
    key = regenerate_key(organization, by=Actor.command("bench"))
    return {
        "slug": slug,
        "people": people,
        "events": events,
        "first_member_id": base_id,
        "scim_key": key,
        "admin_email": admin_email,
        "admin_password": admin_password,
    }


def ensure_superuser() -> dict[str, str]:
    User = get_user_model()
    password = secrets.token_urlsafe(12)
    user = User.objects.filter(username=SUPPORT_EMAIL).first() or User(username=SUPPORT_EMAIL, email=SUPPORT_EMAIL)
    user.is_staff = user.is_superuser = True
    user.set_password(password)
    user.save()
    return {"username": SUPPORT_EMAIL, "password": password}


def analyze(*, full: bool) -> None:
    """VACUUM and ANALYZE; FULL after --replace, so deleted rows do not leave the tables twice their size."""
    t0 = time.perf_counter()
    command = "VACUUM (FULL, ANALYZE)" if full else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        for table in (
            "organizations_member",
            "organizations_memberemail",
            "organizations_event",
            "organizations_department",
            "organizations_location",
            "organizations_organization",
            "keys_scimkey",
        ):
            # VACUUM sets the visibility map too, as autovacuum would have on a live database.
            cursor.execute(f"{command} {table}")
    log(f"{command} in {time.perf_counter() - t0:.1f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=300_000)
    parser.add_argument("--org", default="bench", help="slug of the large organization")
    parser.add_argument(
        "--recent-events",
        type=int,
        default=None,
        help="events over the last 30 days (default people/10; every person also has a member.created event)",
    )
    parser.add_argument("--other-people", type=int, default=2_000, help="people of the second organization")
    parser.add_argument("--replace", action="store_true", help="delete a previous seed of these slugs first")
    parser.add_argument(
        "--out", type=Path, default=None, help="credentials file (default /tmp/preciate-bench-ORG.json)"
    )
    args = parser.parse_args(argv)
    if connection.vendor != "postgresql":
        raise SystemExit("Seed PostgreSQL: set DATABASE_URL=postgres://... (COPY is PostgreSQL-only).")
    with connection.cursor() as cursor:
        # A million people in one COPY outlast the statement timeout a request gets (preciate/settings.py).
        cursor.execute("SET statement_timeout = 0")
    other = f"{args.org}-other"
    for slug in (args.org, other):
        if Organization.objects.filter(slug=slug).exists():
            if not args.replace:
                raise SystemExit(f"Organization {slug} exists; pass --replace or use a fresh database.")
            drop_organization(slug)

    t0 = time.perf_counter()
    now = timezone.now()
    recent = args.recent_events if args.recent_events is not None else args.people // 10
    big = seed_organization(args.org, args.people, recent_events=recent, now=now)
    small = seed_organization(other, args.other_people, recent_events=args.other_people // 10, now=now)
    superuser = ensure_superuser()
    analyze(full=args.replace)

    out = args.out or Path(f"/tmp/preciate-bench-{args.org}.json")
    manifest = {"organization": big, "other_organization": small, "superuser": superuser, "seeded_at": now.isoformat()}
    out.write_text(json.dumps(manifest, indent=2))
    out.chmod(0o600)
    log(f"seeded in {time.perf_counter() - t0:.1f} s; credentials in {out}")
    log(f"SCIM key for {args.org}: {big['scim_key']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
