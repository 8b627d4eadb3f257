"""The error report: the rows a check could not import, as the worker typed them,
with the reasons beside them, to fix in Excel/WPS and import again."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _

from jiayuan.sheets.importer import DUPLICATE, Report
from jiayuan.sheets.xlsx import write_sheet


def _rows(report: Report) -> Iterator[list[Any]]:
    for row in report.problems():
        reasons = [f"{p.column}: {p.reason}" for p in row.problems]
        if row.outcome == DUPLICATE:
            reasons.append(row.note + " " + _("Import it anyway by ticking it on the check page."))
        yield [row.number, "\n".join(reasons), *row.cells]


def error_report(report: Report) -> bytes:
    """An .xlsx: row number, problems, then the original cells of every row that
    was rejected or is a possible duplicate (written by the exports' SheetWriter:
    escaped text, real dates)."""
    out = io.BytesIO()
    header = [_("Row in your file"), _("What to fix"), *report.header]
    write_sheet(out, _("Rows to fix"), header, _rows(report),
                widths=[10, 48, *([14] * len(report.header))])
    return out.getvalue()
