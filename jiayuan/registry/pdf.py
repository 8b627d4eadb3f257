"""The household file as a PDF, with an embedded CJK font (no empty boxes).

Identifiers stay masked on paper; sensitive circumstances are printed only for
roles that may see them. Every print is audited.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace

from jiayuan.core import audit
from jiayuan.core.models import AuditAction, User
from jiayuan.core.pdf import FONT, cjk_pdf  # FONT: the other printouts import it from here
from jiayuan.registry.selectors import HouseholdFile


def _pdf() -> FPDF:
    pdf = cjk_pdf()
    pdf.set_font(FONT, size=10)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_margins(15, 15, 15)
    return pdf


def _heading(pdf: FPDF, text: str, gap: float = 3, body_size: float = 10) -> None:
    """A section heading, then back to the body's font size."""
    pdf.ln(gap)
    pdf.set_font(FONT, size=12)
    pdf.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=body_size)


def _line(pdf: FPDF, label: str, value: str, width: float = 40) -> None:
    """A label and its value, the value wrapping under itself."""
    pdf.set_x(pdf.l_margin)
    pdf.cell(width, 7, label)
    pdf.multi_cell(0, 7, value or "—", new_x="LMARGIN", new_y="NEXT")


def _table(pdf: FPDF, header: list[str], rows: list[list[str]],
           widths: tuple[int, ...] | None = None) -> None:
    if not rows:
        pdf.cell(0, 6, _("None recorded."), new_x="LMARGIN", new_y="NEXT")
        return
    with pdf.table(col_widths=widths, headings_style=FontFace(fill_color=(235, 235, 235)),
                   line_height=6) as table:
        table.row(header)
        for row in rows:
            table.row([str(cell) for cell in row])


def household_file_pdf(actor: User, file: HouseholdFile) -> bytes:
    h = file.household
    pdf = _pdf()
    pdf.add_page()
    pdf.set_title(f"{_('Household file')} {h.dwelling.code}")
    if settings.STATION_NAME:
        pdf.set_font(FONT, size=9)
        pdf.cell(0, 5, settings.STATION_NAME, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=16)
    pdf.cell(0, 10, f"{_('Household file')} · {h.dwelling}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=10)
    facts = [
        (_("Household number"), f"№{h.pk}"),
        (_("Community"), f"{h.grid.community.name} · {h.grid.name}"),
        (_("Residency"), str(h.get_residency_display())),
        (_("Moved in"), h.moved_in.isoformat()),
        (_("Moved out"), h.moved_out.isoformat() if h.moved_out else "—"),
        (_("Head of household"), h.head.name if h.head else "—"),
    ]
    if file.show_sensitive:
        facts.append((_("Festivals the household celebrates"),
                      ", ".join(file.festival_labels) or "—"))
    for label, value in facts:
        pdf.cell(55, 6, str(label))
        pdf.multi_cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")

    _heading(pdf, _("Members"))
    _table(pdf, [_("Name"), _("Relation"), _("Sex"), _("Birth date"), _("ID-card number"),
                 _("Phone"), _("Origin place")],
           [[p.name, p.get_relation_display(), p.get_sex_display(),
             p.birth_date.isoformat() if p.birth_date else "", p.id_number_mask or "",
             p.phone_mask or "", p.origin_label] for p in file.members],
           widths=(22, 18, 10, 22, 38, 28, 32))

    if file.circumstances is not None:
        _heading(pdf, _("Circumstances (sensitive)"))
        _table(pdf, [_("Circumstance"), _("Member"), _("From"), _("Until")],
               [[c.get_kind_display(), c.person.name if c.person else "",
                 c.started.isoformat(), c.ended.isoformat() if c.ended else _("now")]
                for c in file.circumstances])

    _heading(pdf, _("Consents"))
    _table(pdf, [_("Resident"), _("Purpose"), _("Department"), _("Status"), _("Date")],
           [[c.person.name, c.get_purpose_display(), str(c.department or c.department_text),
             c.get_status_display(),
             c.recorded_on.isoformat()] for c in file.consent_rows])

    _heading(pdf, _("Addresses"))
    _table(pdf, [_("Dwelling"), _("Moved in"), _("Moved out")],
           [[str(a.dwelling), a.moved_in.isoformat(),
             a.moved_out.isoformat() if a.moved_out else _("now")] for a in file.addresses])

    pdf.ln(6)
    pdf.set_font(FONT, size=8)
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    pdf.multi_cell(0, 5, _("Printed by %(user)s on %(time)s. Confidential: this printout is "
                           "recorded in the audit log. Shred when no longer needed.")
                   % {"user": actor.username, "time": stamp})
    data = bytes(pdf.output())
    shown = []
    if file.show_sensitive:
        shown = [kind for kind, present in (
            ("circumstances", bool(file.circumstances)),
            ("festivals", bool(h.festivals))) if present]
    audit.record(AuditAction.PRINT, actor=actor, obj=h,
                 changes={"format": "pdf", "sensitive_shown": shown})
    return data
