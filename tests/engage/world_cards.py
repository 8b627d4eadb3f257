"""The cards part's objects in the matrix world (tests/engage/world.py)."""

from __future__ import annotations

from typing import Any

from jiayuan.engage.cards import services
from jiayuan.engage.cards.links import card_token


def cards_objects(ctx: dict[str, Any], earlier: dict[str, Any]) -> dict[str, Any]:
    """Names -> primary keys (or tokens) of this set's cards objects;
    `earlier` holds what the parts before made.

    A link for the set's owner (the grid worker's, the caseworker's, the far
    head's); grid B's owner is the caseworker again, and a second link would
    replace the colleague's, so grid B has the station's card. Each set has a
    batch printing its link."""
    head, owner = ctx["head"], ctx["owner"]
    community = ctx["grid"].community
    user = None if ctx["tag"] == "grid_b" else owner
    link = services.card_link_create(actor=head, user=user, role="网格员",
                                     office_hours="周一至周五 9:00-17:00",
                                     hotline="0512-5555 0123", community=community)
    batch = services.card_batch_create(actor=head, lines=[(link, 10)],
                                       note=f"矩阵{ctx['tag']}")
    return {"card_link": link.pk, "card_batch": batch.pk, "card_token": card_token(link)}
