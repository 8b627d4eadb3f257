"""Tests for jiayuan.sheets.importing.normalise: one roster cell per field kind."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from django.utils import translation
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from jiayuan.lib.idcard import make_id_number
from jiayuan.sheets.importing import normalise as n
from jiayuan.sheets.importing.normalise import CellError
from jiayuan.sheets.importing.normalise.text import NAME_MAX_LENGTH

KNOWN_ID = "11010519491231002X"  # the example of GB 11643-1999


def _error(function, cell) -> CellError:
    with pytest.raises(CellError) as info:
        function(cell)
    return info.value


def _message(function, cell) -> str:
    with translation.override("en"):
        return str(_error(function, cell).message)


def _full_width(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


# --- blank cells --------------------------------------------------------------------

BLANK_VALUES = {
    n.text: "", n.name: "", n.sex: "", n.day: None, n.id_number: "", n.phone: "",
    n.ethnicity: "", n.relation: "", n.residency: "", n.origin: "", n.place_part: "",
    n.address: ("", "", ""),
}  # fmt: skip


@pytest.mark.parametrize("cell", [None, "", "   ", "\u3000", " \n\t", "-", "—", "/", "无", "n/a"])
@pytest.mark.parametrize("function", list(BLANK_VALUES), ids=lambda f: f.__name__)
def test_it_gives_the_empty_value_for_a_blank_cell(function, cell) -> None:
    assert function(cell) == BLANK_VALUES[function]


@pytest.mark.parametrize("function", list(BLANK_VALUES), ids=lambda f: f.__name__)
def test_it_reports_a_spreadsheet_error_in_every_function(function) -> None:
    error = _error(function, "#REF!")
    assert error.code == "spreadsheet_error"
    with translation.override("en"):
        assert "#REF!" in str(error.message)


# --- width and text -----------------------------------------------------------------


def test_it_folds_full_width_ascii_and_the_ideographic_space() -> None:
    assert n.width("ＡＢＣ１２３\u3000ｘ！～") == "ABC123 x!~"


def test_it_leaves_what_nfkc_would_change_alone() -> None:
    # Compatibility ideograph, circled digit, parenthesised ideograph, square unit.
    assert n.width("\ufa10本 ① ㈱ ㎡") == "\ufa10本 ① ㈱ ㎡"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("  a\u3000 b\n c ", "a b c"),
        ("ＮＯ．３", "NO.3"),
        ("a\u200bb\u202ec\ufeff", "abc"),  # zero-width space, bidi override, BOM
        ("tab\there\x00", "tab here"),
        (302.0, "302"),
        (3.5, "3.5"),
        (12, "12"),
        (True, "TRUE"),
        (date(2023, 5, 1), "2023-05-01"),
        (datetime(2023, 5, 1), "2023-05-01"),
        (datetime(2023, 5, 1, 8, 30), "2023-05-01 08:30:00"),
        (time(8, 30), "08:30:00"),
    ],
)
def test_it_gives_the_text_of_a_cell(cell, expected) -> None:
    assert n.text(cell) == expected


# --- names --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("张  伟", "张伟"),
        (" 张\u3000伟 ", "张伟"),
        ("欧阳 娜娜", "欧阳娜娜"),
        ("买买提 · 艾力", "买买提·艾力"),
        ("买买提•艾力", "买买提·艾力"),
        ("买买提．艾力", "买买提·艾力"),
        ("买买提・艾力", "买买提·艾力"),
        ("买买提 . 艾力", "买买提·艾力"),
        ("阿依古丽··买买提", "阿依古丽·买买提"),
        ("·买买提·艾力·", "买买提·艾力"),
        ("John   Smith", "John Smith"),
        ("J. Smith", "J. Smith"),
        ("O'Brien", "O'Brien"),
        ("Ｊｏｈｎ", "John"),
        ("张 Wei", "张 Wei"),
        ("\ufa10本", "\ufa10本"),  # a compatibility ideograph stays as registered
        ("鄭容哲", "鄭容哲"),  # Traditional characters are not converted
        ("李〇", "李〇"),
    ],
)
def test_it_cleans_a_name(cell, expected) -> None:
    assert n.name(cell) == expected


@pytest.mark.parametrize(
    ("cell", "code", "fragment"),
    [
        ("张伟3", "digits", "no digits"),
        ("张伟①", "digits", "no digits"),
        (12.0, "digits", "“12”"),
        ("张伟（户主）", "format", "remove “(”"),
        ("张伟/李娜", "format", "remove “/”"),
        ("·", "empty", "“·” is not a name"),
        ("张" * 61, "too_long", "61 characters"),
        (True, "format", "“TRUE” is not a name"),
    ],
)
def test_it_refuses_what_is_not_a_name(cell, code, fragment) -> None:
    assert _error(n.name, cell).code == code
    assert fragment in _message(n.name, cell)


def test_it_quotes_the_value_as_typed() -> None:
    assert "“张伟（户主）”" in _message(n.name, "张伟（户主）")


# --- sex ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("男", "M"), ("女", "F"), ("M", "M"), ("f", "F"), ("Male", "M"), ("FEMALE", "F"),
     (1, "M"), (2.0, "F"), ("1", "M"), ("２", "F"), (" 男性 ", "M")],
)  # fmt: skip
def test_it_reads_a_sex(cell, expected) -> None:
    assert n.sex(cell) == expected


@pytest.mark.parametrize("cell", ["0", 9, "未知", "X", True, 1.5])
def test_it_refuses_an_unknown_sex(cell) -> None:
    assert "write 男 or 女" in _message(n.sex, cell)


# --- dates --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell",
    [
        date(2023, 5, 1), datetime(2023, 5, 1, 14, 5), "2023-05-01", "2023/5/1", "2023.5.1",
        "2023年5月1日", "2023 年 5 月 1 日", "2023年05月01号", "20230501", 20230501,
        "2023-05-01 00:00:00", "2023-05-01T10:20:30", "２０２３－０５－０１", "２０２３年５月１日",
        45047, 45047.0, 45047.75, "45047", "45047.5",
    ],
)  # fmt: skip
def test_it_reads_a_date(cell) -> None:
    assert n.day(cell) == date(2023, 5, 1)


def test_it_follows_the_excel_1900_date_system_around_its_fake_leap_day() -> None:
    assert n.day(1) == date(1900, 1, 1)
    assert n.day(59) == date(1900, 2, 28)
    assert n.day(61) == date(1900, 3, 1)
    error = _error(n.day, 60)
    assert error.code == "calendar"
    assert "29 February 1900" in _message(n.day, 60)


@pytest.mark.parametrize(
    ("cell", "code", "fragment"),
    [
        ("2023-02-30", "calendar", "“2023-02-30” is not a real date"),
        ("2023/13/45", "calendar", "“2023/13/45” is not a real date"),
        (1985, "year_only", "“1985” looks like a year only"),
        ("1985", "year_only", "write the whole date"),
        (1985.0, "year_only", "“1985”"),
        ("2023-5", "no_day", "“2023-5” has no day"),
        ("2023年5月", "no_day", "has no day"),
        ("2023.5", "no_day", "has no day"),
        ("5/1/2023", "format", "write it as 2023-05-01"),
        ("23-5-1", "format", "write it as 2023-05-01"),
        ("yesterday", "format", "“yesterday” is not a date"),
        ("1899-12-31", "range", "check the year"),
        (date(1850, 1, 1), "range", "check the year"),
        ("20230231", "calendar", "not a real date"),
        (0, "format", "not a date"),
        (-3.0, "format", "not a date"),
        (3_000_000, "format", "not a date"),
        (float("nan"), "format", "not a date"),
        (time(8, 30), "format", "a time of day"),
        (True, "format", "not a date"),
    ],
)
def test_it_refuses_what_is_not_a_whole_date(cell, code, fragment) -> None:
    assert _error(n.day, cell).code == code
    assert fragment in _message(n.day, cell)


# --- ID numbers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell",
    [KNOWN_ID, KNOWN_ID.lower(), "１１０１０５１９４９１２３１００２ｘ", " 110105 1949 1231 002x ",
     "110105-19491231-002X", "'11010519491231002X", "110105491231002", 110105491231002,
     110105491231002.0, "110105491231002.0"],
)  # fmt: skip
def test_it_reads_an_id_number(cell) -> None:
    assert n.id_number(cell) == KNOWN_ID


@pytest.mark.parametrize(
    "cell",
    [3.201021980010113e17, "3.20102E+17", "3.20102e17", 320102198001012000,
     "320102198001012000", 110105194912310020.0],
)  # fmt: skip
def test_it_refuses_an_id_number_that_excel_stored_as_a_number(cell) -> None:
    assert _error(n.id_number, cell).code == "lost_digits"
    assert "format the column as Text" in _message(n.id_number, cell)


def test_it_keeps_the_message_of_the_id_number_check() -> None:
    error = _error(n.id_number, KNOWN_ID[:17] + "1")
    assert error.code == "check_digit"
    assert "expected X, got 1" in _message(n.id_number, KNOWN_ID[:17] + "1")
    assert _error(n.id_number, "12345").code == "format"
    assert _error(n.id_number, date(2023, 1, 1)).code == "format"


# --- phones -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("13812345678", "13812345678"),
        (13812345678.0, "13812345678"),
        (13812345678, "13812345678"),
        ("13812345678.0", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("+86-138-1234-5678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("0991-2345678", "0991-2345678"),
        ("(0991)2345678", "0991-2345678"),
        ("0991 2345678", "0991-2345678"),
        (9912345678.0, "0991-2345678"),  # the number cell dropped the leading 0
        ("手机：13812345678", "13812345678"),
        ("13812345678（本人）", "13812345678"),
    ],
)
def test_it_reads_a_phone_number(cell, expected) -> None:
    assert n.phone(cell) == expected


@pytest.mark.parametrize(
    "cell",
    ["13812345678/13912345678", "13812345678，13912345678", "13812345678、0991-2345678",
     "13812345678\n13912345678", "13812345678 13912345678", "13812345678或13912345678"],
)  # fmt: skip
def test_it_takes_the_first_of_several_phone_numbers(cell) -> None:
    assert n.phone(cell) == "13812345678"


@pytest.mark.parametrize(("cell", "code"), [("12345", "mobile"), ("abc", "format"),
                                            (1.5, "format"), (True, "format"),
                                            ("2345678", "landline"), (-13812345678, "format")])
def test_it_refuses_a_bad_phone_number(cell, code) -> None:
    assert _error(n.phone, cell).code == code


# --- ethnic groups ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("维吾尔族", "05"), ("维吾尔", "05"), ("维族", "05"), ("維吾爾族", "05"),
        ("Uyghur", "05"), ("uighur", "05"), ("05", "05"), ("5", "05"), (5, "05"),
        (5.0, "05"), ("5.0", "05"), ("回", "03"), ("回族", "03"), ("Hui", "03"),
        ("汉", "01"), ("Han", "01"), ("蒙族", "02"), ("藏", "04"), ("哈族", "17"),
        ("柯族", "29"), ("土族", "30"), ("土家", "15"), ("土家族", "15"), ("畬族", "22"),
        (" 满 族 ", "11"), ("其他", "97"), ("外国血统中国籍人士", "98"),
    ],
)  # fmt: skip
def test_it_reads_an_ethnic_group(cell, expected) -> None:
    assert n.ethnicity(cell) == expected


def test_it_refuses_an_ambiguous_ethnic_group() -> None:
    assert _error(n.ethnicity, "土").code == "ambiguous"
    assert "土族, 土家族" in _message(n.ethnicity, "土")


@pytest.mark.parametrize("cell", ["火星族", "99", 99, "00", 1.5, "0.5", True])
def test_it_refuses_an_unknown_ethnic_group(cell) -> None:
    assert _error(n.ethnicity, cell).code == "unknown"
    assert "is not an ethnic group we know" in _message(n.ethnicity, cell)


# --- relation and residency ---------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("户主", "head"), ("本人", "head"), ("戶主", "head"), ("配偶", "spouse"),
        ("妻", "spouse"), ("之妻", "spouse"), ("户主之妻", "spouse"), ("丈夫", "spouse"),
        ("子", "child"), ("女", "child"), ("长子", "child"), ("次女", "child"),
        ("之子", "child"), ("养子", "child"), ("女儿", "child"), ("父", "parent"),
        ("母亲", "parent"), ("孙子", "grandchild"), ("外孙女", "grandchild"),
        ("祖父", "grandparent"), ("奶奶", "grandparent"), ("外祖母", "grandparent"),
        ("兄", "sibling"), ("妹妹", "sibling"), ("儿媳", "child_in_law"),
        ("女婿", "child_in_law"), ("其他亲属", "relative"), ("侄子", "relative"),
        ("姐夫", "relative"), ("租户", "lodger"), ("合租", "lodger"), ("借住", "lodger"),
        ("非亲属", "lodger"), ("保姆", "lodger"), ("head", "head"),
        ("Head of household", "head"), ("借住人员 / 非亲属", "lodger"),
    ],
)  # fmt: skip
def test_it_reads_a_relation_to_the_head(cell, expected) -> None:
    assert n.relation(cell) == expected


def test_it_refuses_an_unclear_or_unknown_relation() -> None:
    assert _error(n.relation, "其他").code == "ambiguous"
    assert "其他亲属" in _message(n.relation, "其他")
    assert _error(n.relation, "邻居的猫").code == "unknown"
    assert _error(n.relation, 1).code == "unknown"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("户籍", "registered"), ("户籍人口", "registered"), ("常住户籍", "registered"),
        ("戶籍", "registered"), ("常住", "resident"), ("常住人口", "resident"),
        ("居住证", "resident"), ("非户籍常住", "resident"),
        ("常住人口（非本地户籍）", "resident"), ("流动", "floating"),
        ("流动人口", "floating"), ("暂住", "floating"), ("Floating (temporary)", "floating"),
    ],
)  # fmt: skip
def test_it_reads_a_residency(cell, expected) -> None:
    assert n.residency(cell) == expected


def test_it_refuses_an_unknown_residency() -> None:
    assert "write 户籍, 常住 or 流动" in _message(n.residency, "外星")
    assert _error(n.residency, 3).code == "unknown"


# --- place of origin ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("653100", "653100"), (653100, "653100"), (653100.0, "653100"),
        ("320583", "320583"), ("新疆维吾尔自治区喀什地区", "653100"), ("新疆喀什", "653100"),
        ("喀什", "653100"), ("新疆維吾爾自治區喀什地區", "653100"), ("四川省成都市", "510100"),
        ("四川成都", "510100"), ("成都市", "510100"), ("四川省成都市武侯区", "510100"),
        ("伊犁州", "654000"), ("伊犁哈萨克自治州", "654000"), ("新疆伊犁", "654000"),
        ("新疆石河子", "659001"), ("北京", "110100"), ("北京市朝阳区", "110100"),
        ("重庆市万州区", "500100"), ("吉林市", "220200"), ("吉林长春", "220100"),
        ("香港", "810000"), ("青海海南", "632500"), ("内蒙古自治区兴安盟", "152200"),
    ],
)  # fmt: skip
def test_it_reads_a_place_of_origin(cell, expected) -> None:
    assert n.origin(cell) == expected


@pytest.mark.parametrize(
    ("cell", "code", "fragment"),
    [
        ("四川", "province_only", "name the city or prefecture in 四川省 too"),
        ("新疆维吾尔自治区", "province_only", "新疆维吾尔自治区"),
        ("650000", "province_only", "新疆维吾尔自治区"),
        ("四川火星", "unknown", "四川省 has no city or prefecture"),
        ("火星", "unknown", "“火星” is not a place we know"),
        ("999999", "unknown", "999999"),
        ("12345", "format", "6-digit"),
    ],
)
def test_it_refuses_an_unknown_or_vague_place_of_origin(cell, code, fragment) -> None:
    assert _error(n.origin, cell).code == code
    assert fragment in _message(n.origin, cell)


# --- dwellings ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("3栋", "3"), ("3号楼", "3"), ("3幢", "3"), ("第3栋", "3"), ("３ 栋", "3"),
        ("2单元", "2"), ("一单元", "1"), ("二十一栋", "21"), ("302室", "302"), ("三〇二", "302"),
        ("A座", "A"), ("b", "B"), ("3#", "3"), (3.0, "3"), ("3.0", "3"), (3, "3"),
        ("0302", "0302"), ("B-1", "B-1"),
    ],
)  # fmt: skip
def test_it_reads_a_building_unit_or_room(cell, expected) -> None:
    assert n.place_part(cell) == expected


@pytest.mark.parametrize(
    ("cell", "code"),
    [("栋", "empty"), ("3栋2单元", "parts"), ("x" * 21, "too_long"),
     (date(2023, 3, 2), "as_date"), (True, "format")],
)  # fmt: skip
def test_it_refuses_a_bad_building_unit_or_room(cell, code) -> None:
    assert _error(n.place_part, cell).code == code


def test_it_says_when_excel_turned_a_dwelling_into_a_date() -> None:
    assert "format the column as Text" in _message(n.place_part, date(2023, 3, 2))
    assert "format the column as Text" in _message(n.address, datetime(2023, 3, 2))


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("3-2-302", ("3", "2", "302")), ("3－2－302", ("3", "2", "302")),
        ("3 - 2 - 302", ("3", "2", "302")), ("3-302", ("3", "", "302")),
        ("3栋2单元302室", ("3", "2", "302")), ("3号楼2单元302", ("3", "2", "302")),
        ("3幢-2单元-302", ("3", "2", "302")), ("3栋302", ("3", "", "302")),
        ("A座1单元1201", ("A", "1", "1201")), ("三栋二单元302", ("3", "2", "302")),
        ("3#2单元302", ("3", "2", "302")),
    ],
)  # fmt: skip
def test_it_reads_an_address(cell, expected) -> None:
    assert n.address(cell) == expected


@pytest.mark.parametrize("cell", ["幸福小区3栋2单元302", "3/2/302", "302", 302, "2单元302"])
def test_it_refuses_an_address_it_cannot_read(cell) -> None:
    assert _error(n.address, cell).code == "format"
    assert "as 3-2-302 or 3栋2单元302室" in _message(n.address, cell)


# --- properties ---------------------------------------------------------------------

_HAN = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
_CJK_TEXT = st.text(st.characters(categories=["Lo"], min_codepoint=0x3400,
                                  max_codepoint=0x9FFF), max_size=20)
_SPACES = st.text(st.sampled_from(" \u3000\t"), max_size=3)
_DOT_VARIANTS = st.sampled_from(["·", "•", "．", "・", "‧", "∙", "⋅", "･", "."])


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=30), cjk=_CJK_TEXT)
def test_width_is_idempotent_and_leaves_chinese_unchanged(text, cjk) -> None:
    once = n.width(text)
    assert n.width(once) == once
    assert not any("\uff01" <= ch <= "\uff5e" or ch == "\u3000" for ch in once)
    assert n.width(cjk) == cjk


@settings(max_examples=150, deadline=None)
@given(
    parts=st.lists(st.text(_HAN, min_size=1, max_size=4), min_size=1, max_size=3),
    data=st.data(),
)
def test_a_padded_chinese_name_cleans_to_the_name(parts, data) -> None:
    clean = "·".join(parts)
    assume(len(clean) <= NAME_MAX_LENGTH)
    messy_parts = ["".join(ch + data.draw(_SPACES) for ch in part).rstrip() for part in parts]
    messy = data.draw(_SPACES)
    for i, part in enumerate(messy_parts):
        if i:
            messy += data.draw(_SPACES) + data.draw(_DOT_VARIANTS) + data.draw(_SPACES)
        messy += part
    messy += data.draw(_SPACES)
    assert n.name(messy) == clean


@settings(max_examples=100, deadline=None)
@given(
    words=st.lists(st.text(st.sampled_from("abcxyzABCXYZ"), min_size=1, max_size=8),
                   min_size=1, max_size=3),
    data=st.data(),
)
def test_a_padded_latin_name_cleans_to_the_name(words, data) -> None:
    clean = " ".join(words)
    messy = data.draw(_SPACES) + "".join(
        word + " " + data.draw(_SPACES) for word in words[:-1]) + words[-1] + data.draw(_SPACES)
    if data.draw(st.booleans()):
        messy = _full_width(messy)
    assert n.name(messy) == clean


def _serial(value: date) -> int:
    return (value - date(1899, 12, 30)).days  # from 1900-03-01 on


@settings(max_examples=200, deadline=None)
@given(value=st.dates(min_value=date(1900, 3, 1), max_value=date(2099, 12, 31)))
def test_every_date_round_trips_through_each_format(value) -> None:
    y, m, d = value.year, value.month, value.day
    texts = [
        value.isoformat(), f"{y}/{m}/{d}", f"{y}.{m}.{d}", f"{y}年{m}月{d}日",
        f"{y}{m:02d}{d:02d}", f"{value.isoformat()} 00:00:00", _full_width(value.isoformat()),
        f"{y}/{m:02d}/{d:02d}",
    ]  # fmt: skip
    for text in texts:
        assert n.day(text) == value, text
    assert n.day(datetime(y, m, d, 13, 45)) == value
    serial = _serial(value)
    if 1900 <= serial <= 2100:  # 1905-03-14..1905-09-30: refused as a bare year
        assert _error(n.day, serial).code == "year_only"
    else:
        for cell in (serial, float(serial), serial + 0.5, str(serial)):
            assert n.day(cell) == value, cell


_REGIONS = st.sampled_from(["110105", "653101", "320583", "510104", "650102", "810000"])


@settings(max_examples=150, deadline=None)
@given(region=_REGIONS,
       born=st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31)),
       seq=st.integers(0, 999), data=st.data())
def test_every_valid_id_number_is_accepted_however_written(region, born, seq, data) -> None:
    number = make_id_number(region, born, seq)
    cuts = sorted(set(data.draw(st.lists(st.integers(1, 17), max_size=4))))
    spaced = " ".join(number[a:b] for a, b in zip([0, *cuts], [*cuts, 18], strict=True))
    for written in (number, number.lower(), _full_width(number.lower()), spaced,
                    f" {number[:6]} {number[6:14]} {number[14:].lower()} "):
        assert n.id_number(written) == number
    if born.year < 2000:
        legacy = number[:6] + number[8:17]
        assert n.id_number(legacy) == number
        assert n.id_number(int(legacy)) == number
        assert n.id_number(float(legacy)) == number


_FUNCTIONS = [n.text, n.name, n.sex, n.day, n.id_number, n.phone, n.ethnicity, n.relation,
              n.residency, n.origin, n.place_part, n.address]
_CELLS = st.one_of(
    st.text(max_size=40),
    st.text(st.sampled_from("0123456789０１２３-/. 年月日栋单元室号+xX"), max_size=20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**20), max_value=10**20), st.integers(min_value=10**300),
    st.booleans(), st.none(), st.dates(), st.datetimes(), st.times(),
)


@settings(max_examples=300, deadline=None)
@given(cell=_CELLS)
def test_no_function_raises_anything_but_a_cell_error(cell) -> None:
    for function in _FUNCTIONS:
        try:
            function(cell)
        except CellError as error:
            with translation.override("en"):
                assert str(error.message)
