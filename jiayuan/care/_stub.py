"""Placeholder view for pages not built yet (removed when they are)."""

from django.http import HttpRequest, HttpResponse


def todo(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("not built yet", status=501)
