"""The year's volunteer certificate (志愿服务证书) as an A4 PDF in Chinese,
with the bundled CJK font and a QR code of its public verify page.

It carries the name as printed, the year, the ledger's hours and the tier;
nothing else about the volunteer. Every print is audited."""

from __future__ import annotations

import io

import segno
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from jiayuan.core import audit
from jiayuan.core.models import AuditAction, User
from jiayuan.engage.volunteers.models import Certificate
from jiayuan.engage.volunteers.selectors import display_name, tier_label
from jiayuan.registry.pdf import FONT, _pdf


def certificate_pdf(actor: User, cert: Certificate, verify_url: str) -> bytes:
    """In the station's language (Simplified Chinese) whatever the worker's."""
    with translation.override(settings.LANGUAGE_CODE):
        data = _certificate(cert, verify_url)
    audit.record(AuditAction.PRINT, actor=actor, obj=cert, changes={
        "format": "pdf", "document": "volunteer_certificate", "year": cert.year})
    return data


def _certificate(cert: Certificate, verify_url: str) -> bytes:
    v = cert.volunteer
    station = settings.STATION_NAME or v.community.name
    pdf = _pdf()
    pdf.add_page()
    pdf.set_draw_color(160, 30, 30)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    pdf.ln(25)
    pdf.set_font(FONT, size=28)
    pdf.cell(0, 16, _("Volunteer certificate"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(12)
    pdf.set_font(FONT, size=20)
    pdf.cell(0, 14, display_name(v), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(FONT, size=13)
    text = _("In %(year)s you gave %(hours)s hours of volunteer service to %(station)s. "
             "Thank you.") % {"year": cert.year, "hours": _hours(cert), "station": station}
    pdf.multi_cell(0, 9, text, align="C", new_x="LMARGIN", new_y="NEXT")
    label = tier_label(cert.tier)
    if label:
        pdf.ln(4)
        pdf.set_font(FONT, size=16)
        pdf.cell(0, 10, _("Tier: %(tier)s") % {"tier": label}, align="C",
                 new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.set_font(FONT, size=12)
    pdf.cell(0, 8, station, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 8, cert.issued_at.date().isoformat(), align="C", new_x="LMARGIN",
             new_y="NEXT")
    png = io.BytesIO()
    segno.make(verify_url, error="m", micro=False).save(png, kind="png", scale=6, border=2)
    png.seek(0)
    size = 38
    pdf.image(png, x=(pdf.w - size) / 2, y=pdf.h - 20 - size - 18, w=size, h=size)
    pdf.set_y(pdf.h - 20 - 16)
    pdf.set_font(FONT, size=9)
    pdf.cell(0, 6, _("Scan to check this certificate."), align="C", new_x="LMARGIN",
             new_y="NEXT")
    return bytes(pdf.output())


def _hours(cert: Certificate) -> str:
    return f"{cert.hours.normalize():f}"
