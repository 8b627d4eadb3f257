from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from jiayuan.core.access import require
from jiayuan.core.roles import Perm
from jiayuan.registry.search import search


@login_required
def search_view(request: HttpRequest) -> HttpResponse:
    """Full page, or only the results list when htmx asks as the user types."""
    require(request.user, Perm.VIEW_REGISTRY)
    q = request.GET.get("q", "").strip()
    hits = search(request.user, q) if q else []
    template = ("registry/_search_results.html" if request.headers.get("HX-Request")
                else "registry/search.html")
    response = render(request, template, {"q": q, "hits": hits})
    patch_vary_headers(response, ["HX-Request"])
    return response
