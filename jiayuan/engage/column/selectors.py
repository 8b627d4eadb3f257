"""Reading the policy column: staff see their communities' posts; the
portal sees the posts published today, in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from jiayuan.core.access import Perms, as_id, get_for
from jiayuan.core.models import User
from jiayuan.core.roles import Perm
from jiayuan.core.scope import community_ids
from jiayuan.engage.column.models import Post, PostVersion, ReviewReminder

#: The texts a post keeps, per language (zh_hans required).
TEXT_FIELDS = tuple(f"{part}_{lang}" for lang in ("zh_hans", "zh_hant", "en", "ug")
                    for part in ("title", "body"))
#: What a version records besides the texts.
DATE_FIELDS = ("publish_on", "unpublish_on", "review_by")

#: Interface language (Django's code) -> the post's field suffix.
PORTAL_LANGUAGES = {"zh-hans": "zh_hans", "zh-hant": "zh_hant", "en": "en", "ug": "ug"}


def posts_for(actor: User) -> QuerySet[Post]:
    if not (actor.is_authenticated and actor.has(Perm.VIEW_ENGAGE)):
        return Post.objects.none()
    ids = community_ids(actor)
    return Post.objects.all() if ids is None else Post.objects.filter(community_id__in=ids)


def get_post_for(actor: User, pk: Any, *, perm: Perms = Perm.VIEW_ENGAGE) -> Post:
    return get_for(actor, perm, posts_for(actor).select_related("owner", "community"), pk)


def post_list(actor: User, *, category: str = "", q: str = "") -> QuerySet[Post]:
    qs = posts_for(actor).select_related("owner")
    if category:
        qs = qs.filter(category=category)
    if q:
        qs = qs.filter(Q(title_zh_hans__icontains=q) | Q(title_zh_hant__icontains=q)
                       | Q(title_en__icontains=q) | Q(title_ug__icontains=q))
    return qs


def due_reviews_for(actor: User) -> list[ReviewReminder]:
    """The actor's open review reminders (raised by `manage.py tick`), of
    posts still in their scope."""
    visible = posts_for(actor).values("pk")
    return list(ReviewReminder.objects.filter(owner=actor, done_at__isnull=True,
                                              post__in=visible)
                .select_related("post").order_by("due", "pk"))


def versions_of(post: Post) -> list[PostVersion]:
    return list(post.versions.select_related("saved_by").order_by("-number"))


def get_version(post: Post, pk: Any) -> PostVersion:
    """A version of `post` (already opened in scope), else 404."""
    key = as_id(pk)
    found = None if key is None else PostVersion.objects.filter(
        post=post, pk=key).select_related("saved_by").first()
    if found is None:
        raise Http404
    return found


def is_live(post: Post, today: date) -> bool:
    return (post.publish_on is not None and post.publish_on <= today
            and (post.unpublish_on is None or post.unpublish_on > today))


def published(today: date | None = None) -> QuerySet[Post]:
    """Posts on the portal today: publish_on <= today < unpublish_on."""
    today = today or timezone.localdate()
    return (Post.objects.filter(publish_on__lte=today)
            .filter(Q(unpublish_on__isnull=True) | Q(unpublish_on__gt=today)))


def get_published(pk: Any, today: date | None = None) -> Post:
    """A post on the portal today; an unpublished and an unknown one are the same 404."""
    key = as_id(pk)
    found = None if key is None else published(today).filter(pk=key).first()
    if found is None:
        raise Http404
    return found


@dataclass(frozen=True)
class Localized:
    title: str
    body: str
    lang: str  # the HTML lang of the text shown
    rtl: bool
    fallback: bool  # the reader's language had no version: Simplified Chinese shown


HTML_LANG = {"zh_hans": "zh-Hans", "zh_hant": "zh-Hant", "en": "en", "ug": "ug"}


def languages_of(post: Post) -> list[str]:
    """The field suffixes of the versions the post has."""
    return [lang for lang in ("zh_hans", "zh_hant", "en", "ug")
            if getattr(post, f"title_{lang}") and getattr(post, f"body_{lang}")]


def localized(post: Post, language: str) -> Localized:
    """The post in `language` (a Django language code, or "ug"), falling
    back to Simplified Chinese when it has no version in that language."""
    lang = PORTAL_LANGUAGES.get((language or "").lower(), "zh_hans")
    if lang not in languages_of(post):
        return Localized(post.title_zh_hans, post.body_zh_hans, HTML_LANG["zh_hans"], False,
                         lang != "zh_hans")
    return Localized(getattr(post, f"title_{lang}"), getattr(post, f"body_{lang}"),
                     HTML_LANG[lang], lang == "ug", False)
