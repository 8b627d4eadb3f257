"""Serializers of the desk's API: what a case, a service, a note and a referral
look like to a client, and the bodies of the writes (unknown fields: 400).

Identifiers are shown as the case page shows them: the requester's name and
the unregistered caller's masked phone (Case.caller_phone_mask), never more.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from jiayuan.api.serializers import StrictSerializer
from jiayuan.desk import workflow
from jiayuan.desk.choices import Channel, EventKind, Outcome, Priority, Status
from jiayuan.desk.models import Case, CaseEvent, Referral, ServiceItem

STAFF_CHANNELS = [c for c in Channel.values if c != Channel.PORTAL]
NOTE_KINDS = [EventKind.NOTE, EventKind.CALL, EventKind.ONSITE]
# Named for the schema's enum (SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]).
NOTE_KIND_CHOICES = [(k.value, k.label) for k in NOTE_KINDS]


class DepartmentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


def _department(dept: Any) -> dict[str, Any] | None:
    return {"id": dept.pk, "code": dept.code, "name": str(dept.name)} if dept else None


@extend_schema_serializer(component_name="DeskService")  # Open311 has its own "Service"
class ServiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField(help_text="In the reader's language (Accept-Language).")
    category = serializers.CharField()
    department = DepartmentRefSerializer(allow_null=True)
    response_hours = serializers.IntegerField(help_text="Target for the first response.")
    resolution_days = serializers.IntegerField(help_text="Target for resolution.")
    onsite_required = serializers.BooleanField()


def service_data(item: ServiceItem) -> dict[str, Any]:
    return {"id": item.pk, "code": item.code, "name": str(item.name),
            "category": str(item.category.name), "department": _department(item.department),
            "response_hours": item.response_hours, "resolution_days": item.resolution_days,
            "onsite_required": item.onsite_required}


class ServiceRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class OwnerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class RequesterSerializer(serializers.Serializer):
    name = serializers.CharField(allow_blank=True)
    person_id = serializers.IntegerField(allow_null=True)
    household_id = serializers.IntegerField(allow_null=True)
    caller_phone = serializers.CharField(
        allow_blank=True, help_text="An unregistered caller's phone, masked as on the case "
        "page (e.g. 138****1234); empty for a registered resident.")


class CaseListSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    ref = serializers.CharField()
    service = ServiceRefSerializer()
    status = serializers.ChoiceField(choices=Status.choices)
    priority = serializers.ChoiceField(choices=Priority.choices)
    summary = serializers.CharField()
    owner = OwnerSerializer(allow_null=True)
    household_id = serializers.IntegerField(allow_null=True)
    opened_at = serializers.DateTimeField()
    response_due = serializers.DateTimeField()
    due = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    version = serializers.IntegerField()


class CasePageSerializer(serializers.Serializer):
    """One page of the case list (limit/offset)."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = CaseListSerializer(many=True)


class FollowUpSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    reached = serializers.BooleanField()
    satisfaction = serializers.IntegerField(allow_null=True)
    comment = serializers.CharField(allow_blank=True)


class TransitionRefSerializer(serializers.Serializer):
    action = serializers.CharField()
    label = serializers.CharField()
    needs = serializers.ListField(child=serializers.CharField())


class CaseSerializer(CaseListSerializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    details = serializers.CharField(allow_blank=True)
    requester = RequesterSerializer()
    needs_onsite = serializers.BooleanField()
    onsite_at = serializers.DateTimeField(allow_null=True)
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    outcome = serializers.CharField(allow_blank=True)
    outcome_quantity = serializers.IntegerField(allow_null=True)
    outcome_note = serializers.CharField(allow_blank=True)
    duplicate_of = serializers.CharField(allow_null=True, help_text="The original's reference.")
    is_repeat = serializers.BooleanField()
    follow_ups = FollowUpSerializer(many=True)
    transitions = TransitionRefSerializer(
        many=True, help_text="The actions this account may take now (empty for readers).")


def case_list_data(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk, "ref": case.ref,
        "service": {"id": case.item_id, "code": case.item.code, "name": str(case.item.name)},
        "status": case.status, "priority": case.priority, "summary": case.summary,
        "owner": ({"id": case.owner.pk, "name": case.owner.display_name}
                  if case.owner else None),
        "household_id": case.household_id, "opened_at": case.opened_at,
        "response_due": case.response_due, "due": case.due, "updated_at": case.updated_at,
        "version": case.version,
    }


def case_data(case: Case, actions: list[workflow.Action]) -> dict[str, Any]:
    return {
        **case_list_data(case),
        "channel": case.channel, "details": case.details,
        "requester": {"name": case.requester_name, "person_id": case.person_id,
                      "household_id": case.household_id,
                      "caller_phone": "" if case.person_id else case.caller_phone_mask},
        "needs_onsite": case.needs_onsite, "onsite_at": case.onsite_at,
        "acknowledged_at": case.acknowledged_at, "resolved_at": case.resolved_at,
        "closed_at": case.closed_at, "outcome": case.outcome,
        "outcome_quantity": case.outcome_quantity, "outcome_note": case.outcome_note,
        "duplicate_of": case.duplicate_of.ref if case.duplicate_of is not None else None,
        "is_repeat": case.is_repeat,
        "follow_ups": [{"at": f.at, "reached": f.reached, "satisfaction": f.satisfaction,
                        "comment": f.comment} for f in case.follow_ups.all()],
        "transitions": [{"action": a.name, "label": str(a.label), "needs": list(a.needs)}
                        for a in actions],
    }


class CaseCreateSerializer(StrictSerializer):
    service = serializers.CharField(max_length=40, help_text="The service's code (/services/).")
    summary = serializers.CharField(max_length=200)
    details = serializers.CharField(required=False, allow_blank=True, default="")
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)
    channel = serializers.ChoiceField(choices=STAFF_CHANNELS, default=Channel.WALK_IN)
    person = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                      max_value=2**63 - 1,
                                      help_text="A registered resident in your scope…")
    caller_name = serializers.CharField(max_length=60, required=False, allow_blank=True,
                                        default="", help_text="…or an unregistered caller.")
    caller_phone = serializers.CharField(max_length=30, required=False, allow_blank=True,
                                         default="")
    needs_onsite = serializers.BooleanField(required=False, default=False)
    owner = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=2**63 - 1,
        help_text="A worker of your community; left out: you; null: unassigned.")


