"""Exports of households, people, cases and visits as .csv or .xlsx.

What leaves the system is decided here, in one place:

- Access: EXPORT_DATA plus the list's view permission; rows come from the
  registry, desk and care selectors (the account's scope); a grid filter must
  be one of the account's grids. No filter on any sensitive attribute.
- Columns: ordinary ones (ID-card and phone numbers masked) and sensitive ones,
  each needing a permission: offered only to roles holding it, written only
  when ticked and with a reason; whole numbers are decrypted only then.
- Audit: one entry per export (list, format, filters, rows, sensitive columns,
  reason), never a value.
- Memory: `.iterator()` in chunks of CHUNK with per-chunk prefetches; CSV is
  streamed as produced (UTF-8 with BOM: enough for Excel and WPS to read
  Chinese); xlsx is written row by row in XlsxWriter's constant-memory mode to
  an unlinked temporary file, then sent. Peak memory is bounded by a chunk.
  Excel rounds long digit strings in a CSV, so the page recommends xlsx, where
  ID and phone numbers are text and dates are dates.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Count, Max, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jiayuan.core import audit
from jiayuan.core.access import require
from jiayuan.core.models import AuditAction, AuditEntry, User
from jiayuan.core.roles import Perm
from jiayuan.core.scope import in_scope
from jiayuan.sheets.export_datasets import DATASETS, Column, Dataset, Export, Spec
from jiayuan.sheets.xlsx import MAX_ROWS, Cell, csv_chunks, write_sheet

__all__ = ["CONTENT_TYPES", "DATASETS", "Column", "Dataset", "Export", "Spec", "run"]


CHUNK = 2000
MIN_REASON = 10
FORMATS = ("xlsx", "csv")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


# --- who may have what ------------------------------------------------------------

def datasets_for(actor: User) -> list[Dataset]:
    """The lists this account may export, in the page's order."""
    if not (actor.is_authenticated and actor.has(Perm.EXPORT_DATA)):
        return []
    return [d for d in DATASETS.values() if actor.has(d.perm)]


def sensitive_columns(actor: User, dataset: Dataset) -> list[Column]:
    """The sensitive columns of `dataset` the account's role may export (the
    only ones the page offers)."""
    return [c for c in dataset.columns if c.sensitive and actor.has(c.perm)]


def columns_for(dataset: Dataset, sensitive: tuple[str, ...] = ()) -> list[Column]:
    """The columns written, in order: the ordinary ones, and the sensitive ones
    chosen (a whole number in place of its masked column)."""
    chosen = set(sensitive)
    replaced = {c.replaces for c in dataset.columns if c.key in chosen and c.replaces}
    return [c for c in dataset.columns
            if (c.key in chosen if c.sensitive else c.key not in replaced)]


def check(actor: User, spec: Spec) -> tuple[Dataset, list[Column]]:
    """Permission, scope and the reason, again (the form checks them first).

    Raises PermissionDenied (audited) without EXPORT_DATA or the list's view
    permission, ValidationError naming the field otherwise.
    """
    require(actor, Perm.EXPORT_DATA)
    dataset = DATASETS.get(spec.dataset)
    if dataset is None:
        raise ValidationError({"dataset": _("Choose one of the lists offered.")})
    require(actor, dataset.perm)
    if spec.format not in FORMATS:
        raise ValidationError({"format": _("Choose Excel (.xlsx) or CSV.")})
    if spec.grid is not None and not in_scope(actor, spec.grid.pk):
        raise ValidationError({"grid": _("That grid is not one of yours: choose one from "
                                         "the list.")})
    offered = {c.key for c in sensitive_columns(actor, dataset)}
    refused = [k for k in spec.sensitive if k not in offered]
    if refused:
        raise ValidationError({"sensitive": _("Your role may not export these columns: "
                                              "%(columns)s.") % {"columns": ", ".join(refused)}})
    if spec.sensitive and len(spec.reason.strip()) < MIN_REASON:
        raise ValidationError({"reason": reason_message()})
    if spec.since and spec.until and spec.since > spec.until:
        raise ValidationError({"until": _("The end date is before the start date.")})
    return dataset, columns_for(dataset, spec.sensitive)


def reason_message() -> str:
    return _("Say why you need the sensitive columns, in at least %(n)d characters: the "
             "reason is kept in the audit log with the export.") % {"n": MIN_REASON}


