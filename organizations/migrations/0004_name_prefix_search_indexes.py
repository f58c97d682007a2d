"""Name-prefix search indexes for the people directory, on PostgreSQL only.

Django's ``istartswith`` is ``UPPER(col) LIKE UPPER('x%')``; with ``text_pattern_ops`` that
is an index range scan under any collation (690 ms -> 6.5 ms at 300k people,
docs/performance.md). SQLite has no operator classes and searches small tables anyway.
"""

from django.db import migrations

COLUMNS = ("given_name", "family_name", "display_name")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS member_org_{column}_prefix ON organizations_member "
            f"(organization_id, upper({column}::text) text_pattern_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS member_org_{column}_prefix")


class Migration(migrations.Migration):
    dependencies = [("organizations", "0003_indexes_from_300k_measurements")]

    operations = [migrations.RunPython(create, drop)]
