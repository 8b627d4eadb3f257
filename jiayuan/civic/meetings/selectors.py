"""Reading meetings: the one scope rule (jiayuan.civic.scoping.by_grid)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from jiayuan.civic.choices import Attendance
from jiayuan.civic.meetings.models import Decision, Meeting
from jiayuan.civic.scoping import by_grid
from jiayuan.core.access import Perms, get_for
from jiayuan.core.models import User
from jiayuan.core.roles import Perm
from jiayuan.desk.selectors import cases_for


def meetings_for(actor: User) -> QuerySet[Meeting]:
    if not (actor.is_authenticated and actor.has(Perm.VIEW_CIVIC)):
        return Meeting.objects.none()
    return by_grid(Meeting.objects.all(), actor)


def get_meeting_for(actor: User, pk: Any, *, perm: Perms = Perm.VIEW_CIVIC) -> Meeting:
    return get_for(actor, perm, meetings_for(actor).select_related(
        "community", "grid", "organiser", "partner"), pk)


def attended_by(actor: User, person: Any) -> list[Meeting]:
    """The meetings in the actor's scope the person attended, newest first."""
    return list(meetings_for(actor).filter(
        participants__person=person, participants__attendance=Attendance.PRESENT)
        .order_by("-starts_at")[:50])


def decisions_carried_by_case(actor: User, case: Any) -> list[Decision]:
    """The decisions of meetings in the actor's scope a case carries out
    (the case itself is one the actor may see)."""
    if not cases_for(actor).filter(pk=case.pk).exists():
        return []
    return list(Decision.objects.filter(case=case, meeting__in=meetings_for(actor))
                .select_related("meeting", "owner"))
