"""ID-card and phone numbers, including those a spreadsheet turned into numbers."""

from __future__ import annotations

import math
import re
from datetime import date, time

from django.utils.translation import gettext_lazy as _

from jiayuan.lib.idcard import IDNumberError, normalize_id_number
from jiayuan.lib.phone import PhoneError, normalize_phone
from jiayuan.sheets.importing.normalise.text import Cell, CellError, _error, _is_number, text, width

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
