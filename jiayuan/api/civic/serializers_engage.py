"""What the engage endpoints answer: activities with their sessions' counts
(never who signed up), and volunteers as the list shows them (name, roles,
this year's hours and tier; no contact, no ethnicity)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from jiayuan.api.care.common import Ref, StaffRef, grid, staff
from jiayuan.engage.choices import ActivityKind, VolunteerRole, VolunteerStatus
from jiayuan.engage.volunteers import selectors as volunteer_selectors


class ActivityQuery(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ActivityKind.choices, required=False)
    q = serializers.CharField(max_length=60, required=False, allow_blank=True)
    upcoming = serializers.BooleanField(required=False)


class Activity(serializers.Serializer):
    id = serializers.IntegerField()
    ref = serializers.CharField()
    kind = serializers.ChoiceField(choices=ActivityKind.choices)
    title = serializers.CharField()
    grid = Ref(allow_null=True, help_text="Empty: the whole community.")
    published = serializers.BooleanField(help_text="Open for sign-ups on the portal.")
    sessions_count = serializers.IntegerField()
    confirmed = serializers.IntegerField(help_text="Confirmed sign-ups over all sessions.")


class ActivitySession(serializers.Serializer):
    id = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    place = serializers.CharField()
    capacity = serializers.IntegerField(allow_null=True, help_text="Empty: no limit.")
    cancelled = serializers.BooleanField()
    confirmed = serializers.IntegerField()
    waiting = serializers.IntegerField()
    attended = serializers.IntegerField()


class ActivityDetail(Activity):
    description = serializers.CharField(allow_blank=True)
    edition = serializers.IntegerField(allow_null=True)
    organiser = StaffRef()
    sessions = ActivitySession(many=True)
    version = serializers.IntegerField()


class VolunteerQuery(serializers.Serializer):
    role = serializers.ChoiceField(choices=VolunteerRole.choices, required=False)
    status = serializers.ChoiceField(choices=VolunteerStatus.choices, required=False)


class Volunteer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    staff = serializers.BooleanField(help_text="A staff account volunteering.")
    status = serializers.ChoiceField(choices=VolunteerStatus.choices)
    roles = serializers.ListField(child=serializers.ChoiceField(choices=VolunteerRole.choices))
    grid = Ref(allow_null=True)
    year_hours = serializers.CharField(help_text="This year's hours in the ledger "
                                       "(a decimal number).")
    tier = serializers.CharField(allow_blank=True, help_text="gold, silver, bronze or empty.")


def activity_data(a: Any) -> dict[str, Any]:
    return {"id": a.pk, "ref": a.ref, "kind": a.kind, "title": a.title, "grid": grid(a.grid),
            "published": a.published, "sessions_count": a.n_sessions,
            "confirmed": a.n_confirmed}


def session_data(s: Any) -> dict[str, Any]:
    return {"id": s.pk, "starts_at": s.starts_at, "ends_at": s.ends_at, "place": s.place,
            "capacity": s.capacity, "cancelled": s.cancelled, "confirmed": s.n_confirmed,
            "waiting": s.n_waiting, "attended": s.n_attended}


def activity_detail_data(a: Any, sessions: list[Any]) -> dict[str, Any]:
    data = activity_data(a)
    data.update(description=a.description, edition=a.edition, organiser=staff(a.organiser),
                sessions=[session_data(s) for s in sessions], version=a.version)
    return data


def volunteer_data(v: Any) -> dict[str, Any]:
    return {"id": v.pk, "name": volunteer_selectors.display_name(v),
            "staff": v.person_id is None, "status": v.status,
            "roles": [r.role for r in v.roles.all()], "grid": grid(v.grid),
            "year_hours": f"{v.year_hours:.2f}",
            "tier": volunteer_selectors.tier_for(v.year_hours)}
