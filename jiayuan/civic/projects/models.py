"""Improvement projects (项目清单) and their milestones and updates: what the
wall chart (挂图作战) shows."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiayuan.civic.choices import Category, ProjectSource, ProjectStatus
from jiayuan.desk.models import private_storage


class Project(models.Model):
    """One improvement project of a community's year. `grids` empty: the
    whole community. A sub-project names its `parent`; the parent's progress
    rolls up from its children."""

    ref = models.CharField(_("reference"), max_length=24, unique=True, editable=False)
    community = models.ForeignKey("places.Community", models.PROTECT, related_name="+",
                                  verbose_name=_("community"))
    grids = models.ManyToManyField("places.Grid", blank=True, related_name="+",
                                   verbose_name=_("grids"))
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True,
                               related_name="children", verbose_name=_("part of"))
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(_("category"), max_length=14, choices=Category.choices)
    source = models.CharField(_("source"), max_length=12, choices=ProjectSource.choices)
    department = models.ForeignKey("directory.Department", models.PROTECT, null=True,
                                   blank=True, related_name="+",
                                   verbose_name=_("department"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                              verbose_name=pgettext_lazy("project", "owner"))
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("planned end"))
    status = models.CharField(_("status"), max_length=10, choices=ProjectStatus.choices,
                              default=ProjectStatus.PLANNED)
    # Percent, set by updates; a project with sub-projects rolls theirs up.
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0,
                                                validators=[MaxValueValidator(100)])
    done_on = models.DateField(_("finished"), null=True, blank=True)
    # Shown on the portal's project page (no personal data there either way).
    public = models.BooleanField(_("shown on the portal"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    AUDIT_FIELDS = ("parent_id", "title", "description", "category", "source",
                    "department_id", "owner_id", "starts_on", "ends_on", "status",
                    "progress", "done_on", "public")

    class Meta:
        verbose_name = _("improvement project")
        verbose_name_plural = _("improvement projects")
        ordering = ["starts_on", "pk"]
        indexes = [models.Index(fields=["community", "starts_on"])]

    def __str__(self) -> str:
        return self.ref


class Milestone(models.Model):
    project = models.ForeignKey(Project, models.CASCADE, related_name="milestones")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("milestone"), max_length=120)
    planned_on = models.DateField(_("planned"))
    done_on = models.DateField(_("reached"), null=True, blank=True)

    AUDIT_FIELDS = ("order", "title", "planned_on", "done_on")

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["project", "planned_on", "order", "pk"]

    def __str__(self) -> str:
        return self.title


class ProjectUpdate(models.Model):
    """A progress note, optionally with a photo. Photos live in private
    storage with no URL: only an access-checked view serves them."""

    project = models.ForeignKey(Project, models.CASCADE, related_name="updates")
    text = models.TextField(_("update"))
    progress = models.PositiveSmallIntegerField(_("progress (%)"), null=True, blank=True,
                                                validators=[MaxValueValidator(100)])
    photo = models.ImageField(_("photo"), upload_to="projects/%Y/%m/", storage=private_storage,
                              blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    AUDIT_FIELDS = ("text", "progress", "photo")

    class Meta:
        verbose_name = _("project update")
        verbose_name_plural = _("project updates")
        ordering = ["project", "-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.project_id} {self.created_at:%Y-%m-%d}"
