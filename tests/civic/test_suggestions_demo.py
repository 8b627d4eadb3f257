"""The demo's suggestions: every stage, merges, adopted projects; reset
removes them all."""

from __future__ import annotations

import random
from datetime import date
from types import SimpleNamespace
from typing import Any

import time_machine

from jiayuan.civic.demo import suggestions as demo
from jiayuan.civic.models import Suggestion, SuggestionStatus
from jiayuan.core import audit
from tests.conftest import station_moment

DAY = date(2027, 5, 20)


def test_the_demo_year_has_every_stage_and_resets(personas: Any, household: Any,
                                                 household_b: Any, community: Any) -> None:
    staff = {"head": personas["head"], "caseworker": personas["caseworker"],
             "gridworker": personas["gridworker"], "gridworker2": personas["outsider"]}
    ctx = SimpleNamespace(rng=random.Random("t"), today=DAY, staff=staff)
    counts: dict[str, int] = {}
    with time_machine.travel(station_moment(DAY), tick=False), audit.batch():
        made = demo.write(ctx, community, counts, {})
    rows = list(Suggestion.objects.select_related("status"))
    assert counts["suggestion"] == len(rows) >= 40
    assert {s.status.stage for s in rows} == {"received", "discussing", "adopted", "done",
                                              "declined"}
    assert {s.source for s in rows} >= {"portal", "staff"}
    assert sum(1 for s in rows if s.merged_into_id) >= 3
    assert len(made["suggestion_projects"]) >= 5 and made["suggestion_projects_done"]
    assert all(s.received_at.date() <= DAY for s in rows)
    demo.reset()
    assert not Suggestion.objects.exists()
    assert not SuggestionStatus.objects.exclude(community=None).exists()
