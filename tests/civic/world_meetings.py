"""The meetings part's objects in the matrix world (tests/civic/world.py)."""

from __future__ import annotations

from typing import Any


def meetings_objects(ctx: dict[str, Any], earlier: dict[str, Any]) -> dict[str, Any]:
    """Names -> primary keys (or tokens) of this set's meetings objects;
    `earlier` holds what the parts before made (projects)."""
    return {}
