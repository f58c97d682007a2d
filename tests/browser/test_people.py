"""The people directory in Chromium: search, filter, remove dummy accounts with confirmation.

People arrive the way they do in production: Entra's SCIM requests over HTTP to the live
server, carrying a key from keys.services.
"""

import json
import urllib.error
import urllib.request
from typing import Any

from playwright.sync_api import Page, expect

from keys.services import regenerate_key
from organizations.demo import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, ensure_demo_organization
from organizations.models import Member, Organization
from organizations.services import Actor
from tests.browser.conftest import screenshot, sign_in

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
SYNCED = [
    ("margaret@demo.preciate.test", "Margaret", "Hamilton", "Director of Software", "Engineering", "Boston"),
    ("linus@demo.preciate.test", "Linus", "Torvalds", "Kernel Engineer", "Engineering", "Portland"),
    ("barbara@demo.preciate.test", "Barbara", "Liskov", "Researcher", "Research", "Boston"),
]
DUMMIES = ["test.user1@demo.preciate.test", "room.booking@demo.preciate.test"]


class Entra:
    """Speaks SCIM to the live server over HTTP, as Entra's provisioning service does."""

    def __init__(self, base_url: str, key: str) -> None:
        self.base_url = f"{base_url}/api/v1/scim"
        self.key = key

    def send(self, method: str, path: str, body: Any = None) -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(
            self.base_url + path,
            data=None if body is None else json.dumps(body).encode(),
            method=method,
            headers={
                "Authorization": f"Bearer {self.key}",
                "Content-Type": "application/scim+json",
                "User-Agent": "Azure AD Provisioning",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def create(self, user_name: str, **attributes: Any) -> dict[str, Any]:
        status, resource = self.send("POST", "/Users", {"userName": user_name, "active": True, **attributes})
        assert status == 201, resource
        return resource

    def patch(self, scim_id: str, *operations: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": list(operations)}
        return self.send("PATCH", f"/Users/{scim_id}", body)


def connect_entra(organization: Organization, base_url: str) -> Entra:
    return Entra(base_url, regenerate_key(organization, by=Actor.command("tests")))


def synced_organization(base_url: str) -> tuple[Organization, Entra]:
    """The demo company after Entra's first cycle: real people plus a few dummy accounts."""
    organization = ensure_demo_organization()
    entra = connect_entra(organization, base_url)
    for user_name, given, family, title, department, location in SYNCED:
        entra.create(
            user_name,
            name={"givenName": given, "familyName": family},
            displayName=f"{given} {family}",
            emails=[{"type": "work", "primary": True, "value": user_name}],
            title=title,
            addresses=[{"type": "work", "formatted": location}],
            **{ENTERPRISE: {"department": department}},
        )
    for user_name in DUMMIES:
        entra.create(user_name, displayName=user_name.split("@")[0])
    return organization, entra


def rows(page: Page):
    return page.get_by_test_id("person-row")


def test_the_admin_searches_and_filters_the_people_list(page: Page, live_server):
    organization, _ = synced_organization(live_server.url)
    sign_in(page, DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD)
    page.get_by_role("navigation", name="Admin portal").get_by_role("link", name="People").click()
    page.wait_for_url("**/web/admin/people")
    expect(page.get_by_role("heading", name="People", exact=True)).to_be_visible()
    expect(rows(page)).to_have_count(11)
    expect(rows(page).filter(has_text="Margaret Hamilton").get_by_text("IdP")).to_be_visible()
    screenshot(page, "people")

    page.get_by_role("searchbox", name="Search").fill("lov")
    page.get_by_role("button", name="Apply").click()
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("Ada Lovelace")
    expect(rows(page).first).to_contain_text("Head of Engineering")

    page.get_by_role("searchbox", name="Search").fill("BARBARA@demo.preciate.test")
    page.get_by_role("button", name="Apply").click()
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("Barbara Liskov")

    page.get_by_role("link", name="Clear").click()
    page.get_by_label("Department").select_option(label="Engineering")
    page.get_by_label("Location").select_option(label="Boston")
    page.get_by_role("button", name="Apply").click()
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("Margaret Hamilton")

    page.get_by_role("link", name="Clear").click()
    page.get_by_label("Source").select_option(label="Added by hand")
    page.get_by_role("button", name="Apply").click()
    expect(rows(page)).to_have_count(6)  # the seeded five and the admin
    expect(page.get_by_text("IdP", exact=True)).to_have_count(0)
    assert Member.objects.filter(organization=organization, managed_by_idp=False).count() == 6


def test_the_admin_removes_dummy_accounts_after_confirming(page: Page, live_server):
    organization, _ = synced_organization(live_server.url)
    sign_in(page, DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD)
    page.goto("/web/admin/people")
    for user_name in DUMMIES:
        rows(page).filter(has_text=user_name).get_by_role("checkbox").check()
    page.get_by_role("button", name="Remove selected").click()

    expect(page.get_by_role("heading", name="Remove 2 people from the organization?")).to_be_visible()
    confirm_list = page.get_by_test_id("to-remove")
    for user_name in DUMMIES:
        expect(confirm_list).to_contain_text(user_name)
    screenshot(page, "people-remove-confirm")
    assert Member.objects.filter(organization=organization, user_name__in=DUMMIES).present().count() == 2

    page.get_by_role("button", name="Remove 2 people").click()
    page.wait_for_url("**/web/admin/people")
    expect(page.get_by_text("Removed 2 people from Demo Company.")).to_be_visible()
    for user_name in DUMMIES:
        expect(rows(page).filter(has_text=user_name).get_by_test_id("state")).to_have_text("Removed by an admin")
    assert not Member.objects.filter(organization=organization, user_name__in=DUMMIES).present().exists()


def test_the_admin_removes_the_shared_mailbox_from_its_page_and_restores_it(page: Page):
    organization = ensure_demo_organization()
    sign_in(page, DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD)
    page.goto("/web/admin/people")
    page.get_by_role("link", name="IT Mailbox").click()
    expect(page.get_by_role("heading", name="IT Mailbox")).to_be_visible()
    page.get_by_role("link", name="Remove from organization…").click()
    expect(page.get_by_role("heading", name="Remove IT Mailbox from Demo Company?")).to_be_visible()
    page.get_by_role("button", name="Remove IT Mailbox").click()
    expect(page.get_by_test_id("state-note")).to_contain_text("Removed by admin@demo.preciate.test")
    expect(page.get_by_test_id("history")).to_contain_text("Removed by an admin")

    page.get_by_role("link", name="Restore…").click()
    page.get_by_role("button", name="Restore IT Mailbox").click()
    expect(page.get_by_text("Restored IT Mailbox to Demo Company.")).to_be_visible()
    assert Member.objects.filter(organization=organization, user_name="it@demo.preciate.test").present().exists()


def test_a_person_managed_by_the_idp_shows_read_only_fields_and_history(page: Page, live_server):
    organization, entra = synced_organization(live_server.url)
    margaret = Member.objects.get(organization=organization, user_name="margaret@demo.preciate.test")
    status, _ = entra.patch(str(margaret.scim_id), {"op": "Replace", "path": "title", "value": "VP of Software"})
    assert status == 200
    sign_in(page, DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD)
    page.goto(f"/web/admin/people/{margaret.scim_id}")
    expect(page.get_by_test_id("idp-managed")).to_contain_text(
        "Managed by your identity provider; change it in Entra ID"
    )
    expect(page.get_by_role("button", name="Save changes")).to_have_count(0)
    expect(page.get_by_test_id("history")).to_contain_text("title changed from Director of Software to VP of Software")
    expect(page.get_by_test_id("history")).to_contain_text("by Microsoft Entra ID")
    screenshot(page, "person")


def test_the_admin_adds_a_person_by_hand_and_fixes_their_department(page: Page):
    ensure_demo_organization()
    sign_in(page, DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD)
    page.goto("/web/admin/people")
    page.get_by_role("link", name="Add a person").click()
    page.get_by_label("userName").fill("hedy@demo.preciate.test")
    page.get_by_label("First name").fill("Hedy")
    page.get_by_label("Last name").fill("Lamarr")
    page.get_by_label("Work email").fill("hedy@demo.preciate.test")
    page.get_by_label("Title").fill("Inventor")
    page.get_by_label("Department").fill("Research")
    page.get_by_label("Manager").fill("alan@demo.preciate.test")
    screenshot(page, "person-new")
    page.get_by_role("button", name="Add person").click()
    expect(page.get_by_role("heading", name="Hedy Lamarr")).to_be_visible()

    page.get_by_label("Department").fill("Engineering")
    page.get_by_label("Location").fill("Lyon")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_test_id("details")).to_contain_text("Engineering")
    expect(page.get_by_test_id("history")).to_contain_text("department changed from Research to Engineering")


def test_a_removed_dummy_account_stays_removed_when_the_next_sync_arrives(page: Page, live_server):
    organization, entra = synced_organization(live_server.url)
    sign_in(page, DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD)
    page.goto("/web/admin/people")
    page.get_by_role("link", name="room.booking").click()
    page.get_by_role("link", name="Remove from organization…").click()
    page.get_by_role("button", name="Remove room.booking").click()
    expect(page.get_by_test_id("state")).to_have_text("Removed by an admin")

    # Entra's next cycle touches the account, still active on its side.
    room = Member.objects.get(organization=organization, user_name="room.booking@demo.preciate.test")
    status, resource = entra.patch(
        str(room.scim_id),
        {"op": "Replace", "path": "title", "value": "Meeting room"},
        {"op": "Replace", "path": "active", "value": "True"},
    )
    assert status == 200 and resource["active"] is True  # Entra sees what it set: no drift to correct

    page.reload()
    expect(page.get_by_test_id("state")).to_have_text("Removed by an admin")
    expect(page.get_by_test_id("state-note")).to_contain_text("keep this person removed until an admin restores them")
    expect(page.get_by_test_id("history").locator("li").first).to_contain_text("title set to Meeting room")
    expect(page.get_by_test_id("details")).to_contain_text("Meeting room")
    screenshot(page, "person-removed")

    page.goto("/web/admin/people?state=active")
    expect(rows(page).filter(has_text="room.booking")).to_have_count(0)
    assert not Member.objects.filter(organization=organization, user_name="room.booking@demo.preciate.test").present()
