"""Provisioning activity in Chromium: counts, the chart, a failure's detail, the 401 warning.

The failures come from real SCIM requests over HTTP to the live server.
"""

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import Page, expect

from keys.services import regenerate_key
from organizations.demo import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, ensure_demo_organization
from organizations.models import Event
from organizations.services import Actor
from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_people import Entra, connect_entra

NAV = "Admin portal"


def test_the_admin_sees_the_failure_detail_of_a_bad_scim_request(page: Page, live_server):
    organization = ensure_demo_organization()
    entra = connect_entra(organization, live_server.url)
    for hour, name in enumerate(["margaret", "linus", "barbara", "edsger", "frances", "john"]):
        created = entra.create(f"{name}@demo.preciate.test", displayName=name.title(), title="Engineer")
        # Spread the initial cycle over the last day, for the chart.
        Event.objects.filter(member__scim_id=created["id"]).update(
            created_at=timezone.now() - timedelta(hours=20 - hour * 3)
        )
    # Entra posts a user whose userName mapping was deleted.
    status, error = entra.send("POST", "/Users", {"displayName": "No Username", "active": True})
    assert status == 400
    detail = error["detail"]

    sign_in(page, DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD)
    page.get_by_role("navigation", name=NAV).get_by_role("link", name="Provisioning").click()
    page.wait_for_url("**/web/admin/provisioning")
    expect(page.get_by_role("heading", name="Provisioning activity")).to_be_visible()
    expect(page.get_by_test_id("last-request")).to_contain_text("400 Bad Request")
    # The demo seed's six people and the six Entra created.
    expect(page.get_by_test_id("counts-24h").get_by_test_id("created")).to_have_text("12")
    expect(page.get_by_test_id("counts-24h").get_by_test_id("failed")).to_have_text("1")
    expect(page.get_by_test_id("activity-chart")).to_be_visible()
    failure = page.get_by_test_id("event-row").filter(has_text="Request failed")
    expect(failure).to_contain_text("400 Bad Request")
    expect(failure).to_contain_text(detail)
    expect(failure).to_contain_text("Microsoft Entra ID")
    screenshot(page, "provisioning")

    page.get_by_label("Failures only").check()
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_test_id("event-row")).to_have_count(1)
    expect(page.get_by_test_id("event-row")).to_contain_text(detail)

    page.get_by_role("link", name="Last 7 days").click()
    expect(page.get_by_role("link", name="Last 7 days")).to_have_attribute("aria-current", "page")
    expect(page.get_by_test_id("event-row")).to_have_count(1)


def test_a_key_rotated_without_updating_entra_explains_what_to_do(page: Page, live_server):
    organization = ensure_demo_organization()
    entra = connect_entra(organization, live_server.url)
    status, _ = entra.send("GET", "/Users?filter=userName%20eq%20%22nobody%40demo.preciate.test%22")
    assert status == 200
    regenerate_key(organization, by=Actor.command("tests"))  # Entra still holds the first key
    for _ in range(3):
        status, _ = entra.send("GET", "/Users?startIndex=1&count=100")
        assert status == 401

    sign_in(page, DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD)
    expect(page.get_by_test_id("warning-rejected")).to_be_visible()
    expect(page.get_by_test_id("integration-status")).to_contain_text("Needs attention")
    screenshot(page, "home-needs-attention")

    page.goto("/web/admin/provisioning")
    warning = page.get_by_test_id("warning-rejected")
    expect(warning).to_contain_text("3 requests from the identity provider were refused with 401 Unauthorized")
    for step in ("Secret Token", "Test Connection", "Save", "Restart provisioning"):
        expect(warning).to_contain_text(step)
    screenshot(page, "provisioning-401")

    # Once Entra has the new key, the warning goes.
    fixed = Entra(live_server.url, regenerate_key(organization, by=Actor.command("tests")))
    assert fixed.send("GET", "/Users?startIndex=1&count=1")[0] == 200
    page.reload()
    expect(page.get_by_test_id("warning-rejected")).to_have_count(0)
    expect(page.get_by_test_id("last-request")).to_contain_text("200 OK")


def test_an_organization_without_a_key_is_shown_how_to_start(page: Page):
    ensure_demo_organization()
    sign_in(page, DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD)
    page.goto("/web/admin/provisioning?range=30d")
    expect(page.get_by_test_id("last-request")).to_contain_text("Generate a secret key")
