"""The two downloads of a person's record: JSON and PDF (jiayuan.rights.record)."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from jiayuan.core import reauth
from jiayuan.core.access import get_for
from jiayuan.registry.selectors import people_for
from jiayuan.rights.record import RECORD_PERMS, open_record
from jiayuan.rights.record_pdf import record_pdf


def _download(data: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


def _person_page(_request: HttpRequest, pk: int) -> str:
    return reverse("person_detail", args=[pk])


def _may_open(request: HttpRequest, pk: int) -> bool:
    """The access check of `open_record` first (403 without a permission of
    RECORD_PERMS, 404 out of scope; audited by the access layer), so an account
    refused anyway is refused before being asked to confirm it is them."""
    get_for(request.user, RECORD_PERMS, people_for(request.user), pk)
    return True


# The record holds whole ID-card and phone numbers: like revealing one, it
# needs a fresh password or code (jiayuan.core.reauth). After confirming, the
# person page again, where the download is one click.
_confirm_first = reauth.requires_recent_confirmation(back=_person_page, when=_may_open)


@login_required
@_confirm_first
def person_record_json(request: HttpRequest, pk: int) -> HttpResponse:
    person, record = open_record(request.user, pk, fmt="json")  # type: ignore[arg-type]
    data = json.dumps(record, ensure_ascii=False, indent=2).encode()
    return _download(data, "application/json; charset=utf-8", f"person-{person.pk}-record.json")


@login_required
@_confirm_first
def person_record_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    person, record = open_record(request.user, pk, fmt="pdf")  # type: ignore[arg-type]
    return _download(record_pdf(record), "application/pdf", f"person-{person.pk}-record.pdf")
