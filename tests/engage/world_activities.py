"""The activities part's objects in the matrix world (tests/engage/world.py)."""

from __future__ import annotations

from typing import Any


def activities_objects(ctx: dict[str, Any], earlier: dict[str, Any]) -> dict[str, Any]:
    """Names -> primary keys (or tokens) of this set's activities objects;
    `earlier` holds what the parts before made."""
    return {}
