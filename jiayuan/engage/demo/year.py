"""The station's year of participation for the demo (jiayuan.demo.loader):
volunteers with roles and hours in every state, a year of activities with
sign-ups and attendance (the culture festival among them), a policy column
with posts due for review, contact card batches.

Written through the services inside audit.batch() (one unit with the rest of
the load), after the bulk writers: volunteers first (activities credit their
hours), then activities, the column, the cards.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from jiayuan.core import audit
from jiayuan.engage.demo import activities, cards, column, volunteers
from jiayuan.engage.volunteers.models import HoursEntry
from jiayuan.places.models import Community
from jiayuan.registry.demo.station import StationContext, station_context


def make_context(*, seed: int, today: date, staff: dict[str, Any],
                 community: Community | int, size: float = 1.0) -> StationContext:
    return station_context("engage", seed=seed, today=today, staff=staff, community=community,
                           size=size)


def write_station(ctx: StationContext, counts: dict[str, int]) -> None:
    with audit.batch():
        made = volunteers.write(ctx, counts, {})
        made.update(activities.write(ctx, counts, made))
        made.update(column.write(ctx, counts, made))
        made.update(cards.write(ctx, counts, made))
    # Counted last: the activities credit the hours of the volunteers who served.
    counts["hours_entry"] = HoursEntry.objects.count()


def reset() -> dict[str, int]:
    """Delete every volunteer, activity, post and card (before the registry
    and the staff accounts they point at)."""
    counts: dict[str, int] = {}
    # The ledger first: its entries point at sessions (PROTECT) the
    # activities' reset deletes. Queryset deletes, which never call the
    # entries' delete() (that refuses: the ledger is append-only), reversals
    # first (they PROTECT what they reverse).
    HoursEntry.objects.filter(reverses__isnull=False).delete()
    HoursEntry.objects.all().delete()
    for part in (cards, column, activities, volunteers):
        counts.update(part.reset())
    return counts
