"""The suggestions part's objects in the matrix world (tests/civic/world.py)."""

from __future__ import annotations

from typing import Any


def suggestions_objects(ctx: dict[str, Any], earlier: dict[str, Any]) -> dict[str, Any]:
    """Names -> primary keys (or tokens) of this set's suggestions objects;
    `earlier` holds what the parts before made (projects). The suggestion is
    the set's owner's (entered for the set's resident) where the owner may
    enter one, else the community head's."""
    from jiayuan.civic.suggestions import services
    from jiayuan.core.roles import Perm
    from jiayuan.core.scope import in_scope

    owner = ctx["owner"]
    actor = owner if (owner.has(Perm.HANDLE_SUGGESTIONS)
                      and in_scope(owner, ctx["grid"].pk)) else ctx["head"]
    suggestion = services.suggestion_create(
        actor=actor, title=f"矩阵金点子{ctx['tag']}", body="楼道里装个扶手",
        category="accessibility", person=ctx["person"])
    return {"suggestion": suggestion.pk, "idea_ref": suggestion.ref,
            "idea_token": suggestion.public_token}
