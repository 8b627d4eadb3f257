"""Contact cards on A4 for the print shop: business-card size (85 × 54 mm),
2 columns × 5 rows a page with crop marks in the margins, each card repeated
as many times as its copies. Chinese text in the embedded CJK font of every
printout (core.pdf); the QR code (segno) carries the signed short link.

A card holds a name, a role, office hours, a hotline and the link: never
anything about a resident."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

import segno
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from fpdf import FPDF

from jiayuan.core.pdf import FONT, cjk_pdf
from jiayuan.engage.cards.links import card_url
from jiayuan.engage.cards.models import CardLink

CARD_W, CARD_H = 85.0, 54.0
COLS, ROWS = 2, 5
GAP_X, GAP_Y = 8.0, 2.0  # the room between cards the cutter trims away
LEFT = (210 - COLS * CARD_W - (COLS - 1) * GAP_X) / 2
TOP = (297 - ROWS * CARD_H - (ROWS - 1) * GAP_Y) / 2
PAD = 4.0
QR = 24.0
MARK = 4.0  # crop mark length, in the page margins


def station_name(link: CardLink) -> str:
    return settings.STATION_NAME or link.community.name


def card_name(link: CardLink) -> str:
    return link.user.display_name if link.user_id else station_name(link)


def card_role(link: CardLink) -> str:
    if link.role:
        return link.role
    return _("Grid worker") if link.user_id else _("Service station")


def _qr_png(url: str) -> io.BytesIO:
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=8, border=1)
    out.seek(0)
    return out


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """The text cut (with an ellipsis) to one line of `width` mm."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def _crop_marks(pdf: FPDF) -> None:
    pdf.set_draw_color(120, 120, 120)
    pdf.set_line_width(0.1)
    right = LEFT + COLS * CARD_W + (COLS - 1) * GAP_X
    bottom = TOP + ROWS * CARD_H + (ROWS - 1) * GAP_Y
    for col in range(COLS):
        for x in (LEFT + col * (CARD_W + GAP_X), LEFT + col * (CARD_W + GAP_X) + CARD_W):
            pdf.line(x, TOP - 1 - MARK, x, TOP - 1)
            pdf.line(x, bottom + 1, x, bottom + 1 + MARK)
    for row in range(ROWS):
        for y in (TOP + row * (CARD_H + GAP_Y), TOP + row * (CARD_H + GAP_Y) + CARD_H):
            pdf.line(LEFT - 1 - MARK, y, LEFT - 1, y)
            pdf.line(right + 1, y, right + 1 + MARK, y)


def _card(pdf: FPDF, x: float, y: float, link: CardLink, qr: io.BytesIO,
          preview: bool) -> None:
    if preview:  # the card's edge, to see it on screen (the shop cuts at the marks)
        pdf.set_draw_color(200, 200, 200)
        pdf.rect(x, y, CARD_W, CARD_H)
    text_w = CARD_W - 2 * PAD - QR - 2
    if link.user_id:  # a person's card names the station above (the station's is the name)
        pdf.set_text_color(90, 90, 90)
        pdf.set_font(FONT, size=7.5)
        pdf.set_xy(x + PAD, y + PAD)
        pdf.cell(CARD_W - 2 * PAD, 4, _fit(pdf, station_name(link), CARD_W - 2 * PAD))
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(FONT, size=15)
    pdf.set_xy(x + PAD, y + PAD + 6)
    pdf.cell(text_w, 8, _fit(pdf, card_name(link), text_w))
    pdf.set_font(FONT, size=8.5)
    pdf.set_xy(x + PAD, y + PAD + 14)
    pdf.cell(text_w, 5, _fit(pdf, card_role(link), text_w))
    pdf.set_font(FONT, size=7)
    if link.office_hours:
        pdf.set_xy(x + PAD, y + PAD + 21)
        pdf.cell(text_w, 4, _fit(pdf, _("Office hours"), text_w))
        pdf.set_xy(x + PAD, y + PAD + 25)
        pdf.cell(text_w, 4, _fit(pdf, link.office_hours, text_w))
    pdf.set_font(FONT, size=7)
    pdf.set_xy(x + PAD, y + CARD_H - PAD - 12)
    pdf.cell(text_w, 4, _("Hotline"))
    pdf.set_font(FONT, size=11)
    pdf.set_xy(x + PAD, y + CARD_H - PAD - 8)
    pdf.cell(text_w, 6, _fit(pdf, link.hotline, text_w))
    qx, qy = x + CARD_W - PAD - QR, y + PAD + 6
    pdf.image(qr, x=qx, y=qy, w=QR, h=QR)
    pdf.set_font(FONT, size=6)
    pdf.set_text_color(90, 90, 90)
    pdf.set_xy(qx - 2, qy + QR + 0.5)
    pdf.cell(QR + 4, 3.5, _("Scan for the portal"), align="C")
    pdf.set_text_color(0, 0, 0)


def _slots(cards: Iterable[tuple[CardLink, int]]) -> list[CardLink]:
    return [link for link, copies in cards for _n in range(copies)]


def cards_pdf(cards: Iterable[tuple[CardLink, int]], *, preview: bool = False) -> bytes:
    """The sheets, in the station's language (Simplified Chinese) whatever
    the worker's interface language: residents read the cards."""
    with translation.override(settings.LANGUAGE_CODE):
        return _sheets(_slots(cards), preview)


def _sheets(slots: list[CardLink], preview: bool) -> bytes:
    pdf = cjk_pdf()
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(0, 0, 0)
    pdf.set_title(_("Contact cards"))
    codes: dict[str, io.BytesIO] = {}
    per_page = COLS * ROWS
    for i, link in enumerate(slots):
        if i % per_page == 0:
            pdf.add_page()
            _crop_marks(pdf)
        if link.code not in codes:
            codes[link.code] = _qr_png(card_url(link))
        slot = i % per_page
        x = LEFT + (slot % COLS) * (CARD_W + GAP_X)
        y = TOP + (slot // COLS) * (CARD_H + GAP_Y)
        codes[link.code].seek(0)
        _card(pdf, x, y, link, codes[link.code], preview)
    if not slots:
        pdf.add_page()
    out: Any = pdf.output()
    return bytes(out)
