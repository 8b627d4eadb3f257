"""Logging a visit on a 360 px phone whose connection drops: nothing typed is
lost, and the visit is recorded exactly once when the connection returns."""

from __future__ import annotations

import re

import pytest

from jiayuan.care.models import Visit
from tests.e2e.test_browser import ARTIFACTS, phone_logged_in

pytestmark = pytest.mark.browser

DRAFTS = "Object.keys(localStorage).filter(k => k.startsWith('jy-visit-draft:')).length"


def test_a_visit_typed_offline_is_sent_once_when_the_connection_returns(
        live_server, household, personas, browser):  # noqa: F811
    page = phone_logged_in(browser, live_server, "gridworker")
    page.goto(f"{live_server.url}/care/visits/new/?household={household.pk}")
    page.fill("#id_found", "老人膝盖疼，上下楼困难")
    page.fill("#id_needs", "申请助老服务")
    page.select_option("#id_mode", "home")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "visit-form-360.png"), full_page=True)
    key = page.input_value("input[name=idempotency_key]")

    page.context.set_offline(True)
    page.click("#visit-form button[type=submit]")
    page.locator("#draft-status [data-msg=offline]").wait_for(state="visible", timeout=10_000)
    assert page.locator("#draft-status [data-action=retry]").is_visible()
    assert Visit.objects.count() == 0
    assert page.evaluate(DRAFTS) == 1

    page.context.set_offline(False)  # the `online` event sends the draft
    page.wait_for_url(re.compile(r"/care/visits/\d+/$"), timeout=15_000)
    visit = Visit.objects.get()
    assert visit.found == "老人膝盖疼，上下楼困难"
    assert str(visit.idempotency_key) == key
    assert list(visit.households.all()) == [household]
    assert "老人膝盖疼" in page.locator("main").inner_text()
    assert page.locator(".msg-success").count() == 1  # "saved", on the page the worker sees
    assert page.evaluate(DRAFTS) == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(ARTIFACTS / "visit-detail-360.png"), full_page=True)

    page.goto(f"{live_server.url}/care/visits/")
    assert "老人膝盖疼" in page.locator("main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(ARTIFACTS / "visit-list-360.png"), full_page=True)


def test_the_draft_survives_a_reload_with_its_key(live_server, household, personas,
                                                  browser):  # noqa: F811
    page = phone_logged_in(browser, live_server, "gridworker")
    page.goto(f"{live_server.url}/care/visits/new/")
    page.fill("#visit-household-q", "zrz")
    pick = page.locator("#visit-household-picks li button").first
    pick.wait_for(timeout=10_000)
    pick.click()
    page.locator(f"#visit-households [data-household='{household.pk}']").wait_for(
        timeout=10_000)
    page.fill("#id_found", "孩子刚出生，母子平安")
    page.select_option("#id_mode", "office")
    page.fill("#id_volunteers", "李红")
    key = page.input_value("input[name=idempotency_key]")

    page.reload()
    page.locator("#draft-restored").wait_for(state="visible", timeout=10_000)
    assert page.input_value("#id_found") == "孩子刚出生，母子平安"
    assert page.input_value("#id_mode") == "office"
    assert page.input_value("#id_volunteers") == "李红"
    assert page.input_value("input[name=idempotency_key]") == key
    assert page.locator(f"input[name=households][value='{household.pk}']").is_checked()

    page.click("#visit-form button[type=submit]")
    page.wait_for_url(re.compile(r"/care/visits/\d+/$"), timeout=15_000)
    visit = Visit.objects.get()
    assert (visit.found, visit.mode, str(visit.idempotency_key)) == (
        "孩子刚出生，母子平安", "office", key)
    assert page.evaluate(DRAFTS) == 0


def test_form_errors_come_back_on_the_page_and_the_draft_stays(live_server, household,
                                                               personas, browser):  # noqa: F811
    page = phone_logged_in(browser, live_server, "gridworker")
    page.goto(f"{live_server.url}/care/visits/new/?household={household.pk}")
    page.fill("#id_found", "下次再来")
    page.fill("#id_next_visit", "2001-01-01")  # before the visit: refused
    page.click("#visit-form button[type=submit]")
    page.locator("#id_next_visit_error").wait_for(timeout=10_000)
    assert Visit.objects.count() == 0
    assert page.input_value("#id_found") == "下次再来"
    assert page.evaluate(DRAFTS) == 1
    page.fill("#id_next_visit", "")
    page.click("#visit-form button[type=submit]")
    page.wait_for_url(re.compile(r"/care/visits/\d+/$"), timeout=15_000)
    assert Visit.objects.get().found == "下次再来"
    assert page.evaluate(DRAFTS) == 0
