"""Tests for jiayuan.lib.ethnicity (GB/T 3304-1991)."""

from __future__ import annotations

import json
from pathlib import Path

from jiayuan.lib import ethnicity
from jiayuan.lib.ethnicity import (
    ETHNIC_GROUPS,
    ETHNICITY_CHOICES,
    ethnicity_label,
    is_valid_ethnicity,
)


def test_it_lists_56_groups_plus_other_and_foreign_origin() -> None:
    codes = [code for code, _, _ in ETHNIC_GROUPS]
    assert codes == [f"{n:02d}" for n in range(1, 57)] + ["97", "98"]
    assert len(set(codes)) == len(codes) == 58


def test_it_has_the_standard_codes() -> None:
    by_code = {code: zh for code, zh, _ in ETHNIC_GROUPS}
    assert by_code["01"] == "汉族"
    assert by_code["05"] == "维吾尔族"
    assert by_code["10"] == "朝鲜族"
    assert by_code["56"] == "基诺族"
    assert by_code["97"] == "其他"
    assert by_code["98"] == "外国血统中国籍人士"
    assert len(set(by_code.values())) == 58


def test_it_has_one_translatable_label_per_group() -> None:
    assert [code for code, _ in ETHNICITY_CHOICES] == [code for code, _, _ in ETHNIC_GROUPS]
    english = {code: en for code, _, en in ETHNIC_GROUPS}
    for code, label in ETHNICITY_CHOICES:
        # The lazy label was built as pgettext_lazy("ethnic group", <English name>).
        assert label._args == ("ethnic group", english[code])


def test_it_ships_the_chinese_names_for_translators() -> None:
    path = Path(ethnicity.__file__).with_name("ethnicity_zh.json")
    mapping = json.loads(path.read_text(encoding="utf-8"))
    assert mapping == {en: zh for _, zh, en in ETHNIC_GROUPS}


def test_it_validates_codes() -> None:
    assert is_valid_ethnicity("01")
    assert is_valid_ethnicity("98")
    assert not is_valid_ethnicity("57")
    assert not is_valid_ethnicity("1")
    assert ethnicity_label("zz") == "zz"
