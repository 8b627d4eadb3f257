"""Staff pages of suggestions (金点子), under /civic/suggestions/: the list,
entering one for a resident or from a meeting, the suggestion page with its
status change, merge and adoption, and the station's statuses.

Reading needs VIEW_CIVIC, every write HANDLE_SUGGESTIONS (adopting also
MANAGE_PROJECTS), the statuses MANAGE_CATALOGUE; a suggestion outside the
actor's grids is a 404 (selectors.get_suggestion_for)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiayuan.civic.choices import Stage, SuggestionSource
from jiayuan.civic.suggestions import selectors, services, services_statuses
from jiayuan.civic.suggestions.forms import (
    AdoptForm,
    MergeForm,
    StatusAddForm,
    StatusChangeForm,
    StatusEditForm,
    SuggestionForm,
)
from jiayuan.civic.suggestions.models import Suggestion
from jiayuan.core.access import as_id, require
from jiayuan.core.roles import Perm
from jiayuan.core.views import submit
from jiayuan.places.models import Community
from jiayuan.registry.pickers import picker, picker_response
from jiayuan.registry.selectors import people_for

PAGE_SIZE = 30
PERSON_PICKER = picker("suggestion-person", "person", reverse_lazy("suggestion_person_search"))


@login_required
@require_GET
def suggestion_list(request: HttpRequest) -> HttpResponse:
    user = require(request.user, Perm.VIEW_CIVIC)
    stage = request.GET.get("stage", "")
    source = request.GET.get("source", "")
    q = request.GET.get("q", "").strip()[:60]
    open_only = request.GET.get("open") == "1"
    qs = selectors.suggestion_list(user, stage=stage, source=source, q=q, open_only=open_only)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "civic/suggestion_list.html", {
        "page": page, "suggestions": list(page.object_list), "stage": stage,
        "source": source, "q": q, "open_only": open_only, "stages": Stage.choices,
        "sources": SuggestionSource.choices, "now": timezone.now()})


@login_required
@require_http_methods(["GET", "POST"])
def suggestion_new(request: HttpRequest) -> HttpResponse:
    user = require(request.user, Perm.HANDLE_SUGGESTIONS)
    form = SuggestionForm(request.POST or None, actor=user)
    person = None
    if request.method == "POST":
        pid = as_id(request.POST.get("person"))
        person = people_for(user).filter(pk=pid).first() if pid else None
    def save(d: dict[str, Any]) -> Suggestion:
        if d.get("person") and person is None:
            raise ValidationError({"person": _("That resident is not in your grids. Choose "
                                               "them again from the search.")})
        return services.suggestion_create(
            actor=user, title=d["title"], body=d["body"], category=d["category"],
            person=person if d.get("person") else None, meeting=d.get("meeting"),
            grid=None if d.get("person") else d.get("grid"),
            received_at=services.received_at_on(d.get("received_on")))

    done = submit(request, form, save,
                  lambda s: _("Suggestion %(ref)s recorded.") % {"ref": s.ref},
                  lambda s: redirect("suggestion_detail", pk=s.pk))
    if done:
        return done
    return render(request, "civic/suggestion_form.html", {
        "form": form, "person": person, "picker": PERSON_PICKER},
        status=400 if form.is_bound else 200)


@login_required
@require_http_methods(["GET", "POST"])  # POST: what was typed
def suggestion_person_search(request: HttpRequest) -> HttpResponse:
    """As-you-type picker of the resident a suggestion is entered for."""
    require(request.user, Perm.HANDLE_SUGGESTIONS)
    return picker_response(request, PERSON_PICKER)


def _forms(user: Any, s: Suggestion) -> dict[str, Form]:
    return {"status_form": StatusChangeForm(suggestion=s, initial={"version": s.version}),
            "merge_form": MergeForm(actor=user, suggestion=s, initial={"version": s.version}),
            "adopt_form": AdoptForm(actor=user, initial={"version": s.version,
                                                         "title": s.title})}


def _page(request: HttpRequest, s: Suggestion, forms: dict[str, Form],
          failed: str = "", status: int = 200) -> HttpResponse:
    user = request.user
    handle = user.has(Perm.HANDLE_SUGGESTIONS)  # type: ignore[union-attr]
    return render(request, "civic/suggestion_detail.html", {
        "s": s, "changes": selectors.changes_of(s), "merged": list(s.merged.all()),
        "can_handle": handle and s.merged_into_id is None, "failed": failed,
        "can_adopt": handle and s.project_id is None and s.merged_into_id is None
        and s.status.stage in services.OPEN_STAGES
        and user.has(Perm.MANAGE_PROJECTS),  # type: ignore[union-attr]
        "overdue": s.responded_at is None and s.response_due < timezone.now(),
        **forms}, status=status)


@login_required
@require_GET
def suggestion_detail(request: HttpRequest, pk: int) -> HttpResponse:
    s = selectors.get_suggestion_for(request.user, pk)  # type: ignore[arg-type]
    return _page(request, s, _forms(request.user, s))


def _act(request: HttpRequest, pk: int, key: str, make: Callable[[Any, Suggestion], Form],
         call: Callable[[Any, Suggestion, dict[str, Any]], Any], said: str,
         perm: Any = Perm.HANDLE_SUGGESTIONS) -> HttpResponse:
    s = selectors.get_suggestion_for(request.user, pk, perm=perm)  # type: ignore[arg-type]
    user = request.user
    form = make(user, s)
    done = submit(request, form, lambda d: call(user, s, d), said,
                  lambda _r: redirect("suggestion_detail", pk=s.pk))
    if done:
        return done
    return _page(request, s, {**_forms(user, s), key: form}, failed=key, status=400)


@login_required
@require_POST
def suggestion_status(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "status_form",
                lambda u, s: StatusChangeForm(request.POST, suggestion=s),
                lambda u, s, d: services.suggestion_set_status(
                    actor=u, suggestion=s, status=d["status"],
                    public_reason=d["public_reason"], version=d.get("version")),
                _("Status changed."))


@login_required
@require_POST
def suggestion_merge(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "merge_form",
                lambda u, s: MergeForm(request.POST, actor=u, suggestion=s),
                lambda u, s, d: services.suggestion_merge(
                    actor=u, suggestion=s, into=d["into"], public_reason=d["public_reason"],
                    version=d.get("version")),
                _("Merged: its supporters now count for the other suggestion."))


@login_required
@require_POST
def suggestion_adopt(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "adopt_form", lambda u, s: AdoptForm(request.POST, actor=u),
                lambda u, s, d: services.suggestion_adopt(
                    actor=u, suggestion=s, public_reason=d["public_reason"], owner=d["owner"],
                    starts_on=d["starts_on"], ends_on=d["ends_on"], title=d["title"],
                    public=d["public"], version=d.get("version")),
                _("Adopted: the improvement project is created."),
                perm=(Perm.HANDLE_SUGGESTIONS, Perm.MANAGE_PROJECTS))


@login_required
@require_POST
def suggestion_contact_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The whole phone number a resident left: audited like any reveal."""
    s = selectors.get_suggestion_for(request.user, pk,  # type: ignore[arg-type]
                                     perm=(Perm.VIEW_CIVIC, Perm.REVEAL_PHONE))
    phone = selectors.contact_phone_of(request.user, s)  # type: ignore[arg-type]
    return render(request, "registry/_revealed.html", {"value": phone})


