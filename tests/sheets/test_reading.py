"""jiayuan.sheets.importing.read: every format, every limit, every hostile file.

All files are built in memory by tests/sheets/messy.py.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import struct
import time
import zipfile
import zlib

import pytest
from django.test import override_settings
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiayuan.sheets.importing.read import Sheet, SheetError, containers, read_sheet
from tests.sheets import messy


def error(data: bytes, filename: str = "roster.xlsx", **limits: int) -> SheetError:
    with pytest.raises(SheetError) as info:
        read_sheet(data, filename, **limits)
    return info.value


def message(err: SheetError) -> str:
    with translation.override("en"):
        return str(err.message)


# ----------------------------------------------------------------------- xlsx


def test_it_keeps_true_row_numbers_of_a_messy_roster() -> None:
    sheet = read_sheet(messy.messy_roster_xlsx(), "roster.xlsx")
    rows = sheet.rows
    assert (sheet.kind, sheet.name, sheet.encoding) == ("xlsx", "花名册", "")
    assert len(rows) == messy.MESSY_TOTAL + 1
    assert rows[0][0] == "XX社区第一网格人口花名册"
    assert rows[0][1:] == [None] * 12  # the merged title's other cells are empty
    for i in messy.MESSY_BLANK:
        assert all(c is None for c in rows[i])
    assert rows[messy.MESSY_HEADER][6:9] == ["楼栋", "单元", "房号"]
    assert rows[2][6:9] == ["住址", None, None]  # group cell: top-left only
    assert rows[messy.MESSY_TOTAL][0] == "合计"


def test_it_returns_cells_as_calamine_types_without_rounding_numbers() -> None:
    rows = read_sheet(messy.messy_roster_xlsx(), "roster.xlsx").rows
    zhang, li, wang, zhao = rows[4], rows[5], rows[8], rows[9]
    assert zhang[0] == 1.0 and isinstance(zhang[0], float)
    assert zhang[1] == "张  伟"  # padding kept: the normaliser removes it
    assert zhang[5] == dt.date(1990, 3, 7)
    assert li[9] == "１３８００１３８００１"  # full-width kept
    assert li[12] == "新迁入"
    assert zhang[12] is None  # empty cell
    assert isinstance(wang[2], float)  # an 18-digit ID typed as a number: left for the normaliser
    assert wang[2] != 110101200501011234  # … and its last digits are already lost
    assert zhao[5] == 18264.0  # a serial without a date format stays a number
    assert rows[7][6:9] == [5.0, 1.0, 101.0]


def test_it_keeps_leading_empty_rows_and_columns() -> None:
    data = messy.xlsx_bytes([["姓名", "电话"], ["张三", "138"]], start=(3, 2))
    rows = read_sheet(data, "x.xlsx").rows
    assert len(rows) == 5
    assert rows[3] == [None, None, "姓名", "电话"]
    assert rows[4][2:] == ["张三", "138"]
    assert all(c is None for r in rows[:3] for c in r)


def test_it_reads_every_cell_type() -> None:
    when = dt.datetime(2020, 1, 2, 3, 4)
    rows = read_sheet(messy.xlsx_bytes([["a", 1, 2.5, True, dt.date(2023, 5, 1), when, "=1+1"]]),
                      "x.xlsx").rows
    assert rows == [["a", 1.0, 2.5, True, dt.date(2023, 5, 1), when, "=1+1"]]


def test_it_takes_the_first_visible_sheet_with_data() -> None:
    data = messy.xlsx_bytes([["姓名"], ["张三"]], empty_sheets_before=2,
                            hidden_sheet_before=[["旧数据"]])
    sheet = read_sheet(data, "x.xlsx")
    assert sheet.name == "花名册" and sheet.rows == [["姓名"], ["张三"]]


def test_it_drops_trailing_blank_rows_but_keeps_inner_ones() -> None:
    data = messy.xlsx_bytes([["姓名"], [None], ["张三"], ["  "], [None]])
    assert read_sheet(data, "x.xlsx").rows == [["姓名"], [None], ["张三"]]


def test_it_says_when_no_sheet_has_data() -> None:
    err = error(messy.xlsx_bytes([["   ", None]]))
    assert err.code == "no_data"
    assert "no filled-in cells" in message(err)


def test_it_detects_by_content_not_by_name() -> None:
    assert read_sheet(messy.messy_roster_xlsx(), "roster.csv").kind == "xlsx"
    assert read_sheet(messy.csv_bytes([["姓名"], ["张三"]]), "roster.xlsx").kind == "csv"


# ------------------------------------------------------------------- xls, ods


def test_it_reads_a_biff8_xls() -> None:
    sheet = read_sheet(messy.xls_bytes([["姓名", "生日", "序号", "在册"],
                                        ["张三", dt.date(1990, 3, 7), 3, True]]), "x.xls")
    assert sheet.kind == "xls" and sheet.name == "花名册"
    assert sheet.rows == [["姓名", "生日", "序号", "在册"], ["张三", dt.date(1990, 3, 7), 3.0, True]]


def test_it_reads_the_messy_roster_as_xls_with_true_rows() -> None:
    rows = read_sheet(messy.xls_bytes(messy.messy_roster()), "x.xls").rows
    assert rows[messy.MESSY_HEADER][6:9] == ["楼栋", "单元", "房号"]
    assert rows[messy.MESSY_TOTAL][0] == "合计"
    assert all(c is None for c in rows[6])


def test_it_reads_an_ods() -> None:
    sheet = read_sheet(messy.ods_bytes([["姓名", "生日", "序号"], ["张三", dt.date(1990, 3, 7), 3]]),
                       "x.ods")
    assert sheet.kind == "ods"
    assert sheet.rows == [["姓名", "生日", "序号"], ["张三", dt.date(1990, 3, 7), 3.0]]


# ------------------------------------------------------------------------ csv

ROWS = [["XX社区人口花名册", "", ""], ["姓名", "住址", "备注"], ["张三", "3栋,2单元", "新迁入"],
        ["阿依古丽·买买提", "5栋", ""]]


@pytest.mark.parametrize(("encoding", "label"), [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("gb18030", "gb18030"),
    ("utf-16", "utf-16"),
])
def test_it_detects_the_csv_encoding(encoding: str, label: str) -> None:
    sheet = read_sheet(messy.csv_bytes(ROWS, encoding=encoding), "名单.csv")
    assert (sheet.kind, sheet.encoding, sheet.name) == ("csv", label, "名单")
    assert sheet.rows[0] == ["XX社区人口花名册", None, None]
    assert sheet.rows[2] == ["张三", "3栋,2单元", "新迁入"]
    assert sheet.rows[3] == ["阿依古丽·买买提", "5栋", None]


def test_it_reads_characters_only_gb18030_has() -> None:
    data = messy.csv_bytes([["姓名"], ["阿依古丽•买买提"], ["𠮷"]], encoding="gb18030")
    assert read_sheet(data, "x.csv").rows == [["姓名"], ["阿依古丽•买买提"], ["𠮷"]]


@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
def test_it_finds_the_delimiter(delimiter: str) -> None:
    data = messy.csv_bytes(messy.messy_roster(), delimiter=delimiter, encoding="gb18030")
    rows = read_sheet(data, "x.csv").rows
    assert rows[messy.MESSY_HEADER][6:9] == ["楼栋", "单元", "房号"]
    assert len(rows) == messy.MESSY_TOTAL + 1


def test_it_finds_the_delimiter_where_csv_sniffer_gives_up() -> None:
    sample = "人口花名册\n姓名\t住址\t备注\n张三\t3栋,2单元\t有,2人\n李四\t5栋\t无\n"
    with pytest.raises(csv.Error):
        csv.Sniffer().sniff("人口花名册\n姓名,民族\n张三,汉族\n")
    rows = read_sheet(sample.encode(), "x.csv").rows
    assert rows[2] == ["张三", "3栋,2单元", "有,2人"]


def test_it_keeps_quoted_newlines_in_one_row() -> None:
    data = messy.csv_bytes([["姓名", "备注"], ["张三", "第一行\n第二行"], ["李四", "x"]])
    rows = read_sheet(data, "x.csv").rows
    assert rows == [["姓名", "备注"], ["张三", "第一行\n第二行"], ["李四", "x"]]


def test_it_unwraps_excel_text_formulas_and_allows_ragged_rows() -> None:
    data = b'name,id\r\n"=""0123""",="110101199003071234"\r\nonly one\r\n\r\n,,\r\n'
    rows = read_sheet(data, "x.csv").rows
    assert rows == [["name", "id"], ["0123", "110101199003071234"], ["only one"]]


