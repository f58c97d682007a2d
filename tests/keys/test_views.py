"""The portal's key pages (keys/views.py): Integrations, where a key is shown once and revoked; the
Provisioning page and the home page, with the integration health they show (keys/health.py)."""

import logging
import re
from datetime import timedelta

import pytest
from django.contrib.messages.storage import default_storage
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.utils import timezone

from keys import services
from keys.models import ScimKey
from keys.services import record_key_use, regenerate_key, revoke_key
from organizations import services as organization_services
from organizations.models import Event, Organization
from organizations.services import Actor, ProvisionedUser

PAGE = "/web/admin/keys"
GENERATE = "/web/admin/keys/generate"
REVOKE = "/web/admin/keys/revoke"
KEY = re.compile(r"prc_[A-Za-z0-9_-]{43}")


def shown_key(response: HttpResponse) -> str:
    keys = set(KEY.findall(response.content.decode()))
    assert len(keys) == 1, keys
    return keys.pop()


def test_it_shows_the_tenant_url_and_that_there_is_no_key_yet(admin_client):
    response = admin_client.get(PAGE)
    assert response.status_code == 200
    assert b"Active Directory Integration Secret Key" in response.content
    assert b'value="http://testserver/api/v1/scim"' in response.content
    assert b"No key yet" in response.content
    assert b"How to connect Entra" in response.content


def test_it_shows_the_configured_tenant_url(admin_client, settings):
    settings.SCIM_BASE_URL = "https://people.preciate.example/api/v1/scim"
    response = admin_client.get(PAGE)
    assert b'value="https://people.preciate.example/api/v1/scim"' in response.content


def test_generating_the_first_key_shows_it_once(admin_client, org):
    response = admin_client.post(GENERATE)
    assert response.status_code == 200
    key = shown_key(response)
    assert "no-store" in response["Cache-Control"]
    assert b"Secret Token" in response.content
    assert b"Test Connection" in response.content
    assert services.organization_for_key(key) == org

    again = admin_client.get(PAGE)
    assert key.encode() not in again.content
    assert not KEY.search(again.content.decode())
    assert f"prc_…{key[-4:]}".encode() in again.content


def stored_messages(client: Client) -> list[str]:
    """The messages waiting for the next page, decoded as Django reads them (cookie, then session).

    The messages cookie is signed and compressed, so a key inside it never shows in the raw
    cookie text: only reading it back through the message storage can tell.
    """
    request = HttpRequest()
    request.COOKIES = {name: morsel.value for name, morsel in client.cookies.items()}
    request.session = client.session
    return [message.message for message in default_storage(request)]


def test_the_key_is_kept_neither_in_the_session_nor_in_messages(admin_client):
    key = shown_key(admin_client.post(GENERATE))
    after_generate = stored_messages(admin_client)
    admin_client.post(REVOKE, {"confirm": "yes"})

    assert after_generate == []
    # What revoking leaves for the next page reads back in full, so a key in a message would show.
    assert stored_messages(admin_client) == [
        f"Key …{key[-4:]} revoked. Entra's requests are refused until you generate a new key and paste it in."
    ]
    assert key not in str(dict(admin_client.session.items()))


def test_the_page_says_who_issued_the_key_and_how_the_last_request_went(admin_client, admin, org):
    admin_client.post(GENERATE)
    organization = ScimKey.objects.select_related("organization").get(organization=org).organization
    services.record_key_use(organization, status=401)
    response = admin_client.get(PAGE)
    status = response.content.decode()
    assert admin.user.username in status
    assert "Rejected: wrong or replaced key (401)" in status


def test_regenerating_asks_first_and_changes_nothing_until_confirmed(admin_client, org):
    key = shown_key(admin_client.post(GENERATE))
    response = admin_client.post(GENERATE)
    assert response.status_code == 200
    page = response.content.decode()
    assert "stops working the moment you confirm" in page
    assert "Secret Token" in page
    assert "quarantine" in page
    assert "Restart provisioning" in page
    assert not KEY.search(page)
    assert services.organization_for_key(key) == org


def test_confirmed_regenerate_kills_the_old_key_at_once(admin_client, org):
    old = shown_key(admin_client.post(GENERATE))
    new = shown_key(admin_client.post(GENERATE, {"confirm": "yes"}))
    assert new != old
    assert services.organization_for_key(old) is None
    assert services.organization_for_key(new) == org
    assert Event.objects.filter(organization=org, action="key.generated").count() == 2


