"""The Content-Security-Policy in Chromium: the portal and Django admin run under it untouched.

Chromium reports each blocked script, style or frame twice: a console message
("Refused to …") and a ``securitypolicyviolation`` event; both are collected per page.
"""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from organizations.demo import (
    DEMO_ADMIN_EMAIL,
    DEMO_ADMIN_PASSWORD,
    DEMO_SUPPORT_EMAIL,
    DEMO_SUPPORT_PASSWORD,
    ensure_demo_organization,
    ensure_demo_support_user,
)
from organizations.models import Member
from tests.browser.conftest import screenshot, sign_in

# Runs before any page script, through the DevTools protocol, which the policy does not govern.
LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


class Violations:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.console: list[str] = []
        page.on("console", self._console)

    def _console(self, message) -> None:
        text = message.text
        if "Refused to" in text or "Content Security Policy" in text:
            self.console.append(text)

    def seen(self) -> list[str]:
        return self.console + self.page.evaluate("window.__violations || []")


@pytest.fixture
def watched(page: Page) -> Iterator[tuple[Page, Violations]]:
    page.context.add_init_script(LISTEN)
    yield page, Violations(page)


def test_the_integrations_and_people_pages_run_their_scripts_with_no_violation(watched):
    page, violations = watched
    ensure_demo_organization()
    sign_in(page, DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD)
    assert violations.seen() == []

    page.goto("/web/admin/keys")
    page.get_by_role("button", name="Generate", exact=True).click()
    page.get_by_role("button", name="Copy key").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()").startswith("prc_")
    assert violations.seen() == []

    page.goto("/web/admin/keys")
    page.get_by_role("button", name="Generate a new key").click()
    dialog = page.get_by_role("dialog", name="Generate a new secret key?")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert violations.seen() == []

    page.goto("/web/admin/people")
    expect(page.get_by_role("link", name="Ada Lovelace")).to_be_visible()
    page.get_by_role("link", name="Ada Lovelace").click()
    page.wait_for_url("**/web/admin/people/*")
    page.goto("/web/admin/reports")
    page.goto("/web/admin/provisioning")
    assert violations.seen() == []


def test_an_injected_inline_script_is_refused_and_reported(watched):
    page, violations = watched
    ensure_demo_organization()
    sign_in(page, DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD)
    page.goto("/web/admin/people")

    # What a stored cross-site script would try: an inline script and an event handler.
    page.evaluate(
        """() => {
          window.__ran = false;
          const script = document.createElement("script");
          script.textContent = "window.__ran = true";
          document.body.appendChild(script);
          const img = document.createElement("img");
          img.setAttribute("onerror", "window.__ran = true");
          img.src = "/nowhere.png";
          document.body.appendChild(img);
        }"""
    )
    page.wait_for_function("window.__violations.length >= 2")

    assert page.evaluate("window.__ran") is False
    assert any("script-src" in v for v in violations.seen())


def test_django_admin_pages_work_for_support_with_no_violation(watched):
    page, violations = watched
    organization = ensure_demo_organization()
    ensure_demo_support_user()
    person = Member.objects.filter(organization=organization, user_name="ada@demo.preciate.test").get()

    page.goto("/admin/login/")
    page.get_by_label("Username").fill(DEMO_SUPPORT_EMAIL)
    page.get_by_label("Password").fill(DEMO_SUPPORT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")
    assert violations.seen() == []

    # actions.js: selecting every row updates the "N of M selected" counter.
    page.goto("/admin/organizations/member/")
    page.locator("#action-toggle").check()
    expect(page.locator(".action-counter")).to_contain_text("selected")
    expect(page.locator("input.action-select:checked")).not_to_have_count(0)

    page.goto(f"/admin/organizations/member/{person.pk}/change/")
    expect(page.get_by_text("ada@demo.preciate.test").first).to_be_visible()
    screenshot(page, "django-admin-member")

    # The sidebar filter (nav_sidebar.js) and the organization's change form with its widgets.
    page.goto(f"/admin/organizations/organization/{organization.pk}/change/")
    page.locator("#nav-filter").fill("key")
    expect(page.locator("#nav-sidebar").get_by_role("link", name="Members")).to_be_hidden()
    expect(page.locator('#nav-sidebar a[href="/admin/keys/scimkey/"]')).to_be_visible()
    page.get_by_label("Name").fill("Demo Company Ltd")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    page.goto("/admin/auth/user/")
    page.goto("/admin/keys/scimkey/")
    page.goto("/admin/organizations/event/")
    expect(page.get_by_text("name changed from Demo Company to Demo Company Ltd")).to_be_visible()
    assert violations.seen() == []
