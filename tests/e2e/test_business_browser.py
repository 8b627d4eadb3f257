"""Registering a shop on a phone: the owner is picked as you type (htmx), the
premises decide the grid, and the business page shows the result."""

from __future__ import annotations

import pytest

from jiayuan.registry.models import Business
from tests.e2e.test_browser import ARTIFACTS, phone_logged_in

pytestmark = pytest.mark.browser


def test_a_grid_worker_registers_a_shop_on_a_phone(live_server, household, dwelling_a2,
                                                    personas, browser):  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    page = phone_logged_in(browser, live_server, "gridworker")
    page.goto(f"{live_server.url}/businesses/")
    page.click("a[href='/businesses/new/']")
    page.wait_for_url(f"{live_server.url}/businesses/new/")
    page.fill("#id_name", "阿依古丽干果店")
    page.select_option("#id_kind", "grocery")
    # The premises are picked as you type too (the dwelling's code).
    page.locator("#id_dwelling").press_sequentially(dwelling_a2.code, delay=30)
    page.locator(f"#id_dwelling-picks input[value='{dwelling_a2.pk}']").check()
    page.fill("#business-owner-q", "jyj")
    pick = page.locator("#business-owner-picks button", has_text="金英姬")
    pick.wait_for(timeout=10_000)
    pick.click()
    page.locator("#business-owner input[name=owner]").wait_for(state="attached")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(ARTIFACTS / "business-form-360.png"), full_page=True)
    page.click("form.card button[type=submit]")
    page.wait_for_url(f"{live_server.url}/businesses/*/")
    business = Business.objects.get(name="阿依古丽干果店")
    assert business.owner.name == "金英姬" and business.grid_id == dwelling_a2.grid_id
    assert "金英姬" in page.locator("#facts").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
