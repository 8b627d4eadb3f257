"""The referral letter: what the station sends a department, as an A4 PDF in
Chinese with the embedded CJK font of the household file.

It carries only what the referral shares: the request, and the requester's
name and phone when the worker chose to share them. Every print is audited.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from jiayuan.core import audit
from jiayuan.core.models import AuditAction
from jiayuan.core.urls_public import public_url
from jiayuan.desk.models import Referral
from jiayuan.desk.selectors import requester_contact
from jiayuan.desk.services import referral_token
from jiayuan.registry.pdf import FONT, _line, _pdf


def reply_url(referral: Referral) -> str:
    """The department's reply link, absolute (it leaves the site on paper)."""
    return public_url(reverse("referral_reply", args=[referral_token(referral)]))


def station_name(referral: Referral) -> str:
    return settings.STATION_NAME or referral.case.community.name


def sharing_basis(referral: Referral) -> str:
    if referral.consent_id:
        return _("The resident's consent to share with this department, recorded on "
                 "%(date)s.") % {"date": referral.consent.recorded_on.isoformat()}
    return _("A decision of the station head (the reason is recorded at the station); "
             "the resident's consent is not on record.")


def referral_letter_pdf(actor: Any, referral: Referral) -> bytes:
    """The letter, in the station's language (Simplified Chinese) whatever the
    worker's interface language: it goes to a department."""
    with translation.override(settings.LANGUAGE_CODE):
        data, contact_shown = _letter(referral)
    audit.record(AuditAction.PRINT, actor=actor, obj=referral, changes={
        "format": "pdf", "case": referral.case.ref, "contact_shown": contact_shown})
    return data


def _letter(referral: Referral) -> tuple[bytes, bool]:
    case = referral.case
    pdf = _pdf()
    pdf.add_page()
    pdf.set_title(f"{_('Referral letter')} {case.ref}")
    pdf.set_font(FONT, size=10)
    pdf.cell(0, 6, station_name(referral), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=16)
    pdf.cell(0, 11, _("Referral letter"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=10)

    sent = timezone.localtime(referral.sent_at).date().isoformat()
    _line(pdf, pgettext("referral: the addressee", "To"), str(referral.department.name)
          + (f" · {referral.department.contact_name}" if referral.department.contact_name
             else ""))
    _line(pdf, _("Date"), sent)
    _line(pdf, _("Reference"), case.ref)
    _line(pdf, _("Service"), str(case.item.name))

    pdf.ln(2)
    pdf.set_font(FONT, size=12)
    pdf.cell(0, 8, _("What the station asks"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=10)
    pdf.multi_cell(0, 6, referral.message, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)

    name, phone = requester_contact(referral)
    if referral.share_contact:
        _line(pdf, _("Resident"), name)
        _line(pdf, _("Phone"), phone)
    else:
        _line(pdf, _("Resident"), _("Not shared: please reply to the station."))
    _line(pdf, _("Basis for sharing"), sharing_basis(referral))

    pdf.ln(3)
    pdf.set_font(FONT, size=12)
    pdf.cell(0, 8, _("How to reply"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=10)
    expires = timezone.localtime(referral.expires_at).date().isoformat()
    pdf.multi_cell(0, 6, _(
        "Open this link to confirm receipt and to send the department's answer. No account "
        "is needed. The link works until %(date)s.") % {"date": expires},
        new_x="LMARGIN", new_y="NEXT")
    url = reply_url(referral)
    # The link on one line where possible: a wrapped link is hard to type.
    size = 10.0
    pdf.set_font(FONT, size=size)
    room = pdf.epw - 2 * pdf.c_margin
    while size > 6 and pdf.get_string_width(url) > room:
        size -= 0.5
        pdf.set_font(FONT, size=size)
    pdf.multi_cell(0, 6, url, link=url, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=10)

    pdf.ln(4)
    sender = referral.sent_by
    _line(pdf, _("Sent by"), f"{sender.display_name} · {station_name(referral)}")
    pdf.ln(6)
    pdf.set_font(FONT, size=8)
    pdf.multi_cell(0, 5, _(
        "Confidential. This letter contains personal information shared only for the "
        "purpose above. Do not pass it on; shred it when the matter is settled."),
        new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output()), bool(referral.share_contact and (name or phone))
