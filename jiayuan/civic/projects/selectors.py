"""Reading projects: the scope rule of jiayuan.civic.scoping.by_grids, the
editing rule, the list and the wall chart's board (a constant number of
queries whatever the number of projects)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from jiayuan.civic.choices import Health, ProjectStatus
from jiayuan.civic.projects.health import Colour, health
from jiayuan.civic.projects.models import Milestone, Project, ProjectUpdate
from jiayuan.civic.scoping import by_grids
from jiayuan.core.access import Perms, get_for
from jiayuan.core.models import User
from jiayuan.core.roles import Perm
from jiayuan.core.scope import ALL, grid_ids


def projects_for(actor: User) -> QuerySet[Project]:
    if not (actor.is_authenticated and actor.has(Perm.VIEW_CIVIC)):
        return Project.objects.none()
    return by_grids(Project.objects.all(), actor, Project.grids.through)


def get_project_for(actor: User, pk: Any, *, perm: Perms = Perm.VIEW_CIVIC) -> Project:
    return get_for(actor, perm, projects_for(actor).select_related(
        "community", "owner", "parent", "department"), pk)


def require_visible(actor: User, project: Project) -> None:
    """A project out of the actor's scope is refused as if it did not exist."""
    if not projects_for(actor).filter(pk=project.pk).exists():
        raise Http404


def grid_restricted(actor: User) -> bool:
    """The account's scope is a set of grids of its own (a grid worker), not
    its whole community or the district."""
    return grid_ids(actor) is not ALL and actor.grids.exists()


def can_edit(actor: User, project: Project, grid_pks: list[int] | None = None) -> bool:
    """The editing rule: a grid worker edits the projects of their grids (one
    of the project's grids is theirs); community-wide staff edit any project
    of their community, the whole community's ones too. `grid_pks`: the
    project's grids if the caller has them (saves a query)."""
    if not (actor.is_authenticated and actor.has(Perm.MANAGE_PROJECTS)):
        return False
    ids = grid_ids(actor)
    if ids is ALL:
        return True
    pks = grid_pks if grid_pks is not None else list(
        project.grids.values_list("pk", flat=True))
    if not grid_restricted(actor):
        return project.community_id == actor.community_id or any(p in ids for p in pks)
    return any(p in ids for p in pks)


def project_page(actor: User, project: Project) -> dict[str, Any]:
    """What the staff project page shows besides the project itself."""
    updates = list(project.updates.select_related("created_by"))
    grids = list(project.grids.order_by("code"))
    children = list(project.children.prefetch_related("milestones", "children")
                    .order_by("starts_on", "pk"))
    return {
        "milestones": list(project.milestones.all()),
        "updates": updates,
        "grids": grids,
        "children": children,
        "decisions": list(project.decisions.select_related("meeting")),
        "suggestions": list(project.suggestions.all()),
        "can_edit": can_edit(actor, project, [g.pk for g in grids]),
    }


