from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from jiayuan.core.access import require
from jiayuan.core.querykeys import recall_query, stash_query
from jiayuan.core.roles import Perm
from jiayuan.registry.search import search


def _results_url(request: HttpRequest, q: str) -> HttpResponseRedirect:
    key = stash_query(request.session, q)
    response = HttpResponseRedirect(f"{reverse('search')}?{urlencode({'k': key})}")
    response.status_code = 303
    return response


@login_required
@require_http_methods(["GET", "POST"])
def search_view(request: HttpRequest) -> HttpResponse:
    """The search page. What was typed never travels in the address (it is often
    an ID-card or phone number, and addresses end up in access logs and the
    browser's history): the form posts it, htmx's as-you-type requests get the
    results list at once, and a full page is redirected (303) to ?k=<key>, the
    key of the query kept in the session (jiayuan.core.querykeys), so the back
    button and a reload show the results again."""
    user = require(request.user, Perm.VIEW_REGISTRY)
    if request.method == "POST":
        q = request.POST.get("q", "").strip()[:100]
        if not request.headers.get("HX-Request"):
            return _results_url(request, q) if q else HttpResponseRedirect(reverse("search"))
    elif request.GET.get("q", "").strip():
        # An old bookmark or a hand-typed address: keep the query out of this
        # page's address from now on (the log filter masks it in the one request).
        return _results_url(request, request.GET["q"].strip()[:100])
    else:
        key = request.GET.get("k", "")
        q = (recall_query(request.session, key) or "") if key else ""
        if key and not q:
            messages.info(request, _("That search is no longer kept: please type it again."))
    hits = search(user, q) if q else []
    template = ("registry/_search_results.html" if request.headers.get("HX-Request")
                else "registry/search.html")
    response = render(request, template, {"q": q, "hits": hits})
    patch_vary_headers(response, ["HX-Request"])
    # Names and numbers on the page: not kept in shared or disk caches.
    patch_cache_control(response, private=True, no_store=True)
    return response
