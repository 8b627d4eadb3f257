"""Reading suggestions: the one scope rule (jiayuan.civic.scoping.by_grid)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from jiayuan.civic.scoping import by_grid
from jiayuan.civic.suggestions.models import Suggestion
from jiayuan.core.access import Perms, get_for
from jiayuan.core.models import User
from jiayuan.core.roles import Perm


def suggestions_for(actor: User) -> QuerySet[Suggestion]:
    if not (actor.is_authenticated and actor.has(Perm.VIEW_CIVIC)):
        return Suggestion.objects.none()
    return by_grid(Suggestion.objects.all(), actor)


def get_suggestion_for(actor: User, pk: Any, *, perm: Perms = Perm.VIEW_CIVIC) -> Suggestion:
    return get_for(actor, perm, suggestions_for(actor).select_related(
        "community", "grid", "status", "project", "merged_into"), pk)
