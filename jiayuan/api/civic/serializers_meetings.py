"""What the meeting endpoints answer: the list's rows (with their counts) and
the meeting page's agenda, quorum and decisions (a desk request or referral
named only as far as the account may open it, as on the page)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from jiayuan.api.care.common import Ref, StaffRef, grid, staff
from jiayuan.civic.choices import DecisionStatus, MeetingKind, MeetingStatus
from jiayuan.desk.selectors import can_see

TABS = (("upcoming", "upcoming"), ("past", "past"), ("mine", "mine"))


class MeetingQuery(serializers.Serializer):
    tab = serializers.ChoiceField(choices=TABS, required=False)
    kind = serializers.ChoiceField(choices=MeetingKind.choices, required=False)


class Meeting(serializers.Serializer):
    id = serializers.IntegerField()
    ref = serializers.CharField()
    kind = serializers.ChoiceField(choices=MeetingKind.choices)
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=MeetingStatus.choices)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(allow_null=True)
    place = serializers.CharField(allow_blank=True)
    grid = Ref(allow_null=True, help_text="Empty: the whole community.")
    organiser = StaffRef()
    partner = Ref(allow_null=True)
    invited = serializers.IntegerField()
    present = serializers.IntegerField()
    decisions_count = serializers.IntegerField()


class DecisionCaseRef(serializers.Serializer):
    ref = serializers.CharField()
    id = serializers.IntegerField(allow_null=True, help_text="Only if the account may open it.")
    status = serializers.CharField(allow_null=True)


class ReferralRef(serializers.Serializer):
    department = serializers.CharField()
    case_id = serializers.IntegerField(allow_null=True,
                                       help_text="Only if the account may open its request.")


class ProjectRef(serializers.Serializer):
    id = serializers.IntegerField()
    ref = serializers.CharField()
    title = serializers.CharField()


class Decision(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    text = serializers.CharField()
    owner = StaffRef()
    due = serializers.DateField()
    status = serializers.ChoiceField(choices=DecisionStatus.choices)
    done_on = serializers.DateField(allow_null=True)
    agenda_item = serializers.CharField(allow_null=True)
    case = DecisionCaseRef(allow_null=True)
    project = ProjectRef(allow_null=True)
    referral = ReferralRef(allow_null=True)
    version = serializers.IntegerField()


class AgendaItem(serializers.Serializer):
    id = serializers.IntegerField()
    order = serializers.IntegerField()
    title = serializers.CharField()
    notes = serializers.CharField(allow_blank=True)


class Quorum(serializers.Serializer):
    needed = serializers.IntegerField(allow_null=True, help_text="Empty: no quorum.")
    present = serializers.IntegerField()
    invited = serializers.IntegerField()
    reached = serializers.BooleanField()


class MeetingDetail(Meeting):
    agenda = AgendaItem(many=True)
    quorum = Quorum()
    decisions = Decision(many=True)
    version = serializers.IntegerField()


def meeting_data(m: Any) -> dict[str, Any]:
    return {
        "id": m.pk, "ref": m.ref, "kind": m.kind, "title": m.title, "status": m.status,
        "starts_at": m.starts_at, "ends_at": m.ends_at, "place": m.place,
        "grid": grid(m.grid), "organiser": staff(m.organiser),
        "partner": {"id": m.partner.pk, "label": m.partner.name} if m.partner else None,
        "invited": m.n_invited, "present": m.n_present, "decisions_count": m.n_decisions,
    }


def decision_data(actor: Any, d: Any) -> dict[str, Any]:
    case = None
    if d.case_id:
        shown = can_see(actor, d.case)
        case = {"ref": d.case.ref, "id": d.case.pk if shown else None,
                "status": d.case.status if shown else None}
    referral = None
    if d.referral_id:
        referral = {"department": d.referral.department.name,
                    "case_id": d.referral.case_id if can_see(actor, d.referral.case) else None}
    return {
        "id": d.pk, "number": d.number, "text": d.text, "owner": staff(d.owner),
        "due": d.due, "status": d.status, "done_on": d.done_on,
        "agenda_item": d.agenda_item.title if d.agenda_item else None, "case": case,
        "project": {"id": d.project.pk, "ref": d.project.ref, "title": d.project.title}
        if d.project_id else None,
        "referral": referral, "version": d.version,
    }
