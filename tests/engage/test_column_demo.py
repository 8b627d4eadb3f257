"""The demo's column: a year of posts in every category, some in other
languages and Uyghur, versions, one taken down, a draft, several due for
review (tick raises their reminders once); reset removes them all."""

from __future__ import annotations

import random
from datetime import date
from types import SimpleNamespace
from typing import Any

import time_machine

from jiayuan.core import audit
from jiayuan.engage.column import selectors, services
from jiayuan.engage.column.models import Post, PostVersion, ReviewReminder
from jiayuan.engage.demo import column as demo
from tests.conftest import station_moment

DAY = date(2027, 5, 20)


def test_the_demo_column_and_its_reset(personas: Any, community: Any) -> None:
    staff = {"head": personas["head"], "caseworker": personas["caseworker"]}
    ctx = SimpleNamespace(rng=random.Random("t"), today=DAY, staff=staff, community=community)
    counts: dict[str, int] = {}
    now = station_moment(DAY)
    with time_machine.travel(now, tick=False):
        with audit.batch():
            demo.write(ctx, counts, {})
        posts = list(Post.objects.all())
        assert counts["post"] == len(posts) >= 12
        assert {p.category for p in posts} == {"law", "policy", "customs", "services"}
        assert sum(1 for p in posts if p.title_ug) >= 2
        assert sum(1 for p in posts if p.title_en) >= 5
        assert PostVersion.objects.filter(number__gt=1).count() >= 4
        live = set(selectors.published(DAY).values_list("pk", flat=True))
        assert any(p.publish_on and p.pk not in live for p in posts)  # taken down
        assert any(p.publish_on is None for p in posts)  # a draft
        raised = services.review_reminders_raise(now=now)
        assert 3 <= raised <= 7
        assert services.review_reminders_raise(now=now) == 0
        assert selectors.due_reviews_for(personas["head"])
    demo.reset()
    assert not Post.objects.exists() and not ReviewReminder.objects.exists()