def test_it_says_when_a_csv_has_no_data() -> None:
    assert error(b",,,\r\n  ,\r\n", "x.csv").code == "no_data"


# ----------------------------------------------------------------- not sheets


@pytest.mark.parametrize("data", [messy.pdf_bytes(), messy.png_bytes(), b"\x00\x01\x02\xff" * 50,
                                  b"\xff\xd8\xff\xe0" + bytes(100), b"\xff\xfe\x00\x00abc"])
def test_it_refuses_what_is_not_a_spreadsheet(data: bytes) -> None:
    err = error(data)
    assert err.code == "not_sheet"
    assert message(err) == ("This is not a spreadsheet we can read. Open it in Excel or WPS and "
                            "save it as .xlsx or .csv.")


def test_it_refuses_a_zip_that_is_not_a_workbook() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    assert error(out.getvalue()).code == "not_sheet"


def test_it_refuses_an_ole2_file_without_a_workbook() -> None:
    assert error(messy.ole2_bytes({"WordDocument": b"x" * 5000})).code == "not_sheet"


def test_it_explains_an_empty_file() -> None:
    err = error(b"")
    assert err.code == "empty" and "empty" in message(err)


def test_it_explains_a_web_page_saved_as_xls() -> None:
    err = error(messy.html_table_xls(), "roster.xls")
    assert err.code == "web_page"
    assert "web page" in message(err)


