"""Writing improvement projects (项目清单).

`project_create` is also how a suggestion is adopted and how a meeting's
decision becomes a project: those services call it, inside their own unit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from jiayuan.civic.choices import Category, ProjectSource
from jiayuan.civic.projects.models import Project
from jiayuan.civic.projects.selectors import projects_for
from jiayuan.civic.scoping import community_ids
from jiayuan.core import audit
from jiayuan.core.access import require
from jiayuan.core.models import AuditAction, User
from jiayuan.core.roles import Perm
from jiayuan.core.scope import in_scope
from jiayuan.core.staff import staff_with
from jiayuan.desk.services import next_ref
from jiayuan.directory.models import Department
from jiayuan.places.models import Community, Grid


def check_community(actor: User, community: Community) -> None:
    ids = community_ids(actor)
    if ids is not None and community.pk not in ids:
        raise ValidationError(_("%(community)s is not your community.")
                              % {"community": community.name})


def check_owner(actor: User, owner: User) -> None:
    """An owner the form offers: an active account of the actor's community
    allowed to manage projects."""
    if not staff_with(actor, Perm.MANAGE_PROJECTS, keep=()).filter(pk=owner.pk).exists():
        raise ValidationError({"owner": _("%(name)s cannot own projects here: choose an "
                                          "active colleague who manages projects.")
                               % {"name": owner.display_name}})


def check_grids(actor: User, community: Community, grids: Iterable[Grid]) -> list[Grid]:
    chosen = list(grids)
    for grid in chosen:
        if grid.community_id != community.pk or not in_scope(actor, grid.pk):
            raise ValidationError({"grids": _("Grid %(g)s is not in your grids.")
                                   % {"g": grid.code}})
    return chosen


def check_dates(starts_on: date, ends_on: date) -> None:
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The planned end is before the start.")})


@audit.audited
def project_create(*, actor: User, community: Community, title: str, category: str,
                   source: str, owner: User, starts_on: date, ends_on: date,
                   grids: Iterable[Grid] = (), description: str = "",
                   department: Department | None = None, parent: Project | None = None,
                   public: bool = True) -> Project:
    require(actor, Perm.MANAGE_PROJECTS)
    check_community(actor, community)
    chosen = check_grids(actor, community, grids)
    check_owner(actor, owner)
    check_dates(starts_on, ends_on)
    if category not in Category.values:
        raise ValidationError({"category": _("Choose a category.")})
    if source not in ProjectSource.values:
        raise ValidationError({"source": _("Choose where the project comes from.")})
    if not title.strip():
        raise ValidationError({"title": _("Give the project a title.")})
    if parent is not None:
        if not projects_for(actor).filter(pk=parent.pk, community=community).exists():
            raise ValidationError({"parent": _("That project is not one of your community's.")})
        if parent.parent_id is not None:
            raise ValidationError({"parent": _("A sub-project cannot have sub-projects.")})
    project = Project.objects.create(
        ref=next_ref(f"{community.code}-X", starts_on.year), community=community,
        parent=parent, title=title.strip(), description=description.strip(),
        category=category, source=source, department=department, owner=owner,
        starts_on=starts_on, ends_on=ends_on, public=public, created_by=actor)
    project.grids.set(chosen)
    audit.record(AuditAction.CREATE, actor=actor, obj=project,
                 changes=audit.created(audit.snapshot(project, Project.AUDIT_FIELDS)))
    return project
