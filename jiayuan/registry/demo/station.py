"""The context a higher app's station year is written with (civic's meetings and
projects, engage's volunteers and activities): the demo's seed and today, the
staff accounts, the station community and a random source of the app's own.

Each app salts the seed with its name (``civic-1``, ``engage-1``), so one app's
draws never shift another's: adding a draw to the civic year leaves the engage
year as it was.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from typing import Any

from jiayuan.places.models import Community


@dataclass
class StationContext:
    seed: int
    today: date
    staff: dict[str, Any]  # username -> User
    community: Community
    rng: random.Random
    # The share of a station's year to write (Scale.year_size: 1 at the station
    # and district scales, a third at the tiny one); `scaled` applies it.
    size: float = 1.0

    def scaled(self, count: int, least: int = 1) -> int:
        """`count` rows of a station's year at this size, at least `least`."""
        return count if self.size >= 1 else max(least, round(count * self.size))


def station_context(app: str, *, seed: int, today: date, staff: dict[str, Any],
                    community: Community | int, size: float = 1.0) -> StationContext:
    """The context for `app`'s year at the station (`community`, or its pk)."""
    if not isinstance(community, Community):
        community = Community.objects.get(pk=community)
    return StationContext(seed=seed, today=today, staff=staff, community=community,
                          rng=random.Random(f"{app}-{seed}"), size=size)
