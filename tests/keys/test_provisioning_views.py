"""The Provisioning page and the portal home: activity, and the integration health they show (keys/health.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from keys.models import ScimKey
from keys.services import record_key_use, regenerate_key, revoke_key
from organizations import services
from organizations.models import Event, Organization
from organizations.services import Actor, ProvisionedUser

ENTRA = Actor.idp("Microsoft Entra ID")
REJECTED_DETAIL = (
    "GET /api/v1/scim/Users: The secret token is not a valid Preciate key: it may have been regenerated or revoked."
)
MISSING_USERNAME = (
    "POST /api/v1/scim/Users: userName is required: map an attribute (by default userPrincipalName) to userName."
)


def backdate(event: Event, **delta: float) -> Event:
    Event.objects.filter(pk=event.pk).update(created_at=timezone.now() - timedelta(**delta))
    event.refresh_from_db()
    return event


def provision(organization: Organization, user_name: str, **values: str) -> None:
    services.provision_member(organization, ProvisionedUser(user_name=user_name, values=values), by=ENTRA)


def fail(organization: Organization, *, status: int = 400, detail: str = MISSING_USERNAME) -> Event:
    """What the SCIM endpoint records when it refuses a request."""
    return services.record_event(organization, by=ENTRA, action="scim.failed", status=status, summary=detail)


@pytest.fixture
def key(org: Organization, admin) -> str:
    return regenerate_key(org, by=Actor.admin(admin.user))


def page(client, **params: str):
    response = client.get("/web/admin/provisioning", params)
    assert response.status_code == 200
    return response


# -- Counts, chart and events --------------------------------------------------------------


def test_it_counts_creates_updates_removals_and_failures_over_24_hours_and_7_days(org, other_org, admin_client):
    provision(org, "ada@acme.example", title="Engineer")
    provision(org, "grace@acme.example")
    ada = org.members.get(user_name="ada@acme.example")
    services.provision_member(
        org, ProvisionedUser(user_name="ada@acme.example", active=False, values={"title": "Lead"}), by=ENTRA, member=ada
    )
    fail(org)
    backdate(fail(org), days=3)
    backdate(services.record_event(org, by=ENTRA, action="member.created", user_name="old@acme.example"), days=10)
    provision(other_org, "olga@globex.example")
    fail(other_org)

    counts = page(admin_client).context["counts"]
    assert counts["24h"] == {"created": 2, "updated": 1, "removed": 1, "failed": 1}
    assert counts["7d"] == {"created": 2, "updated": 1, "removed": 1, "failed": 2}


def test_a_failures_detail_is_shown_as_answered_to_the_idp(org, admin_client):
    fail(org)
    html = page(admin_client).content.decode()
    assert "userName is required: map an attribute (by default userPrincipalName) to userName." in html
    assert "400 Bad Request" in html


def test_the_chart_is_inline_svg_with_one_bar_per_hour_or_day_and_no_script(org, admin_client):
    provision(org, "ada@acme.example")
    backdate(fail(org), hours=5)
    backdate(fail(org), days=4)
    day = page(admin_client)
    html = day.content.decode()
    assert '<svg class="chart columns"' in html and "<script" not in html
    assert len(day.context["chart"]["bars"]) == 24
    assert (day.context["chart"]["total"], day.context["chart"]["failed"]) == (2, 1)

    week = page(admin_client, range="7d")
    assert len(week.context["chart"]["bars"]) == 7
    assert (week.context["chart"]["total"], week.context["chart"]["failed"]) == (3, 2)
    assert len(page(admin_client, range="30d").context["chart"]["bars"]) == 30


def test_an_unknown_range_falls_back_to_24_hours(admin_client):
    assert page(admin_client, range="forever").context["range_key"] == "24h"


def test_events_can_be_limited_to_failures_or_ordered_failures_first(org, admin_client):
    backdate(fail(org, detail="the oldest failure"), hours=3)
    provision(org, "ada@acme.example")
    provision(org, "grace@acme.example")

    only = page(admin_client, failures="on").context["events"]
    assert [e.summary for e in only] == ["the oldest failure"]

    first = page(admin_client, order="failures").context["events"]
    assert first[0].summary == "the oldest failure" and len(first) == 3

    newest = page(admin_client).context["events"]
    assert newest[-1].summary == "the oldest failure"


def test_events_can_be_filtered_by_type_and_source(org, admin, admin_client):
    provision(org, "ada@acme.example")
    ada = org.members.get(user_name="ada@acme.example")
    services.remove_member(ada, by=Actor.admin(admin.user))
    fail(org)

    assert [e.action for e in page(admin_client, action="removed").context["events"]] == ["member.removed"]
    assert [e.action for e in page(admin_client, action="created").context["events"]] == ["member.created"]
    idp_actions = {e.action for e in page(admin_client, source="idp").context["events"]}
    assert idp_actions == {"member.created", "scim.failed"}
    assert {e.action for e in page(admin_client, source="admin").context["events"]} == {"member.removed"}


def test_events_link_to_the_person_they_concern(org, admin_client):
    provision(org, "ada@acme.example")
    ada = org.members.get(user_name="ada@acme.example")
    assert f'href="/web/admin/people/{ada.scim_id}"' in page(admin_client).content.decode()


def test_another_organizations_activity_never_shows(org, other_org, admin_client, other_admin_client):
    provision(other_org, "olga@globex.example")
    fail(other_org, detail="globex only failure")
    response = page(admin_client)
    html = response.content.decode()
    assert "olga@globex.example" not in html and "globex only failure" not in html
    assert response.context["events"] == []
    assert "No events match" in html
    assert page(other_admin_client).context["counts"]["24h"]["failed"] == 1


def test_old_events_page_by_fifty(org, admin_client):
    for n in range(60):
        services.record_event(org, by=ENTRA, action="member.updated", user_name=f"p{n}@acme.example")
    first = page(admin_client)
    assert len(first.context["events"]) == 50 and first.context["next_url"]
    second = admin_client.get(f"/web/admin/provisioning{first.context['next_url']}")
    assert len(second.context["events"]) == 10 and not second.context["next_url"]


@pytest.mark.parametrize("size", [5, 50])
def test_the_page_costs_the_same_queries_for_5_or_50_people(
    org, key, admin_client, django_assert_max_num_queries, size
):
    for n in range(size):
        provision(org, f"p{n}@acme.example", title="Engineer", department=f"D{n % 3}")
        fail(org)
    record_key_use(ScimKey.objects.get(organization=org).organization, status=201)
    with django_assert_max_num_queries(11):  # 10, and the people waiting for a manager
        page(admin_client, order="failures")


# -- Health: last request and warnings -----------------------------------------------------


def test_before_any_key_it_says_how_to_start(admin_client):
    response = page(admin_client)
    assert response.context["health"].state == "not_connected"
    assert "Generate a secret key" in response.content.decode()


def test_the_last_request_and_its_outcome_come_from_the_key(org, key, admin_client):
    scim_key = ScimKey.objects.select_related("organization").get(organization=org)
    record_key_use(scim_key.organization, status=201)
    response = page(admin_client)
    health = response.context["health"]
    assert health.last_status == 201 and health.last_outcome == "201 Created"
    assert "201 Created" in response.content.decode()


def test_no_warning_while_a_fresh_key_waits_for_its_first_request(org, key, admin_client):
    response = page(admin_client)
    assert response.context["health"].warnings == []
    assert response.context["health"].state == "waiting"


def test_it_warns_when_nothing_arrived_for_90_minutes_since_the_key_was_issued(org, key, admin_client):
    ScimKey.objects.filter(organization=org).update(issued_at=timezone.now() - timedelta(minutes=95))
    response = page(admin_client)
    assert [w.kind for w in response.context["health"].warnings] == ["silent"]
    assert "No request from your identity provider" in response.content.decode()


def test_it_warns_when_the_last_request_is_older_than_90_minutes(org, key, admin_client):
    ScimKey.objects.filter(organization=org).update(
        issued_at=timezone.now() - timedelta(days=2),
        last_used_at=timezone.now() - timedelta(hours=3),
        last_status=200,
    )
    assert [w.kind for w in page(admin_client).context["health"].warnings] == ["silent"]
    ScimKey.objects.filter(organization=org).update(last_used_at=timezone.now() - timedelta(minutes=30))
    assert page(admin_client).context["health"].warnings == []


def test_it_explains_what_to_do_when_recent_requests_fail_with_401_after_a_rotation(org, admin, key, admin_client):
    record_key_use(ScimKey.objects.select_related("organization").get(organization=org).organization, status=200)
    regenerate_key(org, by=Actor.admin(admin.user))  # Entra still has the first key
    for _ in range(3):
        fail(org, status=401, detail=REJECTED_DETAIL)
    response = page(admin_client)
    warnings = response.context["health"].warnings
    assert [w.kind for w in warnings] == ["rejected"] and warnings[0].count == 3
    html = response.content.decode()
    for step in ("Secret Token", "Test Connection", "Save", "Restart provisioning"):
        assert step in html
    assert "401 Unauthorized" in html


def test_the_401_warning_clears_once_a_request_succeeds_again(org, admin, key, admin_client):
    regenerate_key(org, by=Actor.admin(admin.user))
    backdate(fail(org, status=401, detail=REJECTED_DETAIL), minutes=5)
    record_key_use(ScimKey.objects.select_related("organization").get(organization=org).organization, status=200)
    assert page(admin_client).context["health"].warnings == []


def test_a_failed_last_request_is_flagged_but_a_404_lookup_is_not(org, key, admin_client):
    fail(org, status=404, detail="GET /api/v1/scim/Users/abc: User abc not found.")
    assert page(admin_client).context["health"].warnings == []
    fail(org, status=400)
    response = page(admin_client)
    assert [w.kind for w in response.context["health"].warnings] == ["failing"]
    assert "last request failed" in response.content.decode()


def test_another_organizations_401s_never_warn_here(org, other_org, key, admin_client):
    fail(other_org, status=401, detail=REJECTED_DETAIL)
    assert page(admin_client).context["health"].warnings == []


# -- Portal home ------------------------------------------------------------------------------


def test_home_summarizes_people_last_sync_and_integration_status(org, key, admin_client):
    provision(org, "ada@acme.example")
    record_key_use(ScimKey.objects.select_related("organization").get(organization=org).organization, status=201)
    response = admin_client.get("/web/admin/")
    html = response.content.decode()
    assert '<p class="big-number" data-testid="people-count">2</p>' in html
    assert response.context["health"].last_sync_at is not None
    assert "Connected" in html and "201 Created" in html
    for link in ("/web/admin/people", "/web/admin/provisioning", "/web/admin/reports", "/web/admin/keys"):
        assert f'href="{link}' in html


def test_home_invites_an_organization_without_a_key_to_connect(admin_client):
    html = admin_client.get("/web/admin/").content.decode()
    assert "Not connected" in html and "Set up the integration" in html and "Not yet" in html


def test_home_shows_the_401_warning_too(org, admin, key, admin_client):
    regenerate_key(org, by=Actor.admin(admin.user))
    fail(org, status=401, detail=REJECTED_DETAIL)
    html = admin_client.get("/web/admin/").content.decode()
    assert "Needs attention" in html and "Restart provisioning" in html


def test_home_says_when_the_key_was_revoked(org, admin, key, admin_client):
    revoke_key(org, by=Actor.admin(admin.user))
    html = admin_client.get("/web/admin/").content.decode()
    assert "Key revoked" in html and "nothing syncs" in html


@pytest.mark.parametrize("size", [5, 50])
def test_home_costs_the_same_queries_for_5_or_50_people(org, key, admin_client, django_assert_max_num_queries, size):
    for n in range(size):
        provision(org, f"p{n}@acme.example")
    with django_assert_max_num_queries(9):
        assert admin_client.get("/web/admin/").status_code == 200
