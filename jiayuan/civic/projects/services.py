"""Writing improvement projects (项目清单).

`project_create` is also how a suggestion is adopted and how a meeting's
decision becomes a project: those services call it, inside their own unit.
Edits claim the version the user loaded (jiayuan.core.versioning). Milestones
and updates are in services_progress; the colour rule in health.

Progress: a project without sub-projects takes the percent its updates give;
a parent's is the plain mean of its sub-projects' (`rolled_up`), rewritten
whenever a sub-project's progress or status changes.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from jiayuan.civic.choices import Category, ProjectSource, ProjectStatus
from jiayuan.civic.projects.models import Project
from jiayuan.civic.projects.selectors import (
    can_edit,
    grid_restricted,
    projects_for,
    require_visible,
)
from jiayuan.civic.scoping import community_ids
from jiayuan.core import audit
from jiayuan.core.access import require
from jiayuan.core.models import AuditAction, User
from jiayuan.core.roles import Perm
from jiayuan.core.scope import in_scope
from jiayuan.core.staff import staff_with
from jiayuan.core.versioning import claim
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
        # The parent's row first (parent before child): its status move and
        # roll-up see this sub-project, or run after it.
        parent = lock_parent(parent.pk) or parent
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
    roll_up(actor=actor, project=project)
    return project


# --- editing, status and the roll-up ----------------------------------------------

class _Keep(enum.Enum):
    KEEP = "keep"


#: "Leave this field as it is" for `project_update`.
KEEP = _Keep.KEEP

#: The status machine: where each status may go (every move is audited).
TRANSITIONS: dict[str, frozenset[str]] = {
    ProjectStatus.PLANNED: frozenset({ProjectStatus.ACTIVE, ProjectStatus.CANCELLED}),
    ProjectStatus.ACTIVE: frozenset({ProjectStatus.DONE, ProjectStatus.CANCELLED}),
    ProjectStatus.DONE: frozenset({ProjectStatus.ACTIVE}),  # reopened: done_on cleared
    ProjectStatus.CANCELLED: frozenset(),
}


def _what(project: Project) -> str:
    return _("this project (%(ref)s)") % {"ref": project.ref}


def check_editable(actor: User, project: Project) -> None:
    """In scope (else 404, like a missing project), then the editing rule."""
    require_visible(actor, project)
    if not can_edit(actor, project):
        raise ValidationError(_("%(ref)s is not a project of your grids: only staff who "
                                "work for the whole community may change it.")
                              % {"ref": project.ref})


def check_milestones_within(project: Project, starts_on: date, ends_on: date) -> None:
    """Every milestone's planned date lies within the project's span."""
    for m in project.milestones.all():
        if not starts_on <= m.planned_on <= ends_on:
            raise ValidationError(_("The milestone “%(title)s” is planned for %(on)s, outside "
                                    "the new dates: move it first.")
                                  % {"title": m.title, "on": m.planned_on.isoformat()})


@audit.audited
def project_update(*, actor: User, project: Project, version: int | None,
                   title: str | _Keep = KEEP, description: str | _Keep = KEEP,
                   category: str | _Keep = KEEP, source: str | _Keep = KEEP,
                   owner: User | _Keep = KEEP, starts_on: date | _Keep = KEEP,
                   ends_on: date | _Keep = KEEP, grids: Iterable[Grid] | _Keep = KEEP,
                   department: Department | None | _Keep = KEEP,
                   public: bool | _Keep = KEEP) -> Project:
    """Edit a project's description, owner, dates, grids; a field left at KEEP
    is not touched. Claims the version the user loaded (a Conflict otherwise)."""
    require(actor, Perm.MANAGE_PROJECTS)
    check_editable(actor, project)
    given: dict[str, Any] = {name: value for name, value in (
        ("title", title), ("description", description), ("category", category),
        ("source", source), ("owner", owner), ("starts_on", starts_on),
        ("ends_on", ends_on), ("department", department), ("public", public))
        if value is not KEEP}
    if "title" in given:
        given["title"] = given["title"].strip()
        if not given["title"]:
            raise ValidationError({"title": _("Give the project a title.")})
    if "description" in given:
        given["description"] = given["description"].strip()
    if "category" in given and given["category"] not in Category.values:
        raise ValidationError({"category": _("Choose a category.")})
    if "source" in given and given["source"] not in ProjectSource.values:
        raise ValidationError({"source": _("Choose where the project comes from.")})
    if "owner" in given and given["owner"].pk != project.owner_id:
        check_owner(actor, given["owner"])
    new_start = given.get("starts_on", project.starts_on)
    new_end = given.get("ends_on", project.ends_on)
    check_dates(new_start, new_end)
    # Locked before the milestones are read: one re-planned meanwhile
    # (services_progress holds this row) is seen as it is now.
    claim(project, version, _what(project))
    check_milestones_within(project, new_start, new_end)
    chosen = None if isinstance(grids, _Keep) else check_grids(
        actor, project.community, grids)
    if chosen is not None and grid_restricted(actor) and not chosen:
        raise ValidationError({"grids": _("Keep at least one of your grids: a project of "
                                          "the whole community is for community-wide staff.")})
    if chosen is not None:
        # The grids out of the actor's scope stay: a grid worker edits a
        # project shared with another grid without taking it away from it.
        chosen += [g for g in project.grids.all()
                   if not in_scope(actor, g.pk) and g not in chosen]
    before = audit.snapshot(project, Project.AUDIT_FIELDS)
    before_grids = sorted(project.grids.values_list("code", flat=True))
    for name, value in given.items():
        setattr(project, name, value)
    project.save(update_fields=[*given, "version", "updated_at"])
    changes = audit.diff(before, audit.snapshot(project, Project.AUDIT_FIELDS))
    if chosen is not None:
        project.grids.set(chosen)
        after_grids = sorted(g.code for g in chosen)
        if after_grids != before_grids:
            changes["grids"] = [before_grids, after_grids]
    audit.record(AuditAction.UPDATE, actor=actor, obj=project, changes=changes)
    return project


def rolled_up(project: Project) -> int | None:
    """A parent's progress: the plain mean of its sub-projects' progress, a
    done one counting 100 and a cancelled one not at all (None: no child
    counts, the parent keeps its own). Plain, not weighted by milestones: a
    sub-project is one part of the whole, whatever its number of steps."""
    values = [100 if c.status == ProjectStatus.DONE else c.progress
              for c in project.children.exclude(status=ProjectStatus.CANCELLED)]
    return round(sum(values) / len(values)) if values else None


def lock_parent(pk: int | None) -> Project | None:
    """Lock a sub-project's parent row (None: no parent), before the
    sub-project's own: a parent and its children are locked parent first, so
    a roll-up, a sub-project's change and the parent's status move take turns."""
    if pk is None:
        return None
    return Project.objects.select_for_update().get(pk=pk)


def roll_up(*, actor: User, project: Project) -> None:
    """Write the parent's rolled-up progress (inside the caller's service,
    which locked the parent first: lock_parent)."""
    if project.parent_id is None:
        return
    parent = Project.objects.select_for_update().get(pk=project.parent_id)
    value = rolled_up(parent)
    if value is None or value == parent.progress:
        return
    old = parent.progress
    Project.objects.filter(pk=parent.pk).update(progress=value)
    audit.record(AuditAction.UPDATE, actor=actor, obj=parent,
                 changes={"progress": [old, value], "rolled_up_from": project.ref})


@audit.audited
def project_set_status(*, actor: User, project: Project, status: str, version: int | None,
                       on: date | None = None, close_open: bool = False,
                       today: date | None = None) -> Project:
    """Move a project along TRANSITIONS. Done needs every milestone reached,
    or `close_open` (the worker closes the unreached ones explicitly: they are
    marked reached on the finishing day, and the audit entry names them), and
    every sub-project done or cancelled; it sets done_on (`on`, default today,
    not in the future, not before the start) and progress 100."""
    require(actor, Perm.MANAGE_PROJECTS)
    check_editable(actor, project)
    today = today or timezone.localdate()
    # Locked (parent first) before anything is checked: the checks read the
    # row as it is now, and a sub-project's change waits for them.
    lock_parent(project.parent_id)
    claim(project, version, _what(project))
    project.refresh_from_db()
    if status not in TRANSITIONS.get(project.status, frozenset()):
        raise ValidationError({"status": _("A project that is “%(now)s” cannot become "
                                           "“%(next)s”.") % {
            "now": ProjectStatus(project.status).label,
            "next": ProjectStatus(status).label if status in ProjectStatus.values
            else status}})
    changes: dict[str, Any] = {}
    if status == ProjectStatus.DONE:
        on = on or today
        if on > today:
            raise ValidationError({"on": _("The date is in the future.")})
        if on < project.starts_on:
            raise ValidationError({"on": _("The project cannot finish before it starts.")})
        open_children = project.children.exclude(
            status__in=[ProjectStatus.DONE, ProjectStatus.CANCELLED])
        if open_children.exists():
            raise ValidationError({"status": _("Sub-projects still open: %(refs)s. Finish or "
                                               "cancel them first.") % {
                "refs": ", ".join(open_children.values_list("ref", flat=True))}})
        unreached = list(project.milestones.filter(done_on__isnull=True))
        if unreached and not close_open:
            raise ValidationError({"close_open": _(
                "Milestones not reached yet: %(titles)s. Record them as reached, or tick "
                "“close the open milestones” to close them now.") % {
                "titles": "; ".join(m.title for m in unreached)}})
        if unreached:
            project.milestones.filter(pk__in=[m.pk for m in unreached]).update(done_on=on)
            changes["milestones_closed"] = [m.title for m in unreached]
    before = audit.snapshot(project, Project.AUDIT_FIELDS)
    project.status = status
    if status == ProjectStatus.DONE:
        project.done_on, project.progress = on, 100
    elif project.done_on is not None:
        project.done_on = None
    project.save(update_fields=["status", "done_on", "progress", "version", "updated_at"])
    changes.update(audit.diff(before, audit.snapshot(project, Project.AUDIT_FIELDS)))
    audit.record(AuditAction.UPDATE, actor=actor, obj=project, changes=changes)
    roll_up(actor=actor, project=project)
    return project
