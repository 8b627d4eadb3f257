"""The projects part's objects in the matrix world (tests/civic/world.py)."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from jiayuan.civic.projects.models import Milestone, ProjectUpdate
from jiayuan.civic.projects.services import project_create


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 120, 0)).save(out, format="JPEG")
    return out.getvalue()


def projects_objects(ctx: dict[str, Any]) -> dict[str, Any]:
    """Names -> primary keys of this set's project objects: a project of the
    set's grid owned by the set's owner (public), a milestone of it and an
    update with a photo."""
    today = timezone.localdate()
    grid = ctx["grid"]
    project = project_create(
        actor=ctx["head"], community=grid.community, title=f"矩阵项目{ctx['tag']}",
        category="lighting", source="plan", owner=ctx["owner"],
        starts_on=today - timedelta(days=30), ends_on=today + timedelta(days=60),
        grids=[grid])
    milestone = Milestone.objects.create(project=project, title="招标",
                                         planned_on=today + timedelta(days=10))
    update = ProjectUpdate(project=project, text="开工", progress=10, created_by=ctx["owner"])
    update.photo.save("matrix.jpg", ContentFile(_jpeg()), save=False)
    update.save()
    return {"project": project.pk, "milestone": milestone.pk, "project_update": update.pk,
            "project_ref": project.ref}
