"""The station context civic's and engage's demo years share: each app's draws
stay its own and the same as before the context was shared."""

from __future__ import annotations

import random
from datetime import date

import pytest

from jiayuan.civic.demo.year import make_context as civic_context
from jiayuan.engage.demo.year import make_context as engage_context
from jiayuan.registry.demo.station import station_context

pytestmark = pytest.mark.django_db
DAY = date(2031, 3, 2)


def test_each_app_draws_from_its_own_salted_seed(personas, community):
    civic = civic_context(seed=7, today=DAY, staff=personas, community=community)
    engage = engage_context(seed=7, today=DAY, staff=personas, community=community.pk)
    assert engage.community == civic.community == community  # a pk is looked up
    assert (civic.seed, civic.today, civic.staff) == (7, DAY, personas)
    draws = [civic.rng.random() for _ in range(3)], [engage.rng.random() for _ in range(3)]
    seeded = random.Random("civic-7")
    assert draws[0] == [seeded.random() for _ in range(3)]
    assert draws[0] != draws[1]
    again = station_context("engage", seed=7, today=DAY, staff={}, community=community)
    assert [again.rng.random() for _ in range(3)] == draws[1]
