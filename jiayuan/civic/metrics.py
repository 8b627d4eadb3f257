"""Deliberation's figures (jiayuan.core.metrics): meetings held, suggestions by
stage and projects by status (also as one breakdown, `civic.projects_by_status`)."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiayuan.civic.choices import MeetingStatus, ProjectStatus, Stage
from jiayuan.civic.meetings.models import Meeting
from jiayuan.civic.meetings.selectors import meetings_for
from jiayuan.civic.projects.models import Project
from jiayuan.civic.projects.selectors import filtered, in_span, projects_for
from jiayuan.civic.suggestions.models import Suggestion
from jiayuan.civic.suggestions.selectors import suggestions_for
from jiayuan.core import metrics
from jiayuan.core.metric_parts import described, monthly
from jiayuan.core.metrics import Breakdown, Cells, Metric, Period, Place, PlaceKind, Unit
from jiayuan.core.models import User
from jiayuan.core.roles import Perm


def _meetings_held(actor: User, period: Period, place: Place) -> QuerySet[Meeting]:
    return place.filter(meetings_for(actor), community="community").filter(
        status=MeetingStatus.HELD, starts_at__gte=period.since, starts_at__lt=period.until)


def suggestions_received(actor: User, period: Period, place: Place,
                         stage: str = "") -> QuerySet[Suggestion]:
    """Suggestions received in the period, each counted once (one merged into
    another counts as that one), by the stage of their status today."""
    qs = place.filter(suggestions_for(actor), community="community").filter(
        received_at__gte=period.since, received_at__lt=period.until, merged_into__isnull=True)
    return qs.filter(status__stage=stage) if stage else qs


def projects_in(actor: User, period: Period, place: Place,
                status: str = "") -> QuerySet[Project]:
    """Projects whose planned span touches the period, by their status today.
    A project of a grid place is one tagged with that grid."""
    qs = in_span(projects_for(actor), period.start, period.end)
    if place.kind == PlaceKind.GRID:
        qs = filtered(qs, grid=place.id)
    elif place.kind == PlaceKind.COMMUNITY:
        qs = qs.filter(community=place.id)
    return qs.filter(status=status) if status else qs


def _suggestions(stage: str) -> metrics.Records:
    return lambda actor, period, place: suggestions_received(actor, period, place, stage)


def _projects(status: str) -> metrics.Records:
    return lambda actor, period, place: projects_in(actor, period, place, status)


def _project_list(status: str) -> metrics.ListUrl:
    """The project list filters by year, grid and status (not by community)."""
    def url(period: Period, place: Place) -> str | None:
        year = period.start.year
        whole_year = (period.start, period.end) == (date(year, 1, 1), date(year, 12, 31))
        if not whole_year or place.kind == PlaceKind.COMMUNITY:
            return None
        query = {"year": year, **place.query(), "status": status}
        return f"{reverse('project_list')}?{urlencode(query)}"

    return url


CIVIC = {"permission": Perm.VIEW_CIVIC}
metrics.register(Metric(
    code="civic.meetings_held", order=10, name=_("Meetings held"),
    description=_("Meetings of every kind (councils, hearings, roundtables…) that started in "
                  "the period and were held (planned and cancelled ones not counted)."),
    unit=Unit.COUNT, model=Meeting, dated_by="starts_at", records=_meetings_held,
    trend=monthly(_meetings_held, "starts_at"), **CIVIC))
metrics.register(Metric(
    code="civic.suggestions", order=20, name=_("Suggestions received"),
    description=_("Suggestions received in the period, each counted once: one merged into "
                  "another counts as that one."),
    unit=Unit.COUNT, model=Suggestion, dated_by="received_at", records=_suggestions(""),
    trend=monthly(_suggestions(""), "received_at"), **CIVIC))
for order, (stage, label) in enumerate(Stage.choices):
    metrics.register(Metric(
        code=f"civic.suggestions.{stage}", order=21 + order,
        name=format_lazy(_("Suggestions: {stage}"), stage=label),
        description=_("Suggestions received in the period (each counted once) whose status "
                      "today is of this stage."),
        unit=Unit.COUNT, model=Suggestion, dated_by="received_at", records=_suggestions(stage),
        trend=monthly(_suggestions(stage), "received_at"), **CIVIC))
for order, (status, label) in enumerate(ProjectStatus.choices):
    metrics.register(Metric(
        code=f"civic.projects.{status}", order=40 + order,
        name=format_lazy(_("Projects: {status}"), status=label),
        description=_("Improvement projects whose planned span touches the period and whose "
                      "status today is this one."),
        unit=Unit.COUNT, model=Project, dated_by="starts_on, ends_on",
        records=_projects(status), list_url=_project_list(status), **CIVIC))



PROJECTS = ("projects", pgettext_lazy("breakdown column", "Projects"))


def _projects_by_status(actor: User, period: Period, place: Place) -> Cells:
    found: dict[str, Any] = dict(projects_in(actor, period, place).order_by().values("status")
                                 .annotate(n=Count("id")).values_list("status", "n"))
    return Cells(rows=list(ProjectStatus.choices), columns=[PROJECTS],
                 counts=[[found.get(status, 0)] for status, _label in ProjectStatus.choices])


metrics.register_breakdown(Breakdown(
    code="civic.projects_by_status", order=10, name=_("Projects by status"),
    description=_("Improvement projects whose planned span touches the period, by their "
                  "status today (the figures “Projects: …” side by side)."),
    permission=Perm.VIEW_CIVIC, dated_by="starts_on, ends_on",
    cells=described(_projects_by_status, ProjectStatus.choices, [PROJECTS])))
