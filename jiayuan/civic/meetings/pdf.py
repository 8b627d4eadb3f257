"""A meeting's printouts, A4 in Chinese with the bundled CJK font: the minutes
(one version, with its state, the attendance in numbers and the decisions)
and the attendance sheet (everyone on the list, a column to sign). Residents
appear by name and building only: no ID numbers, no phones. Every print is
audited."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jiayuan.civic.choices import Attendance, ParticipantKind
from jiayuan.civic.meetings.models import Decision, Meeting, MinutesVersion, Participant
from jiayuan.civic.meetings.selectors import decisions_of, participants_of, quorum_of
from jiayuan.core import audit
from jiayuan.core.models import AuditAction, User
from jiayuan.registry import pdf as registry_pdf
from jiayuan.registry.pdf import FONT, _pdf


def _when(meeting: Meeting) -> str:
    start = timezone.localtime(meeting.starts_at)
    text = start.strftime("%Y-%m-%d %H:%M")
    if meeting.ends_at:
        text += "–" + timezone.localtime(meeting.ends_at).strftime("%H:%M")
    return text


def _top(pdf: Any, meeting: Meeting, title: str) -> None:
    pdf.add_page()
    pdf.set_title(f"{title} {meeting.ref}")
    pdf.set_font(FONT, size=10)
    pdf.cell(0, 6, settings.STATION_NAME or meeting.community.name, new_x="LMARGIN",
             new_y="NEXT")
    pdf.set_font(FONT, size=17)
    pdf.multi_cell(0, 10, f"{meeting.title} · {title}", align="C", new_x="LMARGIN",
                   new_y="NEXT")
    pdf.set_font(FONT, size=10)
    pdf.cell(0, 6, _("Reference: %(ref)s") % {"ref": meeting.ref}, align="R",
             new_x="LMARGIN", new_y="NEXT")
    registry_pdf._line(pdf, _("Kind of meeting"), str(meeting.get_kind_display()), width=32)
    registry_pdf._line(pdf, _("Time"), _when(meeting), width=32)
    registry_pdf._line(pdf, _("Place"), meeting.place, width=32)
    registry_pdf._line(pdf, _("Organiser"), meeting.organiser.display_name, width=32)
    if meeting.partner is not None:
        registry_pdf._line(pdf, _("Department or partner organisation"),
                           meeting.partner.name, width=32)


def who(p: Participant) -> str:
    if p.person is not None:
        return p.person.name
    if p.user is not None:
        return p.user.display_name
    if p.department is not None:
        return f"{p.department.name} {p.name}".strip()
    return p.name


def where(p: Participant) -> str:
    if p.person is not None and p.person.household.dwelling is not None:
        return p.person.household.dwelling.code
    return ""


def minutes_pdf(actor: User, meeting: Meeting, version: MinutesVersion) -> bytes:
    participants = participants_of(meeting)
    found = decisions_of(meeting)
    with translation.override(settings.LANGUAGE_CODE):
        data = _minutes(meeting, version, participants, found)
    audit.record(AuditAction.PRINT, actor=actor, obj=meeting, changes={
        "format": "pdf", "document": "minutes", "version": version.number})
    return data


def _minutes(meeting: Meeting, version: MinutesVersion, participants: list[Participant],
             found: list[Decision]) -> bytes:
    pdf = _pdf()
    _top(pdf, meeting, _("Minutes"))
    state = _("Version %(n)s · %(state)s") % {"n": version.number,
                                             "state": version.get_state_display()}
    if version.approved_at:
        state += " · " + _("approved %(on)s by %(who)s") % {
            "on": timezone.localtime(version.approved_at).strftime("%Y-%m-%d"),
            "who": version.approved_by.display_name if version.approved_by else "—"}
    registry_pdf._line(pdf, _("Minutes"), state, width=32)
    q = quorum_of(meeting, participants)
    present = [p for p in participants if p.attendance == Attendance.PRESENT]
    line = _("%(present)s present, of whom %(residents)s residents") % {
        "present": len(present), "residents": q.present}
    if q.needed is not None:
        line += " · " + (_("quorum reached (%(needed)s needed)") if q.reached
                         else _("quorum not reached (%(needed)s needed)")) % {"needed": q.needed}
    registry_pdf._line(pdf, _("Attendance"), line, width=32)
    registry_pdf._line(pdf, _("Present"), "、".join(who(p) for p in present), width=32)
    registry_pdf._heading(pdf, _("Agenda"), gap=2, body_size=11)
    for item in meeting.agenda.all():
        pdf.multi_cell(0, 7, f"{item.order}. {item.title}", new_x="LMARGIN", new_y="NEXT")
    registry_pdf._heading(pdf, _("Minutes"), gap=2, body_size=11)
    pdf.multi_cell(0, 7, version.text, new_x="LMARGIN", new_y="NEXT")
    if found:
        registry_pdf._heading(pdf, _("Decisions"), gap=2, body_size=11)
        for d in found:
            pdf.multi_cell(0, 7, _("%(n)s. %(text)s (answers for it: %(owner)s; due "
                                   "%(due)s)") % {"n": d.number, "text": d.text,
                                                  "owner": d.owner.display_name,
                                                  "due": d.due.isoformat()},
                           new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def attendance_pdf(actor: User, meeting: Meeting) -> bytes:
    participants = participants_of(meeting)
    with translation.override(settings.LANGUAGE_CODE):
        data = _attendance(meeting, participants)
    audit.record(AuditAction.PRINT, actor=actor, obj=meeting, changes={
        "format": "pdf", "document": "attendance", "rows": len(participants)})
    return data


def _attendance(meeting: Meeting, participants: list[Participant]) -> bytes:
    pdf = _pdf()
    _top(pdf, meeting, _("Attendance sheet"))
    q = quorum_of(meeting, participants)
    if q.needed is not None:
        registry_pdf._line(pdf, _("Quorum"), _("%(needed)s residents") % {"needed": q.needed},
                           width=32)
    pdf.ln(3)
    widths = (10, 48, 34, 28, 0)
    heads = ("#", _("Name"), _("Who"), _("Attendance"), _("Signature"))
    pdf.set_font(FONT, size=10)
    for w, h in zip(widths, heads, strict=True):
        pdf.cell(w, 8, h, border=1, new_x="RIGHT" if w else "LMARGIN",
                 new_y="TOP" if w else "NEXT")
    kinds = dict(ParticipantKind.choices)
    for i, p in enumerate(participants, 1):
        if pdf.will_page_break(9):
            pdf.add_page()
        mark = "" if p.attendance == Attendance.UNKNOWN else str(p.get_attendance_display())
        label = str(kinds.get(p.kind, ""))
        if not p.invited:
            label += "*"
        name = who(p)
        if where(p):
            name += f" ({where(p)})"
        row = (str(i), name[:22], label[:14], mark, "")
        for w, text in zip(widths, row, strict=True):
            pdf.cell(w, 9, text, border=1, new_x="RIGHT" if w else "LMARGIN",
                     new_y="TOP" if w else "NEXT")
    for _blank in range(5):  # rows for those who come unannounced
        for w in widths:
            pdf.cell(w, 9, "", border=1, new_x="RIGHT" if w else "LMARGIN",
                     new_y="TOP" if w else "NEXT")
    pdf.ln(2)
    pdf.set_font(FONT, size=9)
    pdf.multi_cell(0, 5, _("* came without an invitation."), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
