"""What the care endpoints answer: visits, must-visit duties, disputes and
pairings, each with the fields its page shows to the role (no more)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from jiayuan.api.care.common import Ref, StaffRef, grid, staff
from jiayuan.api.serializers import StrictSerializer
from jiayuan.care.choices import VisitMode, VisitPurpose
from jiayuan.core.scope import in_scope

# --- shared pieces -----------------------------------------------------------------


class HouseholdRef(serializers.Serializer):
    id = serializers.IntegerField()
    dwelling = serializers.CharField()
    head = serializers.CharField(allow_null=True)
    moved_out = serializers.BooleanField()
    in_scope = serializers.BooleanField(help_text="Whether the account may open its file.")


def household(actor: Any, h: Any) -> dict[str, Any]:
    return {"id": h.pk, "dwelling": h.dwelling.code, "head": h.head.name if h.head else None,
            "moved_out": h.moved_out is not None, "in_scope": in_scope(actor, h.grid_id)}


# --- visits ------------------------------------------------------------------------


class VisitQuery(serializers.Serializer):
    household = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False)
    worker = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False)
    grid = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False)
    # `from` is a keyword: read as from_ (see VisitQuery.to_internal_value).
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)

    def to_internal_value(self, data: Any) -> Any:
        data = dict(data)
        for key in ("from", "to"):
            if key in data:
                data[f"date_{key}"] = data.pop(key)
        return super().to_internal_value(data)


class Visit(serializers.Serializer):
    id = serializers.IntegerField()
    grid = Ref()
    visited_at = serializers.DateTimeField()
    mode = serializers.ChoiceField(choices=VisitMode.choices)
    purpose = serializers.ChoiceField(choices=VisitPurpose.choices)
    households = HouseholdRef(many=True)
    business = Ref(allow_null=True)
    visitors = StaffRef(many=True)
    found = serializers.CharField(allow_blank=True)
    needs = serializers.CharField(allow_blank=True)
    next_visit = serializers.DateField(allow_null=True)


class DutyClosed(serializers.Serializer):
    id = serializers.IntegerField()
    dwelling = serializers.CharField()
    reason = serializers.CharField()
    due = serializers.DateField()
    on_time = serializers.BooleanField(allow_null=True)


class CaseRef(serializers.Serializer):
    ref = serializers.CharField()
    id = serializers.IntegerField(allow_null=True, help_text="Only when the account may open it.")
    summary = serializers.CharField(allow_null=True)
    status = serializers.CharField(allow_null=True)


class VisitDetail(Visit):
    volunteers = serializers.CharField(allow_blank=True)
    created_by = StaffRef()
    created_at = serializers.DateTimeField()
    sensitive_note = serializers.CharField(
        allow_null=True, help_text="Only for roles that may see sensitive details (the "
        "reading is audited); null otherwise.")
    duties_closed = DutyClosed(many=True)
    cases = CaseRef(many=True)


def visit_data(actor: Any, v: Any) -> dict[str, Any]:
    return {
        "id": v.pk, "grid": grid(v.grid), "visited_at": v.visited_at, "mode": v.mode,
        "purpose": v.purpose,
        "households": [household(actor, h) for h in v.households.all()],
        "business": {"id": v.business.pk, "label": v.business.name} if v.business else None,
        "visitors": [staff(u) for u in v.visitors.all()],
        "found": v.found, "needs": v.needs, "next_visit": v.next_visit,
    }


class VisitCreate(StrictSerializer):
    idempotency_key = serializers.UUIDField(
        required=False, help_text="Send the same key again after a lost answer: the visit "
        "is not recorded twice. A new one is made if left out.")
    households = serializers.ListField(child=serializers.IntegerField(min_value=1),
                                       required=False, max_length=50)
    business = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    visited_at = serializers.DateTimeField()
    mode = serializers.ChoiceField(choices=VisitMode.choices)
    purpose = serializers.ChoiceField(choices=VisitPurpose.choices)
    visitors = serializers.ListField(child=serializers.IntegerField(min_value=1),
                                     required=False, max_length=50)
    volunteers = serializers.CharField(required=False, allow_blank=True, max_length=200)
    with_resident_helper = serializers.BooleanField(required=False, default=False)
    found = serializers.CharField(required=False, allow_blank=True)
    needs = serializers.CharField(required=False, allow_blank=True)
    next_visit = serializers.DateField(required=False, allow_null=True)
    sensitive_note = serializers.CharField(required=False, allow_blank=True)


class VisitCreated(serializers.Serializer):
    visit = VisitDetail()
    created = serializers.BooleanField(help_text="False when the key was seen before.")
    duties_closed = serializers.IntegerField()


# --- duties ------------------------------------------------------------------------


class DutyQuery(serializers.Serializer):
    tab = serializers.ChoiceField(choices=["mine", "overdue", "week", "open", "done"],
                                  required=False)
    grid = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False)


class Duty(serializers.Serializer):
    id = serializers.IntegerField()
    household = HouseholdRef()
    grid = Ref()
    reason = serializers.CharField()
    status = serializers.CharField()
    raised_on = serializers.DateField()
    due = serializers.DateField()
    closed_on = serializers.DateField(allow_null=True)
    days_late = serializers.IntegerField(help_text="Days overdue (open) or late (done).")
    on_time = serializers.BooleanField(allow_null=True)
    visit = serializers.IntegerField(allow_null=True)
    assignee = StaffRef(allow_null=True)


def duty_data(actor: Any, d: Any, today: Any) -> dict[str, Any]:
    late = (today - d.due).days if d.is_overdue(today) else 0
    if d.on_time is False and d.closed_on:
        late = (d.closed_on - d.due).days
    return {
        "id": d.pk, "household": household(actor, d.household), "grid": grid(d.grid),
        "reason": d.reason, "status": d.status, "raised_on": d.raised_on, "due": d.due,
        "closed_on": d.closed_on, "days_late": late, "on_time": d.on_time,
        "visit": d.visit_id, "assignee": staff(d.assignee),
    }


# --- disputes ----------------------------------------------------------------------


class DisputeQuery(serializers.Serializer):
    tab = serializers.ChoiceField(choices=["open", "followups", "closed", "mine"],
                                  required=False)
    kind = serializers.CharField(required=False, max_length=12)


class Party(serializers.Serializer):
    id = serializers.IntegerField()
    role = serializers.CharField()
    name = serializers.CharField()
    household = serializers.DictField(
        allow_null=True, help_text="{id, dwelling} when the account may open the household "
        "file; null otherwise (the page says 'a household of another grid').")
    other_grid_household = serializers.BooleanField()
    business = Ref(allow_null=True)
    in_registry = serializers.BooleanField()


def party_data(actor: Any, p: Any) -> dict[str, Any]:
    from jiayuan.core.roles import Perm

    registry = actor.has(Perm.VIEW_REGISTRY)
    linked = bool(p.household_id and registry and in_scope(actor, p.household.grid_id))
    return {
        "id": p.pk, "role": p.role, "name": str(p),
        "household": ({"id": p.household_id, "dwelling": p.household.dwelling.code}
                      if linked else None),
        "other_grid_household": bool(p.household_id and not linked),
        "business": {"id": p.business_id, "label": p.business.name} if p.business_id else None,
        "in_registry": bool(p.person_id or p.household_id or p.business_id),
    }


class Dispute(serializers.Serializer):
    id = serializers.IntegerField()
    ref = serializers.CharField()
    kind = serializers.CharField()
    status = serializers.CharField()
    summary = serializers.CharField()
    grid = Ref(allow_null=True)
    opened_on = serializers.DateField()
    closed_on = serializers.DateField(allow_null=True)
    followup_due = serializers.DateField(allow_null=True)
    followup_on = serializers.DateField(allow_null=True)
    mediators = StaffRef(many=True)
    parties = Party(many=True)
    version = serializers.IntegerField()


class MediationSession(serializers.Serializer):
    id = serializers.IntegerField()
    held_at = serializers.DateTimeField()
    place = serializers.CharField(allow_blank=True)
    attendees = serializers.CharField()
    notes = serializers.CharField()
    recorded_by = StaffRef()


class DisputeDetail(Dispute):
    source = serializers.CharField()
    details = serializers.CharField(allow_blank=True)
    case = CaseRef(allow_null=True)
    created_by = StaffRef()
    created_at = serializers.DateTimeField()
    sessions = MediationSession(many=True)
    agreement_text = serializers.CharField(allow_blank=True)
    agreement_on = serializers.DateField(allow_null=True)
    escalated_on = serializers.DateField(allow_null=True)
    escalation = serializers.CharField(allow_blank=True)
    outcome = serializers.CharField(allow_blank=True)
    outcome_note = serializers.CharField(allow_blank=True)
    followup_holding = serializers.BooleanField(allow_null=True)
    followup_note = serializers.CharField(allow_blank=True)


def dispute_data(actor: Any, d: Any, parties: list[Any]) -> dict[str, Any]:
    return {
        "id": d.pk, "ref": d.ref, "kind": d.kind, "status": d.status, "summary": d.summary,
        "grid": grid(d.grid), "opened_on": d.opened_on, "closed_on": d.closed_on,
        "followup_due": d.followup_due, "followup_on": d.followup_on,
        "mediators": [staff(u) for u in d.mediators.all()],
        "parties": [party_data(actor, p) for p in parties], "version": d.version,
    }


# --- pairings ----------------------------------------------------------------------


class PairingQuery(serializers.Serializer):
    tab = serializers.ChoiceField(choices=["active", "quiet", "paused", "ended", "mine"],
                                  required=False)


class Helper(serializers.Serializer):
    kind = serializers.CharField()
    name = serializers.CharField()
    user = serializers.IntegerField(allow_null=True, help_text="A staff helper's account id.")
    person = serializers.IntegerField(
        allow_null=True, help_text="A resident helper's person id, when in the account's scope.")


class Pairing(serializers.Serializer):
    id = serializers.IntegerField()
    household = HouseholdRef()
    helper = Helper()
    goals = serializers.CharField()
    status = serializers.CharField()
    started = serializers.DateField()
    planned_end = serializers.DateField(allow_null=True)
    ended = serializers.DateField(allow_null=True)
    last_contact = serializers.DateField(allow_null=True)
    days_since_contact = serializers.IntegerField(allow_null=True)
    quiet = serializers.BooleanField()
    past_planned_end = serializers.BooleanField()
    checkin_count = serializers.IntegerField()


class CheckIn(serializers.Serializer):
    id = serializers.IntegerField()
    on = serializers.DateField()
    mode = serializers.CharField()
    note = serializers.CharField(allow_blank=True)
    visit = serializers.IntegerField(allow_null=True,
                                     help_text="The visit's id, for roles that may open visits.")
    from_visit = serializers.BooleanField()
    recorded_by = StaffRef()


class PairingDetail(Pairing):
    created_by = StaffRef()
    created_at = serializers.DateTimeField()
    checkins = CheckIn(many=True)


def pairing_data(actor: Any, p: Any, checkin_count: int) -> dict[str, Any]:
    return {
        "id": p.pk, "household": household(actor, p.household),
        "helper": {"kind": p.helper_kind, "name": p.helper_name, "user": p.helper_user_id,
                   "person": p.helper_person_id if p.person_link else None},
        "goals": p.goals, "status": p.status, "started": p.started,
        "planned_end": p.planned_end, "ended": p.ended, "last_contact": p.last_contact,
        "days_since_contact": p.days_since, "quiet": p.quiet,
        "past_planned_end": p.past_planned_end, "checkin_count": checkin_count,
    }
