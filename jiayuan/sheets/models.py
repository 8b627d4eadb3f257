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
from jiayuan.sheets import messages


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


class CommitState(models.TextChoices):
    """Where a large draft's import is when it runs in the background (more rows
    than IMPORT_BACKGROUND_ROWS): queued by the Import button, run by `manage.py
    tick` as the account that asked. Once it has written, the batch's status says
    so (committed) and this is empty again."""

    NONE = "", _("Not queued")
    QUEUED = "queued", _("Waiting to be imported")
    RUNNING = "running", _("Being imported")
    FAILED = "failed", _("Import failed")


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
    check_error = models.TextField(blank=True)  # before 0.12: the reason, in words
    # Why the check failed, as a stored message (jiayuan.sheets.importing.messages).
    check_error_msg = models.JSONField(null=True, blank=True)
    check_started_at = models.DateTimeField(null=True, blank=True)
    check_finished_at = models.DateTimeField(null=True, blank=True)
    # A large draft's import in the background (jiayuan.sheets.importing.committing):
    # its state, who pressed Import and when (the job imports as them, in their
    # language), when the job took it, and why it failed (a stored message).
    commit_state = models.CharField(_("import"), max_length=10, choices=CommitState.choices,
                                    default=CommitState.NONE, blank=True)
    commit_requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL,
                                            null=True, blank=True, related_name="+")
    commit_requested_at = models.DateTimeField(null=True, blank=True)
    commit_language = models.CharField(max_length=16, blank=True)
    commit_started_at = models.DateTimeField(null=True, blank=True)
    commit_error_msg = models.JSONField(null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["community", "status"], name="importbatch_status_idx"),
                   models.Index(fields=["check_state", "check_started_at"],
                                name="importbatch_check_idx"),
                   models.Index(fields=["commit_state", "commit_started_at"],
                                name="importbatch_commit_idx")]

    def __str__(self) -> str:
        return f"{self.filename} ({self.created_at:%Y-%m-%d %H:%M})"

    def check_error_text(self) -> str:
        """Why the check failed, in the reader's language."""
        return messages.render(self.check_error_msg if self.check_error_msg is not None
                               else self.check_error)

    def commit_error_text(self) -> str:
        """Why the background import failed, in the reader's language."""
        return messages.render(self.commit_error_msg) if self.commit_error_msg else ""

    def notices(self) -> list[str]:
        """The stored check's notices, in the reader's language."""
        return [messages.render(n) for n in (self.check_summary or {}).get("notices", ())]

    def not_imported_rows(self) -> list[dict]:
        """ImportBatch.not_imported with each entry's ``reasons`` in the reader's language."""
        return [{**e, "reasons": messages.entry_reasons(e)} for e in self.not_imported or ()]


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
    note = models.TextField(blank=True)  # before 0.12: the note, in words
    note_msg = models.JSONField(null=True, blank=True)  # the note, a stored message
    # [{"column": …, "reason": …}], stored messages (importing.messages): shown in
    # the reader's language (before 0.12, plain text in the words of who checked).
    problems = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["batch", "seq"]
        constraints = [models.UniqueConstraint(fields=["batch", "seq"],
                                               name="importcheckrow_seq_unique")]
        indexes = [models.Index(fields=["batch", "outcome", "seq"],
                                name="importcheckrow_outcome_idx")]

    def stored_note(self) -> messages.Stored:
        return self.note_msg if self.note_msg is not None else self.note

    def reasons(self) -> list[str]:
        """Why the row is not imported, as RowResult.reasons() says it, in the
        reader's language."""
        return messages.row_reasons(self.problems, self.outcome, self.stored_note())

    def shown(self) -> ImportCheckRow:
        """The row as a page shows it: its problems and note in the reader's
        language (on this instance only; never saved)."""
        self.problems = [{"column": messages.render(p.get("column", "")),
                          "reason": messages.render(p.get("reason", ""))} for p in self.problems]
        self.note = messages.render(self.stored_note())
        self.note_msg = None
        return self


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