def milestone_for(actor: User, project: Project, pk: Any) -> Milestone:
    try:
        return Milestone.objects.get(project=project, pk=int(pk))
    except (Milestone.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def update_photo_for(actor: User, project: Project, pk: Any) -> ProjectUpdate:
    """An update's photo, of a project the caller already opened in scope."""
    try:
        update = ProjectUpdate.objects.get(project=project, pk=int(pk))
    except (ProjectUpdate.DoesNotExist, TypeError, ValueError):
        raise Http404 from None
    if not update.photo:
        raise Http404
    return update


def public_project(ref: str) -> Project:
    """The portal's project: by reference, and only if it is public (a private
    one is a 404 exactly like a missing one)."""
    try:
        return (Project.objects.select_related("community", "parent")
                .prefetch_related("grids", "milestones")
                .get(ref=ref, public=True))
    except Project.DoesNotExist:
        raise Http404 from None


def public_children(project: Project) -> list[Project]:
    return list(project.children.filter(public=True).exclude(
        status=ProjectStatus.CANCELLED).order_by("starts_on", "pk"))


def public_updates(project: Project) -> list[ProjectUpdate]:
    return list(project.updates.only("text", "progress", "created_at", "project_id"))


# --- the list and the wall chart ------------------------------------------------

def _milestones() -> Prefetch:
    return Prefetch("milestones", queryset=Milestone.objects.order_by("planned_on", "order", "pk"))


def in_year(qs: QuerySet[Project], year: int) -> QuerySet[Project]:
    """The projects whose planned span touches `year`."""
    return in_span(qs, date(year, 1, 1), date(year, 12, 31))


def in_span(qs: QuerySet[Project], first: date, last: date) -> QuerySet[Project]:
    """The projects whose planned span touches [first, last]."""
    return qs.filter(starts_on__lte=last, ends_on__gte=first)


def filtered(qs: QuerySet[Project], *, grid: Any = None, category: str = "",
             owner: Any = None, status: str = "") -> QuerySet[Project]:
    if grid is not None:
        qs = qs.filter(pk__in=Project.grids.through.objects.filter(grid=grid)
                       .values("project_id"))
    if category:
        qs = qs.filter(category=category)
    if owner is not None:
        qs = qs.filter(owner=owner)
    if status:
        qs = qs.filter(status=status)
    return qs


def project_list(actor: User, *, grid: Any = None, category: str = "", owner: Any = None,
                 status: str = "") -> QuerySet[Project]:
    """The list page's projects (with what its rows show, in a fixed number of
    queries)."""
    return (filtered(projects_for(actor), grid=grid, category=category, owner=owner,
                     status=status)
            .select_related("owner", "parent")
            .prefetch_related("grids", _milestones(),
                              Prefetch("children", queryset=Project.objects.prefetch_related(
                                  _milestones())))
            .order_by("-starts_on", "pk"))


@dataclass
class Row:
    project: Project
    health: Health
    children: list[Row] = field(default_factory=list)

    @property
    def colour(self) -> Colour:
        return Colour(self.health)


@dataclass
class Board:
    year: int
    today: date
    rows: list[Row]
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def board(actor: User, *, year: int, today: date, grid: Any = None, category: str = "",
          owner: Any = None) -> Board:
    """The wall chart of `year`: every project in scope that is not cancelled,
    sub-projects under their parent (a sub-project whose parent is not on the
    board stands as a row of its own), each with its colour, and the count per
    colour. Four queries however many projects."""
    qs = (filtered(in_year(projects_for(actor), year), grid=grid, category=category,
                   owner=owner)
          .exclude(status=ProjectStatus.CANCELLED)
          .select_related("owner")
          .prefetch_related("grids", _milestones(),
                            Prefetch("children", queryset=Project.objects.exclude(
                                status=ProjectStatus.CANCELLED).prefetch_related(_milestones())))
          .order_by("starts_on", "pk"))
    projects = list(qs)
    shown = {p.pk for p in projects}
    rows: dict[int, Row] = {}
    counts = {h.value: 0 for h in Health}
    for project in projects:
        row = Row(project, health(project, today))
        counts[row.health.value] += 1
        rows[project.pk] = row
    top: list[Row] = []
    for project in projects:
        row = rows[project.pk]
        if project.parent_id in shown:
            rows[project.parent_id].children.append(row)
        else:
            top.append(row)
    return Board(year=year, today=today, rows=top, counts=counts)


def owners_for(actor: User) -> QuerySet[User]:
    """The accounts that own a project in scope (the board's owner filter)."""
    return User.objects.filter(pk__in=projects_for(actor).values("owner_id")).order_by(
        "last_name", "first_name", "username")


def search_filter(qs: QuerySet[Project], text: str) -> QuerySet[Project]:
    text = text.strip()
    return qs.filter(Q(title__icontains=text) | Q(ref__icontains=text)) if text else qs
