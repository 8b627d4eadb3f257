"""Civic's objects in the authorization matrix's world (tests/world.py):
each part adds its own to every set (own, colleague, grid_b, elsewhere).

`ctx` holds the set's: tag, grid, owner (the set's owner), head (the head of
the set's community), person, household, case, referral, department."""

from __future__ import annotations

from typing import Any

from tests.civic.world_meetings import meetings_objects
from tests.civic.world_projects import projects_objects
from tests.civic.world_suggestions import suggestions_objects


def civic_objects(ctx: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    out.update(projects_objects(ctx))
    out.update(meetings_objects(ctx, out))
    out.update(suggestions_objects(ctx, out))
    return out
