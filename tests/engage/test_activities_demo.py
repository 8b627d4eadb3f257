"""The demo's year of activities: every kind, the 7th culture festival with
several sessions, waiting lists and promotions, attendance of past sessions,
upcoming published activities with places left and one full; reset empties."""

from __future__ import annotations

from datetime import date
from typing import Any

import time_machine

from jiayuan.engage.activities.models import Activity, SignUp
from jiayuan.engage.activities.selectors import public_activities, public_sessions
from jiayuan.engage.choices import ActivityKind
from jiayuan.engage.demo import activities
from jiayuan.engage.demo.year import make_context
from tests.conftest import station_moment

DAY = date(2027, 5, 10)


def test_it_writes_a_year_of_activities_and_resets(personas: Any, household: Any) -> None:
    with time_machine.travel(station_moment(DAY), tick=False):
        ctx = make_context(seed=1, today=DAY, staff=personas,
                           community=household.grid.community_id)
        counts: dict[str, int] = {}
        made = activities.write(ctx, counts, {})
        assert counts["activity"] == len(made["activities"]) == 25
        assert {a.kind for a in Activity.objects.all()} == set(ActivityKind.values)
        festival = Activity.objects.get(edition=7)
        assert festival.sessions.count() >= 3
        assert SignUp.objects.filter(promoted_at__isnull=False).exists()
        assert SignUp.objects.filter(attended_at__isnull=False).exists()
        upcoming = [s for a in public_activities() for s in public_sessions(a)]
        assert any(s.left for s in upcoming)
        assert any(s.left == 0 and s.n_waiting for s in upcoming)
    assert activities.reset()["activity"] == 25
    assert not SignUp.objects.exists()
