"""Dwelling parts (building, unit, room) and whole addresses."""

from __future__ import annotations

import re
from datetime import date, time

from django.utils.translation import gettext_lazy as _

from jiayuan.sheets.importing.normalise.identifiers import _WHOLE_WITH_ZEROS_RE
from jiayuan.sheets.importing.normalise.text import Cell, _error, _is_number, _memo, text

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
