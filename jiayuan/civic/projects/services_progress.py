"""Writing a project's milestones and updates (with a photo).

A milestone is planned within the project's span: not before it starts, not
after its planned end (move the end first: the plan then says so, and the
wall chart's colour follows the new plan). A milestone is reached on a day
not in the future and not before the project starts. An update's percent
becomes the project's progress (a parent's comes from its sub-projects, so an
update on one carries no percent) and rolls up to its parent.
"""

from __future__ import annotations

import enum
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from jiayuan.civic.choices import ProjectStatus
from jiayuan.civic.projects.models import Milestone, Project, ProjectUpdate
from jiayuan.civic.projects.photos import clean_photo
from jiayuan.civic.projects.services import check_editable, lock_parent, roll_up
from jiayuan.core import audit
from jiayuan.core.access import require
from jiayuan.core.models import AuditAction, User
from jiayuan.core.roles import Perm


class _Keep(enum.Enum):
    KEEP = "keep"


KEEP = _Keep.KEEP


def _check_open(project: Project) -> None:
    if project.status in (ProjectStatus.DONE, ProjectStatus.CANCELLED):
        raise ValidationError(_("%(ref)s is %(status)s: reopen it before changing its plan.")
                              % {"ref": project.ref,
                                 "status": ProjectStatus(project.status).label})


def _hold(project: Project) -> None:
    """Lock the project's row and re-read what a milestone is checked against
    (its status and span): milestones are numbered, added, re-planned and
    removed one writer at a time, and not while the project's plan or status
    moves (project_update and the status moves lock the row too)."""
    locked = Project.objects.select_for_update().only(
        "status", "starts_on", "ends_on").get(pk=project.pk)
    project.status, project.starts_on, project.ends_on = (
        locked.status, locked.starts_on, locked.ends_on)


def check_planned(project: Project, planned_on: date) -> None:
    if planned_on < project.starts_on:
        raise ValidationError({"planned_on": _(
            "The milestone is planned before the project starts (%(start)s).")
            % {"start": project.starts_on.isoformat()}})
    if planned_on > project.ends_on:
        raise ValidationError({"planned_on": _(
            "The milestone is planned after the project's planned end (%(end)s): move the "
            "end first.") % {"end": project.ends_on.isoformat()}})


def check_reached(project: Project, done_on: date | None, today: date) -> None:
    if done_on is None:
        return
    if done_on > today:
        raise ValidationError({"done_on": _("The date is in the future.")})
    if done_on < project.starts_on:
        raise ValidationError({"done_on": _(
            "The milestone cannot be reached before the project starts (%(start)s).")
            % {"start": project.starts_on.isoformat()}})


@audit.audited
def milestone_add(*, actor: User, project: Project, title: str, planned_on: date,
                  done_on: date | None = None, today: date | None = None) -> Milestone:
    require(actor, Perm.MANAGE_PROJECTS)
    check_editable(actor, project)
    # The project's row first, so two milestones added at once are numbered in turn.
    _hold(project)
    _check_open(project)
    if not title.strip():
        raise ValidationError({"title": _("Name the milestone.")})
    check_planned(project, planned_on)
    check_reached(project, done_on, today or timezone.localdate())
    order = project.milestones.count() + 1
    milestone = Milestone.objects.create(project=project, order=order, title=title.strip(),
                                         planned_on=planned_on, done_on=done_on)
    audit.record(AuditAction.CREATE, actor=actor, obj=milestone,
                 changes=audit.created(audit.snapshot(milestone, Milestone.AUDIT_FIELDS)))
    return milestone


