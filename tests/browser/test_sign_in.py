from organizations.demo import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, ensure_demo_organization
from tests.browser.conftest import screenshot, sign_in


def test_the_demo_admin_signs_in_and_sees_their_organization(page):
    ensure_demo_organization()
    sign_in(page, DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD)
    assert page.get_by_role("heading", name="Demo Company").is_visible()
    screenshot(page, "home")


def test_a_wrong_password_is_told_plainly(page):
    ensure_demo_organization()
    page.goto("/web/login")
    page.get_by_label("Work email").fill(DEMO_ADMIN_EMAIL)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").is_visible()
