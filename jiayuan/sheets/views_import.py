"""The roster import pages.

    import_list    GET: the upload form and the batches of the account's grids;
                   POST: read the upload into a draft batch (nothing in the registry)
    import_detail  a draft: the column mapping and the dry run (importing.check);
                   an imported batch: its counts and Undo; an undone one: who undid it
    import_mapping POST: save the mapping (and maybe a template) of a draft
    import_commit  POST: the ticked possible duplicates, then importing.commit_request
                   (a large batch is queued and imported in the background)
    import_undo    POST: importing.undo, or the records that block it
    import_sheets  POST: read another sheet (or all sheets with the same header)
    import_progress GET: a background check's or import's progress (polled by the page)
    import_recheck POST: check the file again (after a failure, or later)
    import_errors  GET: the rows to fix, as .xlsx: the dry run's before the
                   import, the rows it left out after

Every view needs IMPORT_ROSTER (403, audited) and a batch of the account's
grids (404 otherwise, audited): one call, `selectors.get_batch_for`. The dry
run is made once per upload, sheet choice and mapping and stored
(`importing.check_request`; a large file's in the background): a page view reads
the stored result, one page of its rows, and never the file. Writes are services
(`importing`, `services`).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiayuan.core import reauth
from jiayuan.core.access import as_id, require
from jiayuan.core.roles import Perm
from jiayuan.core.views import submit
from jiayuan.lib._i18n import interpolate
from jiayuan.sheets import importing, selectors, services
from jiayuan.sheets.export import CONTENT_TYPES
from jiayuan.sheets.forms_import import MappingForm, UploadForm
from jiayuan.sheets.importing.committing import commit_size
from jiayuan.sheets.importing.read import Sheet, SheetError
from jiayuan.sheets.models import BatchStatus, CheckState, CommitState, ImportBatch

PREVIEW_PAGE = 50  # rows of the dry run per page
MAX_DUPLICATES = 200  # possible duplicates offered for ticking at once
MAX_NOT_IMPORTED = 500  # rows not imported listed on an imported batch's page


def _outcome_labels() -> dict[str, str]:
    return {importing.NEW: _("New"), importing.UPDATED: _("Updated"),
            importing.UNCHANGED: _("Unchanged"), importing.REJECTED: _("Needs fixing"),
            importing.DUPLICATE: _("Possible duplicate")}


def _on_sheets(batch: ImportBatch, problem: Any) -> str:
    """``problem`` with the sheets it is about in front: “Sheet “花名册”: …”."""
    names = [n for n, _row in importing.chosen_sheets(batch)]
    return interpolate(ngettext("Sheet %(sheets)s:", "Sheets %(sheets)s:", len(names)),
                       {"sheets": importing.sheet_list(names)}) + " " + str(problem)


def _to_detail(batch: ImportBatch) -> HttpResponse:
    return redirect("import_detail", pk=batch.pk)


# --- the list and the upload --------------------------------------------------------

class _SizeCap(FileUploadHandler):
    """Drops an uploaded file as soon as it passes IMPORT_MAX_BYTES, so an
    oversized upload is neither kept in memory nor spooled to disk in full."""

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.exceeded = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.limit:
            self.exceeded = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler (memory or temporary file) makes the file


@csrf_exempt  # checked by _import_list, once the upload handler is in place
@login_required
def import_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.IMPORT_ROSTER)
    cap = None
    if request.method == "POST":
        cap = _SizeCap(request, settings.IMPORT_MAX_BYTES)
        request.upload_handlers.insert(0, cap)
    return _import_list(request, cap)


@csrf_protect
@require_http_methods(["GET", "POST"])
def _import_list(request: HttpRequest, cap: _SizeCap | None) -> HttpResponse:
    user = request.user
    if request.method != "POST":
        return _list_page(request, UploadForm(actor=user))
    form = UploadForm(request.POST, request.FILES, actor=user,
                      too_large=bool(cap and cap.exceeded))
    if form.is_valid():
        upload = form.cleaned_data["file"]
        template = form.cleaned_data.get("template")
        try:
            batch = importing.start(actor=user, grid=form.cleaned_data["grid"],
                                   data=upload.read(), filename=upload.name or "roster",
                                   columns=template.columns if template else None)
        except SheetError as exc:
            form.add_error("file", str(exc))
        else:
            importing.check_request(actor=user, batch=batch)
            return _to_detail(batch)
    return _list_page(request, form, status=400)


def _list_page(request: HttpRequest, form: UploadForm, status: int = 200) -> HttpResponse:
    page = Paginator(selectors.batches_for(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "sheets/import_list.html", {
        "form": form, "page": page, "batches": page.object_list,
        "max_rows": settings.IMPORT_MAX_ROWS}, status=status)


# --- a batch ------------------------------------------------------------------------

@login_required
@require_GET
def import_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    return _detail_page(request, selectors.get_batch_for(request.user, pk))


def _detail_page(request: HttpRequest, batch: ImportBatch, *, form: MappingForm | None = None,
                 sheet: Sheet | None = None, blocked: importing.UndoBlocked | None = None,
                 status: int = 200) -> HttpResponse:
    context: dict[str, Any] = {"batch": batch, "blocked": blocked,
                               "sheets_read": importing.sheet_list(
                                   [n for n, _row in importing.chosen_sheets(batch)])}
    if batch.status == BatchStatus.DRAFT:
        context.update(_sheet_context(batch))
        context.update(_draft_context(request, batch, form, sheet))
    else:
        context["counts"] = _counts(batch.counts)
        context["not_imported"] = batch.not_imported_rows()[:MAX_NOT_IMPORTED]
        context["more_not_imported"] = max(0, len(batch.not_imported) - MAX_NOT_IMPORTED)
    return render(request, "sheets/import_detail.html", context, status=status)


def _draft_context(request: HttpRequest, batch: ImportBatch, form: MappingForm | None,
                   sheet: Sheet | None) -> dict[str, Any]:
    """The mapping form and, unless the mapping being shown has errors, the stored
    dry run (made now if there is none; its progress while it runs in the
    background). The file is read again only for a batch uploaded before the
    columns' names and samples were kept."""
    if batch.commit_state in importing.PENDING:  # the draft is frozen until it is done
        return {"form": form, "problem": "", "report": None, "book": [],
                "commit_progress": _commit_progress(batch)}
    try:
        header, samples = _columns(batch, sheet)
    except SheetError as exc:
        return {"problem": _on_sheets(batch, exc), "form": None}
    if form is None:
        mapping = selectors.mapping_of(batch)
        width = _width(header, mapping)
        form = MappingForm(header=header[:width], samples=samples[:width],
                           mapping=mapping, actor=request.user,
                           initial={"consent_evidence": batch.consent_evidence})
        if batch.check_state == CheckState.NONE:
            batch = importing.check_request(actor=request.user, batch=batch)
        context: dict[str, Any] = {"form": form, "problem": "", "report": None}
        context.update(_check_context(request, batch))
        return context
    return {"form": form, "problem": "", "report": None}


