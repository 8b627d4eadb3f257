"""Tests for jiayuan.lib.divisions (GB/T 2260)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jiayuan.lib import divisions
from jiayuan.lib.divisions import (
    OriginError,
    normalize_origin,
    origin_label,
    prefecture_choices,
    province_choices,
)

DATA = json.loads(Path(divisions.__file__).with_name("divisions.json").read_text(encoding="utf-8"))


def test_it_has_34_provinces() -> None:
    provinces = dict(province_choices())
    assert len(provinces) == 34
    assert provinces["320000"] == "江苏省"
    assert provinces["650000"] == "新疆维吾尔自治区"


def test_it_has_every_prefecture_under_a_known_province() -> None:
    prefectures = DATA["prefectures"]
    assert 330 <= len(prefectures) <= 345
    for code in [*prefectures, *DATA["direct_units"], *DATA["prefecture_aliases"]]:
        assert code[:2] + "0000" in DATA["provinces"], code
        assert not code.endswith("0000"), code
    for alias, target in DATA["prefecture_aliases"].items():
        assert target in prefectures and alias[:2] == target[:2]


def test_it_knows_some_prefectures() -> None:
    prefectures = DATA["prefectures"]
    assert prefectures["320500"] == "苏州市"
    assert prefectures["650100"] == "乌鲁木齐市"
    assert prefectures["653100"] == "喀什地区"
    assert prefectures["110100"] == "北京市"
    assert "371200" not in prefectures  # Laiwu, merged into Jinan in 2019


def test_it_labels_origins() -> None:
    assert origin_label("320500") == "江苏省 苏州市"
    assert origin_label("320583") == "江苏省 苏州市"
    assert origin_label("110105") == "北京市"
    assert origin_label("500229") == "重庆市"
    assert origin_label("429004") == "湖北省 仙桃市"
    assert origin_label("320000") == "江苏省"
    assert origin_label("999900") == "999900"


def test_it_accepts_prefecture_and_county_codes() -> None:
    assert normalize_origin("320500") == "320500"
    assert normalize_origin("320583") == "320583"
    assert normalize_origin(" ３２０５８３ ") == "320583"
    assert normalize_origin("500229") == "500229"
    assert normalize_origin("469021") == "469021"
    assert normalize_origin("810000") == "810000"


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("320000", "province_only"),
        ("650000", "province_only"),
        ("999900", "unknown"),
        ("329900", "unknown"),
        ("419000", "unknown"),
        ("32050", "format"),
        ("abcdef", "format"),
        ("", "format"),
    ],
)
def test_it_refuses_bad_origins(code: str, error: str) -> None:
    with pytest.raises(OriginError) as info:
        normalize_origin(code)
    assert info.value.code == error


def test_it_offers_prefecture_choices() -> None:
    all_choices = prefecture_choices()
    codes = [code for code, _ in all_choices]
    assert codes == sorted(codes)
    assert ("320500", "江苏省 苏州市") in all_choices
    assert "500200" not in codes  # an alias, not a separate choice
    jiangsu = prefecture_choices("320000")
    assert len(jiangsu) == 13
    assert prefecture_choices("32") == jiangsu
    for code, _ in all_choices:
        assert normalize_origin(code) == code
