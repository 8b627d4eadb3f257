"""The mediation agreement (人民调解协议书) as an A4 PDF in Chinese, for the
parties and the mediators to sign, with the embedded CJK font of the household
file.

It carries what a signed agreement needs and nothing more: the parties' names
and roles (no ID-card numbers, no phones, no addresses), the dispute in one
line, the agreement, and a signature line for each party and mediator. Every
print is audited.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from jiayuan.care.mediation.selectors import sorted_parties
from jiayuan.care.models import Dispute, DisputeParty
from jiayuan.core import audit
from jiayuan.core.models import AuditAction, User
from jiayuan.registry import pdf as registry_pdf
from jiayuan.registry.pdf import FONT, _pdf

BLANK = "________________"


def station_name(dispute: Dispute) -> str:
    return settings.STATION_NAME or dispute.community.name


def party_name(party: DisputeParty) -> str:
    """The name to sign under: the resident, the business, the head of the
    household, or the name written in for someone from outside."""
    if party.person_id:
        return party.person.name
    if party.business_id:
        return party.business.name
    if party.name:
        return party.name
    if party.household_id and party.household.head_id:
        return _("%(name)s's household") % {"name": party.household.head.name}
    return str(party)


def _parties(dispute: Dispute) -> list[DisputeParty]:
    parties = dispute.parties.select_related("person", "business", "household__head",
                                             "household__dwelling")
    return sorted_parties(parties)


def mediation_agreement_pdf(actor: User, dispute: Dispute) -> bytes:
    """The agreement in the station's language (Simplified Chinese) whatever the
    worker's interface language: the parties sign it."""
    parties = _parties(dispute)
    mediators = list(dispute.mediators.all())
    with translation.override(settings.LANGUAGE_CODE):
        data = _agreement(dispute, parties, mediators)
    audit.record(AuditAction.PRINT, actor=actor, obj=dispute, changes={
        "format": "pdf", "document": "mediation_agreement", "parties": len(parties)})
    return data


def _heading(pdf: Any, text: str) -> None:
    registry_pdf._heading(pdf, text, gap=2, body_size=11)


def _line(pdf: Any, label: str, value: str) -> None:
    registry_pdf._line(pdf, label, value, width=32)


def _signature(pdf: Any, who: str) -> None:
    # A signature line never breaks across pages: room for it, or a new page.
    if pdf.will_page_break(16):
        pdf.add_page()
    pdf.set_x(pdf.l_margin)
    pdf.multi_cell(0, 8, who, new_x="LMARGIN", new_y="NEXT")
    pdf.cell(pdf.epw / 2, 8, _("Signature: %(line)s") % {"line": BLANK})
    pdf.cell(0, 8, _("Date: %(date)s") % {"date": BLANK}, new_x="LMARGIN", new_y="NEXT")


def _agreement(dispute: Dispute, parties: list[DisputeParty], mediators: list[Any]) -> bytes:
    pdf = _pdf()
    pdf.add_page()
    title = _("Mediation agreement")
    pdf.set_title(f"{title} {dispute.ref}")
    station = station_name(dispute)
    pdf.set_font(FONT, size=10)
    pdf.cell(0, 6, station, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=18)
    pdf.cell(0, 14, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=10)
    pdf.cell(0, 6, _("Reference: %(ref)s") % {"ref": dispute.ref}, align="R",
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=11)

    _heading(pdf, _("Parties"))
    for party in parties:
        _line(pdf, str(party.get_role_display()), party_name(party))
    if not parties:
        pdf.cell(0, 7, "—", new_x="LMARGIN", new_y="NEXT")

    _heading(pdf, _("The dispute"))
    _line(pdf, _("Kind of dispute"), str(dispute.get_kind_display()))
    pdf.set_x(pdf.l_margin)
    pdf.multi_cell(0, 7, dispute.summary, new_x="LMARGIN", new_y="NEXT")

    _heading(pdf, _("What the parties agree"))
    pdf.multi_cell(0, 7, dispute.agreement_text.strip(), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font(FONT, size=10)
    pdf.multi_cell(0, 6, _(
        "The parties reached this agreement voluntarily, through mediation by the station. "
        "Each party carries out what it undertakes here. This agreement is made in "
        "%(copies)d copies: one for each party and one kept by the station.")
        % {"copies": len(parties) + 1}, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=11)

    _heading(pdf, _("Signatures"))
    for party in parties:
        _signature(pdf, _("%(role)s: %(name)s") % {"role": party.get_role_display(),
                                                  "name": party_name(party)})
    for mediator in mediators:
        _signature(pdf, _("Mediator: %(name)s") % {"name": mediator.display_name})
    pdf.ln(4)
    if pdf.will_page_break(20):
        pdf.add_page()
    pdf.cell(0, 8, _("%(station)s (seal)") % {"station": station}, align="R",
             new_x="LMARGIN", new_y="NEXT")
    signed = dispute.agreement_on.isoformat() if dispute.agreement_on else BLANK
    pdf.cell(0, 8, _("Date: %(date)s") % {"date": signed}, align="R", new_x="LMARGIN",
             new_y="NEXT")
    return bytes(pdf.output())
