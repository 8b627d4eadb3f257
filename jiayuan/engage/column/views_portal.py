"""The policy column on the public portal (/portal/engage/column/): the posts
published today, in the reader's language (the interface language picks the
version, falling back to Simplified Chinese; `?lang=` picks another version
of the post the post has, Uyghur among them). No login; an unpublished and an
unknown post are the same 404."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.views.decorators.http import require_GET

from jiayuan.desk.portal.common import portal_context
from jiayuan.engage.choices import PostCategory
from jiayuan.engage.column import selectors

PAGE_SIZE = 20


def _language(request: HttpRequest) -> str:
    chosen = (request.GET.get("lang") or "").lower()
    if chosen in selectors.PORTAL_LANGUAGES:
        return chosen
    return (translation.get_language() or settings.LANGUAGE_CODE).lower()


@require_GET
def portal_column(request: HttpRequest) -> HttpResponse:
    category = request.GET.get("category", "")
    category = category if category in PostCategory.values else ""
    qs = selectors.published(timezone.localdate()).order_by("-publish_on", "-pk")
    if category:
        qs = qs.filter(category=category)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    language = _language(request)
    rows = [{"post": p, "text": selectors.localized(p, language)} for p in page.object_list]
    return render(request, "portal/engage_column.html", portal_context(
        page=page, rows=rows, category=category, categories=PostCategory.choices,
        lang=request.GET.get("lang", "")))


@require_GET
def portal_post(request: HttpRequest, pk: int) -> HttpResponse:
    post = selectors.get_published(pk, timezone.localdate())
    language = _language(request)
    versions = [{"code": code.replace("_", "-"), "lang": selectors.HTML_LANG[code],
                 "name": NAMES[code]} for code in selectors.languages_of(post)]
    return render(request, "portal/engage_post.html", portal_context(
        post=post, text=selectors.localized(post, language), versions=versions))


# Each version's link is written in its own language, as language menus are.
NAMES = {"zh_hans": "简体中文", "zh_hant": "繁體中文", "en": "English", "ug": "ئۇيغۇرچە"}