def rows_queryset(actor: User, dataset: Dataset, spec: Spec) -> QuerySet:
    """The rows to export, in scope and filtered (without joins)."""
    qs = dataset.scoped(actor)
    if spec.grid is not None:
        qs = qs.filter(grid=spec.grid)
    if dataset.current is not None and not spec.include_moved_out:
        qs = qs.filter(dataset.current)
    if dataset.dated:
        zone = timezone.get_current_timezone()
        if spec.since:
            qs = qs.filter(**{f"{dataset.dated}__gte": datetime.combine(
                spec.since, time.min, tzinfo=zone)})
        if spec.until:
            qs = qs.filter(**{f"{dataset.dated}__lt": datetime.combine(
                spec.until + timedelta(days=1), time.min, tzinfo=zone)})
    return qs


def iter_rows(dataset: Dataset, columns: list[Column], qs: QuerySet) -> Iterator[list[Cell]]:
    """One list of cells per row, reading `CHUNK` rows at a time."""
    qs = dataset.prepare(qs)
    prefetches = [p() for c in columns for p in c.prefetch]
    if prefetches:
        qs = qs.prefetch_related(*prefetches)
    for obj in qs.iterator(chunk_size=CHUNK):
        yield [c.get(obj) for c in columns]


# --- the export -------------------------------------------------------------------

def filename_for(dataset: Dataset, fmt: str) -> str:
    return f"jiayuan-{dataset.key}-{timezone.localdate():%Y-%m-%d}.{fmt}"


def _audit(actor: User, dataset: Dataset, spec: Spec, columns: list[Column],
           rows: int) -> AuditEntry:
    return audit.record(
        AuditAction.EXPORT, actor=actor, object_type="sheets.export", object_id=dataset.key,
        object_repr=f"{dataset.key}.{spec.format}",
        changes={
            "dataset": dataset.key, "format": spec.format, "rows": rows,
            "grid": spec.grid.code if spec.grid is not None else "",
            "include_moved_out": spec.include_moved_out if dataset.current is not None else None,
            "since": spec.since, "until": spec.until,
            "columns": [c.key for c in columns],
            "sensitive_columns": [c.key for c in columns if c.sensitive],
            "reason": spec.reason.strip(),
        })


def run(*, actor: User, spec: Spec) -> Export:
    """Check, audit and produce the export.

    xlsx: the file is complete (on disk, already unlinked) before the audit
    entry is written and the open file is returned; the caller closes it.
    csv: the rows are counted, the entry written, and a generator returned
    that reads and encodes the rows as the response is sent. The count is
    taken as the export starts; rows added later (ids above the highest
    counted) are left out, so the entry and the file agree.
    """
    dataset, columns = check(actor, spec)
    qs = rows_queryset(actor, dataset, spec)
    counted = qs.order_by().aggregate(n=Count("pk"), top=Max("pk"))
    total, top = counted["n"], counted["top"]
    if spec.format == "xlsx" and total >= MAX_ROWS:
        raise ValidationError({"format": _(
            "%(n)d rows are more than one Excel sheet holds: choose CSV, or export one grid "
            "at a time.") % {"n": total}})
    qs = qs.filter(pk__lte=top) if top is not None else qs.none()
    rows = iter_rows(dataset, columns, qs)
    filename = filename_for(dataset, spec.format)
    if spec.format == "csv":
        entry = _audit(actor, dataset, spec, columns, total)
        content = csv_chunks([str(c.label) for c in columns], rows,
                             translation.get_language() or "zh-hans")
        return Export(filename, CONTENT_TYPES["csv"], content, total, entry, columns)
    # Closed by the caller (FileResponse), or below on failure.
    target = tempfile.TemporaryFile(prefix="jiayuan-export-", suffix=".xlsx")  # noqa: SIM115
    try:
        written = write_sheet(
            target, str(dataset.label), [c.label for c in columns], rows,
            widths=[c.width for c in columns],
            text_columns=[i for i, c in enumerate(columns) if c.text],
            title=f"{_('Jiayuan')} · {dataset.label}", author=actor.username,
            comments=_("Confidential: this export is recorded in the audit log."))
        entry = _audit(actor, dataset, spec, columns, written)
    except BaseException:
        target.close()
        raise
    target.seek(0)
    return Export(filename, CONTENT_TYPES["xlsx"], target, written, entry, columns)


__all__ = ["DATASETS", "Dataset", "Column", "Spec", "Export", "FORMATS", "MIN_REASON",
           "datasets_for", "sensitive_columns", "columns_for", "check", "run",
           "rows_queryset", "iter_rows"]