def test_revoking_asks_first_then_kills_the_key(admin_client, org):
    key = shown_key(admin_client.post(GENERATE))
    response = admin_client.post(REVOKE)
    assert b"Revoke the secret key?" in response.content
    assert services.organization_for_key(key) == org

    response = admin_client.post(REVOKE, {"confirm": "yes"}, follow=True)
    assert response.redirect_chain == [(PAGE, 302)]
    assert services.organization_for_key(key) is None
    assert f"Key …{key[-4:]} revoked".encode() in response.content
    assert b"Revoked" in response.content


def test_revoking_without_a_key_says_there_is_none(admin_client):
    response = admin_client.post(REVOKE, {"confirm": "yes"}, follow=True)
    assert b"There is no key to revoke." in response.content


def test_generate_and_revoke_only_answer_posts(admin_client):
    assert admin_client.get(GENERATE).status_code == 405
    assert admin_client.get(REVOKE).status_code == 405


def test_an_admin_of_another_organization_sees_and_changes_only_their_own(
    admin_client, other_admin_client, org, other_org
):
    ours = shown_key(admin_client.post(GENERATE))
    response = other_admin_client.get(PAGE)
    assert f"…{ours[-4:]}".encode() not in response.content
    assert b"No key yet" in response.content

    theirs = shown_key(other_admin_client.post(GENERATE))
    other_admin_client.post(REVOKE, {"confirm": "yes"})
    assert services.organization_for_key(ours) == org
    assert services.organization_for_key(theirs) is None
    assert not Event.objects.filter(organization=org, action="key.revoked").exists()


@pytest.mark.parametrize("method,path", [("get", PAGE), ("post", GENERATE), ("post", REVOKE)])
def test_an_anonymous_visitor_is_sent_to_sign_in(client, org, method, path):
    response = getattr(client, method)(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/web/login?next=")
    assert not ScimKey.objects.exists()


def test_a_removed_admin_is_signed_out_and_cannot_generate(admin_client, admin):
    organization_services.remove_member(admin, by=Actor.command("tests"))
    response = admin_client.post(GENERATE)
    assert response.status_code == 302
    assert response["Location"].startswith("/web/login")
    assert "_auth_user_id" not in admin_client.session
    assert not ScimKey.objects.exists()


def test_a_post_without_the_csrf_token_is_refused(admin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin.user)
    assert client.post(GENERATE).status_code == 403
    assert not ScimKey.objects.exists()


def test_a_post_with_the_csrf_token_goes_through(admin, org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin.user)
    page = client.get(PAGE).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(GENERATE, {"csrfmiddlewaretoken": token})
    assert services.organization_for_key(shown_key(response)) == org


def test_the_key_never_reaches_the_logs(admin_client, caplog):
    with caplog.at_level(logging.DEBUG):
        key = shown_key(admin_client.post(GENERATE))
        admin_client.post(GENERATE, {"confirm": "yes"})
    assert key not in caplog.text


def test_the_integrations_tab_is_current(admin_client):
    response = admin_client.get(PAGE)
    assert b'href="/web/admin/keys" aria-current="page"' in response.content


# --------------------------------------------------------------------------------------------
# The Provisioning page and the portal home: activity, and the integration health they show (keys/health.py).
# --------------------------------------------------------------------------------------------


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
    organization_services.provision_member(organization, ProvisionedUser(user_name=user_name, values=values), by=ENTRA)


def fail(organization: Organization, *, status: int = 400, detail: str = MISSING_USERNAME) -> Event:
    """What the SCIM endpoint records when it refuses a request."""
    return organization_services.record_event(
        organization, by=ENTRA, action="scim.failed", status=status, summary=detail
    )


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
    organization_services.provision_member(
        org, ProvisionedUser(user_name="ada@acme.example", active=False, values={"title": "Lead"}), by=ENTRA, member=ada
    )
    fail(org)
    backdate(fail(org), days=3)
    backdate(
        organization_services.record_event(org, by=ENTRA, action="member.created", user_name="old@acme.example"),
        days=10,
    )
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
    organization_services.remove_member(ada, by=Actor.admin(admin.user))
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
        organization_services.record_event(org, by=ENTRA, action="member.updated", user_name=f"p{n}@acme.example")
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


def test_a_provisioning_page_number_too_large_for_the_database_is_refused(admin_client):
    response = admin_client.get("/web/admin/provisioning", {"page": "99999999999999999999"})

    assert response.status_code == 400
    assert b"page must be a number" in response.content
