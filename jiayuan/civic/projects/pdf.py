"""The wall chart (挂图作战) as an A3 landscape PDF to pin on the station's
wall: one row per project, a Gantt bar across the year's twelve months from
its start to its planned end, coloured by its health, its milestones as
marks (filled: reached; hollow: still to come), and a QR code to its public
portal page (public projects only). Sub-projects follow their parent,
indented. Not audited as a print: it holds no resident's data (titles,
grids, staff owners: what the wall chart page shows), unlike the household
file or a mediation agreement."""

from __future__ import annotations

from datetime import date

import segno
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from fpdf import FPDF

from jiayuan.civic.choices import Health
from jiayuan.civic.projects.health import LABELS
from jiayuan.civic.projects.selectors import Board, Row
from jiayuan.core.pdf import FONT, cjk_pdf
from jiayuan.core.urls_public import public_url

COLOURS: dict[str, tuple[int, int, int]] = {
    Health.ON_TRACK: (46, 139, 87),
    Health.AT_RISK: (230, 160, 20),
    Health.LATE: (200, 40, 40),
    Health.DONE: (130, 130, 130),
}
ROW_H = 14.0
TITLE_W = 95.0
QR_W = 14.0
MARGIN = 10.0


def portal_url(ref: str) -> str:
    return public_url(reverse("portal_project", args=[ref]))


def _qr(pdf: FPDF, url: str, x: float, y: float, size: float) -> None:
    """A QR code drawn as one vector path (a rectangle per run of dark
    modules), written straight into the page's content stream: fpdf2's rect()
    per module and a PNG per project cost seconds on a district's board. The
    mask is fixed: segno's search for the best of eight is most of a code's
    cost, and every mask gives a valid code."""
    qr = segno.make(url, error="m", micro=False, mask=0)
    rows = [bytes(row) for row in qr.matrix]
    k, cell = pdf.k, size / len(rows)
    parts = []
    for r, row in enumerate(rows):
        top = (pdf.h - (y + r * cell)) * k
        c, n = 0, len(row)
        while c < n:
            if row[c] & 1:
                start = c
                while c < n and row[c] & 1:
                    c += 1
                parts.append(f"{(x + start * cell) * k:.2f} {top:.2f} "
                             f"{(c - start) * cell * k:.2f} {-cell * k:.2f} re")
            else:
                c += 1
    pdf._out("q 0 g " + " ".join(parts) + " f Q")  # noqa: SLF001 (fpdf2's content stream)


def _new_pdf() -> FPDF:
    pdf = cjk_pdf(orientation="landscape", page_format="A3")
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    return pdf