# ------------------------------------------------------------------ passwords


def test_it_explains_a_password_protected_xlsx() -> None:
    err = error(messy.password_protected_xlsx())
    assert err.code == "password"
    text = message(err)
    assert "protected by a password" in text and "文件 → 加密" in text


def test_it_explains_a_password_protected_xls() -> None:
    assert error(messy.xls_bytes([["姓名"]], filepass=True), "x.xls").code == "password"


def test_it_explains_a_zip_encrypted_member() -> None:
    data = bytearray(messy.messy_roster_xlsx())
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(messy.SHEET1)
    struct.pack_into("<H", data, info.header_offset + 6, info.flag_bits | 1)
    cd = bytes(data).find(b"PK\x01\x02")
    while cd != -1:
        (n,) = struct.unpack_from("<H", data, cd + 28)
        if bytes(data[cd + 46:cd + 46 + n]) == messy.SHEET1.encode():
            struct.pack_into("<H", data, cd + 8, info.flag_bits | 1)
        cd = bytes(data).find(b"PK\x01\x02", cd + 4)
    assert error(bytes(data)).code == "password"


# ------------------------------------------------------------------- damaged


def test_it_explains_a_truncated_xlsx() -> None:
    err = error(messy.truncated(messy.messy_roster_xlsx()))
    assert err.code == "damaged"
    assert message(err).startswith("The file is damaged or cannot be read (")


def test_it_explains_a_truncated_xls() -> None:
    data = messy.xls_bytes(messy.messy_roster())
    assert error(messy.truncated(data, 0.6), "x.xls").code == "damaged"


def test_it_names_the_parsers_reason_when_calamine_fails() -> None:
    data = messy.rewrite_member(messy.messy_roster_xlsx(), messy.SHEET1,
                                lambda xml: xml.replace(b"</sheetData>", b""))
    err = error(data)
    assert err.code == "damaged"
    assert "(XmlError: sheetData)" in message(err)


def test_it_refuses_a_member_longer_than_declared() -> None:
    err = error(messy.lying_zip_xlsx())
    assert err.code == "damaged" and "longer than its header says" in message(err)


