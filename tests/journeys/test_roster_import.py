"""Journey: a grid worker imports a roster whose first sheet is instructions and
whose units are on two sheets, with bad rows; fixes them in the rows-to-fix file
and imports them too; then undoes both imports. On a 360 px phone, in Chromium,
every step a click or a keystroke; the file is corrected with openpyxl as a
person would in Excel."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import xlsxwriter
from openpyxl import load_workbook

from jiayuan.core.models import AuditEntry
from jiayuan.lib.idcard import make_id_number, mask_id_number
from jiayuan.places.models import Building
from jiayuan.registry.models import Person
from jiayuan.sheets.models import BatchStatus, ImportBatch
from tests.journeys.conftest import (
    PHONE,
    assert_audit_intact,
    browser,
    give_code,
    login,
    shot,
)

__all__ = ["browser"]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WANG = make_id_number("650102", date(1979, 4, 2), 11)
LI = make_id_number("650102", date(1982, 8, 19), 22)
ZHAO = make_id_number("510104", date(1990, 1, 30), 33)  # a man's
SUN = make_id_number("510104", date(1975, 6, 5), 44)
HEADER = ["姓名", "性别", "出生日期", "身份证号", "联系电话", "楼栋", "单元", "房号", "与户主关系",
          "人员类别", "职业"]
TOO_LONG = "社区志愿者" * 24  # 120 characters; the registry keeps 100
UNIT_1 = [
    ["王建国", "男", "1979-04-02", WANG, "13800001111", "3", "1", "501", "户主", "常住", "司机"],
    ["李梅", "女", "1982-08-19", LI, "13800002222", "3", "1", "501", "妻", "", ""],
    ["王小宝", "男", "2016-03-01", "", "", "3", "1", "501", "子", "", ""],
    ["吴芳", "女", "1990-01-01", "", "13800004444", "3", "1", "603", "户主", "户籍", TOO_LONG],
]
UNIT_2 = [
    # Both the sex and the birth date disagree with the ID number.
    ["赵磊", "女", "1990-03-01", ZHAO, "13900003333", "3", "2", "101", "户主", "流动", ""],
    ["孙丽", "女", "1975-06-05", SUN, "", "3", "2", "202", "户主", "户籍", "教师"],
]


def workbook() -> bytes:
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False})
    notes = book.add_worksheet("填表说明")
    for i, line in enumerate(["填表说明", "1. 每位居民一行。", "2. 身份证号填写18位。"]):
        notes.write_string(i, 0, line)
    for name, rows in (("3栋1单元", UNIT_1), ("3栋2单元", UNIT_2)):
        ws = book.add_worksheet(name)
        for i, row in enumerate([HEADER, *rows]):
            for j, value in enumerate(row):
                if value:
                    ws.write_string(i, j, value)
    book.close()
    return buf.getvalue()


def fits(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, f"{page.url} is {width} px wide"


def upload(page: Any, base: str, name: str, data: bytes) -> ImportBatch:
    page.goto(f"{base}/sheets/imports/")
    page.set_input_files("#id_file", files=[{"name": name, "buffer": data, "mimeType": XLSX}])
    page.click("form.card button.primary[type=submit]")
    page.wait_for_url(f"{base}/sheets/imports/*/")
    return ImportBatch.objects.latest("pk")


def count(page: Any, outcome: str) -> str:
    return page.locator(f"#check dl.counts .count-{outcome} dd").first.inner_text()


def column_format(sheet: Any, col: int) -> str:
    return next((d.number_format for d in sheet.column_dimensions.values()
                 if d.min <= col <= d.max), "General")


def test_a_grid_worker_imports_a_roster_fixes_its_bad_rows_and_undoes_it(
        live_server: Any, personas: dict, grid_a: Any, browser: Any) -> None:
    Building.objects.get_or_create(grid=grid_a, number="3")
    base = live_server.url
    page = login(browser, live_server, "gridworker", viewport=PHONE)

    # 1. Upload: the instructions sheet is passed over, and the page says so.
    first = upload(page, base, "第一网格花名册.xlsx", workbook())
    sheets = page.locator("#sheets")
    assert "3栋1单元" in sheets.inner_text() and "填表说明" in sheets.inner_text()
    assert first.sheets == ["3栋1单元"]
    assert count(page, "new") == "3" and count(page, "rejected") == "1"
    fits(page)
    shot(page, "roster-import-1-uploaded-360")

    # 2. Both unit sheets have the same columns: read them together.
    page.locator("#sheets input[name=sheets]").last.check()
    page.click("#sheets button[type=submit]")
    page.wait_for_url(f"{base}/sheets/imports/{first.pk}/")
    first.refresh_from_db()
    assert first.sheets == ["3栋1单元", "3栋2单元"]
    assert count(page, "new") == "4" and count(page, "rejected") == "2"

    # 3. The check lists every problem of each bad row at once, with its sheet.
    page.locator("#rows .tabs a[href*='show=rejected']").click()
    page.wait_for_url("**show=rejected*")
    rows = page.locator("table.preview tbody tr")
    assert rows.count() == 2
    zhao = rows.filter(has_text="赵磊").inner_text()
    assert "3栋2单元" in zhao and "出生日期" in zhao and "性别" in zhao, zhao
    wu = rows.filter(has_text="吴芳").inner_text()
    assert "职业" in wu and "100" in wu and "120" in wu, wu
    fits(page)
    shot(page, "roster-import-2-problems-360")

    # 4. Download the rows to fix: the ID and phone columns are text. The file
    # holds whole numbers: "confirm it is you" first, then back to this page.
    page.locator("#check a[href$='errors.xlsx']").click()
    page.wait_for_url(f"{base}/account/confirm/**")
    give_code(page, "gridworker")
    page.wait_for_url(f"{base}/sheets/imports/{first.pk}/")
    with page.expect_download() as caught:
        page.locator("#check a[href$='errors.xlsx']").click()
    assert caught.value.suggested_filename == f"roster-errors-{first.pk}.xlsx"
    fix = load_workbook(io.BytesIO(Path(caught.value.path()).read_bytes()))
    ws = fix.active
    header = [c.value for c in ws[1]]
    id_col, phone_col = header.index("身份证号") + 1, header.index("联系电话") + 1
    assert column_format(ws, id_col) == "@" and column_format(ws, phone_col) == "@"
    by_name = {ws.cell(row=r, column=header.index("姓名") + 1).value: r
               for r in range(2, ws.max_row + 1)}
    assert set(by_name) == {"吴芳", "赵磊"}
    id_cell = ws.cell(row=by_name["赵磊"], column=id_col)
    # A grid worker may not reveal a whole ID number: the file has its mask.
    assert id_cell.number_format == "@" and id_cell.value == mask_id_number(ZHAO)

    # 5. Import the rows that are fine: the page lists the two left out.
    page.click("#commit button.primary")
    page.wait_for_url(f"{base}/sheets/imports/{first.pk}/")
    first.refresh_from_db()
    assert first.status == BatchStatus.COMMITTED and first.counts["new"] == 4
    left = page.locator("#not-imported tbody tr")
    assert left.count() == 2
    assert "3栋2单元" in left.filter(has_text="赵磊").inner_text()
    assert page.locator("#not-imported a[href$='errors.xlsx']").count() == 1
    fits(page)
    shot(page, "roster-import-3-not-imported-360")

    # 6. Correct the file as a person would in Excel, and upload it again.
    row = by_name["赵磊"]
    ws.cell(row=row, column=header.index("性别") + 1).value = "男"
    ws.cell(row=row, column=header.index("出生日期") + 1).value = "1990-01-30"
    ws.cell(row=row, column=id_col).value = ZHAO  # re-typed
    ws.cell(row=by_name["吴芳"], column=header.index("职业") + 1).value = "社区志愿者"
    out = io.BytesIO()
    fix.save(out)
    second = upload(page, base, "第一网格花名册-改.xlsx", out.getvalue())
    assert count(page, "new") == "2" and count(page, "rejected") == "0"
    shot(page, "roster-import-4-corrected-360")

    # 7. Import: nothing is left out this time.
    page.click("#commit button.primary")
    page.wait_for_url(f"{base}/sheets/imports/{second.pk}/")
    second.refresh_from_db()
    assert second.status == BatchStatus.COMMITTED and second.counts["new"] == 2
    assert page.locator("#not-imported").count() == 0
    assert Person.objects.filter(import_batch_id__in=[first.pk, second.pk]).count() == 6

    # 8. Undo both imports: the residents are gone.
    for batch in (second, first):
        page.goto(f"{base}/sheets/imports/{batch.pk}/")
        page.click("details.undo summary")
        page.click("details.undo button.danger")
        page.wait_for_url(f"{base}/sheets/imports/{batch.pk}/")
        batch.refresh_from_db()
        assert batch.status == BatchStatus.UNDONE
    fits(page)
    shot(page, "roster-import-5-undone-360")
    assert not Person.objects.filter(name__in=["王建国", "李梅", "王小宝", "吴芳", "赵磊",
                                               "孙丽"]).exists()

    assert_audit_intact()
    steps = list(AuditEntry.objects.filter(object_id__in=[str(first.pk), str(second.pk)])
                 .order_by("pk").values_list("action", "object_id"))
    assert steps == [("export", str(first.pk)), ("import", str(first.pk)),
                     ("import", str(second.pk)), ("undo_import", str(second.pk)),
                     ("undo_import", str(first.pk))], steps
