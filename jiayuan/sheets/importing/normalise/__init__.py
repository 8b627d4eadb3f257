"""Clean one roster cell per field kind: pure functions, no database.

Each function takes a ``Cell`` as python-calamine or the csv reader yields it and
returns the clean value, or raises ``CellError`` whose ``message`` (lazy,
translatable) names what is wrong, the value seen and what to write instead.

Blank cells (``None``, empty or whitespace only, and the placeholders people type
for "nothing": ``-`` ``—`` ``/`` ``无`` ``暂无`` ``N/A``) give the function's empty
value (``""``, ``None`` or ``("", "", "")``) and never an error: whether a field is
required is the caller's business. A cell that is not blank is never silently
emptied: if nothing usable is left it is an error. A cell showing a spreadsheet
error (``#REF!``, ``#N/A``…) is an error in every function.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache, wraps
from typing import TypeVar

from django.utils.translation import gettext_lazy as _

from jiayuan.lib._i18n import LibError, interpolate
from jiayuan.lib.divisions import OriginError, normalize_origin, prefecture_choices
from jiayuan.lib.divisions import province_choices as _province_choices
from jiayuan.lib.ethnicity import ETHNIC_GROUPS, is_valid_ethnicity
from jiayuan.lib.idcard import IDNumberError, normalize_id_number
from jiayuan.lib.phone import PhoneError, normalize_phone
from jiayuan.lib.text import fold
from jiayuan.registry.choices import Relation, Residency

__all__ = [
    "Cell", "CellError", "address", "day", "ethnicity", "id_number", "name", "origin",
    "phone", "place_part", "relation", "residency", "sex", "text", "width",
]  # fmt: skip

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


# --- dates ------------------------------------------------------------------------

_MIN_YEAR, _MAX_YEAR = 1900, 2100
_SERIAL_MAX = 2958465  # 9999-12-31 in Excel's 1900 date system
_TIME = r"(?:[ T]?\d{1,2}:\d{1,2}(?::\d{1,2}(?:\.\d+)?)?)?"
_DATE_SEP_RE = re.compile(rf"(\d{{4}}) ?([-/.]) ?(\d{{1,2}}) ?\2 ?(\d{{1,2}}){_TIME}")
_DATE_ZH_RE = re.compile(rf"(\d{{4}})年(\d{{1,2}})月(\d{{1,2}})[日号]?{_TIME}")
_MONTH_ONLY_RE = re.compile(r"(\d{4}) ?(?:[-/.]|年) ?(\d{1,2}) ?月?")
_NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")
_ZH_SPACES_RE = re.compile(r" ?([年月日号]) ?")


def _make_date(cell: Cell, year: int, month: int, dom: int) -> date:
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        raise _error(
            _("“%(value)s” is not a date between 1900 and 2100; check the year."), cell, "range"
        )
    try:
        return date(year, month, dom)
    except ValueError:
        raise _error(
            _("“%(value)s” is not a real date; check the month and the day."), cell, "calendar"
        ) from None


def _day_from_number(cell: Cell, number: float) -> date:
    if not math.isfinite(number):
        raise _error(_("“%(value)s” is not a date; write it as 2023-05-01."), cell, "format")
    if number.is_integer() and _MIN_YEAR <= number <= _MAX_YEAR:
        raise _error(
            _("“%(value)s” looks like a year only; write the whole date, as 2023-05-01."),
            cell, "year_only",
        )
    if number.is_integer() and 19000101 <= number <= 21001231:
        digits = str(int(number))  # 20230501 typed as a number
        return _make_date(cell, int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    if not 1 <= number < _SERIAL_MAX + 1:
        raise _error(_("“%(value)s” is not a date; write it as 2023-05-01."), cell, "format")
    serial = int(number)  # a fraction is the time of day
    if serial == 60:
        raise _error(
            _("“%(value)s” is 29 February 1900 in Excel, a day that never was; type the "
              "date again."),
            cell, "calendar",
        )
    # Excel counts 1900-01-01 as 1 and, copying Lotus 1-2-3, has a 29 February 1900.
    start = date(1899, 12, 31) if serial < 60 else date(1899, 12, 30)
    result = start + timedelta(days=serial)
    return _make_date(cell, result.year, result.month, result.day)


@_memo
def day(cell: Cell) -> date | None:
    """A date from a date cell, an Excel serial number or text.

    Text may be ``2023-05-01``, ``2023/5/1``, ``2023.5.1``, ``2023年5月1日``,
    ``20230501``, ``2023-05-01 00:00:00`` (the time is dropped), in full-width
    digits too, or a serial typed as text (``45047``). A whole number from 1900
    to 2100 is refused as a bare year (as a serial it would be a day in 1905), and
    so is a year and month without a day: a birth date needs the day. Years
    outside 1900-2100 are refused as typing mistakes.
    """
    if cell is None:
        return None
    if isinstance(cell, date):
        value = cell.date() if isinstance(cell, datetime) else cell
        return _make_date(cell, value.year, value.month, value.day)
    if isinstance(cell, time):
        raise _error(
            _("“%(value)s” is a time of day, not a date; write the date as 2023-05-01."),
            cell, "format",
        )
    if isinstance(cell, bool):
        raise _error(_("“%(value)s” is not a date; write it as 2023-05-01."), cell, "format")
    if _is_number(cell):
        # An int too large for a float is no date either.
        return _day_from_number(cell, float(cell) if abs(cell) < 1e300 else math.inf)
    value = _ZH_SPACES_RE.sub(r"\1", text(cell))
    if not value:
        return None
    match = _DATE_SEP_RE.fullmatch(value)
    if match:
        return _make_date(cell, int(match[1]), int(match[3]), int(match[4]))
    match = _DATE_ZH_RE.fullmatch(value)
    if match:
        return _make_date(cell, int(match[1]), int(match[2]), int(match[3]))
    match = _MONTH_ONLY_RE.fullmatch(value)
    if match and 1 <= int(match[2]) <= 12:
        raise _error(
            _("“%(value)s” has no day; write the whole date, as 2023-05-01."), cell, "no_day"
        )
    if _NUMBER_RE.fullmatch(value):
        return _day_from_number(cell, float(value))
    raise _error(_("“%(value)s” is not a date; write it as 2023-05-01."), cell, "format")


# --- ID numbers and phones --------------------------------------------------------

_ID_SEPARATORS_RE = re.compile(r"[\s\-_\u2010-\u2015]")
_SCIENTIFIC_RE = re.compile(r"[0-9](?:\.[0-9]+)?E\+?[0-9]+", re.IGNORECASE)
_WHOLE_WITH_ZEROS_RE = re.compile(r"([0-9]+)\.0+")
_EXACT_FLOAT = 2**53


def _lost_digits() -> CellError:
    return CellError(
        _("The ID number was stored as a number in Excel and lost its last digits; format "
          "the column as Text and type it again."),
        "lost_digits",
    )


def _checked_id(value: str) -> str:
    try:
        return normalize_id_number(value)
    except IDNumberError as exc:
        raise CellError(exc.message, exc.code) from None


def _id_from_number(cell: int | float) -> str:
    # Spreadsheets keep numbers as doubles, exact to 2**53 (15-16 digits): a legacy
    # 15-digit number survives, an 18-digit one has lost its last digits.
    if isinstance(cell, float):
        if not math.isfinite(cell) or not cell.is_integer() or cell < 0:
            raise _error(_("“%(value)s” is not an ID number."), cell, "format")
        if cell >= _EXACT_FLOAT:
            raise _lost_digits()
        return _checked_id(str(int(cell)))
    if cell < 0:
        raise _error(_("“%(value)s” is not an ID number."), cell, "format")
    try:
        return _checked_id(str(cell))
    except CellError:
        if cell >= _EXACT_FLOAT:
            raise _lost_digits() from None
        raise


def id_number(cell: Cell) -> str:
    """The canonical 18-character ID number (see ``jiayuan.lib.idcard``), or ``""``.

    Spaces and dashes inside are ignored, a leading ``'`` (Excel's "this is
    text" mark) too. A number cell is accepted only when it is exact (a legacy
    15-digit number); an 18-digit number stored as a number, written in
    scientific notation (``3.20102E+17``) or with its last digits turned to 000
    is refused with advice to re-type it as text.
    """
    if isinstance(cell, bool | date | time):
        raise _error(_("“%(value)s” is not an ID number."), cell, "format")
    if _is_number(cell):
        return _id_from_number(cell)
    value = _ID_SEPARATORS_RE.sub("", text(cell).lstrip("'`"))
    if not value:
        return ""
    if _SCIENTIFIC_RE.fullmatch(value):
        raise _lost_digits()
    match = _WHOLE_WITH_ZEROS_RE.fullmatch(value)
    if match:  # "110105491231002.0": a number written out as text by some program
        return _id_from_number(float(match[1]))
    try:
        return _checked_id(value)
    except CellError as exc:
        if exc.code == "check_digit" and value.endswith("000"):
            raise _lost_digits() from None
        raise


_PHONE_LIST_RE = re.compile(r"[/、,，;；|\n\r]|或")
_PHONE_LABEL_RE = re.compile(r"^[^0-9+(]*[:：] ?")
_PHONE_NOTE_RE = re.compile(r"\([^0-9()]*\)")


def _checked_phone(value: str) -> str:
    try:
        return normalize_phone(value)
    except PhoneError as exc:
        raise CellError(exc.message, exc.code) from None


def _phone_from_number(cell: int | float) -> str:
    if cell < 0 or (isinstance(cell, float) and not (math.isfinite(cell) and cell.is_integer())):
        raise _error(_("“%(value)s” is not a phone number."), cell, "format")
    digits = str(int(cell))
    # A number cell drops a landline's leading 0 (0991-2345678 -> 9912345678).
    if not digits.startswith("1") and len(digits) in (10, 11):
        try:
            return normalize_phone("0" + digits)
        except PhoneError:
            pass
    return _checked_phone(digits)


def phone(cell: Cell) -> str:
    """A canonical phone number (see ``jiayuan.lib.phone``), or ``""``.

    A cell with several numbers (``138…/139…``, ``138…，139…``, one per line,
    or separated by spaces when each is whole) gives the first: the registry keeps
    one number per person. A label (``手机：``) and a note in brackets
    (``(本人)``) are dropped. From a number cell, a 10-11 digit landline whose
    leading 0 the spreadsheet dropped gets it back.
    """
    if isinstance(cell, bool | date | time):
        raise _error(_("“%(value)s” is not a phone number."), cell, "format")
    if _is_number(cell):
        return _phone_from_number(cell)
    value = text(cell)
    if not value:
        return ""
    try:  # most cells hold one number as typed
        return normalize_phone(value)
    except PhoneError:
        pass
    parts = [p for p in _PHONE_LIST_RE.split(width(cell)) if p.strip()]  # text() was a str
    if not parts:
        return ""
    value = _PHONE_NOTE_RE.sub("", _PHONE_LABEL_RE.sub("", text(parts[0]))).strip()
    if _WHOLE_WITH_ZEROS_RE.fullmatch(value):
        return _phone_from_number(float(value))
    try:
        return _checked_phone(value)
    except CellError:
        first = value.split(" ", 1)[0]
        if first != value:
            try:
                return normalize_phone(first)
            except PhoneError:
                pass
        raise


# --- coded lists: ethnic group, relation, residency --------------------------------

_ETHNIC_ALIASES: dict[str, str] = {
    "维族": "05", "维": "05", "维吾儿族": "05", "维吾儿": "05", "uighur": "05",
    "uygur": "05", "uigur": "05", "蒙族": "02", "蒙": "02", "mongolian": "02",
    "哈族": "17", "kazak": "17", "柯族": "29", "kirghiz": "29", "kirgiz": "29",
    "回民": "03", "汉人": "01", "han chinese": "01", "buyi": "09", "wa": "21",
    "jingpho": "28", "drung": "51", "orochon": "52", "menba": "54", "luoba": "55",
    "jinuo": "56", "deang": "46", "baoan": "47", "xibo": "38", "sibe": "38",
    "乌兹别克族": "43", "乌兹别克": "43", "俄族": "44", "畬族": "22", "畬": "22",
    "其它": "97", "未识别民族": "97", "未识别": "97", "外国血统": "98", "入籍": "98",
}  # fmt: skip
_ETHNIC_AMBIGUOUS = {"土": "土族, 土家族", "哈": "哈萨克族, 哈尼族", "塔": "塔吉克族, 塔塔尔族"}


@lru_cache(maxsize=1)
def _ethnic_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for code, zh, en in ETHNIC_GROUPS:
        index[fold(zh)] = code
        index[fold(en)] = code
        if zh.endswith("族") and zh[:-1] not in _ETHNIC_AMBIGUOUS:
            index[fold(zh[:-1])] = code
    index.update({fold(alias): code for alias, code in _ETHNIC_ALIASES.items()})
    return index


@lru_cache(maxsize=1024)
def _ethnic_code(value: str) -> str | None:
    match = _WHOLE_WITH_ZEROS_RE.fullmatch(value)  # "5.0" from a csv
    if match:
        value = match[1]
    if value.isascii() and value.isdigit():
        code = f"{int(value):02d}" if len(value) <= 2 else ""
        return code if is_valid_ethnicity(code) else None
    return _ethnic_index().get(fold(value))


def ethnicity(cell: Cell) -> str:
    """The GB/T 3304 code of an ethnic group, or ``""`` (not declared).

    Takes the standard name (维吾尔族), the name without 族 (维吾尔), the common
    short forms (维族, 蒙族, 哈族, 柯族, 回, 汉…), Traditional characters
    (維吾爾族), the English name (Uyghur, Uighur) and the code itself (``05``,
    ``5``). ``土`` alone could be 土族 or 土家族 and is refused.
    """
    if isinstance(cell, bool | date | time):
        raise _error(_("“%(value)s” is not an ethnic group we know; write its standard "
                       "name, such as 汉族 or 维吾尔族, or leave it blank."), cell, "unknown")
    value = text(cell)
    if not value:
        return ""
    if value in _ETHNIC_AMBIGUOUS:
        raise _error(_("“%(value)s” could be %(choices)s; write the full name."),
                     cell, "ambiguous", choices=_ETHNIC_AMBIGUOUS[value])
    code = _ethnic_code(value)
    if code is None:
        raise _error(_("“%(value)s” is not an ethnic group we know; write its standard "
                       "name, such as 汉族 or 维吾尔族, or leave it blank."), cell, "unknown")
    return code


def _children() -> list[str]:
    orders = ["", "长", "次", "三", "四", "五", "六", "七", "幼", "小", "独生", "养", "继"]
    return [order + kid for order in orders for kid in ("子", "女")]


_RELATIONS: dict[str, str] = {
    **dict.fromkeys(["户主", "本人", "户长", "self", "head"], Relation.HEAD),
    **dict.fromkeys(["配偶", "妻", "妻子", "夫", "丈夫", "爱人", "老婆", "老公", "夫妻",
                     "wife", "husband"], Relation.SPOUSE),
    **dict.fromkeys([*_children(), "儿子", "女儿", "儿", "孩子", "子女", "小孩", "养子女",
                     "son", "daughter"], Relation.CHILD),
    **dict.fromkeys(["父", "母", "父亲", "母亲", "父母", "爸爸", "妈妈", "继父", "继母",
                     "养父", "养母", "公公", "婆婆", "岳父", "岳母", "father", "mother"],
                    Relation.PARENT),
    **dict.fromkeys(["孙", "孙子", "孙女", "外孙", "外孙子", "外孙女", "孙子女", "曾孙",
                     "曾孙子", "曾孙女", "孙媳", "孙媳妇", "孙女婿", "外孙媳妇", "外孙女婿",
                     "孙子女或外孙子女"], Relation.GRANDCHILD),
    **dict.fromkeys(["祖父", "祖母", "外祖父", "外祖母", "爷爷", "奶奶", "姥爷", "姥姥",
                     "外公", "外婆", "祖父母", "外祖父母", "曾祖父", "曾祖母",
                     "祖父母或外祖父母"], Relation.GRANDPARENT),
    **dict.fromkeys(["兄", "弟", "姐", "妹", "哥", "哥哥", "弟弟", "姐姐", "妹妹", "兄弟",
                     "姐妹", "兄妹", "姐弟", "兄弟姐妹", "brother", "sister"], Relation.SIBLING),
    **dict.fromkeys(["儿媳", "儿媳妇", "女婿", "儿媳或女婿"], Relation.CHILD_IN_LAW),
    # In-laws of the head's generation are "other relative": they are not siblings.
    **dict.fromkeys(["其他亲属", "亲属", "亲戚", "侄子", "侄女", "外甥", "外甥女", "嫂子", "嫂",
                     "弟媳", "姐夫", "妹夫", "叔叔", "伯父", "伯母", "婶婶", "舅舅", "舅妈",
                     "姑姑", "姑父", "姨妈", "姨父", "堂兄", "堂弟", "堂姐", "堂妹", "表兄",
                     "表弟", "表姐", "表妹", "侄孙", "relative"], Relation.OTHER_RELATIVE),
    **dict.fromkeys(["租户", "租客", "房客", "合租", "借住", "寄住", "借住人员", "非亲属",
                     "其他非亲属", "无亲属关系", "保姆", "雇工", "雇员", "朋友", "同事", "同学",
                     "室友", "借住人员/非亲属", "lodger", "tenant"], Relation.LODGER),
    # The English labels, so that an export in English reads back.
    "Head of household": Relation.HEAD, "Spouse": Relation.SPOUSE, "Child": Relation.CHILD,
    "Parent": Relation.PARENT, "Grandchild": Relation.GRANDCHILD,
    "Grandparent": Relation.GRANDPARENT, "Sibling": Relation.SIBLING,
    "Son- or daughter-in-law": Relation.CHILD_IN_LAW, "Other relative": Relation.OTHER_RELATIVE,
    "Lodger / not related": Relation.LODGER,
}  # fmt: skip
_RELATION_PREFIXES = ("户主之", "户主的", "户主", "之")


@lru_cache(maxsize=1)
def _relation_index() -> dict[str, str]:
    index = {fold(member.value): str(member.value) for member in Relation}
    index.update({fold(key): str(value) for key, value in _RELATIONS.items()})
    return index


@lru_cache(maxsize=1024)
def _relation_code(value: str) -> str | None:
    key = fold(value)
    index = _relation_index()
    for prefix in _RELATION_PREFIXES:
        if key not in index and key.startswith(prefix) and len(key) > len(prefix):
            key = key[len(prefix):]
    return index.get(key)


def relation(cell: Cell) -> str:
    """A ``Relation`` value from 户主, 妻, 之子, 长女, 孙女, 外祖母, 女婿, 租户…

    ``户主之妻`` reads as ``妻``. A bare ``其他`` is refused: it could be a relative
    or someone not related.
    """
    if cell is None or (isinstance(cell, str) and not text(cell)):
        return ""
    value = text(cell) if isinstance(cell, str) else ""  # numbers and dates are no relation
    if fold(value) in ("其他", "其它", "other"):
        raise _error(_("“%(value)s” is unclear; write 其他亲属 for a relative or 非亲属 for "
                       "someone not related."), cell, "ambiguous")
    code = _relation_code(value) if value else None
    if code is None:
        raise _error(_("“%(value)s” is not a relation to the head of household we know; "
                       "write one such as 户主, 配偶, 子, 女, 父, 母, 孙子, 儿媳, 其他亲属 or "
                       "非亲属."), cell, "unknown")
    return code


_RESIDENCIES: dict[str, str] = {
    **dict.fromkeys(["户籍", "户籍人口", "常住户籍", "户籍常住", "户籍居民", "本地户籍", "本地",
                     "本地人口", "registered"], Residency.REGISTERED),
    **dict.fromkeys(["常住", "常住人口", "居住证", "非户籍常住", "常住非户籍", "外来常住",
                     "常住人口(非本地户籍)", "resident"], Residency.RESIDENT),
    **dict.fromkeys(["流动", "流动人口", "暂住", "暂住人口", "外来流动", "临时", "临时居住",
                     "floating"], Residency.FLOATING),
    "Registered (hukou here)": Residency.REGISTERED,
    "Resident (hukou elsewhere)": Residency.RESIDENT,
    "Floating (temporary)": Residency.FLOATING,
}  # fmt: skip


@lru_cache(maxsize=1)
def _residency_index() -> dict[str, str]:
    return {fold(key): str(value) for key, value in _RESIDENCIES.items()}


def residency(cell: Cell) -> str:
    """A ``Residency`` value: 户籍 (registered), 常住 (resident), 流动/暂住 (floating)."""
    if cell is None or (isinstance(cell, str) and not text(cell)):
        return ""
    value = text(cell) if isinstance(cell, str) else ""
    code = _residency_index().get(fold(value)) if value else None
    if code is None:
        raise _error(_("“%(value)s” is not a residency type we know; write 户籍, 常住 or "
                       "流动."), cell, "unknown")
    return code


# --- place of origin --------------------------------------------------------------

_PROVINCE_SUFFIX_RE = re.compile(r"(?:省|市|(?:壮族|回族|维吾尔)?自治区|特别行政区)$")
_PREFECTURE_SUFFIX_RE = re.compile(r"(?:自治州|自治县|地区|林区|盟|市|县)$")
_MUNICIPALITIES = frozenset({"11", "12", "31", "50"})


@lru_cache(maxsize=1)
def _ethnic_words() -> tuple[str, ...]:
    """Ethnic names as they appear in autonomous prefectures, longest first."""
    words = {zh for _code, zh, _en in ETHNIC_GROUPS if zh.endswith("族")}
    words |= {word[:-1] for word in words if len(word) > 2}  # 伊犁哈萨克自治州
    return tuple(sorted(words, key=len, reverse=True))


def _short_place(full: str, suffix_re: re.Pattern[str]) -> str | None:
    """伊犁哈萨克自治州 -> 伊犁, 喀什地区 -> 喀什, 成都市 -> 成都, 四川省 -> 四川."""
    match = suffix_re.search(full)
    if not match:
        return None
    base = full[: match.start()]
    if match.group().startswith("自治"):
        stripped = True
        while stripped:
            stripped = False
            for word in _ethnic_words():
                if base.endswith(word) and len(base) - len(word) >= 2:
                    base, stripped = base[: -len(word)], True
                    break
    return base if len(base) >= 2 else None


@dataclass(frozen=True)
class _Places:
    """Folded place names as (name, code) lists, longest name first."""

    province_full: list[tuple[str, str]]
    province_short: list[tuple[str, str]]
    prefecture_full: list[tuple[str, str]]
    prefecture_short: list[tuple[str, str]]
    provinces: dict[str, str]  # code -> name
    undivided: frozenset[str]  # Taiwan, Hong Kong, Macau: no prefectures


def _longest_first(names: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return sorted(names, key=lambda item: -len(item[0]))


@lru_cache(maxsize=1)
def _places() -> _Places:
    provinces = dict(_province_choices())
    undivided = frozenset(code for code, _label in prefecture_choices() if code in provinces)
    pref_full: list[tuple[str, str]] = []
    pref_short: list[tuple[str, str]] = []
    for code, label in prefecture_choices():
        if code in undivided:
            continue
        full = label.split(" ", 1)[-1]
        pref_full.append((fold(full), code))
        short = _short_place(full, _PREFECTURE_SUFFIX_RE)
        if short:
            pref_short.append((fold(short), code))
            if full.endswith("自治州"):
                pref_short.append((fold(short + "州"), code))  # 伊犁州, 昌吉州
    return _Places(
        province_full=_longest_first([(fold(n), c) for c, n in provinces.items()]),
        province_short=_longest_first(
            [(fold(s), c) for c, n in provinces.items()
             if (s := _short_place(n, _PROVINCE_SUFFIX_RE))]
        ),
        prefecture_full=_longest_first(pref_full),
        prefecture_short=_longest_first(pref_short),
        provinces=provinces,
        undivided=undivided,
    )


def _prefix(key: str, names: list[tuple[str, str]], province: str = "") -> tuple[set[str], int]:
    """Codes of the longest names in ``names`` that ``key`` starts with, and that length."""
    found: set[str] = set()
    length = 0
    for name_key, code in names:
        if found and len(name_key) < length:
            break
        if key.startswith(name_key) and code.startswith(province):
            found.add(code)
            length = len(name_key)
    return found, length


@lru_cache(maxsize=2048)
def _origin_from_name(key: str) -> tuple[str, str, str]:
    """(code, problem, province code): problem is "" when code is found, else one of
    ``province_only``, ``not_in`` (the province), ``ambiguous``, ``unknown``."""
    places = _places()
    provinces, length = _prefix(key, places.province_full)
    if not provinces:
        found, _length = _prefix(key, places.prefecture_full)  # 吉林市 before 吉林
        if found:
            return found.pop(), "", ""
        provinces, length = _prefix(key, places.province_short)
    if not provinces:
        found, _length = _prefix(key, places.prefecture_short)
        if len(found) == 1:
            return found.pop(), "", ""
        return "", "ambiguous" if found else "unknown", ""
    province = provinces.pop()
    rest = key[length:]
    if province[:2] in _MUNICIPALITIES:  # 北京, 北京市朝阳区: the city itself
        return province[:2] + "0100", "", ""
    if province in places.undivided:
        return province, "", ""
    if not rest:
        return "", "province_only", province
    found, _length = _prefix(rest, places.prefecture_full, province[:2])
    if not found:
        found, _length = _prefix(rest, places.prefecture_short, province[:2])
    return (found.pop(), "", "") if found else ("", "not_in", province)


def origin(cell: Cell) -> str:
    """A GB/T 2260 place-of-origin code, at least to the prefecture, or ``""``.

    Takes a 6-digit code (checked by ``jiayuan.lib.divisions.normalize_origin``) or
    names, full or short, with or without the province: 新疆维吾尔自治区喀什地区,
    新疆喀什, 喀什, 四川省成都市, 四川成都, 伊犁州. Whatever follows the
    prefecture (a county, a street) is ignored; a municipality (北京, 重庆市万州区)
    gives its own code. A province alone is refused: the registry records the
    prefecture. A short name used in more than one province needs the province.
    """
    unknown = _("“%(value)s” is not a place we know; write a province and a city, as "
                "四川省成都市, or a 6-digit division code.")
    if isinstance(cell, bool | date | time):
        raise _error(unknown, cell, "unknown")
    value = text(cell)
    if not value:
        return ""
    if value.isascii() and value.isdigit():
        try:
            return normalize_origin(value)
        except OriginError as exc:
            raise CellError(exc.message, exc.code) from None
    code, problem, province = _origin_from_name(fold(value))
    if code:
        return normalize_origin(code)
    if problem == "province_only":
        raise _error(_("“%(value)s” names only a province; name the city or prefecture in "
                       "%(province)s too."), cell, problem,
                     province=_places().provinces[province])
    if problem == "not_in":
        raise _error(_("“%(value)s”: %(province)s has no city or prefecture by that name; "
                       "write it as in 四川省成都市."), cell, "unknown",
                     province=_places().provinces[province])
    if problem == "ambiguous":
        raise _error(_("“%(value)s” is a place name in more than one province; add the "
                       "province."), cell, problem)
    raise _error(unknown, cell, "unknown")


# --- dwellings --------------------------------------------------------------------

_PLACE_SUFFIXES = ("号楼", "號樓", "单元", "單元", "栋", "棟", "幢", "座", "楼", "樓", "室",
                   "号", "號", "户", "#")  # fmt: skip
_PLACE_WORDS_RE = re.compile(r"号楼|號樓|单元|單元|栋|棟|幢|室")
_ZH_DIGITS = {ch: str(i) for i, ch in enumerate("〇一二三四五六七八九")} | {"零": "0"}
_ZH_NUMBER_RE = re.compile(r"[〇零一二三四五六七八九十]+")
_DASHES_RE = re.compile(r"[\u2010-\u2015\u2212]")
PLACE_PART_MAX_LENGTH = 20


def _zh_number(value: str) -> str:
    """一 -> 1, 十二 -> 12, 三十 -> 30, 三〇二 -> 302; anything else unchanged."""
    if not _ZH_NUMBER_RE.fullmatch(value):
        return value
    if "十" not in value:
        return "".join(_ZH_DIGITS[ch] for ch in value)
    tens, _sep, units = value.partition("十")
    if len(tens) > 1 or len(units) > 1 or "十" in units:
        return value
    return str(int(_ZH_DIGITS.get(tens, "1")) * 10 + int(_ZH_DIGITS.get(units, "0")))


def _place_text(cell: Cell) -> str:
    if isinstance(cell, date):
        raise _error(_("The spreadsheet turned this into the date %(value)s; format the column "
                       "as Text and type it again."), cell, "as_date")
    if isinstance(cell, bool | time):
        raise _error(_("“%(value)s” is not a building, unit or room number."), cell, "format")
    value = _DASHES_RE.sub("-", "".join(text(cell).split())).upper()
    match = _WHOLE_WITH_ZEROS_RE.fullmatch(value)  # "3.0": a number written out by a program
    return match[1] if match else value


def _part(cell: Cell, value: str) -> str:
    if value.startswith("第"):
        value = value[1:]
    for suffix in _PLACE_SUFFIXES:
        if value.endswith(suffix):
            value = value[: -len(suffix)]
            break
    value = _zh_number(value)
    if not value:
        raise _error(_("“%(value)s” has no building, unit or room number in it."),
                     cell, "empty")
    if len(value) > PLACE_PART_MAX_LENGTH:
        raise _error(_("“%(value)s” is too long for a building, unit or room number (at "
                       "most %(max)d characters)."), cell, "too_long",
                     max=PLACE_PART_MAX_LENGTH)
    return value


@_memo
def place_part(cell: Cell) -> str:
    """A building, unit or room number as painted: ``3栋`` -> ``3``, ``2单元`` -> ``2``.

    Drops a leading 第 and one trailing 号楼/栋/幢/座/楼/单元/室/号/户/#, so that
    ``A座`` and ``A栋`` are both building ``A``; small Chinese numerals become
    digits (``二单元`` -> ``2``); Latin letters are upper-cased (``b`` -> ``B``);
    a whole float reads as an integer (``3.0`` -> ``3``). Leading zeros are kept
    (``0302`` stays ``0302``). A cell holding a whole address (``3栋2单元``) is
    refused: it belongs in the address column.
    """
    if cell is None:
        return ""
    value = _place_text(cell)
    if not value:
        return ""
    result = _part(cell, value)
    if _PLACE_WORDS_RE.search(result):
        raise _error(_("“%(value)s” holds more than one part; write the building, unit and "
                       "room in their own columns, or as 3-2-302 in the address column."),
                     cell, "parts")
    return result


_NUM = r"[0-9A-Z]+|[〇零一二三四五六七八九十]+"
_ADDRESS_DASHES_RE = re.compile(r"([0-9A-Z]+)-(?:([0-9A-Z]+)-)?([0-9A-Z]+)")
_ADDRESS_WORDS_RE = re.compile(
    rf"第?(?P<b>{_NUM})(?:号楼|號樓|栋|棟|幢|座|楼|樓|号|號|#)-?"
    rf"(?:第?(?P<u>{_NUM})(?:单元|單元)-?)?"
    rf"(?P<r>[0-9A-Z]+)(?:室|号|號|户)?"
)


@_memo
def address(cell: Cell) -> tuple[str, str, str]:
    """(building, unit, room) from one address cell; unit is ``""`` when not given.

    Reads ``3-2-302``, ``3-302``, ``3栋2单元302室``, ``3号楼2单元302``,
    ``A座1单元1201``, ``3栋302``, ``三栋二单元302``. Anything else, an estate
    name in front included, is refused: the estate is not checked here, and two
    estates in a grid can both have a building 3.
    """
    if cell is None:
        return ("", "", "")
    value = _place_text(cell)
    if not value:
        return ("", "", "")
    if _is_number(cell):
        match = None
    else:
        match = _ADDRESS_DASHES_RE.fullmatch(value) or _ADDRESS_WORDS_RE.fullmatch(value)
    if not match:
        raise _error(_("“%(value)s” is not an address we can read; write building-unit-room, "
                       "as 3-2-302 or 3栋2单元302室."), cell, "format")
    building, unit, room = match.groups()
    return (_part(cell, building), _part(cell, unit) if unit else "", _part(cell, room))
