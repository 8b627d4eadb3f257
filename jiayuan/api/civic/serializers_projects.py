"""What the project endpoints answer: the list's rows and the wall chart's
data (milestones planned against reached, the colour), and the project page."""

from __future__ import annotations

from datetime import date
from typing import Any

from rest_framework import serializers

from jiayuan.api.care.common import Ref, StaffRef, grid, staff
from jiayuan.civic.choices import Category, Health, ProjectSource, ProjectStatus
from jiayuan.civic.projects.health import health

ID = {"min_value": 1, "max_value": 2**31 - 1}


class ProjectQuery(serializers.Serializer):
    grid = serializers.IntegerField(required=False, **ID)
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    owner = serializers.IntegerField(required=False, **ID)
    status = serializers.ChoiceField(choices=ProjectStatus.choices, required=False)
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
    q = serializers.CharField(max_length=60, required=False, allow_blank=True)


class Milestone(serializers.Serializer):
    id = serializers.IntegerField()
    order = serializers.IntegerField()
    title = serializers.CharField()
    planned_on = serializers.DateField()
    done_on = serializers.DateField(allow_null=True)


class ProjectBrief(serializers.Serializer):
    id = serializers.IntegerField()
    ref = serializers.CharField()
    title = serializers.CharField()
    progress = serializers.IntegerField()
    health = serializers.ChoiceField(choices=Health.choices)


class Project(serializers.Serializer):
    id = serializers.IntegerField()
    ref = serializers.CharField()
    title = serializers.CharField()
    category = serializers.ChoiceField(choices=Category.choices)
    source = serializers.ChoiceField(choices=ProjectSource.choices)
    status = serializers.ChoiceField(choices=ProjectStatus.choices)
    progress = serializers.IntegerField(help_text="Percent.")
    health = serializers.ChoiceField(choices=Health.choices,
                                     help_text="The wall chart's colour today.")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    done_on = serializers.DateField(allow_null=True)
    public = serializers.BooleanField(help_text="Shown on the portal.")
    owner = StaffRef()
    grids = Ref(many=True, help_text="Empty: the whole community.")
    parent = Ref(allow_null=True)
    milestones = Milestone(many=True)


class Update(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    created_by = StaffRef(allow_null=True)
    text = serializers.CharField()
    progress = serializers.IntegerField(allow_null=True)
    has_photo = serializers.BooleanField()


class DecisionRef(serializers.Serializer):
    id = serializers.IntegerField()
    meeting = Ref()
    number = serializers.IntegerField()
    text = serializers.CharField()


class SuggestionRef(serializers.Serializer):
    id = serializers.IntegerField()
    ref = serializers.CharField()
    title = serializers.CharField()


class ProjectDetail(Project):
    description = serializers.CharField(allow_blank=True)
    department = Ref(allow_null=True)
    children = ProjectBrief(many=True)
    updates = Update(many=True)
    decisions = DecisionRef(many=True)
    suggestions = SuggestionRef(many=True)
    can_edit = serializers.BooleanField()
    version = serializers.IntegerField()


def _label(p: Any) -> dict[str, Any]:
    return {"id": p.pk, "label": f"{p.ref} {p.title}"}


def project_data(p: Any, today: date) -> dict[str, Any]:
    return {
        "id": p.pk, "ref": p.ref, "title": p.title, "category": p.category,
        "source": p.source, "status": p.status, "progress": p.progress,
        "health": health(p, today).value, "starts_on": p.starts_on, "ends_on": p.ends_on,
        "done_on": p.done_on, "public": p.public, "owner": staff(p.owner),
        "grids": [grid(g) for g in sorted(p.grids.all(), key=lambda g: g.code)],
        "parent": _label(p.parent) if p.parent is not None else None,
        "milestones": [{"id": m.pk, "order": m.order, "title": m.title,
                        "planned_on": m.planned_on, "done_on": m.done_on}
                       for m in p.milestones.all()],
    }


def project_detail_data(p: Any, page: dict[str, Any], today: date) -> dict[str, Any]:
    """`page`: selectors.project_page's (what the page shows besides the project)."""
    data = project_data(p, today)
    data.update(
        grids=[grid(g) for g in page["grids"]],
        milestones=[{"id": m.pk, "order": m.order, "title": m.title,
                     "planned_on": m.planned_on, "done_on": m.done_on}
                    for m in page["milestones"]],
        description=p.description,
        department={"id": p.department.pk, "label": p.department.name}
        if p.department is not None else None,
        children=[{"id": c.pk, "ref": c.ref, "title": c.title, "progress": c.progress,
                   "health": health(c, today).value} for c in page["children"]],
        updates=[{"id": u.pk, "created_at": u.created_at, "created_by": staff(u.created_by),
                  "text": u.text, "progress": u.progress, "has_photo": bool(u.photo)}
                 for u in page["updates"]],
        decisions=[{"id": d.pk, "meeting": {"id": d.meeting.pk,
                                "label": f"{d.meeting.ref} {d.meeting.title}"},
                    "number": d.number, "text": d.text} for d in page["decisions"]],
        suggestions=[{"id": s.pk, "ref": s.ref, "title": s.title}
                     for s in page["suggestions"]],
        can_edit=page["can_edit"], version=p.version)
    return data
