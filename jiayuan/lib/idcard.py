"""PRC resident identity numbers (GB 11643-1999).

An 18-character number is laid out as::

    RRRRRR YYYYMMDD SSS C
    region birth    seq check

``RRRRRR`` is the GB/T 2260 code of the place of first registration, ``SSS`` a
sequence number whose parity gives the sex (odd: male, even: female) and ``C`` the
ISO 7064 MOD 11-2 check character (``0``-``9`` or ``X``). Legacy 15-digit numbers
(issued before 1999) lack the century and the check character.
"""

from __future__ import annotations

import operator
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from jiayuan.lib._i18n import LibError, interpolate

__all__ = [
    "IDInfo",
    "IDNumberError",
    "PROVINCE_CODES",
    "check_agrees",
    "check_digit",
    "convert_legacy",
    "make_id_number",
    "mask_id_number",
    "normalize_id_number",
    "parse_id_number",
]

_WEIGHTS: tuple[int, ...] = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# Index: weighted sum mod 11 -> check character.
_CHECK_CHARS = "10X98765432"
# sum(w * (byte - 48)) == sum(w * byte) - 48 * sum(w): the digits' bytes weighed
# directly, with no int() per digit.
_ZERO_OFFSET = ord("0") * sum(_WEIGHTS)

#: GB/T 2260 province-level codes. 71 is Taiwan in GB/T 2260; 81/82/83 prefix the
#: residence permits of Hong Kong, Macau and Taiwan residents (issued since 2018).
PROVINCE_CODES: frozenset[str] = frozenset(
    {
        "11", "12", "13", "14", "15",
        "21", "22", "23",
        "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46",
        "50", "51", "52", "53", "54",
        "61", "62", "63", "64", "65",
        "71", "81", "82", "83",
    }
)  # fmt: skip

_MIN_BIRTH = date(1900, 1, 1)
_RE_18 = re.compile(r"[0-9]{17}[0-9X]")
_RE_15 = re.compile(r"[0-9]{15}")
_RE_17 = re.compile(r"[0-9]{17}")


class IDNumberError(LibError):
    """An ID number is invalid; ``code`` is one of ``format``, ``region``,
    ``birth_date``, ``check_digit``, ``sex_mismatch``, ``birth_mismatch``."""


@dataclass(frozen=True)
class IDInfo:
    region_code: str
    birth_date: date
    sex: str  # "M" or "F"


def check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits."""
    if not _RE_17.fullmatch(first17):
        raise ValueError("check_digit() needs exactly 17 ASCII digits")
    total = sum(map(operator.mul, first17.encode(), _WEIGHTS)) - _ZERO_OFFSET  # in C
    return _CHECK_CHARS[total % 11]


def convert_legacy(number15: str) -> str:
    """Convert a legacy 15-digit number to 18 characters.

    All legacy numbers belong to people born in the 1900s, hence the fixed "19".
    """
    if not _RE_15.fullmatch(number15):
        raise IDNumberError(_("A legacy ID number has exactly 15 digits."), "format")
    first17 = number15[:6] + "19" + number15[6:]
    return first17 + check_digit(first17)


def _clean(raw: str) -> str:
    # NFKC folds full-width digits and letters (１２３Ｘ) to ASCII.
    text = unicodedata.normalize("NFKC", raw)
    return "".join(text.split()).upper()


def _birth_date(number: str) -> date:
    digits = number[6:14]
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise IDNumberError(
            interpolate(
                _("The birth date %(date)s in the ID number is not a real date."),
                {"date": digits},
            ),
            "birth_date",
        ) from None


def normalize_id_number(raw: str, *, today: date | None = None) -> str:
    """Validate an ID number as typed and return its canonical 18-character form.

    Whitespace is removed, full-width characters are folded and a trailing ``x`` is
    upper-cased. Legacy 15-digit numbers are converted. Raises ``IDNumberError``
    naming the first problem found, checked in the order: format, region, birth
    date, check digit.
    """
    today = today or date.today()
    number = _clean(raw)
    if _RE_15.fullmatch(number):
        number = convert_legacy(number)
    elif not _RE_18.fullmatch(number):
        message: str | Promise
        if not number:
            message = _("Enter an ID number.")
        elif len(number) not in (15, 18):
            message = interpolate(
                _("An ID number has 18 characters (or 15 digits for old cards); got %(n)d."),
                {"n": len(number)},
            )
        else:
            message = _("An ID number consists of 17 digits followed by a digit or the letter X.")
        raise IDNumberError(message, "format")

    if number[:2] not in PROVINCE_CODES:
        raise IDNumberError(
            interpolate(
                _("The ID number starts with %(code)s, which is not a province code."),
                {"code": number[:2]},
            ),
            "region",
        )

    born = _birth_date(number)
    if born < _MIN_BIRTH:
        raise IDNumberError(
            interpolate(
                _("The birth date %(date)s in the ID number is before 1900."),
                {"date": number[6:14]},
            ),
            "birth_date",
        )
    if born > today:
        raise IDNumberError(
            interpolate(
                _("The birth date %(date)s in the ID number is in the future."),
                {"date": number[6:14]},
            ),
            "birth_date",
        )

    expected = check_digit(number[:17])
    if number[17] != expected:
        raise IDNumberError(
            interpolate(
                _("The check digit is wrong: expected %(expected)s, got %(got)s."),
                {"expected": expected, "got": number[17]},
            ),
            "check_digit",
        )
    return number


def parse_id_number(number: str) -> IDInfo:
    """Decode region, birth date and sex from a normalized 18-character number.

    Only the layout is checked; call ``normalize_id_number`` first for validation.
    """
    if not _RE_18.fullmatch(number):
        raise IDNumberError(
            _("An ID number consists of 17 digits followed by a digit or the letter X."),
            "format",
        )
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return IDInfo(region_code=number[:6], birth_date=_birth_date(number), sex=sex)


def check_agrees(number: str, *, birth_date: date | None, sex: str | None) -> None:
    """Raise ``IDNumberError`` if a given birth date or sex contradicts the number.

    ``None`` means "not known" and is not compared.
    """
    info = parse_id_number(number)
    if birth_date is not None and birth_date != info.birth_date:
        raise IDNumberError(
            interpolate(
                _(
                    "The date of birth %(given)s does not match the ID number, "
                    "which gives %(encoded)s."
                ),
                {"given": birth_date.isoformat(), "encoded": info.birth_date.isoformat()},
            ),
            "birth_mismatch",
        )
    if sex is not None and sex != info.sex:
        if info.sex == "M":
            message = _("The sex does not match the ID number, which is a man's.")
        else:
            message = _("The sex does not match the ID number, which is a woman's.")
        raise IDNumberError(message, "sex_mismatch")


def mask_id_number(number: str) -> str:
    """Keep the first and last four characters, star the rest (same length)."""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def make_id_number(region6: str, birth: date, seq3: int) -> str:
    """Build a valid number for tests and demo data; odd ``seq3`` gives a man."""
    if not re.fullmatch(r"[0-9]{6}", region6):
        raise ValueError("region6 must be 6 ASCII digits")
    if not 0 <= seq3 <= 999:
        raise ValueError("seq3 must be in 0..999")
    first17 = f"{region6}{birth.year:04d}{birth.month:02d}{birth.day:02d}{seq3:03d}"
    return first17 + check_digit(first17)
