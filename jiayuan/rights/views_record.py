"""The two downloads of a person's record: JSON and PDF (jiayuan.rights.record)."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from jiayuan.rights.record import open_record
from jiayuan.rights.record_pdf import record_pdf


def _download(data: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def person_record_json(request: HttpRequest, pk: int) -> HttpResponse:
    person, record = open_record(request.user, pk, fmt="json")  # type: ignore[arg-type]
    data = json.dumps(record, ensure_ascii=False, indent=2).encode()
    return _download(data, "application/json; charset=utf-8", f"person-{person.pk}-record.json")


@login_required
def person_record_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    person, record = open_record(request.user, pk, fmt="pdf")  # type: ignore[arg-type]
    return _download(record_pdf(record), "application/pdf", f"person-{person.pk}-record.pdf")
