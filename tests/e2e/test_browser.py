"""One walk through the product in headless Chromium (Debian's, via Playwright).

Logs in as a grid worker, searches `zrz` as-you-type, opens the household file,
and saves a 360 px wide screenshot to test-artifacts/ for people to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.journeys.conftest import ensure_authenticator, give_code

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def phone_logged_in(browser, live_server, username):
    """A 360 px wide page, logged in as one of the personas."""
    page = browser.new_page(viewport={"width": 360, "height": 780}, locale="zh-CN",
                            device_scale_factor=2)
    ensure_authenticator(username)  # the second factor (tests/journeys/conftest.py)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-for-tests-only")
    page.click("button[type=submit]")
    page.wait_for_load_state("load")
    if "/account/two-factor/code/" in page.url:
        give_code(page, username)
    page.wait_for_url(f"{live_server.url}/")
    return page


def test_it_finds_a_household_by_initials_on_a_phone(live_server, household, personas,
                                                     browser):
    ARTIFACTS.mkdir(exist_ok=True)
    page = phone_logged_in(browser, live_server, "gridworker")

    page.fill("header input[type=search]", "zrz")
    hit = page.locator("#quick-results li").first
    hit.wait_for(timeout=10_000)
    assert "鄭容哲" in hit.inner_text()
    page.screenshot(path=str(ARTIFACTS / "search-zrz-360.png"))

    hit.locator("a", has_text="3-2-302").click()
    page.wait_for_url(f"{live_server.url}/households/{household.pk}/")
    heading = page.locator("h1").inner_text()
    assert "3-2-302" in heading
    assert page.locator(".member").count() == 3
    # Nothing overflows a 360 px screen sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(ARTIFACTS / "household-file-360.png"), full_page=True)
    assert (ARTIFACTS / "household-file-360.png").stat().st_size > 10_000


def test_walk_in_request_from_intake_to_closure_on_a_phone(live_server, household, personas,
                                                          school_item, browser):
    """A caseworker takes a walk-in request at the desk, finds the resident as
    they type, works the case, resolves it and records the follow-up call."""
    from jiayuan.desk.models import Case

    ARTIFACTS.mkdir(exist_ok=True)
    page = phone_logged_in(browser, live_server, "caseworker")

    page.goto(f"{live_server.url}/desk/new/")
    page.fill("#requester-q", "zrz")
    pick = page.locator("#requester-picks li button").first
    pick.wait_for(timeout=10_000)
    assert "鄭容哲" in pick.inner_text()
    pick.click()
    page.locator("#requester .chosen").wait_for(timeout=10_000)
    page.select_option("#id_item", str(school_item.pk))
    page.fill("#id_summary", "孙子明年要上小学")
    page.screenshot(path=str(ARTIFACTS / "desk-intake-360.png"), full_page=True)
    page.click("button.primary[type=submit]")
    page.wait_for_url(f"{live_server.url}/desk/cases/*/")
    case = Case.objects.get()
    assert case.person == household.head
    assert case.ref in page.locator("h1").inner_text()

    page.click("form.inline button:text-is('开始办理'), form.inline button:text-is('Start work')")
    page.wait_for_load_state()
    page.locator("#actions summary.primary").click()
    page.select_option("#actions details[open] select[name=outcome]", "school_place")
    page.fill("#actions details[open] input[name=outcome_quantity]", "1")
    page.locator("#actions details[open] button.primary").click()
    page.locator("#follow-up").wait_for(timeout=10_000)
    page.check("#follow-up input[name=reached][value='1']")
    page.select_option("#follow-up select[name=satisfaction]", "5")
    page.locator("#follow-up button.primary").click()
    page.wait_for_load_state()
    case.refresh_from_db()
    assert case.status == "closed"
    assert case.follow_ups.get().satisfaction == 5
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(ARTIFACTS / "desk-case-closed-360.png"), full_page=True)
