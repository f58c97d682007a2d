from playwright.sync_api import Page

from keys.services import organization_for_key
from organizations.demo import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, ensure_demo_organization
from tests.browser.conftest import screenshot, sign_in


def copied_key(page: Page) -> str:
    page.get_by_role("button", name="Copy key").click()
    page.get_by_role("button", name="Copied").wait_for()
    key = page.evaluate("navigator.clipboard.readText()")
    assert key == page.get_by_role("textbox", name="New secret key").input_value()
    return key


def test_the_demo_admin_generates_copies_and_regenerates_the_key(page):
    organization = ensure_demo_organization()
    sign_in(page, DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD)
    page.get_by_role("link", name="Integrations").click()
    page.wait_for_url("**/web/admin/keys")
    assert page.get_by_role("heading", name="Active Directory Integration Secret Key").is_visible()
    assert page.get_by_role("textbox", name="Tenant URL").input_value().endswith("/api/v1/scim")

    page.get_by_role("button", name="Generate", exact=True).click()
    first = copied_key(page)
    assert first.startswith("prc_")
    screenshot(page, "integrations-new-key")
    assert organization_for_key(first) == organization

    page.get_by_role("link", name="Integrations").click()
    assert first not in page.content()
    assert page.get_by_text(f"prc_…{first[-4:]}").is_visible()

    page.get_by_role("button", name="Generate a new key").click()
    dialog = page.get_by_role("dialog", name="Generate a new secret key?")
    assert dialog.get_by_text("stops working the moment you confirm").is_visible()
    screenshot(page, "integrations-confirm")
    dialog.get_by_role("button", name="Cancel").click()
    assert not dialog.is_visible()
    assert organization_for_key(first) == organization

    page.get_by_role("button", name="Generate a new key").click()
    dialog.get_by_role("button", name="Generate new key").click()
    second = copied_key(page)
    assert second != first
    assert organization_for_key(first) is None
    assert organization_for_key(second) == organization
    screenshot(page, "integrations")


def test_without_javascript_regenerating_asks_on_a_page_of_its_own(browser, live_server):
    organization = ensure_demo_organization()
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD)
        page.goto("/web/admin/keys")
        page.get_by_role("button", name="Generate", exact=True).click()
        first = page.get_by_role("textbox", name="New secret key").input_value()

        page.get_by_role("button", name="Generate a new key").click()
        assert page.get_by_role("heading", name="Generate a new secret key?").is_visible()
        screenshot(page, "integrations-confirm-without-javascript")
        assert organization_for_key(first) == organization
        page.get_by_role("button", name="Generate new key").click()
        second = page.get_by_role("textbox", name="New secret key").input_value()
        assert organization_for_key(first) is None
        assert organization_for_key(second) == organization
    finally:
        context.close()
