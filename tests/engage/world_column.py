"""The column part's objects in the matrix world (tests/engage/world.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from jiayuan.engage.column.models import Post, PostVersion
from jiayuan.places.models import Community


def column_objects(ctx: dict[str, Any], earlier: dict[str, Any]) -> dict[str, Any]:
    """Names -> primary keys (or tokens) of this set's column objects;
    `earlier` holds what the parts before made.

    A post is the community's, not a grid's: the grid worker reads every post
    of their community. So that "other" stays out of the grid worker's scope,
    the grid-B set's post is of a community of its own (its owner, a head of
    that community, is not needed: the matrix reads, it does not check owners)."""
    today = timezone.localdate()
    community = ctx["grid"].community
    if ctx["tag"] == "grid_b":
        community = Community.objects.create(name="矩阵专栏社区", code="MTXC")
    post = Post.objects.create(
        community=community, category="policy", title_zh_hans=f"矩阵政策{ctx['tag']}",
        body_zh_hans="居住证办理须知", owner=ctx["owner"], publish_on=today - timedelta(days=3),
        review_by=today + timedelta(days=90), created_by=ctx["owner"])
    version = PostVersion.objects.create(post=post, number=1, texts={}, changed="",
                                         saved_by=ctx["owner"])
    return {"post": post.pk, "post_version": version.pk}
