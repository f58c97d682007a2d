"""The portal's wide tables fit a 1280-pixel window with long real-world values.

Long names, userNames without a hyphen to break at, long titles and departments, the
widest state badge, and failure details that quote a userName and a URN: each arrives as
Entra would send it, over HTTP to the live server.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from organizations.demo import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, ensure_demo_organization
from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_people import ENTERPRISE, connect_entra

LAPTOP = {"width": 1280, "height": 800}
MANAGER = "bartholomew.featherstonehaughcholmondeley@emeasubsidiary.demo.preciate.test"
PERSON = "maximilianealexandrina.vonhohenzollernsigmaringen@emeasubsidiary.demo.preciate.test"


@pytest.fixture
def laptop(browser: Browser, live_server) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server.url, viewport=LAPTOP)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def long_values(base_url: str) -> None:
    entra = connect_entra(ensure_demo_organization(), base_url)
    office = [{"type": "work", "formatted": "Building 4, 2nd floor, Lyon Part-Dieu Business Centre"}]
    manager = entra.create(
        MANAGER,
        displayName="Bartholomew Featherstonehaugh-Cholmondeley",
        emails=[{"type": "work", "primary": True, "value": MANAGER}],
        title="Executive Vice President, Global Customer Success and Technical Account Management",
        addresses=office,
        **{ENTERPRISE: {"department": "Customer Success and Technical Account Management"}},
    )
    person = entra.create(
        PERSON,
        displayName="Maximiliane Alexandrina von Hohenzollern-Sigmaringen",
        emails=[{"type": "work", "primary": True, "value": PERSON}],
        title="Senior Principal Site Reliability Engineering Manager, EMEA",
        addresses=office,
        **{ENTERPRISE: {"department": "Customer Success and Technical Account Management"}},
    )
    operations: list[dict[str, Any]] = [
        {"op": "Add", "path": f"{ENTERPRISE}:manager", "value": manager["id"]},
        {"op": "Replace", "path": "active", "value": "False"},
    ]
    assert entra.patch(person["id"], *operations)[0] == 200
    # Entra renames the person to the manager's userName: 409, with both in the detail.
    status, _ = entra.patch(person["id"], {"op": "Replace", "path": "userName", "value": MANAGER})
    assert status == 409
    status, _ = entra.send("GET", f"/Users?filter=userName%20eq%20%22{PERSON}%22%20and%20emails.display%20eq%20%22x%22")
    assert status == 400


def assert_fits_the_window(page: Page, table: str) -> None:
    geometry = page.evaluate(
        """(selector) => {
            const table = document.querySelector(selector);
            const headers = table.querySelectorAll("thead th");
            const wrap = table.parentElement;
            const overflowing = [...table.querySelectorAll("td")]
                .filter((cell) => cell.scrollWidth > cell.clientWidth)
                .map((cell) => cell.textContent.trim().slice(0, 60));
            return {
                lastRight: headers[headers.length - 1].getBoundingClientRect().right,
                wrapRight: wrap.getBoundingClientRect().right,
                wrapScrolls: wrap.scrollWidth > wrap.clientWidth,
                pageScrolls: document.documentElement.scrollWidth > window.innerWidth,
                viewport: window.innerWidth,
                overflowing,
            };
        }""",
        table,
    )
    assert geometry["lastRight"] <= geometry["viewport"], geometry
    assert geometry["lastRight"] <= geometry["wrapRight"] + 1, geometry
    assert not geometry["wrapScrolls"], geometry
    assert not geometry["pageScrolls"], geometry
    assert geometry["overflowing"] == [], geometry


def test_the_people_list_shows_every_column_in_a_1280_pixel_window(laptop: Page, live_server):
    long_values(live_server.url)
    sign_in(laptop, DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD)
    laptop.goto("/web/admin/people")
    expect(laptop.get_by_test_id("person-row").filter(has_text="Maximiliane")).to_contain_text("Deactivated by the IdP")
    assert_fits_the_window(laptop, "table.people")
    screenshot(laptop, "people-1280")


def test_the_provisioning_events_show_the_detail_column_in_a_1280_pixel_window(laptop: Page, live_server):
    long_values(live_server.url)
    sign_in(laptop, DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD)
    laptop.goto("/web/admin/provisioning")
    expect(laptop.get_by_test_id("event-row").filter(has_text="409")).to_contain_text(MANAGER)
    assert_fits_the_window(laptop, "[data-testid=events]")
    laptop.get_by_test_id("events").scroll_into_view_if_needed()
    screenshot(laptop, "provisioning-1280")