# --- the station's statuses -------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def suggestion_statuses(request: HttpRequest) -> HttpResponse:
    """The station's statuses: add one, rename or (de)activate one, move one
    up or down. One page, one POST address (`action`: add, edit, up, down)."""
    user = require(request.user, Perm.MANAGE_CATALOGUE)
    community = Community.objects.filter(pk=user.community_id).first()
    rows = selectors.statuses_of(community.pk if community else None, active=False)
    add_form = StatusAddForm(prefix="add")
    edit_form: StatusEditForm | None = None
    edit_pk: int | None = None
    error = ""
    if request.method == "POST" and community is not None:
        action = request.POST.get("action", "")
        if action == "add":
            add_form = StatusAddForm(request.POST, prefix="add")
            done = submit(request, add_form, lambda d: services_statuses.status_add(
                actor=user, community=community, stage=d["stage"],
                name_zh_hans=d["name_zh_hans"], name_zh_hant=d["name_zh_hant"],
                name_en=d["name_en"]), _("Status added."),
                lambda _r: redirect("suggestion_statuses"))
            if done:
                return done
        else:
            row = next((r for r in rows if r.pk == as_id(request.POST.get("status"))), None)
            if row is None:
                error = _("That status is not one of your station's. Reload the page.")
            elif action in ("up", "down"):
                try:
                    services_statuses.status_move(actor=user, community=community, status=row,
                                                  up=action == "up")
                except ValidationError as exc:
                    error = " ".join(exc.messages)
                else:
                    return redirect("suggestion_statuses")
            else:
                edit_pk = row.pk
                edit_form = StatusEditForm(request.POST, prefix=f"s{row.pk}")
                done = submit(request, edit_form, lambda d: services_statuses.status_update(
                    actor=user, community=community, status=row,
                    name_zh_hans=d["name_zh_hans"], name_zh_hant=d["name_zh_hant"],
                    name_en=d["name_en"], active=d["active"]), _("Status saved."),
                    lambda _r: redirect("suggestion_statuses"))
                if done:
                    return done
    elif request.method == "POST":
        error = _("A district-wide account has no station's statuses to change.")
    forms = []
    for r in rows:
        if r.pk == edit_pk and edit_form is not None:
            forms.append((r, edit_form))
        else:
            forms.append((r, StatusEditForm(prefix=f"s{r.pk}", initial={
                "name_zh_hans": r.name_zh_hans, "name_zh_hant": r.name_zh_hant,
                "name_en": r.name_en, "active": r.active})))
    bound = add_form.is_bound or edit_form is not None or bool(error)
    return render(request, "civic/suggestion_statuses.html", {
        "rows": forms, "add_form": add_form, "error": error, "community": community,
        "defaults": bool(rows) and rows[0].community_id is None,
        "back": reverse("suggestion_list")}, status=400 if bound else 200)


