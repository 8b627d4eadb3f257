"""What the civic endpoints answer, with the fields the pages show the role
(no more), and the bodies they accept (unknown fields are a 400)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework import serializers

from jiayuan.api.care.common import Ref, StaffRef, grid, staff
from jiayuan.api.serializers import StrictSerializer
from jiayuan.civic.choices import Category, Stage, SuggestionSource

ID = {"min_value": 1, "max_value": 2**31 - 1}

# --- suggestions -------------------------------------------------------------------


class SuggestionQuery(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices, required=False)
    source = serializers.ChoiceField(choices=SuggestionSource.choices, required=False)
    q = serializers.CharField(max_length=60, required=False, allow_blank=True)
    open = serializers.BooleanField(required=False)


class StatusRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    stage = serializers.ChoiceField(choices=Stage.choices)


class RefOnly(serializers.Serializer):
    id = serializers.IntegerField()
    ref = serializers.CharField()


class Suggestion(serializers.Serializer):
    """As the list's card shows it: nothing about the resident."""

    id = serializers.IntegerField()
    ref = serializers.CharField()
    title = serializers.CharField()
    category = serializers.ChoiceField(choices=Category.choices)
    source = serializers.ChoiceField(choices=SuggestionSource.choices)
    status = StatusRef()
    grid = Ref(allow_null=True, help_text="Empty: the whole community.")
    received_at = serializers.DateTimeField()
    supporters = serializers.IntegerField()
    merged_into = RefOnly(allow_null=True)
    project = RefOnly(allow_null=True)
    response_overdue = serializers.BooleanField()


class PersonRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class SuggestionChange(serializers.Serializer):
    at = serializers.DateTimeField()
    status = StatusRef()
    public_reason = serializers.CharField(allow_blank=True)
    by = StaffRef(allow_null=True)


class ProjectProgressRef(serializers.Serializer):
    id = serializers.IntegerField()
    ref = serializers.CharField()
    title = serializers.CharField()
    progress = serializers.IntegerField()


class SuggestionDetail(Suggestion):
    """As the suggestion page shows it: the resident's name, the contact's
    name and the phone masked (the whole number only through the page's
    audited reveal)."""

    project = ProjectProgressRef(allow_null=True)
    body = serializers.CharField()
    meeting = Ref(allow_null=True)
    person = PersonRef(allow_null=True)
    contact_name = serializers.CharField(allow_blank=True)
    contact_phone = serializers.CharField(allow_blank=True, help_text="Masked.")
    public_reason = serializers.CharField(allow_blank=True)
    response_due = serializers.DateTimeField()
    responded_at = serializers.DateTimeField(allow_null=True)
    merged = RefOnly(many=True, help_text="Suggestions merged into this one.")
    changes = SuggestionChange(many=True)
    version = serializers.IntegerField()


class SuggestionCreate(StrictSerializer):
    """As the staff form "Enter a suggestion"."""

    person = serializers.IntegerField(required=False, allow_null=True, **ID,
                                      help_text="The resident it is entered for (in scope); "
                                      "the grid is then theirs.")
    meeting = serializers.IntegerField(required=False, allow_null=True, **ID,
                                       help_text="The meeting it was raised at.")
    grid = serializers.IntegerField(required=False, allow_null=True, **ID,
                                    help_text="Without a resident: the grid (a community-"
                                    "wide account may leave it empty).")
    category = serializers.ChoiceField(choices=Category.choices, default=Category.OTHER)
    title = serializers.CharField(max_length=120)
    body = serializers.CharField(max_length=4000)
    received_on = serializers.DateField(required=False, allow_null=True)


def _status(st: Any) -> dict[str, Any]:
    return {"id": st.pk, "name": str(st.name), "stage": st.stage}


def _ref(obj: Any) -> dict[str, Any] | None:
    return {"id": obj.pk, "ref": obj.ref} if obj is not None else None


def suggestion_data(s: Any) -> dict[str, Any]:
    return {
        "id": s.pk, "ref": s.ref, "title": s.title, "category": s.category,
        "source": s.source, "status": _status(s.status), "grid": grid(s.grid),
        "received_at": s.received_at, "supporters": s.supporters,
        "merged_into": _ref(s.merged_into), "project": _ref(s.project),
        "response_overdue": s.responded_at is None and s.response_due < timezone.now(),
    }


def suggestion_detail_data(s: Any, changes: list[Any], merged: list[Any]) -> dict[str, Any]:
    data = suggestion_data(s)
    p = s.project
    m = s.meeting
    data.update(
        project={"id": p.pk, "ref": p.ref, "title": p.title, "progress": p.progress}
        if p is not None else None,
        body=s.body,
        meeting={"id": m.pk, "label": f"{m.ref} {m.title}"} if m is not None else None,
        person={"id": s.person.pk, "name": s.person.name} if s.person is not None else None,
        contact_name=s.contact_name, contact_phone=s.contact_phone_mask,
        public_reason=s.public_reason, response_due=s.response_due,
        responded_at=s.responded_at, merged=[_ref(x) for x in merged],
        changes=[{"at": c.at, "status": _status(c.to_status), "public_reason": c.public_reason,
                  "by": staff(c.by)} for c in changes],
        version=s.version)
    return data
