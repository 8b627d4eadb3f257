"""Cleaning shared by every field: text, width folding, errors; names and sex."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, time
from functools import lru_cache, wraps
from typing import TypeVar

from django.utils.translation import gettext_lazy as _

from jiayuan.lib._i18n import LibError, interpolate

Cell = str | int | float | bool | date | datetime | time | None
T = TypeVar("T")


class CellError(LibError):
    """A cell cannot be read as its field; ``message`` says why and what to write.

    ``code``: ``format``, ``spreadsheet_error``, ``digits``, ``too_long``, ``empty``,
    ``calendar``, ``year_only``, ``no_day``, ``range``, ``as_date``,
    ``lost_digits``, ``unknown``, ``ambiguous``, ``province_only``, ``parts``, or
    the code of the lib error it re-raises (IDNumberError, PhoneError, OriginError).
    """


# --- text -------------------------------------------------------------------------

# Full-width ASCII (U+FF01-FF5E) sits exactly 0xFEE0 above ASCII.
_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
# Invisible characters that ride along with text pasted from web pages and chat:
# zero-width space, BOM, soft hyphen, word joiner, and the bidi controls that can
# make a name display as something other than what is stored. Other control
# characters go too; the whitespace ones become spaces.
_INVISIBLE = dict.fromkeys(
    [0x00AD, 0x200B, 0x200E, 0x200F, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xFEFF,
     *range(0x202A, 0x202F), *range(0x2066, 0x206A),
     *(c for c in range(0x20) if not chr(c).isspace()), 0x7F,
     *(c for c in range(0x80, 0xA0) if not chr(c).isspace())]
)  # fmt: skip
_PLACEHOLDERS = frozenset({"-", "--", "—", "——", "/", "无", "暂无", "N/A"})
_SPREADSHEET_ERRORS = frozenset(
    {"#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!", "#SPILL!",
     "#CALC!", "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"}
)  # fmt: skip
_SHOWN_MAX = 40


def width(text: str) -> str:
    """Full-width ASCII (``Ａ１＠``) to half-width and the ideographic space to a space.

    Deliberately not NFKC: NFKC also rewrites characters that are not width
    variants, among them the CJK compatibility ideographs (``U+FA10 塚`` becomes
    ``塚``) that some registered names are written with, circled and parenthesised
    forms (``①`` -> ``1``, ``㈱`` -> ``(株)``) and units (``㎡`` -> ``m2``). A name
    must keep the characters it was registered with, and a stray ``①`` is better
    reported than turned into a digit. Chinese characters are left as they are.
    """
    return text.translate(_WIDTH)


# Both in one pass (their keys differ, and no width-folded character is invisible).
_WIDTH_VISIBLE = {**_WIDTH, **_INVISIBLE}


def _clean_str(value: str) -> str:
    return " ".join(value.translate(_WIDTH_VISIBLE).split())


def _number_text(value: float) -> str:
    if math.isfinite(value) and value.is_integer():
        return str(int(value))
    return repr(value)


def text(cell: Cell) -> str:
    """The cell as one line of text: width-folded, trimmed, whitespace runs -> one space.

    A whole float reads as an integer (``302.0`` -> ``"302"``), a date as
    ``2023-05-01``, a boolean as Excel shows it (``TRUE``).
    """
    if cell is None:
        return ""
    if isinstance(cell, str):
        cleaned = _clean_str(cell)
        upper = cleaned.upper()
        if upper in _PLACEHOLDERS:
            return ""
        if upper in _SPREADSHEET_ERRORS:
            raise CellError(
                interpolate(
                    _("The cell shows the spreadsheet error %(value)s: correct the formula "
                      "or type the value."),
                    {"value": cleaned},
                ),
                "spreadsheet_error",
            )
        return cleaned
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float):
        return _number_text(cell)
    if isinstance(cell, datetime):
        if cell.time() == time(0):
            return cell.date().isoformat()
        return cell.isoformat(sep=" ", timespec="seconds")
    if isinstance(cell, time):
        return cell.isoformat(timespec="seconds")
    if isinstance(cell, date):
        return cell.isoformat()
    return _clean_str(str(cell))


def _shown(cell: Cell) -> str:
    """The value as quoted in a message: its text, cut to a readable length."""
    # A string as typed (full-width characters unfolded), anything else as text() shows it.
    shown = " ".join(cell.translate(_INVISIBLE).split()) if isinstance(cell, str) else text(cell)
    return shown if len(shown) <= _SHOWN_MAX else shown[: _SHOWN_MAX - 1] + "…"


def _error(message: str, cell: Cell, code: str, **params: object) -> CellError:
    return CellError(interpolate(message, {"value": _shown(cell), **params}), code)


def _is_number(cell: Cell) -> bool:
    return isinstance(cell, int | float) and not isinstance(cell, bool)


def _memo(function: Callable[[Cell], T]) -> Callable[[Cell], T]:
    """Remember results for text cells: a roster repeats its dates, buildings and
    addresses (everyone in a household shares one). Errors are remembered too, and
    raised as a new exception each time."""

    @lru_cache(maxsize=4096)
    def cached(cell: str) -> tuple[T | None, CellError | None]:
        try:
            return function(cell), None
        except CellError as exc:
            return None, exc

    @wraps(function)
    def wrapper(cell: Cell) -> T:
        if type(cell) is not str:
            return function(cell)
        result, error = cached(cell)
        if error is not None:
            raise CellError(error.message, error.code)
        return result  # type: ignore[return-value]

    return wrapper


# --- names ------------------------------------------------------------------------

_HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
# Dots people type between the parts of transliterated names (买买提·艾力): middle
# dot, bullet, katakana and half-width katakana dots, hyphenation point, bullet and
# dot operators, Greek ano teleia, word-separator middle dot, Hangul araea (what
# Korean input methods give for "·").
_DOTS = "\u00b7\u2022\u30fb\uff65\u2027\u2219\u22c5\u0387\u2e31\u318d"
_DOT_MAP = dict.fromkeys(map(ord, _DOTS), "·")
# A full stop between Han characters is a dot too (width() made ． into ".");
# between Latin letters it is an initial (J. Smith) and stays.
_HAN_STOP_RE = re.compile(rf"(?<=[{_HAN}]) ?\. ?(?=[{_HAN}])")
_DOT_RUN_RE = re.compile(r" ?·[ ·]*")
_HAN_SPACE_RE = re.compile(rf"(?<=[{_HAN}]) (?=[{_HAN}])")
_NAME_PUNCTUATION = frozenset(" ·-'’.")
NAME_MAX_LENGTH = 60
_PLAIN_HAN_NAME_RE = re.compile(rf"[\u3400-\u4dbf\u4e00-\u9fff]{{1,{NAME_MAX_LENGTH}}}")


def name(cell: Cell) -> str:
    """A person's name: width-folded and trimmed, padding inside Chinese names removed.

    Spaces between Han characters go (``张  伟`` -> ``张伟``, ``欧阳 娜娜`` ->
    ``欧阳娜娜``); one space stays between Latin words. Every dot variant between
    the parts of a transliterated name becomes ``·`` with no space around it
    (``买买提 • 艾力`` -> ``买买提·艾力``). Letters keep their case and Traditional
    characters are not converted: a name keeps the characters it was registered
    with. Refused: digits, characters that are not letters (brackets, slashes,
    notes such as ``张伟（户主）``), more than 60 characters.
    """
    if isinstance(cell, bool):
        raise _error(_("“%(value)s” is not a name."), cell, "format")
    value = text(cell)
    if not value or _PLAIN_HAN_NAME_RE.fullmatch(value):  # most names: nothing to do
        return value
    value = _HAN_STOP_RE.sub("·", value.translate(_DOT_MAP))
    value = _DOT_RUN_RE.sub("·", value).strip(" ·")
    value = _HAN_SPACE_RE.sub("", value)
    if not value:
        raise _error(_("“%(value)s” is not a name."), cell, "empty")
    for ch in value:
        if ch in _NAME_PUNCTUATION:
            continue
        category = unicodedata.category(ch)
        if category in ("Nd", "No"):
            raise _error(_("“%(value)s” is not a name: a name has no digits."), cell, "digits")
        if category[0] not in "LM" and category != "Nl":
            raise _error(
                _("“%(value)s” is not a name: remove “%(char)s”, and put notes in the note "
                  "column."),
                cell, "format", char=ch,
            )
    if len(value) > NAME_MAX_LENGTH:
        raise _error(
            _("The name “%(value)s” has %(n)d characters; at most %(max)d are allowed."),
            cell, "too_long", n=len(value), max=NAME_MAX_LENGTH,
        )
    return value


# --- sex --------------------------------------------------------------------------

_SEXES = {
    **dict.fromkeys(["男", "男性", "男士", "m", "male", "man", "1"], "M"),
    **dict.fromkeys(["女", "女性", "女士", "f", "female", "woman", "2"], "F"),
}


def sex(cell: Cell) -> str:
    """``"M"`` or ``"F"`` from 男/女, M/F, male/female or the GB/T 2261.1 codes 1/2.

    The codes 0 (unknown) and 9 (not stated) are refused: the registry records
    only men and women, and a blank cell lets the caller take the sex from the ID
    number.
    """
    if isinstance(cell, bool):
        raise _error(_("“%(value)s” is not a sex; write 男 or 女 (or M or F)."), cell, "format")
    value = text(cell)
    if not value:
        return ""
    result = _SEXES.get(value.casefold())
    if result is None:
        raise _error(_("“%(value)s” is not a sex; write 男 or 女 (or M or F)."), cell, "format")
    return result
