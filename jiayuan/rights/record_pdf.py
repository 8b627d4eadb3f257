"""A person's record (jiayuan.rights.record) as a readable PDF, in the
reader's language, with the embedded CJK font of every printout.

A section of up to five columns prints as a table; a wider one prints each
row as a block of "label | value" lines, so long text (a visit's notes, a
request's details) wraps under its label instead of squeezing a column.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace

from jiayuan.core.pdf import FONT, cjk_pdf

TABLE_COLUMNS = 5
GREY = FontFace(fill_color=(235, 235, 235))


def _text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    if isinstance(value, dict) and "text" in value:  # a code beside its words
        return str(value["text"])
    return str(value)


def _is_section(value: Any) -> bool:
    return isinstance(value, dict) and "rows" in value and "labels" in value


def _heading(pdf: FPDF, text: str, size: float) -> None:
    pdf.ln(2)
    pdf.set_font(FONT, size=size)
    pdf.multi_cell(0, size * 0.6, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)


def _table(pdf: FPDF, sec: dict[str, Any], columns: list[str]) -> None:
    with pdf.table(headings_style=GREY, line_height=5, text_align="LEFT") as table:
        table.row([sec["labels"][c] for c in columns])
        for row in sec["rows"]:
            table.row([_text(row.get(c)) for c in columns])


def _blocks(pdf: FPDF, sec: dict[str, Any], columns: list[str], depth: int) -> None:
    width = pdf.epw - depth * 6
    for row in sec["rows"]:
        pdf.set_x(pdf.l_margin + depth * 6)
        with pdf.table(col_widths=(30, 70), width=width, align="RIGHT" if depth else "CENTER",
                       first_row_as_headings=False, line_height=5) as table:
            for c in columns:
                if row.get(c) in (None, ""):
                    continue
                table.row([sec["labels"][c], _text(row.get(c))], style=None)
        for child in (v for v in row.values() if _is_section(v)):
            _section(pdf, child, depth + 1)
        pdf.ln(2)


def _section(pdf: FPDF, sec: dict[str, Any], depth: int = 0) -> None:
    columns = list(sec["labels"])
    if depth and not sec["rows"]:
        return  # an empty child section (no referrals) says nothing
    _heading(pdf, sec["title"], 13 if depth == 0 else 10)
    if not sec["rows"]:
        pdf.cell(0, 5, _("None recorded."), new_x="LMARGIN", new_y="NEXT")
        return
    has_children = any(_is_section(v) for row in sec["rows"] for v in row.values())
    if len(columns) <= TABLE_COLUMNS and not has_children:
        _table(pdf, sec, columns)
    else:
        _blocks(pdf, sec, columns, depth)


def record_pdf(record: dict[str, Any]) -> bytes:
    """The PDF of a record made by `person_record` (which the download has
    already audited: this function records nothing)."""
    pdf = cjk_pdf()
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_margins(15, 15, 15)
    pdf.set_title(record["title"])
    pdf.add_page()
    if settings.STATION_NAME:
        pdf.set_font(FONT, size=9)
        pdf.cell(0, 5, settings.STATION_NAME, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=16)
    pdf.multi_cell(0, 9, record["title"], new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)
    pdf.multi_cell(0, 5, _("Your personal information as this station records it, in every "
                           "part of the system, including who has seen or printed it. "
                           "Made by %(user)s on %(time)s.")
                   % {"user": record["generated_by"], "time": record["generated_at"]},
                   new_x="LMARGIN", new_y="NEXT")
    for sec in record["sections"].values():
        _section(pdf, sec)
    pdf.ln(4)
    pdf.set_font(FONT, size=8)
    pdf.multi_cell(0, 4, _("Confidential: this copy holds whole ID-card and phone numbers and "
                           "sensitive details. Its making is recorded in the audit log."),
                   new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
