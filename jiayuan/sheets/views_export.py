"""The export page (GET: the form) and the download (POST: the file).

A form with errors — no reason for a sensitive column, a grid or a list that
is not the account's, a column the role may not see — comes back with its
messages (status 400); nothing is exported and nothing is audited. Lacking
EXPORT_DATA is a 403, audited as a denied access (`require`).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_POST

from jiayuan.core import reauth
from jiayuan.core.access import require
from jiayuan.core.roles import Perm
from jiayuan.core.views import submit
from jiayuan.lib._i18n import interpolate
from jiayuan.sheets import export
from jiayuan.sheets.forms_export import ExportForm


def _page(request: HttpRequest, form: ExportForm, status: int = 200) -> HttpResponse:
    return render(request, "sheets/export.html", {"form": form}, status=status)


@login_required
@require_GET
def export_page(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.EXPORT_DATA)
    return _page(request, ExportForm(actor=request.user, dataset=request.GET.get("dataset")))


def _sensitive_asked(request: HttpRequest) -> bool:
    """A valid form with sensitive columns (the access check first: 403, audited)."""
    require(request.user, Perm.EXPORT_DATA)
    form = ExportForm(request.POST, actor=request.user)
    return form.is_valid() and bool(form.cleaned_data.get("sensitive"))


def _export_page(request: HttpRequest) -> str:
    # Asked only of a valid form: its dataset is one of the account's.
    return f"{reverse('export_page')}?{urlencode({'dataset': request.POST.get('dataset', '')})}"


@login_required
@require_POST
# Sensitive columns need a fresh password or code (jiayuan.core.reauth);
# nothing is exported or audited until then.
@reauth.requires_recent_confirmation(
    when=_sensitive_asked, back=_export_page,
    message=gettext_noop("Confirm it is you, then choose the sensitive columns and export "
                         "again."))
def export_download(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.EXPORT_DATA)
    form = ExportForm(request.POST, actor=request.user)
    response = submit(request, form,
                      lambda _data: export.run(actor=request.user, spec=form.spec()),
                      _exported, _response)
    return response or _page(request, form, status=400)


def _exported(result: export.Export) -> str:
    # Shown on the next page the user opens: the file itself is the answer here.
    return interpolate(_("Exported %(file)s; the export is recorded in the audit log."),
                       {"file": result.filename})


def _response(result: export.Export) -> HttpResponse:
    if hasattr(result.content, "read"):
        # xlsx: FileResponse closes the (already unlinked) file once it is sent.
        response: HttpResponse = FileResponse(result.content, as_attachment=True,
                                              filename=result.filename,
                                              content_type=result.content_type)
    else:
        # csv: rows are read and encoded as the response goes out.
        response = StreamingHttpResponse(result.content, content_type=result.content_type)
        response["Content-Disposition"] = f'attachment; filename="{result.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
