"""Roster imports: each one is a recorded batch that can be undone.

A batch is created when a file is uploaded (status "draft": nothing written to
the registry yet), committed in one transaction, and possibly undone. People,
households and dwellings a batch created carry its id (`import_batch_id`, a
plain integer so the registry's tables do not depend on this app); people it
changed have their previous values in an ImportChange row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiayuan.desk.models import private_storage


class BatchStatus(models.TextChoices):
    DRAFT = "draft", _("Checked, not imported")
    COMMITTED = "committed", _("Imported")
    UNDONE = "undone", _("Undone")


class CheckState(models.TextChoices):
    """Where a draft's dry run is: its result is stored (ImportCheckRow), so the
    check page never reads the file again."""

    NONE = "", _("Not checked")
    QUEUED = "queued", _("Waiting to be checked")
    RUNNING = "running", _("Being checked")
    DONE = "done", _("Checked")
    FAILED = "failed", _("Check failed")


class ImportBatch(models.Model):
    community = models.ForeignKey("places.Community", models.PROTECT, related_name="+")
    grid = models.ForeignKey("places.Grid", models.PROTECT, related_name="+",
                             verbose_name=_("grid"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                   verbose_name=_("uploaded by"))
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    filename = models.CharField(_("file"), max_length=200)
    file_sha256 = models.CharField(_("file fingerprint"), max_length=64, db_index=True)
    file = models.FileField(upload_to="imports/%Y/%m/", max_length=200, storage=private_storage)
    sheet_name = models.CharField(_("sheet"), max_length=100, blank=True)
    header_row = models.PositiveIntegerField(_("header row"), default=1)
    # Every sheet of the file with data: [{name, visible, rows, header_row (None:
    # no header, not a roster), signature (its header's keys)}], and the names of
    # the sheets read (one, or several with the same header); sheet_name and
    # header_row are the first of them.
    book = models.JSONField(default=list, blank=True)
    sheets = models.JSONField(default=list, blank=True)
    # {column index (str): field key}
    mapping = models.JSONField(default=dict, blank=True)
    # Row numbers (in the file) of possible duplicates the worker chose to import.
    accepted = models.JSONField(default=list, blank=True)
    # How the people on the roster consented to their ethnic group being recorded
    # (e.g. "signed registration forms 2026"); without it that column is ignored.
    consent_evidence = models.CharField(_("consent to record ethnic group"), max_length=200,
                                        blank=True)
    counts = models.JSONField(default=dict, blank=True)
    # The rows the commit left out: [{sheet, row, name, outcome, reasons}].
    not_imported = models.JSONField(default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=BatchStatus.choices,
                              default=BatchStatus.DRAFT)
    committed_at = models.DateTimeField(_("imported"), null=True, blank=True)
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True,
                                  blank=True, related_name="+", verbose_name=_("undone by"))
    # The stored dry run of a draft (jiayuan.sheets.importing.checking): its state,
    # who asked for it (a background check runs as them, in their language), its
    # progress (rows read of about check_total), its counts and what the page shows
    # besides the rows (header, notices, sheets), or why it failed.
    check_state = models.CharField(_("check"), max_length=10, choices=CheckState.choices,
                                   default=CheckState.NONE, blank=True)
    check_requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL,
                                           null=True, blank=True, related_name="+")
    check_language = models.CharField(max_length=16, blank=True)
    check_total = models.PositiveIntegerField(default=0)
    check_done = models.PositiveIntegerField(default=0)
    check_counts = models.JSONField(default=dict, blank=True)
    check_summary = models.JSONField(default=dict, blank=True)
    check_error = models.TextField(blank=True)
    check_started_at = models.DateTimeField(null=True, blank=True)
    check_finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["community", "status"], name="importbatch_status_idx"),
                   models.Index(fields=["check_state", "check_started_at"],
                                name="importbatch_check_idx")]

    def __str__(self) -> str:
        return f"{self.filename} ({self.created_at:%Y-%m-%d %H:%M})"


class ImportCheckRow(models.Model):
    """One row's outcome in a draft's stored dry run, as the check page lists it.
    Deleted when the draft is checked again and when it is imported."""

    batch = models.ForeignKey(ImportBatch, models.CASCADE, related_name="check_rows")
    seq = models.PositiveIntegerField()  # the row's place among the rows read
    ref = models.PositiveBigIntegerField()  # RowResult.ref: what a ticked duplicate stores
    number = models.PositiveIntegerField()  # the row number the spreadsheet shows
    sheet = models.CharField(max_length=100, blank=True)
    outcome = models.CharField(max_length=10)
    name = models.TextField(blank=True)
    dwelling = models.TextField(blank=True)
    note = models.TextField(blank=True)
    # [{"column": …, "reason": …}], in the words of whoever asked for the check.
    problems = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["batch", "seq"]
        constraints = [models.UniqueConstraint(fields=["batch", "seq"],
                                               name="importcheckrow_seq_unique")]
        indexes = [models.Index(fields=["batch", "outcome", "seq"],
                                name="importcheckrow_outcome_idx")]

    def reasons(self) -> list[str]:
        """Why the row is not imported, as RowResult.reasons() said it."""
        out = [f"{p['column']}: {p['reason']}" for p in self.problems]
        if self.outcome == "duplicate":
            out.append(self.note + " " + str(_("Import it anyway by ticking it on the check "
                                               "page.")))
        return out


class ImportChange(models.Model):
    """A person an import changed, with the values it replaced (for undo)."""

    batch = models.ForeignKey(ImportBatch, models.CASCADE, related_name="changes")
    person = models.ForeignKey("registry.Person", models.CASCADE, related_name="+")
    before = models.JSONField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["batch", "person"],
                                               name="importchange_once_per_batch")]


class MappingTemplate(models.Model):
    """A saved column mapping: header text -> field, for a station's usual roster."""

    community = models.ForeignKey("places.Community", models.CASCADE, related_name="+")
    name = models.CharField(_("template name"), max_length=60)
    columns = models.JSONField(default=dict)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("column template")
        verbose_name_plural = _("column templates")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["community", "name"],
                                               name="mappingtemplate_name_unique")]

    def __str__(self) -> str:
        return self.name