def test_it_refuses_a_member_with_a_wrong_checksum() -> None:
    data = bytearray(messy.messy_roster_xlsx())
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(messy.SHEET1)
    struct.pack_into("<I", data, info.header_offset + 14, info.CRC ^ 1)
    cd = bytes(data).find(b"PK\x01\x02")
    while cd != -1:
        (n,) = struct.unpack_from("<H", data, cd + 28)
        if bytes(data[cd + 46:cd + 46 + n]) == messy.SHEET1.encode():
            struct.pack_into("<I", data, cd + 16, info.CRC ^ 1)
        cd = bytes(data).find(b"PK\x01\x02", cd + 4)
    err = error(bytes(data))
    assert err.code == "damaged" and "checksum" in message(err)


# ----------------------------------------------------------------- zip bombs


def test_it_refuses_a_zip_bomb_before_unpacking_it() -> None:
    data = messy.zip_bomb_xlsx()
    assert len(data) < 1024 * 1024
    start = time.process_time()
    err = error(data)
    assert time.process_time() - start < 0.5
    assert err.code == "zip_bomb"
    assert "unpacks to far more than its size" in message(err)
    assert "200 MB" in message(err)


def test_it_unpacks_itself_and_stops_at_a_bomb_whose_sizes_lie() -> None:
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = co.compress(bytes(1024 * 1024)) + co.flush(zlib.Z_FULL_FLUSH)
    bomb = block * 1000 + co.flush(zlib.Z_FINISH)  # 1000 MB of zeros, declared as 1 KB
    data = messy.raw_zip([("xl/workbook.xml", zlib.compress(b"<workbook/>")[2:-4],
                           zlib.crc32(b"<workbook/>"), 11),
                          ("xl/media/a.bin", bomb, 0, 1024)])
    start = time.process_time()
    err = error(data)
    assert time.process_time() - start < 0.5
    assert err.code == "damaged" and "longer than its header says" in message(err)


def test_it_refuses_a_file_that_unpacks_beyond_the_limit() -> None:
    data = messy.messy_roster_xlsx()
    assert error(data, max_unpacked=10_000).code == "zip_bomb"
    assert read_sheet(data, "x.xlsx", max_unpacked=10_000_000).kind == "xlsx"


def test_it_refuses_a_zip_with_thousands_of_members() -> None:
    err = error(messy.many_members_xlsx(1200))
    assert err.code == "zip_bomb" and "1210 parts" in message(err)


# ---------------------------------------------------------------- XML attacks


@pytest.mark.parametrize("build", [messy.billion_laughs_xlsx, messy.xxe_xlsx,
                                   messy.doctype_only_xlsx])
def test_it_refuses_xml_entity_declarations(build) -> None:  # type: ignore[no-untyped-def]
    start = time.process_time()
    err = error(build())
    assert time.process_time() - start < 0.5
    assert err.code == "xml_entities"
    assert "XML entity declarations, which are not allowed" in message(err)


def test_it_refuses_an_entity_declaration_in_a_rels_part() -> None:
    prolog = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "b">]>'
    data = messy.rewrite_member(messy.messy_roster_xlsx(), "_rels/.rels",
                                lambda xml: prolog + xml.split(b"?>", 1)[1])
    assert error(data).code == "xml_entities"


def test_it_checks_only_the_prolog_of_big_parts() -> None:
    data = messy.big_roster_xlsx(1000)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(messy.SHEET1)
    prolog = containers._Prolog()
    fed = 0
    for piece in containers._member_chunks(data, info):
        prolog.feed(piece[:containers.PROLOG_LIMIT])
        fed += 1
        if prolog.done:
            break
    assert prolog.done and fed == 1


# ------------------------------------------------------------ dense-grid bombs


def test_it_refuses_a_sheet_whose_cells_span_too_far() -> None:
    err = error(messy.far_cell_xlsx())
    assert err.code == "too_large"
    assert "row 1048576 and column XFD" in message(err)


def test_it_reads_a_sparse_sheet_within_the_cell_budget() -> None:
    sheet = read_sheet(messy.far_cell_xlsx(row=499, col=199), "x.xlsx")
    assert sheet.rows[499][199] == "远" and sheet.rows[0][0] == "姓名"
    assert len(sheet.rows) == 500 and len(sheet.rows[0]) == 200


