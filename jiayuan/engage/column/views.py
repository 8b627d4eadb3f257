"""Staff pages of the policy column (政策专栏), under /engage/column/: the
list with the reader's due reviews, a post with its versions, writing and
editing one, "reviewed — still correct", a saved version and the A4 poster.

Reading needs VIEW_ENGAGE, every write EDIT_COLUMN; a post of another
community is a 404 (selectors.get_post_for)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiayuan.core.access import require
from jiayuan.core.roles import Perm
from jiayuan.core.urls_public import public_url
from jiayuan.core.views import form_status, pdf_response, submit
from jiayuan.engage.choices import PostCategory
from jiayuan.engage.column import pdf as poster
from jiayuan.engage.column import selectors, services
from jiayuan.engage.column.forms import PostForm, ReviewedForm, post_initial
from jiayuan.engage.column.models import Post, PostVersion

PAGE_SIZE = 30
# The versions a post has, as short marks on the list (each in its own script).
LANG_MARKS = {"zh_hans": "简", "zh_hant": "繁", "en": "EN", "ug": "ئۇ"}


def _changed_labels(version: PostVersion) -> list[str]:
    names = [n for n in version.changed.split(",") if n]
    return [str(Post._meta.get_field(n).verbose_name) for n in names]


@login_required
@require_GET
def post_list(request: HttpRequest) -> HttpResponse:
    user = require(request.user, Perm.VIEW_ENGAGE)
    category = request.GET.get("category", "")
    category = category if category in PostCategory.values else ""
    q = request.GET.get("q", "").strip()[:60]
    page = Paginator(selectors.post_list(user, category=category, q=q),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    posts = list(page.object_list)
    for post in posts:
        post.live = selectors.is_live(post, today)  # type: ignore[attr-defined]
        post.languages = [LANG_MARKS[lang]  # type: ignore[attr-defined]
                          for lang in selectors.languages_of(post)]
    return render(request, "engage/post_list.html", {
        "page": page, "posts": posts, "category": category, "q": q,
        "categories": PostCategory.choices, "today": today,
        "due": selectors.due_reviews_for(user)})


@login_required
@require_http_methods(["GET", "POST"])
def post_new(request: HttpRequest) -> HttpResponse:
    user = require(request.user, Perm.EDIT_COLUMN)
    form = PostForm(request.POST or None, actor=user)

    def save(d: dict[str, Any]) -> Post:
        return services.post_create(
            actor=user, category=d["category"], texts=form.texts(), owner=d["owner"],
            publish_on=d.get("publish_on"), unpublish_on=d.get("unpublish_on"),
            review_by=d.get("review_by"))

    done = submit(request, form, save, _("Post saved."),
                  lambda p: redirect("post_detail", pk=p.pk))
    if done:
        return done
    return render(request, "engage/post_form.html", {"form": form, "post": None},
                  status=400 if form.is_bound else 200)


def _detail(request: HttpRequest, post: Post, reviewed: ReviewedForm | None = None,
            status: int = 200) -> HttpResponse:
    versions = selectors.versions_of(post)
    for v in versions:
        v.labels = _changed_labels(v)  # type: ignore[attr-defined]
    today = timezone.localdate()
    return render(request, "engage/post_detail.html", {
        "post": post, "versions": versions, "today": today,
        "live": selectors.is_live(post, today),
        "due": post.review_by <= today,
        "languages": selectors.languages_of(post),
        "reviewed_form": reviewed or ReviewedForm(initial={"version": post.version})},
        status=status)


@login_required
@require_GET
def post_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.get_post_for(request.user, pk))  # type: ignore[arg-type]


@login_required
@require_http_methods(["GET", "POST"])
def post_edit(request: HttpRequest, pk: int) -> HttpResponse:
    post = selectors.get_post_for(request.user, pk,  # type: ignore[arg-type]
                                  perm=Perm.EDIT_COLUMN)
    user = request.user
    form = PostForm(request.POST or None, actor=user, post=post,  # type: ignore[arg-type]
                    initial=post_initial(post))

    def save(d: dict[str, Any]) -> Post:
        return services.post_edit(
            actor=user, post=post, category=d["category"],  # type: ignore[arg-type]
            texts=form.texts(), owner=d["owner"], publish_on=d.get("publish_on"),
            unpublish_on=d.get("unpublish_on"), review_by=d.get("review_by"),
            version=d.get("version"))

    done = submit(request, form, save, _("Post saved."),
                  lambda p: redirect("post_detail", pk=p.pk), record=post)
    if done:
        return done
    status = form_status(form) if form.is_bound and form_status(form) == 409 else (
        400 if form.is_bound else 200)
    return render(request, "engage/post_form.html", {"form": form, "post": post},
                  status=status)


@login_required
@require_POST
def post_reviewed(request: HttpRequest, pk: int) -> HttpResponse:
    post = selectors.get_post_for(request.user, pk,  # type: ignore[arg-type]
                                  perm=Perm.EDIT_COLUMN)
    form = ReviewedForm(request.POST)
    done = submit(request, form,
                  lambda d: services.post_reviewed(actor=request.user,  # type: ignore[arg-type]
                                                   post=post, version=d.get("version")),
                  lambda p: _("Marked as reviewed. Next review by %(date)s.")
                  % {"date": p.review_by.isoformat()},
                  lambda p: redirect("post_list") if request.POST.get("next") == "list"
                  else redirect("post_detail", pk=p.pk), record=post)
    if done:
        return done
    # 409 only when someone saved the post since the page was loaded (the form
    # now carries their version); other bad input is a 400 with its message.
    return _detail(request, post, reviewed=form,
                   status=409 if form_status(form) == 409 else 400)


@login_required
@require_GET
def post_version(request: HttpRequest, pk: int, version: int) -> HttpResponse:
    post = selectors.get_post_for(request.user, pk)  # type: ignore[arg-type]
    saved = selectors.get_version(post, version)
    texts = saved.texts or {}
    blocks = []
    for lang in ("zh_hans", "zh_hant", "en", "ug"):
        title, body = texts.get(f"title_{lang}") or "", texts.get(f"body_{lang}") or ""
        if title or body:
            blocks.append({"lang": selectors.HTML_LANG[lang], "rtl": lang == "ug",
                           "label": Post._meta.get_field(f"title_{lang}").verbose_name,
                           "title": title, "body": body,
                           "changed": f"title_{lang}" in saved.changed
                           or f"body_{lang}" in saved.changed})
    previous = post.versions.filter(number__lt=saved.number).order_by("-number").first()
    return render(request, "engage/post_version.html", {
        "post": post, "saved": saved, "blocks": blocks, "labels": _changed_labels(saved),
        "texts": texts, "previous": previous,
        "category": dict(PostCategory.choices).get(texts.get("category", ""), "")})


@login_required
@require_GET
def post_poster_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    post = selectors.get_post_for(request.user, pk)  # type: ignore[arg-type]
    url = public_url(reverse("portal_post", kwargs={"pk": post.pk}))
    data = poster.post_poster_pdf(request.user, post, url)  # type: ignore[arg-type]
    return pdf_response(data, f"post-{post.pk}.pdf")
