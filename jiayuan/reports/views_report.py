"""The period report: the form, the screen, the Excel file and the PDF."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def report_page(request: HttpRequest) -> HttpResponse:
    raise Http404  # the report's part: to be built


def report_xlsx(request: HttpRequest) -> HttpResponse:
    raise Http404


def report_pdf(request: HttpRequest) -> HttpResponse:
    raise Http404
