"""Headcount reports in Chromium: the charts, the department-by-location table, CSV download."""

import csv
import io

from playwright.sync_api import Page, expect

from organizations import services
from organizations.demo import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, ensure_demo_organization
from organizations.models import Member
from organizations.services import Actor
from tests.browser.conftest import screenshot, sign_in


def test_the_admin_opens_reports_and_downloads_the_csv(page: Page):
    organization = ensure_demo_organization()
    actor = Actor.command("tests")
    for n, (department, location) in enumerate(
        [("Engineering", "Lyon"), ("Engineering", "London"), ("Sales", "Paris"), ("Sales", "Paris"), ("Research", "")]
    ):
        services.create_member(
            organization, by=actor, user_name=f"extra{n}@demo.preciate.test", department=department, location=location
        )
    mailbox = Member.objects.get(organization=organization, user_name="it@demo.preciate.test")
    services.remove_member(mailbox, by=actor)  # not counted

    sign_in(page, DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD)
    page.get_by_role("navigation", name="Admin portal").get_by_role("link", name="Reports").click()
    page.wait_for_url("**/web/admin/reports")
    expect(page.get_by_test_id("total")).to_have_text("10")
    by_department = page.get_by_test_id("by-department")
    expect(by_department.locator("svg.chart")).to_be_visible()
    expect(by_department.get_by_role("row", name="Engineering 4")).to_be_visible()
    expect(by_department.get_by_role("row", name="Unassigned 1")).to_be_visible()
    expect(page.get_by_test_id("by-location").get_by_role("row", name="Paris 2")).to_be_visible()
    screenshot(page, "reports")

    with page.expect_download() as download_info:
        by_department.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith("demo-headcount-by-department-")
    rows = list(csv.reader(io.StringIO(open(download.path(), encoding="utf-8").read())))
    assert rows[0] == ["department", "headcount"]
    assert ["Engineering", "4"] in rows and ["Unassigned", "1"] in rows and ["Sales", "2"] in rows

    with page.expect_download() as download_info:
        page.get_by_test_id("by-department-location").get_by_role("link", name="Download CSV").click()
    rows = list(csv.reader(io.StringIO(open(download_info.value.path(), encoding="utf-8").read())))
    assert rows[0] == ["department", "location", "headcount"]
    assert ["Sales", "Paris", "2"] in rows

    page.get_by_test_id("by-department").get_by_role("link", name="Engineering").click()
    expect(page.get_by_test_id("person-row")).to_have_count(4)
