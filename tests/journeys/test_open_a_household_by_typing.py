"""A grid worker opens a household file on a 360 px phone, choosing the
dwelling and the head's place of origin by typing (no dropdown of 2,160
dwellings or 372 places), with the keyboard as well as by touch; then moves
the household, again by typing."""

from __future__ import annotations

import pytest

from jiayuan.core.models import AuditEntry
from jiayuan.places.models import Building, Dwelling
from jiayuan.registry.models import Household
from tests.journeys.conftest import PHONE, assert_audit_intact, login, shot


@pytest.fixture
def estates(grid_a, grid_b):
    a = Building.objects.create(grid=grid_a, number="3", name="幸福里")
    b = Building.objects.create(grid=grid_b, number="3", name="和平苑")
    return {"home": Dwelling.objects.create(building=a, unit="1", room="101"),
            "next": Dwelling.objects.create(building=a, unit="2", room="302"),
            "other": Dwelling.objects.create(building=a, unit="2", room="3021"),
            "elsewhere": Dwelling.objects.create(building=b, unit="2", room="302")}


def fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_grid_worker_chooses_a_dwelling_and_an_origin_place_by_typing(
        live_server, browser, personas, estates):
    page = login(browser, live_server, "gridworker", viewport=PHONE)
    page.click("nav.main-nav a[href='/households/']")
    page.click("a[href='/households/new/']")
    page.wait_for_url(f"{live_server.url}/households/new/")

    # The dwelling: type part of the estate and the room, pick the one match by touch.
    page.locator("#id_dwelling").press_sequentially("幸福 101", delay=40)
    home = page.locator(f"#id_dwelling-picks input[value='{estates['home'].pk}']")
    home.wait_for()
    # Only the worker's grid: the same code in grid B is never offered.
    page.locator("#id_dwelling").fill("")
    page.locator("#id_dwelling").press_sequentially("3-2-302", delay=40)
    page.locator(f"#id_dwelling-picks input[value='{estates['next'].pk}']").wait_for()
    assert page.locator(
        f"#id_dwelling-picks input[value='{estates['elsewhere'].pk}']").count() == 0
    page.locator("#id_dwelling").fill("")
    page.locator("#id_dwelling").press_sequentially("幸福 101", delay=40)
    home.wait_for()
    page.locator(f"label.pick:has(input[value='{estates['home'].pk}'])").click()
    assert home.is_checked() and page.locator("#id_dwelling").input_value() == ""

    page.select_option("#id_residency", "floating")
    page.fill("#id_head-name", "朴成民")
    page.select_option("#id_head-sex", "M")

    # The place of origin: pinyin initials, then the keyboard only.
    origin = page.locator("#id_head-origin_code")
    origin.press_sequentially("yanbian", delay=40)
    page.locator("#id_head-origin_code-picks input[value='222400']").wait_for()
    shot(page, "household-pickers-typing-360")
    fits(page)
    origin.press("ArrowDown")
    assert page.locator("#id_head-origin_code-picks input[value='222400']").is_checked()
    shot(page, "household-pickers-chosen-360")
    fits(page)
    page.click("form.card button[type=submit]")
    page.wait_for_url(f"{live_server.url}/households/*/")

    household = Household.objects.get(dwelling=estates["home"])
    assert household.head.name == "朴成民" and household.head.origin_code == "222400"
    assert "延边" in page.content()
    fits(page)

    # Move the household: Enter takes the first match of what was typed.
    page.click(f"a[href='/households/{household.pk}/move/']")
    page.locator("#id_dwelling").press_sequentially("3-2-302", delay=40)
    page.locator(f"#id_dwelling-picks input[value='{estates['next'].pk}']").wait_for()
    page.locator("#id_dwelling").press("Enter")
    assert page.locator(
        f"#id_dwelling-picks input[value='{estates['next'].pk}']").is_checked()
    shot(page, "household-move-picker-360")
    fits(page)
    page.click("form.card button[type=submit]")
    page.wait_for_url(f"{live_server.url}/households/{household.pk}/")
    household.refresh_from_db()
    assert household.dwelling_id == estates["next"].pk

    assert_audit_intact()
    steps = set(AuditEntry.objects.filter(actor_username="gridworker").values_list(
        "object_type", "action"))
    assert {("registry.household", "create"), ("registry.person", "create"),
            ("registry.household", "move")} <= steps
