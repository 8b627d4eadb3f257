"""jiayuan.sheets.columns: header keys, header row detection, column mapping."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from jiayuan.sheets.columns import (
    FIELDS,
    field_for,
    find_header,
    guess_mapping,
    header_cells,
    header_key,
    is_blank,
    is_total,
    template_columns,
    template_mapping,
)
from jiayuan.sheets.importing.read import read_sheet
from tests.sheets import messy

CONTRACT_KEYS = ["name", "sex", "birth_date", "id_number", "phone", "ethnicity", "building", "unit",
                 "room", "address", "relation", "residency", "origin", "permit_number",
                 "permit_expiry", "occupation", "household_no", "grid", "moved_in", "note"]
NORMALISERS = {"text", "name", "sex", "day", "id_number", "phone", "ethnicity", "relation",
               "residency", "origin", "place_part", "address"}


def test_it_defines_the_contract_fields_with_normaliser_kinds() -> None:
    assert list(FIELDS) == CONTRACT_KEYS
    for key, f in FIELDS.items():
        assert f.key == key and f.kind in NORMALISERS and f.aliases


def test_it_translates_field_labels() -> None:
    with translation.override("en"):
        assert str(FIELDS["id_number"].label) == "ID-card number"
        assert str(FIELDS["name"].label) == "Name"
    with translation.override("zh-hans"):
        assert str(FIELDS["name"].label) == "姓名"
        assert str(FIELDS["relation"].label) == "与户主关系"


def test_every_alias_names_its_own_field_only() -> None:
    for key, f in FIELDS.items():
        for alias in f.aliases:
            assert field_for(alias) == key, alias


@pytest.mark.parametrize(("text", "key"), [
    ("姓 名", "姓名"),
    ("  姓\u3000名  ", "姓名"),
    ("身份证号\n（必填）", "身份证号"),
    ("*联系电话", "联系电话"),
    ("联系电话：", "联系电话"),
    ("出生日期(选填)", "出生日期"),
    ("出生日期（格式：2023-05-01）", "出生日期"),
    ("【必填】姓名", "姓名"),
    ("ＩＤ　Ｎｕｍｂｅｒ", "idnumber"),
    ("身分證號", "身分证号"),
    ("與戶主關係", "与户主关系"),
    ("（备注）", "备注"),
    (None, ""),
    ("", ""),
    (3.0, "3"),
    (2.5, "25"),  # fold drops dots, as it does in names
])
def test_it_normalises_header_text(text: object, key: str) -> None:
    assert header_key(text) == key


@pytest.mark.parametrize(("text", "field"), [
    ("姓名", "name"), ("名字", "name"), ("Name", "name"),
    ("公民身份号码", "id_number"), ("身份证号", "id_number"), ("身份证号码", "id_number"),
    ("证件号码", "id_number"), ("身分證號", "id_number"), ("ID number", "id_number"),
    ("联系电话", "phone"), ("手机", "phone"), ("手机号码", "phone"), ("聯絡電話", "phone"),
    ("電話", "phone"), ("Mobile", "phone"),
    ("民族", "ethnicity"), ("性別", "sex"), ("出生年月", "birth_date"), ("生日", "birth_date"),
    ("楼栋", "building"), ("楼号", "building"), ("樓棟", "building"), ("单元", "unit"),
    ("房号", "room"), ("门牌号", "room"), ("房间号", "room"), ("室", "room"),
    ("住址", "address"), ("现住址", "address"), ("地址", "address"),
    ("与户主关系", "relation"), ("关系", "relation"),
    ("人员类别", "residency"), ("居住类型", "residency"), ("户籍类型", "residency"),
    ("居住類別", "residency"),
    ("户籍地", "origin"), ("籍贯", "origin"), ("户籍地址", "origin"), ("来源地", "origin"),
    ("居住证号", "permit_number"), ("居住证号码", "permit_number"),
    ("居住证有效期", "permit_expiry"), ("居住证到期日", "permit_expiry"), ("有效期至", "permit_expiry"),
    ("职业", "occupation"), ("工作单位", "occupation"),
    ("户号", "household_no"), ("家庭编号", "household_no"), ("住戶編號", "household_no"),
    ("所属网格", "grid"), ("迁入日期", "moved_in"), ("入住日期", "moved_in"), ("備註", "note"),
    ("联系电话1", "phone"), ("电话2", "phone"),
])
def test_it_recognises_common_header_names(text: str, field: str) -> None:
    assert field_for(text) == field


@pytest.mark.parametrize("text", ["户主姓名", "户主身份证号", "序号", "备用电话", "", None, 1.0,
                                  "XX社区第一网格人口花名册", "张三", "姓名姓名"])
def test_it_leaves_ambiguous_or_unknown_headers_unmapped(text: object) -> None:
    assert field_for(text) is None


# --------------------------------------------------------------- find_header


def test_it_finds_the_leaf_row_of_the_messy_roster_and_merges_the_group_row() -> None:
    rows = read_sheet(messy.messy_roster_xlsx(), "roster.xlsx").rows
    index = find_header(rows)
    assert index == messy.MESSY_HEADER
    header = header_cells(rows, index)
    assert guess_mapping(header) == {
        1: "name", 2: "id_number", 3: "sex", 4: "ethnicity", 5: "birth_date", 6: "building",
        7: "unit", 8: "room", 9: "phone", 11: "relation", 12: "note"}


def test_it_finds_the_same_header_in_the_csv_of_the_messy_roster() -> None:
    rows = read_sheet(messy.csv_bytes(messy.messy_roster(), encoding="gbk"), "x.csv").rows
    assert find_header(rows) == messy.MESSY_HEADER
    assert guess_mapping(header_cells(rows, messy.MESSY_HEADER))[6] == "building"


def test_it_skips_title_and_blank_rows() -> None:
    rows = [["XX社区人口花名册"], [None], ["制表人：王", None, "日期：2024年"],
            ["姓名", "身份证号", "电话"], ["张三", "110101199003071234", "138"]]
    assert find_header(rows) == 3
    assert header_cells(rows, 3) == ["姓名", "身份证号", "电话"]  # title not merged in


def test_it_finds_a_leaf_row_under_a_group_row_without_names() -> None:
    rows = [["基本信息", None, "住址", None, None],
            ["姓名", "身份证号", "楼栋", "单元", "房号"],
            ["张三", "110101199003071234", "3", "2", "302"]]
    assert find_header(rows) == 1
    assert guess_mapping(header_cells(rows, 1)) == {
        0: "name", 1: "id_number", 2: "building", 3: "unit", 4: "room"}


def test_it_does_not_take_a_data_row_for_a_second_header_row() -> None:
    rows = [["姓名", "性别", "民族"], ["张三", "男", "汉族"], ["李四", "女", "回族"]]
    assert find_header(rows) == 0


@pytest.mark.parametrize("rows", [
    [["姓名"], ["张三"]],  # one field only
    [["身份证号", "电话"], ["1101", "138"]],  # no name
    [],
    [[None, None]],
])
def test_it_finds_no_header_without_a_name_and_another_field(rows: list[list[object]]) -> None:
    assert find_header(rows) is None


def test_it_looks_only_at_the_first_rows() -> None:
    rows: list[list[object]] = [[None]] * 30 + [["姓名", "电话"]]
    assert find_header(rows) is None
    assert find_header(rows, scan=31) == 30


# ------------------------------------------------------------------- mapping


def test_each_field_is_mapped_once_first_column_wins() -> None:
    header = ["姓名", "电话", "手机", "联系电话2", None, "姓名"]
    assert guess_mapping(header) == {0: "name", 1: "phone"}


def test_it_maps_through_a_saved_template() -> None:
    columns = {"身份证号码": "id_number", "户主姓名": "name", "手机": "phone", "序号": "bogus"}
    header = ["序号", "户主姓名（必填）", "身份证号码", "手 机", "手机"]
    assert template_mapping(header, columns) == {1: "name", 2: "id_number", 3: "phone"}


def test_a_template_saved_from_a_mapping_gives_the_mapping_back() -> None:
    header = ["序号", "户主姓名", "身份證號", "聯絡電話", None]
    mapping = {1: "name", 2: "id_number", 3: "phone", 4: "note"}
    columns = template_columns(header, mapping)
    assert columns == {"户主姓名": "name", "身份证号": "id_number", "联络电话": "phone"}
    assert template_mapping(header, columns) == {1: "name", 2: "id_number", 3: "phone"}


# ------------------------------------------------------------- blank, totals


@pytest.mark.parametrize("row", [[], None, [None, None], ["", "  ", "\u3000", "\t"]])
def test_blank_rows(row: list[object] | None) -> None:
    assert is_blank(row)


@pytest.mark.parametrize("row", [[0], [False], [None, "x"], [dt.date(2024, 1, 1)]])
def test_rows_with_a_value_are_not_blank(row: list[object]) -> None:
    assert not is_blank(row)


@pytest.mark.parametrize("row", [
    ["合计", None, 5], ["合 计"], [None, "小计：12人"], ["總計"], ["共计5户"], ["合計"],
    [6.0, "合计"], ["Total", 3], ["subtotal"],
])
def test_totals_rows(row: list[object]) -> None:
    assert is_total(row)


@pytest.mark.parametrize("row", [
    [1, "张三", "合计"],  # third filled cell: a note, not a totals row
    ["王小明", "男"], [None], [], [1.0, 2.0],
    ["totally", "x"],
])
def test_other_rows_are_not_totals(row: list[object]) -> None:
    assert not is_total(row)


def test_it_marks_the_totals_row_of_the_messy_roster() -> None:
    rows = read_sheet(messy.messy_roster_xlsx(), "roster.xlsx").rows
    assert [i for i, r in enumerate(rows) if is_total(r)] == [messy.MESSY_TOTAL]
    assert [i for i, r in enumerate(rows) if is_blank(r)] == list(messy.MESSY_BLANK)