def _columns(batch: ImportBatch, sheet: Sheet | None) -> tuple[list[str], list[str]]:
    """Each column's label and sample value, as kept at the upload."""
    entry = importing.book_entry(batch)
    if entry is not None:
        return list(entry["labels"]), list(entry["samples"])
    sheet = sheet or importing.sheet_of(batch)
    header = selectors.header_labels(sheet, batch)
    return header, importing.sample_values(sheet.rows[batch.header_row:], len(header))


def _check_context(request: HttpRequest, batch: ImportBatch) -> dict[str, Any]:
    state = batch.check_state
    if state == CheckState.DONE:
        return {"report": True, **_report_context(request, batch),
                "commit_failed": batch.commit_state == CommitState.FAILED
                and _on_sheets(batch, batch.commit_error_text())}
    if state == CheckState.FAILED:
        return {"check_failed": _on_sheets(batch, batch.check_error_text())}
    return {"progress": _progress(batch)}


def _commit_progress(batch: ImportBatch) -> dict[str, Any]:
    return {"waiting": batch.commit_state == CommitState.QUEUED,
            "total": commit_size(batch),
            "who": batch.commit_requested_by, "when": batch.commit_requested_at}


def _progress(batch: ImportBatch) -> dict[str, Any]:
    total = max(batch.check_total, batch.check_done, 1)
    return {"state": batch.check_state, "done": batch.check_done, "total": batch.check_total,
            "percent": min(100, 100 * batch.check_done // total),
            "waiting": batch.check_state == CheckState.QUEUED}


def sheet_options(batch: ImportBatch) -> list[list[str]]:
    """What the sheet choice offers: each sheet with a header row, then each set of
    two or more of them with the same header (to import together)."""
    data = [e for e in batch.book or () if e.get("header_row")]
    options = [[e["name"]] for e in data]
    groups: dict[tuple, list[str]] = {}
    for e in data:
        groups.setdefault(tuple(e.get("signature") or ()), []).append(e["name"])
    options.extend(names for names in groups.values() if len(names) > 1)
    return options


def _sheet_context(batch: ImportBatch) -> dict[str, Any]:
    chosen = [n for n, _row in importing.chosen_sheets(batch)]
    options = [{"value": i, "names": names, "label": importing.sheet_list(names),
                "checked": names == chosen}
               for i, names in enumerate(sheet_options(batch))]
    return {"book": batch.book or [], "chosen": chosen,
            "sheet_options": options if len(options) > 1 else []}


def _report_context(request: HttpRequest, batch: ImportBatch) -> dict[str, Any]:
    """The stored dry run: its counts, one page of its rows, the possible duplicates."""
    counts = batch.check_counts
    summary = batch.check_summary
    show = request.GET.get("show", "all")
    if show not in importing.OUTCOMES:
        show = "all"
    page = Paginator(selectors.check_rows(batch, None if show == "all" else show),
                     PREVIEW_PAGE).get_page(request.GET.get("page"))
    accepted = set(batch.accepted)
    duplicates = list(selectors.possible_duplicates(batch)[:MAX_DUPLICATES + 1])
    more = 0
    if len(duplicates) > MAX_DUPLICATES:
        more = selectors.possible_duplicates(batch).count() - MAX_DUPLICATES
        duplicates = duplicates[:MAX_DUPLICATES]
    duplicates = [r.shown() for r in duplicates]
    to_import = counts.get(importing.NEW, 0) + counts.get(importing.UPDATED, 0)
    labels = _outcome_labels()
    return {
        "counts": _counts(counts), "page": page, "show": show,
        "preview": [(r.shown(), labels.get(r.outcome, r.outcome)) for r in page.object_list],
        "tabs": [(key, label, counts.get(key, 0)) for key, label in labels.items()
                 if counts.get(key, 0)],
        "total": summary.get("total", 0), "duplicates": duplicates,
        "more_duplicates": more, "accepted": accepted, "to_import": to_import,
        "has_problems": bool(counts.get(importing.REJECTED) or counts.get(importing.DUPLICATE)),
        "notices": batch.notices(),
        "several_sheets": len(summary.get("sheets", [])) > 1,
        "checked_at": batch.check_finished_at,
        "import_label": ngettext("Import %(n)d row", "Import %(n)d rows", to_import)
        % {"n": to_import},
    }


def _counts(counts: dict[str, int]) -> list[tuple[str, str, int]]:
    labels = _outcome_labels()
    out = [(key, labels[key], counts.get(key, 0)) for key in importing.OUTCOMES]
    if counts.get("skipped"):
        out.append(("skipped", _("Totals rows skipped"), counts["skipped"]))
    return out


def _width(header: list[str], mapping: dict[int, str]) -> int:
    """The columns to offer: the header without its trailing unnamed columns (a
    sheet's stray formatting), unless one of them is mapped."""
    n = len(header)
    while n and n - 1 not in mapping and header[n - 1] == str(importing.column_label([], n - 1)):
        n -= 1
    return n


# --- changes to a draft -------------------------------------------------------------

@login_required
@require_POST
def import_mapping(request: HttpRequest, pk: Any) -> HttpResponse:
    batch = selectors.get_batch_for(request.user, pk)
    if batch.status != BatchStatus.DRAFT:
        messages.error(request, _("This file has already been imported: its columns can no "
                                  "longer be changed."))
        return _to_detail(batch)
    entry = importing.book_entry(batch)
    sheet = None
    try:
        if entry is None:  # uploaded before the columns were kept: read them again
            sheet = importing.sheet_of(batch)
        labels, samples = _columns(batch, sheet)
    except SheetError as exc:
        messages.error(request, _on_sheets(batch, exc))
        return _to_detail(batch)
    raw = entry["header"] if entry is not None else selectors.raw_header(sheet, batch)
    current = selectors.mapping_of(batch)
    width = _width(labels, current)
    form = MappingForm(request.POST, header=labels[:width], samples=samples[:width],
                       mapping=current, actor=request.user)
    response = submit(
        request, form,
        lambda data: services.mapping_save(
            actor=request.user, batch=batch, mapping=form.mapping(),
            consent_evidence=data["consent_evidence"], template_name=data["template_name"],
            header=raw),
        _("Column mapping saved. The check below uses it."),
        lambda saved: _after_mapping(request, saved))
    return response or _detail_page(request, batch, form=form, sheet=sheet, status=400)


def _after_mapping(request: HttpRequest, saved: services.MappingSaved) -> HttpResponse:
    """Back to the batch, saying also what became of the template (a message of
    its own, after the mapping's)."""
    if saved.template is not None:
        messages.success(request, interpolate(
            _("Template “%(name)s” saved.") if saved.template_created else
            _("Template “%(name)s” updated with this mapping."), {"name": saved.template.name}))
    importing.check_request(actor=request.user, batch=saved.batch)
    return _to_detail(saved.batch)


@login_required
@require_POST
def import_sheets(request: HttpRequest, pk: Any) -> HttpResponse:
    batch = selectors.get_batch_for(request.user, pk)
    if batch.status != BatchStatus.DRAFT:
        messages.error(request, _("This file has already been imported."))
        return _to_detail(batch)
    options = sheet_options(batch)
    choice = as_id(request.POST.get("sheets"))
    if choice is None or choice >= len(options):
        return HttpResponseBadRequest(_("Choose one of the sheets listed. Reload the page and "
                                        "choose again."))
    try:
        importing.choose_sheets(actor=request.user, batch=batch, names=options[choice])
    except SheetError as exc:
        messages.error(request, str(exc))
        return _to_detail(batch)
    importing.check_request(actor=request.user, batch=batch)
    messages.success(request, interpolate(
        ngettext("Reading sheet %(sheets)s. Check the columns and the rows below.",
                 "Reading sheets %(sheets)s. Check the columns and the rows below.",
                 len(options[choice])), {"sheets": importing.sheet_list(options[choice])}))
    return _to_detail(batch)


@login_required
@require_POST
def import_commit(request: HttpRequest, pk: Any) -> HttpResponse:
    batch = selectors.get_batch_for(request.user, pk)
    accepted = [as_id(v) for v in request.POST.getlist("accept")]
    if None in accepted:
        return HttpResponseBadRequest(_("A ticked row is not a row number of the file. Reload "
                                        "the page and tick the rows again."))
    if batch.status != BatchStatus.DRAFT:
        messages.error(request, _("This file has already been imported."))
        return _to_detail(batch)
    try:
        report = importing.commit_request(actor=request.user, batch=batch,
                                          accepted=accepted).report
    except (importing.ImportFailed, SheetError) as exc:
        messages.error(request, _on_sheets(batch, exc))
        return _to_detail(batch)
    if report is None:  # queued: the page shows its progress
        return _to_detail(batch)
    c = report.counts
    left = c["rejected"] + c["duplicate"]
    done = interpolate(ngettext("Sheet %(sheets)s:", "Sheets %(sheets)s:", len(report.sheets)),
                       {"sheets": importing.sheet_list(report.sheets)})
    done += " " + _("Imported: %(new)d new, %(updated)d updated, %(unchanged)d unchanged.") % {
        "new": c["new"], "updated": c["updated"], "unchanged": c["unchanged"]}
    if left:
        done += " " + ngettext(
            "%(n)d row was not imported: it is listed below; fix it and upload it again.",
            "%(n)d rows were not imported: they are listed below; fix them and upload them "
            "again.", left) % {"n": left}
    messages.success(request, done)
    return _to_detail(batch)


@login_required
@require_POST
def import_undo(request: HttpRequest, pk: Any) -> HttpResponse:
    batch = selectors.get_batch_for(request.user, pk)
    try:
        importing.undo(actor=request.user, batch=batch)
    except importing.UndoBlocked as exc:
        batch.refresh_from_db()
        return _detail_page(request, batch, blocked=exc, status=409)
    messages.success(request, _("Import undone: the people and households it added are "
                                "removed and the values it changed are restored."))
    return _to_detail(batch)


@login_required
@require_GET
def import_progress(request: HttpRequest, pk: Any) -> HttpResponse:
    """The check's or the background import's progress, for the page to poll (htmx,
    every few seconds); once it has ended, htmx is told to reload the whole page."""
    batch = selectors.get_batch_for(request.user, pk)
    if batch.status == BatchStatus.DRAFT and batch.commit_state in importing.PENDING:
        return render(request, "sheets/_import_commit_progress.html",
                      {"batch": batch, "commit_progress": _commit_progress(batch)})
    response = render(request, "sheets/_import_progress.html",
                      {"batch": batch, "progress": _progress(batch)})
    if batch.check_state not in (CheckState.QUEUED, CheckState.RUNNING):
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def import_recheck(request: HttpRequest, pk: Any) -> HttpResponse:
    """Check the file again: after a failure, or when the registry has changed."""
    batch = selectors.get_batch_for(request.user, pk)
    if batch.status != BatchStatus.DRAFT:
        messages.error(request, _("This file has already been imported."))
        return _to_detail(batch)
    importing.check_request(actor=request.user, batch=batch, again=True)
    return _to_detail(batch)


@login_required
@require_GET
# The file may hold whole ID and phone numbers: like revealing one, it needs a
# fresh password or code (jiayuan.core.reauth), the access check first; then
# the batch page again, where the download is one click.
@reauth.requires_recent_confirmation(
    when=lambda request, pk: bool(selectors.get_batch_for(request.user, pk)),
    back=lambda _request, pk: reverse("import_detail", args=[as_id(pk)]))
def import_errors(request: HttpRequest, pk: Any) -> HttpResponse:
    batch = selectors.get_batch_for(request.user, pk)
    if batch.status == BatchStatus.UNDONE:
        messages.error(request, _("This import was undone: upload the file again to check "
                                  "it."))
        return _to_detail(batch)
    try:
        # Audited by the selector: the rows hold whole ID and phone numbers
        # (masked for an account that may not reveal them).
        rows = selectors.rows_to_fix(request.user, batch)
    except SheetError as exc:
        messages.error(request, _on_sheets(batch, exc))
        return _to_detail(batch)
    response = HttpResponse(rows.data, content_type=CONTENT_TYPES["xlsx"])
    response["Content-Disposition"] = f'attachment; filename="roster-errors-{batch.pk}.xlsx"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
