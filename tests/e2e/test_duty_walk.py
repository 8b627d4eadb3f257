"""A grid worker on a 360 px phone works through the duty list: a duty is
raised by tick, the worker opens it from the list, logs the visit, and the
duty leaves the list fulfilled on time."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core.management import call_command

from jiayuan.care.choices import DutyStatus
from jiayuan.care.models import Duty
from jiayuan.registry.models import Circumstance
from tests.e2e.test_browser import ARTIFACTS, phone_logged_in

pytestmark = pytest.mark.browser


def test_a_grid_worker_works_a_duty_from_the_list_on_a_phone(
        live_server, household, personas, browser):  # noqa: F811
    Circumstance.objects.create(household=household, person=household.head,
                                kind="serious_illness", started=date(2024, 1, 1))
    call_command("tick", "--only", "duties", "--quiet")
    duty = Duty.objects.get()
    assert duty.assignee == personas["gridworker"]

    page = phone_logged_in(browser, live_server, "gridworker")
    page.goto(f"{live_server.url}/care/duties/")
    main = page.locator("main")
    assert household.dwelling.code in main.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "duty-list-360.png"), full_page=True)

    page.locator("main a.button", has_text=re.compile("Log the visit|登记走访")).first.click()
    page.wait_for_url(re.compile(r"/care/visits/new/"))
    assert page.locator(f"input[name=households][value='{household.pk}']").is_checked()
    page.select_option("#id_mode", "home")
    page.fill("#id_found", "病情稳定，按时服药")
    page.click("#visit-form button[type=submit]")
    page.wait_for_url(re.compile(r"/care/visits/\d+/$"), timeout=15_000)

    duty.refresh_from_db()
    assert duty.status == DutyStatus.DONE and duty.on_time
    page.goto(f"{live_server.url}/care/duties/")
    assert household.dwelling.code not in page.locator("main").inner_text()
