from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import require_http_methods

from jiayuan.core.access import require
from jiayuan.core.querykeys import recalled_query, searched_redirect
from jiayuan.core.roles import Perm
from jiayuan.registry.search import search


@login_required
@require_http_methods(["GET", "POST"])
def search_view(request: HttpRequest) -> HttpResponse:
    """The search page. What was typed never travels in the address (it is often
    an ID-card or phone number, and addresses end up in access logs and the
    browser's history): the form posts it, htmx's as-you-type requests get the
    results list at once, and a full page is redirected (303) to ?k=<key>, the
    key of the query kept in the session (jiayuan.core.querykeys), so the back
    button and a reload show the results again. An old address with ?q= is
    moved to a key the same way (the log filter masks it in that one request)."""
    user = require(request.user, Perm.VIEW_REGISTRY)
    htmx = bool(request.headers.get("HX-Request"))
    if request.method == "POST" and htmx:
        q = request.POST.get("q", "").strip()[:100]
    elif request.method == "POST" or request.GET.get("q", "").strip():
        return searched_redirect(request)
    else:
        q = recalled_query(request)
    hits = search(user, q) if q else []
    template = "registry/_search_results.html" if htmx else "registry/search.html"
    response = render(request, template, {"q": q, "hits": hits})
    patch_vary_headers(response, ["HX-Request"])
    # Names and numbers on the page: not kept in shared or disk caches.
    patch_cache_control(response, private=True, no_store=True)
    return response