class TransitionSerializer(StrictSerializer):
    action = serializers.ChoiceField(choices=list(workflow.ACTIONS))
    version = serializers.IntegerField(min_value=0, max_value=2**31 - 1)
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True,
                                 default="")
    outcome = serializers.ChoiceField(choices=Outcome.choices, required=False,
                                      allow_blank=True, default="")
    outcome_quantity = serializers.IntegerField(min_value=1, max_value=999, required=False,
                                                allow_null=True, default=None)
    outcome_note = serializers.CharField(max_length=300, required=False, allow_blank=True,
                                         default="")
    duplicate_ref = serializers.CharField(max_length=24, required=False, allow_blank=True,
                                          default="")
    permit_number = serializers.CharField(max_length=40, required=False, allow_blank=True,
                                          default="")
    permit_expiry = serializers.DateField(required=False, allow_null=True, default=None)


class NoteSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=NOTE_KIND_CHOICES)
    text = serializers.CharField()
    public = serializers.BooleanField()
    at = serializers.DateTimeField()
    by = serializers.CharField(allow_blank=True)


def note_data(event: CaseEvent) -> dict[str, Any]:
    return {"id": event.pk, "kind": event.kind, "text": event.text, "public": event.public,
            "at": event.at, "by": event.actor.display_name if event.actor else event.actor_name}


class NoteCreateSerializer(StrictSerializer):
    kind = serializers.ChoiceField(choices=NOTE_KIND_CHOICES,
                                   default=EventKind.NOTE)
    text = serializers.CharField(max_length=4000)
    public = serializers.BooleanField(required=False, default=False)
    at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class ReferralSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    department = DepartmentRefSerializer()
    status = serializers.CharField()
    message = serializers.CharField()
    share_contact = serializers.BooleanField()
    with_consent = serializers.BooleanField()
    override_reason = serializers.CharField(allow_blank=True)
    sent_at = serializers.DateTimeField()
    sent_by = serializers.CharField()
    expires_at = serializers.DateTimeField()
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    answered_at = serializers.DateTimeField(allow_null=True)
    answer = serializers.CharField(allow_blank=True)
    answered_by = serializers.CharField(allow_blank=True)
    reply_url = serializers.CharField(
        allow_blank=True, help_text="The department's reply link, for accounts that may "
        "refer, while the referral is open (as on the case page).")


def referral_data(r: Referral) -> dict[str, Any]:
    return {"id": r.pk, "department": _department(r.department), "status": r.status,
            "message": r.message, "share_contact": r.share_contact,
            "with_consent": r.consent_id is not None, "override_reason": r.override_reason,
            "sent_at": r.sent_at, "sent_by": r.sent_by.display_name,
            "expires_at": r.expires_at, "acknowledged_at": r.acknowledged_at,
            "answered_at": r.answered_at, "answer": r.answer, "answered_by": r.answered_by,
            "reply_url": getattr(r, "reply_url", "") or ""}


class ReferralCreateSerializer(StrictSerializer):
    department = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    message = serializers.CharField(max_length=4000)
    version = serializers.IntegerField(min_value=0, max_value=2**31 - 1)
    share_contact = serializers.BooleanField(required=False, default=True)
    override_reason = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default="",
        help_text="Only without consent on record, for roles that may override.")
    consent_evidence = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default="",
        help_text="Record the person's consent to share with this department (how they "
        "consented) and refer, in one step; for roles that record consent.")