class _Chart:
    def __init__(self, pdf: FPDF, board: Board, title: str) -> None:
        self.pdf, self.board, self.title = pdf, board, title
        self.year = board.year
        self.x0 = MARGIN + TITLE_W
        self.x1 = pdf.w - MARGIN - QR_W - 2
        self.first = date(self.year, 1, 1)
        self.days = (date(self.year, 12, 31) - self.first).days + 1

    def x_of(self, day: date) -> float:
        day = min(max(day, self.first), date(self.year, 12, 31))
        return self.x0 + (self.x1 - self.x0) * (day - self.first).days / self.days

    def page(self) -> None:
        pdf = self.pdf
        pdf.add_page()
        pdf.set_font(FONT, size=18)
        pdf.set_xy(MARGIN, MARGIN)
        pdf.cell(0, 10, self.title)
        pdf.set_font(FONT, size=9)
        pdf.set_xy(MARGIN, MARGIN + 10)
        pdf.cell(40, 6, _("As of %(day)s") % {"day": self.board.today.isoformat()})
        for h in (Health.LATE, Health.AT_RISK, Health.ON_TRACK, Health.DONE):
            x = pdf.get_x()
            pdf.set_fill_color(*COLOURS[h])
            pdf.rect(x, MARGIN + 11.5, 3, 3, style="F")
            pdf.set_x(x + 4)
            pdf.cell(30, 6, f"{LABELS[h]} {self.board.counts[h.value]}")
        y = MARGIN + 18
        pdf.set_font(FONT, size=9)
        for month in range(1, 13):
            left = self.x_of(date(self.year, month, 1))
            right = self.x_of(date(self.year, month + 1, 1)) if month < 12 else self.x1
            shade = 238 if month % 2 else 250
            pdf.set_fill_color(shade, shade, shade)
            pdf.rect(left, y, right - left, pdf.h - y - MARGIN, style="F")
            pdf.set_xy(left, y)
            pdf.cell(right - left, 6, str(month), align="C")
        today = self.board.today
        if today.year == self.year:
            pdf.set_draw_color(200, 40, 40)
            pdf.line(self.x_of(today), y, self.x_of(today), pdf.h - MARGIN)
            pdf.set_draw_color(0, 0, 0)
        self.y = y + 8

    def row(self, row: Row, indent: bool) -> None:
        pdf = self.pdf
        if self.y + ROW_H > pdf.h - MARGIN:
            self.page()
        p, y = row.project, self.y + 2  # content centred in the row
        colour = COLOURS[row.health]
        pdf.set_font(FONT, size=9 if not indent else 8)
        pad = 6 if indent else 0
        pdf.set_xy(MARGIN + pad, y + 0.5)
        pdf.set_text_color(*colour)
        pdf.cell(4, 5, "●")
        pdf.set_text_color(0, 0, 0)
        pdf.cell(TITLE_W - 6 - pad, 5, f"{p.ref} {p.title}"[:40])
        pdf.set_xy(MARGIN + pad + 4, y + 5.5)
        pdf.set_font(FONT, size=7)
        grids = ", ".join(g.code for g in p.grids.all()) or _("whole community")
        pdf.cell(TITLE_W - 6 - pad, 4, f"{p.get_category_display()} · {grids} · "
                 f"{p.owner.display_name} · {p.progress}%"[:60])
        left, right = self.x_of(p.starts_on), self.x_of(p.ends_on)
        pdf.set_fill_color(*colour)
        pdf.rect(left, y + 2, max(right - left, 1), 5, style="F")
        done_w = (right - left) * p.progress / 100
        if done_w > 0:
            pdf.set_fill_color(max(colour[0] - 60, 0), max(colour[1] - 60, 0),
                               max(colour[2] - 60, 0))
            pdf.rect(left, y + 7, done_w, 1.5, style="F")
        for m in p.milestones.all():
            if m.planned_on.year != self.year:
                continue
            mx = self.x_of(m.planned_on)
            pdf.set_fill_color(0, 0, 0)
            style = "DF" if m.done_on else "D"
            pdf.polygon([(mx, y + 1), (mx + 1.6, y + 4.5), (mx, y + 8), (mx - 1.6, y + 4.5)],
                        style=style)
        if p.public:
            _qr(pdf, portal_url(p.ref), pdf.w - MARGIN - QR_W + 1.25, self.y + 1.25,
                QR_W - 2.5)
        pdf.set_draw_color(220, 220, 220)
        pdf.line(MARGIN, self.y + ROW_H - 0.5, pdf.w - MARGIN, self.y + ROW_H - 0.5)
        pdf.set_draw_color(0, 0, 0)
        self.y += ROW_H


def wall_chart_pdf(board: Board, station: str) -> bytes:
    """The board in the station's language (it hangs on the station's wall)."""
    with translation.override(settings.LANGUAGE_CODE):
        pdf = _new_pdf()
        title = _("%(station)s wall chart of projects, %(year)d") % {
            "station": station, "year": board.year}
        pdf.set_title(title)
        chart = _Chart(pdf, board, title)
        chart.page()
        for row in board.rows:
            chart.row(row, indent=False)
            for child in row.children:
                chart.row(child, indent=True)
        if not board.rows:
            pdf.set_xy(MARGIN, chart.y)
            pdf.set_font(FONT, size=12)
            pdf.cell(0, 8, _("No projects for this year."))
        return bytes(pdf.output())
