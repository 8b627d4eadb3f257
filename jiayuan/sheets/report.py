"""The error report: the rows a check could not import, as the worker typed them,
with the reasons beside them, to fix in Excel/WPS and import again."""

from __future__ import annotations

import io
from datetime import date, datetime, time

import xlsxwriter
from django.utils.translation import gettext as _

from jiayuan.sheets.importer import DUPLICATE, Report
from jiayuan.sheets.xlsx import escape


def error_report(report: Report) -> bytes:
    """An .xlsx: row number, problems, then the original cells of every row that
    was rejected or is a possible duplicate."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False,
                                     "strings_to_urls": False})
    sheet = book.add_worksheet(_("Rows to fix")[:31])
    bold = book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    wrap = book.add_format({"text_wrap": True, "valign": "top", "font_color": "#9C0006"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, [_("Row in your file"), _("What to fix"),
                           *(escape(h) for h in report.header)], bold)
    sheet.set_column(0, 0, 10)
    sheet.set_column(1, 1, 48)
    sheet.set_column(2, 2 + len(report.header), 14)
    sheet.freeze_panes(1, 2)
    line = 1
    for row in report.problems():
        reasons = [f"{p.column}: {p.reason}" for p in row.problems]
        if row.outcome == DUPLICATE:
            reasons.append(row.note + " " + _("Import it anyway by ticking it on the check page."))
        sheet.write_number(line, 0, row.number)
        sheet.write_string(line, 1, escape("\n".join(reasons)), wrap)
        for col, cell in enumerate(row.cells, start=2):
            if cell is None or cell == "":
                continue
            if isinstance(cell, datetime | date):
                sheet.write_datetime(line, col, cell, day)
            elif isinstance(cell, time):
                sheet.write_string(line, col, cell.isoformat())
            elif isinstance(cell, bool):
                sheet.write_boolean(line, col, cell)
            elif isinstance(cell, int | float):
                sheet.write_number(line, col, cell)
            else:
                sheet.write_string(line, col, escape(str(cell)))
        line += 1
    book.close()
    return out.getvalue()
