"""The key look-up every SCIM request makes: one indexed statement, never an ordering to compile."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from keys.services import organization_for_key, regenerate_key
from organizations.models import Organization
from organizations.services import Actor, get_or_create_department


def test_a_key_finds_its_organization_as_stored_with_its_key_in_one_statement(org: Organization) -> None:
    key = regenerate_key(org, by=Actor.command("test"))
    with CaptureQueriesContext(connection) as captured:
        found = organization_for_key(key)
        assert found is not None
        assert found.scim_key.hint == key[-4:]  # came with the same row
    assert len(captured.captured_queries) == 1
    stored = Organization.objects.get(pk=org.pk)
    assert (found.pk, found.slug, found.name, found.location_source, found.created_at) == (
        stored.pk,
        stored.slug,
        stored.name,
        stored.location_source,
        stored.created_at,
    )


def test_a_key_look_up_sends_no_order_by(org: Organization) -> None:
    key = regenerate_key(org, by=Actor.command("test"))
    with CaptureQueriesContext(connection) as captured:
        assert organization_for_key(key) == org
    assert "ORDER BY" not in captured.captured_queries[0]["sql"].upper()


def test_a_department_is_found_by_name_without_an_order_by(org: Organization) -> None:
    created = get_or_create_department(org, "Research")
    with CaptureQueriesContext(connection) as captured:
        assert get_or_create_department(org, "research") == created
    assert [q for q in captured.captured_queries if "ORDER BY" in q["sql"].upper()] == []


def test_a_regenerated_key_finds_nothing_and_the_new_one_finds_the_organization(org: Organization) -> None:
    old = regenerate_key(org, by=Actor.command("test"))
    new = regenerate_key(org, by=Actor.command("test"))
    assert organization_for_key(old) is None
    assert organization_for_key(new) == org
