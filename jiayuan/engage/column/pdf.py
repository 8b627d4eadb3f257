"""A policy post as a printable A4 poster for the station's notice board: the
station's name, the category, the title and text in Simplified Chinese (the
bundled CJK font has no Arabic script, and the board is read in Chinese), and
a QR code to the post's portal page, where the other languages are. Every
print is audited."""

from __future__ import annotations

import io

import segno
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from jiayuan.core import audit
from jiayuan.core.models import AuditAction, User
from jiayuan.engage.column.models import Post
from jiayuan.registry.pdf import FONT, _pdf

QR_MM = 55


def post_poster_pdf(actor: User, post: Post, url: str) -> bytes:
    """The poster; `url` is the post's portal page (absolute)."""
    with translation.override(settings.LANGUAGE_CODE):
        data = _poster(post, url)
    audit.record(AuditAction.PRINT, actor=actor, obj=post,
                 changes={"format": "pdf", "document": "post_poster"})
    return data


def _qr_png(url: str) -> io.BytesIO:
    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(out, kind="png", scale=8, border=2)
    out.seek(0)
    return out


def _poster(post: Post, url: str) -> bytes:
    pdf = _pdf()
    pdf.add_page()
    pdf.set_title(post.title_zh_hans)
    station = settings.STATION_NAME or post.community.name
    pdf.set_font(FONT, size=11)
    pdf.cell(0, 7, f"{station} · {_('Policy column')}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=10)
    pdf.cell(0, 6, str(post.get_category_display()), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(FONT, size=26)
    pdf.multi_cell(0, 13, post.title_zh_hans, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(FONT, size=15)
    pdf.multi_cell(0, 9, post.body_zh_hans.strip(), new_x="LMARGIN", new_y="NEXT")
    # The QR code and its caption stay together at the foot of the text.
    if pdf.will_page_break(QR_MM + 16):
        pdf.add_page()
    pdf.ln(6)
    x = (pdf.w - QR_MM) / 2
    pdf.image(_qr_png(url), x=x, y=pdf.get_y(), w=QR_MM, h=QR_MM)
    pdf.set_y(pdf.get_y() + QR_MM + 2)
    pdf.set_font(FONT, size=10)
    pdf.multi_cell(0, 6, _("Scan to read this online, also in other languages."),
                   align="C", new_x="LMARGIN", new_y="NEXT")
    if post.publish_on:
        pdf.cell(0, 6, _("Published %(date)s") % {"date": post.publish_on.isoformat()},
                 align="C", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
