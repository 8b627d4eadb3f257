"""The demo's meetings (jiayuan.civic.demo.year)."""

from __future__ import annotations

from typing import Any

from jiayuan.places.models import Community


def write(ctx: Any, community: Community, counts: dict[str, int],
          made: dict[str, Any]) -> dict[str, Any]:
    """This part's year; returns what later parts link to."""
    return {}


def reset() -> dict[str, int]:
    return {}
