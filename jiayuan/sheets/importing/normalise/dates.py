"""Dates as rosters write them: serial numbers, 2023/5/1, 2023年5月1日…"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time, timedelta

from django.utils.translation import gettext_lazy as _

from jiayuan.sheets.importing.normalise.text import Cell, _error, _is_number, _memo, text

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
