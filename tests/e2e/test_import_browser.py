"""A grid worker imports a messy roster on a phone: upload, dry run, the bad
row's reason, commit. Screenshots go to test-artifacts/ for people to look at."""

from __future__ import annotations

from datetime import date

import pytest

from jiayuan.lib.idcard import make_id_number
from jiayuan.places.models import Building
from jiayuan.registry.models import Person
from jiayuan.sheets.models import BatchStatus, ImportBatch
from tests.e2e.test_browser import ARTIFACTS, phone_logged_in
from tests.sheets.messy import xlsx_bytes

pytestmark = pytest.mark.browser

WIDTH = 360


def messy_roster() -> bytes:
    """A title merged across, a blank row, header names as workers type them,
    full-width digits, padded names, a date cell, a totals row, and one row
    whose phone number is too short (row 8)."""
    wang = make_id_number("650102", date(1979, 4, 2), 11)
    li = make_id_number("650102", date(1982, 8, 19), 22)
    zhao = make_id_number("510104", date(1990, 1, 30), 33)
    rows = [
        ["第一网格人口花名册（2026年3月）", *[None] * 10],
        [None] * 11,
        ["序号", "姓　名", "性别", "出生日期", "公民身份号码（必填）", "手机", "楼号", "单元",
         "门牌号", "与户主关系", "人员类别"],
        [1, "王建国", "男", date(1979, 4, 2), wang, "１３８００００１１１１", "3", "1", "501",
         "户主", "常住"],
        [2, "李  梅", "女", "1982/8/19", li, "13800002222", "3", "1", "501", "妻", None],
        [3, "王小宝", "男", "2016年3月1日", None, None, "3", "1", "501", "子", None],
        [4, "赵  磊", None, None, zhao, "139 0000 3333", "3", "2", "101", "户主", "流动"],
        [5, "吴芳", "女", "1990-01-01", None, "12345", "3", "1", "603", "户主", "户籍"],
        [None] * 11,
        ["合计", None, None, None, None, None, None, None, None, None, "5人"],
    ]
    return xlsx_bytes(rows, merges=[(0, 0, 0, 10)])


def fits(page) -> None:
    """Nothing on the page is wider than the phone's screen."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH + 1, f"{page.url} is {width} px wide"


def test_a_grid_worker_imports_a_messy_roster_on_a_phone(live_server, personas, grid_a,
                                                         browser):  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    Building.objects.get_or_create(grid=grid_a, number="3")
    page = phone_logged_in(browser, live_server, "gridworker")
    page.set_viewport_size({"width": WIDTH, "height": 740})

    page.goto(f"{live_server.url}/sheets/imports/")
    fits(page)
    page.screenshot(path=str(ARTIFACTS / "import-upload-360.png"), full_page=True)
    page.set_input_files("#id_file", files=[{
        "name": "第一网格花名册.xlsx", "buffer": messy_roster(),
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    page.click("form.card button.primary[type=submit]")
    page.wait_for_url(f"{live_server.url}/sheets/imports/*/")
    batch = ImportBatch.objects.get()
    assert batch.header_row == 3

    assert page.locator("dl.counts .count-new dd").first.inner_text() == "4"
    assert page.locator("dl.counts .count-rejected dd").first.inner_text() == "1"
    fits(page)
    page.screenshot(path=str(ARTIFACTS / "import-check-360.png"), full_page=True)

    page.locator("#rows .tabs a[href*='show=rejected']").click()
    page.wait_for_url("**show=rejected*")
    bad = page.locator("table.preview tbody tr").first
    text = bad.inner_text()
    assert "8" in text and "吴芳" in text and "手机" in text, text
    assert page.locator("table.preview tbody tr").count() == 1
    fits(page)
    page.screenshot(path=str(ARTIFACTS / "import-rejected-row-360.png"), full_page=True)

    page.locator("#mapping summary").click()
    page.locator("#mapping select").first.wait_for()
    fits(page)
    page.screenshot(path=str(ARTIFACTS / "import-columns-360.png"), full_page=True)

    page.locator("#commit button.primary").click()
    page.locator(".msg-success").wait_for(timeout=20_000)
    assert "4" in page.locator(".msg-success").inner_text()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED
    assert Person.objects.filter(import_batch_id=batch.pk).count() == 4
    assert Person.objects.get(name="李梅").birth_date == date(1982, 8, 19)
    fits(page)
    page.screenshot(path=str(ARTIFACTS / "import-done-360.png"), full_page=True)
    assert (ARTIFACTS / "import-done-360.png").stat().st_size > 10_000

    page.goto(f"{live_server.url}/sheets/imports/")
    assert "第一网格花名册.xlsx" in page.locator("ul.batches").inner_text()
    fits(page)
    page.screenshot(path=str(ARTIFACTS / "import-list-360.png"), full_page=True)
