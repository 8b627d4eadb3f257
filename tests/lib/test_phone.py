"""Tests for jiayuan.lib.phone."""

from __future__ import annotations

import pytest

from jiayuan.lib.phone import PhoneError, mask_phone, normalize_phone, phone_last4


@pytest.mark.parametrize(
    "raw",
    [
        "13800138000",
        "138 0013 8000",
        "138-0013-8000",
        "+86 138 0013 8000",
        "+8613800138000",
        "0086 13800138000",
        "8613800138000",
        "１３８００１３８０００",
        "＋８６ １３８－００１３－８０００",
    ],
)
def test_it_normalizes_mobiles(raw: str) -> None:
    assert normalize_phone(raw) == "13800138000"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("010-62345678", "010-62345678"),
        ("(010) 6234 5678", "010-62345678"),
        ("01062345678", "010-62345678"),
        ("020-8123456", "020-8123456"),
        ("0512-57671234", "0512-57671234"),
        ("051257671234", "0512-57671234"),
        ("（０５１２）５７６７１２３４", "0512-57671234"),
        ("+86 512 5767 1234", "0512-57671234"),
        ("0991-2345678", "0991-2345678"),
    ],
)
def test_it_normalizes_landlines(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("138001380001", "mobile"),  # 12 digits
        ("1380013800", "mobile"),  # 10 digits
        ("12345678901", "mobile"),  # no 12x mobile prefix
        ("23456789012", "format"),
        ("1380013800a", "format"),
        ("abc", "format"),
        ("", "format"),
        ("+1 415 555 0100", "format"),
        ("62345678", "landline"),  # local number without area code
        ("010-12345678", "landline"),  # local numbers never start with 1
        ("0512-123456", "landline"),  # too short
        ("0512-123456789", "landline"),  # too long
        ("011-62345678", "landline"),  # no such area code
    ],
)
def test_it_rejects_invalid_numbers(raw: str, code: str) -> None:
    with pytest.raises(PhoneError) as info:
        normalize_phone(raw)
    assert info.value.code == code


def test_it_is_idempotent_on_canonical_forms() -> None:
    for canonical in ["13800138000", "010-62345678", "0512-57671234"]:
        assert normalize_phone(canonical) == canonical


def test_it_masks_phones() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+86 138 1234 5678") == "138****5678"
    assert mask_phone("0512-57671234") == "0512-****1234"
    assert mask_phone("020-8123456") == "020-***3456"
    assert mask_phone("not a phone 9876") == "*********9876"  # spaces dropped


def test_it_returns_the_last_four_digits() -> None:
    assert phone_last4("13812345678") == "5678"
    assert phone_last4("0512-57671234") == "1234"
    assert phone_last4("１３８１２３４５６７８") == "5678"
