"""Project pages (项目清单), under /civic/projects/: the list, a new project (or
sub-project), the project page with its milestones, updates and sub-projects,
and each action on it. Reading needs VIEW_CIVIC, writing MANAGE_PROJECTS; the
editing rule (a grid worker edits their grids' projects) is the services'."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.forms import Form
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jiayuan.civic.projects import selectors, services, services_progress
from jiayuan.civic.projects.forms import (
    ListFilterForm,
    MilestoneForm,
    ProjectForm,
    StatusForm,
    UpdateForm,
)
from jiayuan.civic.projects.health import Colour, health
from jiayuan.civic.projects.models import Project
from jiayuan.core.access import require
from jiayuan.core.filters import read_filters
from jiayuan.core.roles import Perm
from jiayuan.core.views import form_status, submit

PAGE_SIZE = 30


def _url(project: Project, anchor: str = "") -> str:
    return reverse("project_detail", args=[project.pk]) + (f"#{anchor}" if anchor else "")


@login_required
@require_GET
def project_list(request: HttpRequest) -> HttpResponse:
    user = require(request.user, Perm.VIEW_CIVIC)
    filters = read_filters(request, ListFilterForm(request.GET, actor=user))
    qs = selectors.project_list(user, grid=filters["grid"], category=filters["category"] or "",
                                owner=filters["owner"], status=filters["status"] or "")
    if filters["year"]:
        qs = selectors.in_year(qs, filters["year"])
    qs = selectors.search_filter(qs, filters["q"] or "")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = [(p, Colour(health(p, today))) for p in page.object_list]
    form = ListFilterForm(request.GET or None, actor=user)
    return render(request, "civic/project_list.html", {
        "page": page, "rows": rows, "filters": form, "values": filters.values})


def _create(request: HttpRequest, parent: Project | None) -> HttpResponse:
    user = require(request.user, Perm.MANAGE_PROJECTS)
    initial: dict[str, Any] = {}
    if parent is not None:
        initial = {"category": parent.category, "source": parent.source,
                   "starts_on": parent.starts_on, "ends_on": parent.ends_on,
                   "grids": list(parent.grids.all())}
    form = ProjectForm(request.POST or None, actor=user, initial=initial)
    done = submit(request, form, lambda d: services.project_create(
        actor=user, community=user.community, title=d["title"], category=d["category"],
        source=d["source"], owner=d["owner"], starts_on=d["starts_on"], ends_on=d["ends_on"],
        grids=d["grids"], description=d["description"], department=d["department"],
        parent=parent, public=d["public"]),
        lambda p: _("Project %(ref)s created.") % {"ref": p.ref}, lambda p: redirect(_url(p)))
    if done:
        return done
    return render(request, "civic/project_form.html", {"form": form, "parent": parent,
                                                       "no_community": not user.community_id})


@login_required
def project_new(request: HttpRequest) -> HttpResponse:
    return _create(request, None)


@login_required
def project_child_new(request: HttpRequest, pk: int) -> HttpResponse:
    parent = selectors.get_project_for(request.user, pk, perm=Perm.MANAGE_PROJECTS)
    return _create(request, parent)


def _page(request: HttpRequest, project: Project, status: int = 200,
          milestone_errors: Any = None, **forms: Form | None) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    context = selectors.project_page(user, project)
    children = [(c, Colour(health(c, today))) for c in context.pop("children")]
    full = selectors.projects_for(user).prefetch_related("milestones", "children__milestones")
    colour = Colour(health(full.get(pk=project.pk), today))
    context.update({
        "project": project, "children": children, "health": colour, "today": today,
        "status_form": forms.get("status_form") or StatusForm(
            initial={"version": project.version}),
        "milestone_form": forms.get("milestone_form") or MilestoneForm(),
        "update_form": forms.get("update_form") or UpdateForm(),
        "milestone_errors": milestone_errors,
    })
    return render(request, "civic/project_detail.html", context, status=status)


@login_required
@require_GET
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.get_project_for(request.user, pk)
    return _page(request, project)


@login_required
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    project = selectors.get_project_for(user, pk, perm=Perm.MANAGE_PROJECTS)
    initial = {"title": project.title, "category": project.category,
               "source": project.source, "owner": project.owner_id,
               "starts_on": project.starts_on, "ends_on": project.ends_on,
               "grids": list(project.grids.all()), "department": project.department_id,
               "description": project.description, "public": project.public,
               "version": project.version}
    form = ProjectForm(request.POST or None, actor=user, project=project, initial=initial)
    done = submit(request, form, lambda d: services.project_update(
        actor=user, project=project, version=d["version"], title=d["title"],
        category=d["category"], source=d["source"], owner=d["owner"],
        starts_on=d["starts_on"], ends_on=d["ends_on"], grids=d["grids"],
        department=d["department"], description=d["description"], public=d["public"]),
        _("Project saved."), lambda p: redirect(_url(p)), record=project)
    if done:
        return done
    return render(request, "civic/project_form.html", {"form": form, "project": project},
                  status=form_status(form))


@login_required
@require_POST
def project_status(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    project = selectors.get_project_for(user, pk, perm=Perm.MANAGE_PROJECTS)
    form = StatusForm(request.POST)
    done = submit(request, form, lambda d: services.project_set_status(
        actor=user, project=project, status=d["status"], version=d["version"], on=d["on"],
        close_open=d["close_open"]),
        _("Status changed."), lambda p: redirect(_url(p)), record=project)
    return done or _page(request, project, status_form=form, status=form_status(form))


@login_required
@require_POST
def project_milestone_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    project = selectors.get_project_for(user, pk, perm=Perm.MANAGE_PROJECTS)
    form = MilestoneForm(request.POST)
    done = submit(request, form, lambda d: services_progress.milestone_add(
        actor=user, project=project, title=d["title"], planned_on=d["planned_on"],
        done_on=d["done_on"]),
        _("Milestone added."), lambda m: redirect(_url(project, "milestones")))
    return done or _page(request, project, milestone_form=form)


@login_required
@require_POST
def project_milestone(request: HttpRequest, pk: int, ms: int) -> HttpResponse:
    """Re-plan a milestone, record it reached, or remove it (`remove`)."""
    user = request.user
    project = selectors.get_project_for(user, pk, perm=Perm.MANAGE_PROJECTS)
    milestone = selectors.milestone_for(user, project, ms)
    if request.POST.get("remove"):
        form: Form = Form(request.POST)
        done = submit(request, form, lambda d: services_progress.milestone_remove(
            actor=user, milestone=milestone), _("Milestone removed."),
            lambda _r: redirect(_url(project, "milestones")))
    else:
        form = MilestoneForm(request.POST)
        done = submit(request, form, lambda d: services_progress.milestone_update(
            actor=user, milestone=milestone, title=d["title"], planned_on=d["planned_on"],
            done_on=d["done_on"]),
            _("Milestone saved."), lambda m: redirect(_url(project, "milestones")))
    if done:
        return done
    # Shown above the list, not in the "add" form (that would prefill it with
    # this milestone and invite a duplicate).
    errors = [*form.non_field_errors(), *(
        f"{form.fields[name].label}: {e}" for name, errs in form.errors.items()
        if name != "__all__" for e in errs)]
    return _page(request, project, milestone_errors=errors)


@login_required
@require_POST
def project_update_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    project = selectors.get_project_for(user, pk, perm=Perm.MANAGE_PROJECTS)
    form = UpdateForm(request.POST, request.FILES)
    done = submit(request, form, lambda d: services_progress.update_add(
        actor=user, project=project, text=d["text"], progress=d["progress"],
        photo=d["photo"] or None),
        _("Update recorded."), lambda u: redirect(_url(project, "updates")))
    return done or _page(request, project, update_form=form)


@login_required
@require_GET
def project_photo(request: HttpRequest, pk: int, upd: int) -> HttpResponse:
    """Photos are served only here: project in scope, never from a public URL."""
    project = selectors.get_project_for(request.user, pk)
    update = selectors.update_photo_for(request.user, project, upd)
    response = FileResponse(update.photo.open("rb"), content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response