@pytest.mark.parametrize(("tag", "code"), [
    # calamine lets a second r win, so these would abort it; expat calls them invalid.
    (b'<c r="A2" r="XFD1048576" t="s">', "damaged"),
    (b'<c r="A2" t="s"\tr="XFD1048576">', "damaged"),
    (b"<c r='XFD1048576' t=\"s\">", "too_large"),
    (b'<c t="s" r="XFD1048576">', "too_large"),
    (b'<c  r = "XFD1048576" t="s">', "too_large"),
    (b'<c\nr="XFD1048576" t="s">', "too_large"),
])
def test_it_sees_through_odd_spellings_of_a_cell_reference(tag: bytes, code: str) -> None:
    data = messy.rewrite_member(messy.xlsx_bytes([["姓名"], ["张三"]]), messy.SHEET1,
                                lambda xml: xml.replace(b'<c r="A2" t="s">', tag))
    assert error(data).code == code


def test_it_refuses_a_cell_outside_its_row() -> None:
    data = messy.rewrite_member(messy.xlsx_bytes([["姓名"], ["张三"]]), messy.SHEET1,
                                lambda xml: xml.replace(b'<c r="A2"', b'<c r="AB999999"'))
    assert error(data).code == "too_large"


def test_it_counts_cells_without_references_as_calamine_does() -> None:
    assert error(messy.rless_far_cell_xlsx()).code == "too_large"
    small = messy.rless_far_cell_xlsx(rows=3, cols=4)
    rows = read_sheet(small, "x.xlsx").rows
    assert rows[2] == [1.0, 1.0, 1.0, 1.0]
    assert rows[6] == [None, None, None, "x"]


def test_it_reads_xml_written_with_newlines_and_without_references() -> None:
    def rewrite(xml: bytes) -> bytes:
        for ref in (b' r="A1"', b' r="B1"', b' r="A2"', b' r="B2"'):
            xml = xml.replace(ref, b"")
        return xml.replace(b"<row", b"\n  <row")

    data = messy.rewrite_member(messy.xlsx_bytes([["姓名", "电话"], ["张三", "138"]]),
                                messy.SHEET1, rewrite)
    assert read_sheet(data, "x.xlsx").rows == [["姓名", "电话"], ["张三", "138"]]


def test_it_refuses_an_xls_that_claims_billions_of_cells() -> None:
    assert error(messy.xls_huge_dimensions(), "x.xls").code == "too_large"


def test_it_refuses_an_ods_with_huge_repeat_counts() -> None:
    err = error(messy.ods_repeat_bomb(), "x.ods")
    assert err.code == "too_large"


def test_it_accepts_libreoffice_style_trailing_empty_repeats() -> None:
    data = messy.ods_bytes([["姓名"], ["张三"]])
    data = messy.rewrite_member(data, "content.xml", lambda xml: xml.replace(
        b"</table:table>", b'<table:table-row table:number-rows-repeated="1048574">'
        b'<table:table-cell table:number-columns-repeated="1024"/></table:table-row></table:table>'))
    assert read_sheet(data, "x.ods").rows == [["姓名"], ["张三"]]


def test_it_refuses_an_ole2_container_with_a_sector_cycle() -> None:
    data = bytearray(messy.xls_bytes([["姓名"]]))
    fat_sector = struct.unpack_from("<I", data, 0x4C)[0]
    fat_at = 512 + fat_sector * 512
    struct.pack_into("<I", data, fat_at, 0)  # sector 0 points to itself
    struct.pack_into("<I", data, fat_at + 4 * 8, 8)  # and the directory chain loops
    assert error(bytes(data), "x.xls").code == "damaged"


# ---------------------------------------------------------------------- caps


def test_it_refuses_a_file_over_the_size_cap_naming_both_sizes() -> None:
    err = error(b"a," * (1024 * 1024 + 100 * 1024), "x.csv", max_bytes=1024 * 1024)
    assert err.code == "too_big"
    assert message(err) == ("The file is 2.2 MB; the limit is 1 MB. Remove pictures and extra "
                            "sheets, or split the roster into smaller files.")
    assert "0.01 MB" in message(error(messy.messy_roster_xlsx(), max_bytes=1024))


