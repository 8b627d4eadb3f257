"""Reading the policy column: staff see their communities' posts."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from jiayuan.core.access import Perms, get_for
from jiayuan.core.models import User
from jiayuan.core.roles import Perm
from jiayuan.core.scope import community_ids
from jiayuan.engage.column.models import Post


def posts_for(actor: User) -> QuerySet[Post]:
    if not (actor.is_authenticated and actor.has(Perm.VIEW_ENGAGE)):
        return Post.objects.none()
    ids = community_ids(actor)
    return Post.objects.all() if ids is None else Post.objects.filter(community_id__in=ids)


def get_post_for(actor: User, pk: Any, *, perm: Perms = Perm.VIEW_ENGAGE) -> Post:
    return get_for(actor, perm, posts_for(actor).select_related("owner", "community"), pk)
