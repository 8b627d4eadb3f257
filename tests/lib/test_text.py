"""Tests for jiayuan.lib.text (folding, pinyin and search keys)."""

from __future__ import annotations

from jiayuan.lib.text import (
    KEY_MAX_LENGTH,
    display_pinyin,
    fold,
    fold_query,
    is_digit_query,
    is_latin_query,
    search_keys,
    syllables,
)


def test_it_folds_traditional_to_simplified() -> None:
    assert fold("鄭容哲") == "郑容哲"
    assert fold("陳美麗") == "陈美丽"


def test_it_folds_width_case_spaces_and_name_dots() -> None:
    assert fold("ＡＢＣ 123") == "abc123"
    assert fold("阿依古丽·买买提") == "阿依古丽买买提"
    assert fold("阿依古麗・買買提") == "阿依古丽买买提"
    assert fold("Anna-Maria_K.") == "annamariak"


def test_it_gives_toneless_pinyin_syllables() -> None:
    assert syllables("鄭容哲") == ["zheng", "rong", "zhe"]
    assert syllables("吕女士") == ["lv", "nv", "shi"]


def test_it_reads_the_first_character_as_a_surname() -> None:
    assert syllables("曾国藩")[0] == "zeng"
    assert syllables("单田芳")[0] == "shan"


def test_it_keeps_latin_runs_as_one_syllable() -> None:
    assert syllables("张David") == ["zhang", "david"]
    assert syllables("John Smith 2") == ["john", "smith", "2"]


def test_it_builds_the_documented_search_keys() -> None:
    assert search_keys("鄭容哲") == [
        ("name", 0, "郑容哲"),
        ("name", 1, "容哲"),
        ("name", 2, "哲"),
        ("pinyin", 0, "zhengrongzhe"),
        ("pinyin", 1, "rongzhe"),
        ("pinyin", 2, "zhe"),
        ("initials", 0, "zrz"),
        ("initials", 1, "rz"),
        ("initials", 2, "z"),
    ]


def test_it_indexes_a_name_with_a_latin_part() -> None:
    keys = search_keys("张David")
    assert ("name", 1, "david") in keys
    assert ("pinyin", 0, "zhangdavid") in keys
    assert ("initials", 0, "zd") in keys


def test_it_indexes_a_uyghur_name_without_its_dot() -> None:
    keys = search_keys("阿依古丽·买买提")
    assert ("name", 0, "阿依古丽买买提") in keys
    assert ("name", 4, "买买提") in keys
    assert ("pinyin", 4, "maimaiti") in keys
    assert ("initials", 0, "ayglmmt") in keys


def test_it_deduplicates_and_cuts_long_keys() -> None:
    keys = search_keys("a" * 100)
    assert all(len(key) <= KEY_MAX_LENGTH for _, _, key in keys)
    pairs = [(kind, key) for kind, _, key in keys]
    assert len(pairs) == len(set(pairs))
    assert search_keys("") == []


def test_it_displays_pinyin_surname_first() -> None:
    assert display_pinyin("鄭容哲") == "Zheng Rongzhe"
    assert display_pinyin("欧阳修") == "Ouyang Xiu"
    assert display_pinyin("吕女士") == "Lü Nüshi"
    assert display_pinyin("李") == "Li"


def test_it_displays_each_part_of_a_uyghur_name() -> None:
    assert display_pinyin("阿依古丽·买买提") == "Ayiguli Maimaiti"


def test_it_displays_a_latin_name_word_by_word() -> None:
    assert display_pinyin("john SMITH") == "John Smith"
    assert display_pinyin("张David") == "Zhang David"


def test_it_folds_queries() -> None:
    assert fold_query("   ") == ""
    assert fold_query("") == ""
    assert fold_query(" 鄭 ") == "郑"
    assert len(fold_query("x" * 200)) == KEY_MAX_LENGTH


def test_it_classifies_queries() -> None:
    assert is_latin_query(" ZRZ ")
    assert not is_latin_query("zrz1")
    assert not is_latin_query("郑")
    assert not is_latin_query("  ")
    assert is_digit_query("１２３４")
    assert is_digit_query("0512-5767")
    assert not is_digit_query("12a")
    assert not is_digit_query("")
