"""The demo's improvement projects: the station's plan, then milestones and
updates for every project of the year (jiayuan.civic.demo.year)."""

from __future__ import annotations

from typing import Any

from jiayuan.places.models import Community


def write_plan(ctx: Any, community: Community, counts: dict[str, int]) -> dict[str, Any]:
    """The station's own projects of the year; returns what later parts link to."""
    return {}


def write_progress(ctx: Any, community: Community, counts: dict[str, int],
                   made: dict[str, Any]) -> None:
    """Milestones, updates and sub-projects for the year's projects."""


def reset() -> dict[str, int]:
    return {}