@audit.audited
def milestone_update(*, actor: User, milestone: Milestone, title: str | _Keep = KEEP,
                     planned_on: date | _Keep = KEEP, done_on: date | None | _Keep = KEEP,
                     today: date | None = None) -> Milestone:
    """Re-plan a milestone or record the day it was reached (None: not yet)."""
    require(actor, Perm.MANAGE_PROJECTS)
    project = milestone.project
    check_editable(actor, project)
    _hold(project)  # as milestone_add: checked against the plan as it is now
    if not Milestone.objects.filter(pk=milestone.pk).exists():
        raise Http404  # removed meanwhile
    _check_open(project)
    given: dict[str, Any] = {name: value for name, value in (
        ("title", title), ("planned_on", planned_on), ("done_on", done_on))
        if value is not KEEP}
    if "title" in given:
        given["title"] = given["title"].strip()
        if not given["title"]:
            raise ValidationError({"title": _("Name the milestone.")})
    if "planned_on" in given:
        check_planned(project, given["planned_on"])
    if "done_on" in given:
        check_reached(project, given["done_on"], today or timezone.localdate())
    before = audit.snapshot(milestone, Milestone.AUDIT_FIELDS)
    for name, value in given.items():
        setattr(milestone, name, value)
    milestone.save(update_fields=list(given))
    audit.record(AuditAction.UPDATE, actor=actor, obj=milestone,
                 changes=audit.diff(before, audit.snapshot(milestone, Milestone.AUDIT_FIELDS)))
    return milestone


@audit.audited
def milestone_remove(*, actor: User, milestone: Milestone) -> None:
    require(actor, Perm.MANAGE_PROJECTS)
    check_editable(actor, milestone.project)
    _hold(milestone.project)
    if not Milestone.objects.filter(pk=milestone.pk).exists():
        return  # removed by another request meanwhile
    _check_open(milestone.project)
    audit.record(AuditAction.DELETE, actor=actor, obj=milestone,
                 changes=audit.snapshot(milestone, Milestone.AUDIT_FIELDS))
    milestone.delete()


@audit.audited
def update_add(*, actor: User, project: Project, text: str, progress: int | None = None,
               photo: UploadedFile | None = None) -> ProjectUpdate:
    """A progress note, its percent (becomes the project's) and a photo
    (re-encoded, private). Nothing is saved when any part is refused."""
    require(actor, Perm.MANAGE_PROJECTS)
    check_editable(actor, project)
    # Parent first, then this project (services.lock_parent): its status,
    # progress and sub-projects are read as they are now.
    lock_parent(project.parent_id)
    locked = Project.objects.select_for_update().get(pk=project.pk)
    project.status, project.progress = locked.status, locked.progress
    if project.status == ProjectStatus.CANCELLED:
        raise ValidationError(_("%(ref)s is cancelled.") % {"ref": project.ref})
    if not text.strip():
        raise ValidationError({"text": _("Say what happened.")})
    if progress is not None:
        if not 0 <= progress <= 100:
            raise ValidationError({"progress": _("Progress is a percent, 0 to 100.")})
        if project.children.exists():
            raise ValidationError({"progress": _(
                "This project's progress comes from its sub-projects: record the percent "
                "on them.")})
        if project.status == ProjectStatus.DONE and progress != 100:
            raise ValidationError({"progress": _("The project is done: reopen it first.")})
    clean = clean_photo(photo) if photo else None
    update = ProjectUpdate(project=project, text=text.strip(), progress=progress,
                           created_by=actor)
    if clean is not None:
        update.photo.save(clean.name or "photo.jpg", clean, save=False)
    try:
        update.save()
        changes = audit.created(audit.snapshot(update, ("text", "progress")))
        if update.photo:
            changes["photo"] = update.photo.name
        audit.record(AuditAction.CREATE, actor=actor, obj=update, changes=changes)
        if progress is not None and progress != project.progress:
            old = project.progress
            Project.objects.filter(pk=project.pk).update(progress=progress)
            project.progress = progress
            audit.record(AuditAction.UPDATE, actor=actor, obj=project,
                         changes={"progress": [old, progress]})
            roll_up(actor=actor, project=project)
    except Exception:
        if update.photo:
            update.photo.delete(save=False)  # rolled back: leave no orphan file
        raise
    return update
