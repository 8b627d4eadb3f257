"""A report prepared in the background (a whole district over more than a
quarter is too much to build while a browser waits): what was asked, by
whom, and the file once the scheduler's `reports` job (jiayuan.reports.jobs)
has built it. Runs are kept 7 days, then deleted by the same job."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RunState(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Being prepared")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class RunFormat(models.TextChoices):
    XLSX = "xlsx", _("Excel")
    PDF = "pdf", _("PDF")


class ReportRun(models.Model):
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE,
                                     related_name="+", verbose_name=_("requested by"))
    # The report's query (Params.query()): parsed again, for the requester, when it is built.
    params = models.JSONField(_("parameters"))
    # The heading at the time of asking ("2026 · All my area"), for the list of runs.
    label = models.CharField(_("report"), max_length=200)
    format = models.CharField(_("format"), max_length=8, choices=RunFormat.choices)
    # The requester's language: the file is written in it.
    language = models.CharField(_("language"), max_length=16)
    state = models.CharField(_("state"), max_length=10, choices=RunState.choices,
                             default=RunState.QUEUED)
    created_at = models.DateTimeField(_("asked"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # The file itself (a report is some hundred kilobytes; kept 7 days).
    content = models.BinaryField(null=True, blank=True, editable=False)
    filename = models.CharField(_("file"), max_length=200, blank=True)
    digest = models.CharField(_("fingerprint"), max_length=64, blank=True)
    # The built report's Params.audit(): what each download's audit entry names.
    audit_params = models.JSONField(default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("report run")
        verbose_name_plural = _("report runs")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "created_at"], name="reportrun_state_idx")]

    def __str__(self) -> str:
        return f"{self.label} ({self.format})"

    @property
    def pending(self) -> bool:
        return self.state in (RunState.QUEUED, RunState.RUNNING)
