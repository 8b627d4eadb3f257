"""The projects part's objects in the matrix world (tests/civic/world.py)."""

from __future__ import annotations

from typing import Any


def projects_objects(ctx: dict[str, Any]) -> dict[str, Any]:
    """Names -> primary keys of this set's project objects."""
    return {}
