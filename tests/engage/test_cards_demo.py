"""The demo's cards: a live card per grid worker and the station's, one
revoked, three batches of about 1,000 cards; reset removes them all."""

from __future__ import annotations

import random
from datetime import date
from types import SimpleNamespace
from typing import Any

import time_machine

from jiayuan.core import audit
from jiayuan.engage.cards.models import CardBatch, CardLink
from jiayuan.engage.cards.selectors import cards_issued
from jiayuan.engage.demo import cards as demo
from tests.conftest import station_moment

DAY = date(2027, 5, 20)


def test_the_demo_year_of_cards_and_its_reset(personas: Any, community: Any) -> None:
    ctx = SimpleNamespace(rng=random.Random("t"), today=DAY, staff=personas,
                          community=community)
    counts: dict[str, int] = {}
    with time_machine.travel(station_moment(DAY), tick=False), audit.batch():
        made = demo.write(ctx, counts, {})
    live = CardLink.objects.filter(revoked_at__isnull=True)
    workers = {personas["gridworker"].pk, personas["outsider"].pk}
    assert {link.user_id for link in live} == {None, *workers}
    assert CardLink.objects.filter(revoked_at__isnull=False).count() == 1
    assert counts["card_batch"] == CardBatch.objects.count() == 3
    assert 900 <= counts["cards_issued"] == cards_issued(community, 2027).total <= 1200
    assert all(b.created_at.date() <= DAY and b.created_at.year == 2027
               for b in CardBatch.objects.all())
    assert len(made["card_links"]) == 3
    demo.reset()
    assert not CardLink.objects.exists() and not CardBatch.objects.exists()
