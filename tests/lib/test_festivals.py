"""Tests for jiayuan.lib.festivals."""

from __future__ import annotations

from datetime import date

from jiayuan.lib.festivals import (
    FESTIVAL_CHOICES,
    FESTIVAL_DATES,
    FESTIVALS,
    festival_label,
    next_date,
)


def test_it_lists_unique_codes_with_dates_only_for_known_codes() -> None:
    codes = [code for code, _ in FESTIVALS]
    assert len(codes) == len(set(codes)) == 20
    assert codes[-1] == "other"
    assert list(FESTIVALS) == FESTIVAL_CHOICES
    assert set(FESTIVAL_DATES) <= set(codes)


def test_it_keys_every_date_by_its_year() -> None:
    for dates in FESTIVAL_DATES.values():
        for year, day in dates.items():
            assert day.year == year


def test_it_has_the_known_dates() -> None:
    assert FESTIVAL_DATES["spring_festival"][2026] == date(2026, 2, 17)
    assert FESTIVAL_DATES["mid_autumn"][2028] == date(2028, 10, 3)
    assert FESTIVAL_DATES["eid_al_adha"][2025] == date(2025, 6, 6)
    # The Korean calendar runs on Korean time: Seollal can be a day later.
    assert FESTIVAL_DATES["seollal"][2027] == date(2027, 2, 7)
    assert FESTIVAL_DATES["chuseok"] == FESTIVAL_DATES["mid_autumn"]
    for year, day in FESTIVAL_DATES["lantern"].items():
        assert (day - FESTIVAL_DATES["spring_festival"][year]).days == 14


def test_it_finds_the_next_date() -> None:
    assert next_date("spring_festival", date(2025, 6, 1)) == date(2026, 2, 17)
    assert next_date("spring_festival", date(2026, 2, 16)) == date(2026, 2, 17)
    # Strictly after: on the day itself, the next one is a year later.
    assert next_date("spring_festival", date(2026, 2, 17)) == date(2027, 2, 6)
    assert next_date("eid_al_fitr", date(2025, 12, 31)) == date(2026, 3, 20)


def test_it_computes_fixed_dates_for_any_year() -> None:
    assert next_date("christmas", date(2025, 12, 24)) == date(2025, 12, 25)
    assert next_date("christmas", date(2031, 12, 25)) == date(2032, 12, 25)
    assert next_date("water_splashing", date(2030, 1, 1)) == date(2030, 4, 13)


def test_it_returns_none_when_no_date_is_known() -> None:
    assert next_date("other", date(2025, 1, 1)) is None
    assert next_date("naadam", date(2025, 1, 1)) is None
    assert next_date("spring_festival", date(2028, 12, 31)) is None
    assert next_date("no_such_festival", date(2025, 1, 1)) is None


def test_it_returns_unknown_codes_as_labels() -> None:
    assert festival_label("no_such_festival") == "no_such_festival"
