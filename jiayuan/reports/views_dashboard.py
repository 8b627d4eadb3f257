"""The dashboard (the staff home page) and the records behind each figure."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def figure_records(request: HttpRequest, code: str) -> HttpResponse:
    raise Http404  # the dashboard's part: to be built