@override_settings(IMPORT_MAX_BYTES=3 * 1024 * 1024)
def test_it_takes_the_size_cap_from_settings() -> None:
    err = error(b"a" * (3 * 1024 * 1024 + 1), "x.csv")
    assert err.code == "too_big" and "the limit is 3 MB" in message(err)


@pytest.mark.parametrize("as_csv", [False, True])
def test_it_refuses_more_rows_than_the_cap_naming_the_count(as_csv: bool) -> None:
    rows = messy.messy_roster()
    data = messy.csv_bytes(rows, encoding="gb18030") if as_csv else messy.messy_roster_xlsx()
    filled = sum(1 for i in range(len(rows)) if i not in messy.MESSY_BLANK)
    err = error(data, max_rows=filled - 1)
    assert err.code == "too_many_rows"
    assert message(err) == (f"The file has {filled} rows with data; at most {filled - 1} can be "
                            "imported at once. Split it into smaller files and import them one "
                            "by one.")
    assert len(read_sheet(data, "x", max_rows=filled).rows) == len(rows)


@override_settings(IMPORT_MAX_ROWS=2)
def test_it_takes_the_row_cap_from_settings() -> None:
    assert error(messy.csv_bytes([["姓名"], ["a"], ["b"]]), "x.csv").code == "too_many_rows"


# ------------------------------------------------------------------- fuzzing

FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
_XLSX = messy.messy_roster_xlsx()
_XLS = messy.xls_bytes(messy.messy_roster())
_ODS = messy.ods_bytes(messy.messy_roster())
_CSV = messy.csv_bytes(messy.messy_roster(), encoding="gb18030")


def _read_or_refuse(data: bytes) -> None:
    try:
        sheet = read_sheet(data, "fuzz.xlsx")
    except SheetError as err:
        assert err.code in {"too_big", "empty", "not_sheet", "web_page", "password", "damaged",
                            "zip_bomb", "xml_entities", "too_large", "too_many_rows", "no_data"}
        assert message(err)
    else:
        assert isinstance(sheet, Sheet) and sheet.rows


@st.composite
def mutated(draw: st.DrawFn, base: bytes) -> bytes:
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 6))):
        pos = draw(st.integers(0, len(data) - 1))
        op = draw(st.sampled_from(["flip", "cut", "insert", "truncate"]))
        if op == "flip":
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "cut":
            del data[pos:pos + draw(st.integers(1, 64))]
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=16))
        else:
            del data[max(1, pos):]
        if not data:
            data = bytearray(b"x")
    return bytes(data)


@FUZZ
@given(st.binary(max_size=4096))
def test_random_bytes_give_a_sheet_or_a_sheet_error(data: bytes) -> None:
    _read_or_refuse(data)


@FUZZ
@given(st.one_of(mutated(_XLSX), mutated(_XLS), mutated(_ODS), mutated(_CSV)))
def test_corrupted_files_give_a_sheet_or_a_sheet_error(data: bytes) -> None:
    _read_or_refuse(data)


_XML_BYTES = st.sampled_from([b"<", b">", b"/", b'"', b"'", b"=", b" ", b"\n", b"r", b"c",
                              b"row", b"0", b"9", b"XFD", b"&", b";", b"<!DOCTYPE x>",
                              b"<![CDATA[", b"]]>", b"<c>", b"</row>", b'r="A1048576"'])


@FUZZ
@given(st.sampled_from([messy.SHEET1, "xl/sharedStrings.xml", "xl/workbook.xml",
                        "xl/_rels/workbook.xml.rels", "xl/styles.xml"]),
       st.lists(st.tuples(st.floats(0, 1), st.integers(0, 8), _XML_BYTES), min_size=1,
                max_size=6))
def test_corrupted_xml_inside_a_valid_zip_gives_a_sheet_or_a_sheet_error(
        member: str, edits: list[tuple[float, int, bytes]]) -> None:
    def mutate(xml: bytes) -> bytes:
        for where, cut, insert in edits:
            pos = int(where * len(xml))
            xml = xml[:pos] + insert + xml[pos + cut:]
        return xml

    _read_or_refuse(messy.rewrite_member(_XLSX, member, mutate))
