"""Tests for jiayuan.lib.idcard (GB 11643-1999 resident ID numbers)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jiayuan.lib.idcard import (
    IDInfo,
    IDNumberError,
    check_agrees,
    check_digit,
    convert_legacy,
    make_id_number,
    mask_id_number,
    normalize_id_number,
    parse_id_number,
)

TODAY = date(2025, 6, 1)
KNOWN = "11010519491231002X"  # the example of GB 11643-1999 itself


def _error_code(raw: str, today: date = TODAY) -> str:
    with pytest.raises(IDNumberError) as info:
        normalize_id_number(raw, today=today)
    return info.value.code


def test_it_computes_the_check_digit_of_the_standard_example() -> None:
    # Sum of digits x weights = 167; 167 mod 11 = 2, which maps to "X".
    assert check_digit("11010519491231002") == "X"
    # Sum = 195; 195 mod 11 = 8, which maps to "4".
    assert check_digit("44052418800101001") == "4"


def test_it_accepts_a_known_valid_number() -> None:
    assert normalize_id_number(KNOWN, today=TODAY) == KNOWN


def test_it_accepts_lower_case_x_spaces_and_full_width_characters() -> None:
    assert normalize_id_number(" 110105 19491231 002x ", today=TODAY) == KNOWN
    assert normalize_id_number("１１０１０５１９４９１２３１００２ｘ", today=TODAY) == KNOWN
    assert normalize_id_number("１１０１０５１９４９１２３１００２Ｘ", today=TODAY) == KNOWN


def test_it_converts_a_legacy_fifteen_digit_number() -> None:
    assert convert_legacy("110105491231002") == KNOWN
    assert normalize_id_number("110105491231002", today=TODAY) == KNOWN


def test_it_accepts_generated_numbers() -> None:
    for region, born, seq in [
        ("320583", date(1985, 7, 14), 123),
        ("653101", date(2000, 2, 29), 8),
        ("810000", date(1999, 12, 31), 999),
        ("500229", date(1900, 1, 1), 0),
    ]:
        number = make_id_number(region, born, seq)
        assert len(number) == 18
        assert normalize_id_number(number, today=TODAY) == number


def test_it_parses_region_birth_date_and_sex() -> None:
    assert parse_id_number(KNOWN) == IDInfo("110105", date(1949, 12, 31), "F")
    male = make_id_number("320583", date(1985, 7, 14), 123)
    assert parse_id_number(male).sex == "M"
    assert parse_id_number(make_id_number("320583", date(1985, 7, 14), 124)).sex == "F"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "1234",
        "11010519491231002",
        "1101051949123100211",
        "11010519491231002A",
        "X10105491231002",
    ],
)
def test_it_rejects_a_bad_format(raw: str) -> None:
    assert _error_code(raw) == "format"


def test_it_rejects_an_unknown_province() -> None:
    assert _error_code(make_id_number("990105", date(1980, 1, 1), 1)) == "region"
    assert _error_code(make_id_number("000000", date(1980, 1, 1), 1)) == "region"


def test_it_rejects_an_impossible_birth_date() -> None:
    first17 = "11010519990231001"  # 31 February
    assert _error_code(first17 + check_digit(first17)) == "birth_date"
    first17 = "11010518991231001"  # before 1900
    assert _error_code(first17 + check_digit(first17)) == "birth_date"


def test_it_rejects_a_birth_date_in_the_future() -> None:
    number = make_id_number("110105", date(2025, 6, 2), 1)
    assert _error_code(number, today=date(2025, 6, 1)) == "birth_date"
    assert normalize_id_number(number, today=date(2025, 6, 2)) == number


def test_it_rejects_a_wrong_check_digit() -> None:
    assert _error_code("110105194912310021") == "check_digit"
    assert _error_code("110105194912310020") == "check_digit"


def test_it_checks_birth_date_and_sex_agree() -> None:
    check_agrees(KNOWN, birth_date=date(1949, 12, 31), sex="F")
    check_agrees(KNOWN, birth_date=None, sex=None)
    with pytest.raises(IDNumberError) as info:
        check_agrees(KNOWN, birth_date=date(1949, 12, 30), sex="F")
    assert info.value.code == "birth_mismatch"
    with pytest.raises(IDNumberError) as info:
        check_agrees(KNOWN, birth_date=None, sex="M")
    assert info.value.code == "sex_mismatch"


def test_it_masks_all_but_the_first_and_last_four() -> None:
    assert mask_id_number("320105198507141234") == "3201**********1234"
    assert len(mask_id_number(KNOWN)) == 18


def test_it_refuses_bad_generator_arguments() -> None:
    with pytest.raises(ValueError):
        make_id_number("32058", date(1985, 7, 14), 1)
    with pytest.raises(ValueError):
        make_id_number("320583", date(1985, 7, 14), 1000)


_REGIONS = st.sampled_from(["110105", "320583", "440305", "653101", "540102", "810000", "830000"])
_BIRTHS = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)


@settings(deadline=None, max_examples=150)
@given(region=_REGIONS, born=_BIRTHS, seq=st.integers(0, 999))
def test_it_catches_every_single_character_change(region: str, born: date, seq: int) -> None:
    """For each generated valid number, every one of its single-character
    variants (18 positions x each other allowed character) is refused."""
    number = make_id_number(region, born, seq)
    assert normalize_id_number(number, today=TODAY) == number
    for position in range(18):
        alphabet = "0123456789X" if position == 17 else "0123456789"
        for replacement in alphabet:
            if replacement == number[position]:
                continue
            changed = number[:position] + replacement + number[position + 1 :]
            with pytest.raises(IDNumberError):
                normalize_id_number(changed, today=TODAY)
