"""A community's year of deliberation for the demo (jiayuan.demo.loader):
meetings of every kind with attendance, minutes and decisions; suggestions
in every status; improvement projects with milestones, some late.

Written through the services (inside audit.batch(), one unit with the rest of
the load), so the demo obeys every rule a user meets. Each part writes its
own: projects first (the station's plan), then meetings (whose decisions
open cases and projects), then suggestions (some raised at those meetings,
some adopted into projects), then the projects' milestones and updates.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from jiayuan.civic.demo import meetings, projects, suggestions
from jiayuan.core import audit
from jiayuan.places.models import Community
from jiayuan.registry.demo.station import StationContext, station_context


def make_context(*, seed: int, today: date, staff: dict[str, Any],
                 community: Community | int, size: float = 1.0) -> StationContext:
    return station_context("civic", seed=seed, today=today, staff=staff, community=community,
                           size=size)


def write_station(ctx: StationContext, counts: dict[str, int]) -> None:
    """The station's year (after every community's households, cases and care
    are written and their counters set). Only the station, the first
    community, gets one: the others of a district are bench material
    (bench/ writes its own)."""
    community = ctx.community
    with audit.batch():
        made = projects.write_plan(ctx, community, counts)
        made.update(meetings.write(ctx, community, counts, made))
        made.update(suggestions.write(ctx, community, counts, made))
        projects.write_progress(ctx, community, counts, made)


def reset() -> dict[str, int]:
    """Delete every meeting, suggestion and project (before the registry and
    the desk: they point at people, cases and staff)."""
    counts: dict[str, int] = {}
    counts.update(suggestions.reset())
    counts.update(meetings.reset())
    counts.update(projects.reset())
    return counts
