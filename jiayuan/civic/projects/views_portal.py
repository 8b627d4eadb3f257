"""The portal's project page: no account, no personal data (no owner, no
resident, no photo), and a project not marked public is a 404 exactly like
a missing one."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from jiayuan.civic.projects import selectors


@require_GET
def portal_project(request: HttpRequest, ref: str) -> HttpResponse:
    project = selectors.public_project(ref)
    station = settings.STATION_NAME or project.community.name
    return render(request, "portal/civic_project.html", {
        "portal_station": station, "project": project,
        "updates": selectors.public_updates(project),
        "children": selectors.public_children(project)})
