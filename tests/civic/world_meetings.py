"""The meetings part's objects in the matrix world (tests/civic/world.py), and
the fixtures of its tests (tests/civic/test_meetings_*.py import them)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from jiayuan.civic.meetings import services
from jiayuan.civic.meetings import services_decisions as decisions
from jiayuan.civic.meetings.models import Meeting


def past(days: int = 1) -> datetime:
    return timezone.now() - timedelta(days=days)


def meetings_objects(ctx: dict[str, Any], earlier: dict[str, Any]) -> dict[str, Any]:
    """Names -> primary keys of this set's meetings objects: a council of the
    set's grid organised by the set's owner, the set's resident invited and
    present, a version of the minutes and a decision carried by the set's case;
    `earlier` holds what the parts before made (projects)."""
    head, owner, person = ctx["head"], ctx["owner"], ctx["person"]
    meeting = services.meeting_create(
        actor=head, kind="roundtable", grid=ctx["grid"], title=f"矩阵议事{ctx['tag']}",
        starts_at=past(2), organiser=owner, agenda=["议题"])
    resident = services.participant_add(actor=head, meeting=meeting, kind="resident",
                                        person=person)
    services.attendance_mark(actor=head, meeting=meeting, participant=resident,
                             attendance="present")
    minutes = services.minutes_save(actor=head, meeting=meeting, text="会议纪要", loaded=0)
    decision = decisions.decision_add(actor=head, meeting=meeting, text="修路灯", owner=owner,
                                      due=timezone.localdate() + timedelta(days=30),
                                      case=ctx["case"])
    return {"meeting": meeting.pk, "meeting_participant": resident.pk,
            "meeting_minutes": minutes.pk, "meeting_decision": decision.pk,
            "meeting_agenda": meeting.agenda.get().pk}


# --- the fixtures of the meetings tests ---------------------------------------------

@pytest.fixture
def make_meeting(personas: dict[str, Any], grid_a: Any):
    def make(*, actor: Any = None, kind: str = "council", grid: Any = grid_a,
             **fields: Any) -> Meeting:
        actor = actor or personas["head"]
        fields.setdefault("title", "楼道停车议事会")
        fields.setdefault("starts_at", past())
        fields.setdefault("organiser", actor)
        return services.meeting_create(actor=actor, kind=kind, grid=grid, **fields)

    return make


@pytest.fixture
def meeting(make_meeting: Any) -> Meeting:
    return make_meeting(agenda=["停车", "路灯"])


@pytest.fixture
def invited(meeting: Meeting, household: Any, head: Any) -> list[Any]:
    """The three members of 郑容哲's household, invited."""
    return [services.participant_add(actor=head, meeting=meeting, kind="resident", person=p)
            for p in household.members.order_by("pk")]


__all__ = ["make_meeting", "meeting", "invited"]  # the fixtures, for `import *` in tests
