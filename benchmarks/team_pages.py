"""Time the Teams pages with a 50,000-member team beside a 50-member one, and count queries.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/preciate_bench SECRET_KEY=bench DEBUG=1 \\
        ALLOWED_HOSTS=testserver .venv/bin/python benchmarks/team_pages.py

Seeds (once) an organization ``bench-teams``: 50,000 people, one in twenty deactivated by
the IdP; "All employees" holds all of them, "Small" the first 50, and 200 empty squads.
Each page is requested in-process through Django's test Client as its admin, 5 times
after a warm-up; the table prints queries per request, the median and the slowest query.
Numbers, not assertions: the tests guard the query counts (tests/organizations/).
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "preciate.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from organizations import services  # noqa: E402
from organizations.models import Member, Organization, Team, TeamMembership  # noqa: E402

SLUG = "bench-teams"
PEOPLE = 50_000


def seed() -> Organization:
    organization = Organization.objects.filter(slug=SLUG).first()
    if organization is not None:
        return organization
    organization = services.create_organization(
        slug=SLUG,
        name="Bench Teams",
        by=services.Actor.command("bench"),
        admin_email=f"admin@{SLUG}.example",
        admin_password="bench-teams-admin",
    )
    Member.objects.bulk_create(
        [
            Member(
                organization=organization,
                user_name=f"p{n}@{SLUG}.example",
                given_name=f"Given{n}",
                family_name=f"Family{n:06}",
                idp_active=n % 20 != 0,
            )
            for n in range(PEOPLE)
        ],
        batch_size=5000,
    )
    ids = list(Member.objects.filter(organization=organization, is_admin=False).values_list("id", flat=True))
    everyone = Team.objects.create(organization=organization, name="All employees", managed_by_idp=True)
    small = Team.objects.create(organization=organization, name="Small", managed_by_idp=True)
    rows = [TeamMembership(organization=organization, team=everyone, member_id=pk) for pk in ids]
    rows += [TeamMembership(organization=organization, team=small, member_id=pk) for pk in ids[:50]]
    TeamMembership.objects.bulk_create(rows, batch_size=5000)
    Team.objects.bulk_create([Team(organization=organization, name=f"Squad {n:03}") for n in range(200)])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return organization


def main() -> None:
    call_command("migrate", verbosity=0)
    organization = seed()
    everyone = Team.objects.get(organization=organization, name="All employees")
    small = Team.objects.get(organization=organization, name="Small")
    client = Client()
    client.force_login(Member.objects.get(organization=organization, is_admin=True).user)
    pages = [
        ("Teams page", "/web/admin/teams"),
        ("Teams page, search", "/web/admin/teams?q=employ"),
        ("team page, 50 members", f"/web/admin/teams/{small.scim_id}"),
        ("team page, 50,000 members", f"/web/admin/teams/{everyone.scim_id}"),
        ("people, team of 50", f"/web/admin/people?team={small.pk}"),
        ("people, team of 50,000, active", f"/web/admin/people?team={everyone.pk}&state=active"),
        ("people, in no team", "/web/admin/people?team=none"),
        ("reports (with headcount by team)", "/web/admin/reports"),
        ("reports.csv?by=team", "/web/admin/reports.csv?by=team"),
    ]
    print("| page | queries | median ms | slowest query ms |\n|---|---|---|---|")
    for label, path in pages:
        client.get(path)
        times, slowest, count = [], 0.0, 0
        for _ in range(5):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (path, response.status_code)
            count = len(queries)
            slowest = max(slowest, *(float(q["time"]) * 1000 for q in queries.captured_queries))
        print(f"| {label} | {count} | {statistics.median(times):.1f} | {slowest:.1f} |")


if __name__ == "__main__":
    main()
