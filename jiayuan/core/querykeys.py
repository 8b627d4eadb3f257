"""Search text out of URLs: a query typed into a search box (often a whole
ID-card or phone number) is posted, kept in the user's session under a short
random key, and the results page is addressed by that key (post/redirect/get).
The back button and a reload still show the results; the address, the access
logs and the browser's history hold only the key, which means nothing outside
the session that made it. Only the last few queries are kept."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext as _

SESSION_KEY = "query_keys"
KEEP = 8  # queries remembered per session; an older key shows the empty form


def stash_query(session: Any, q: str) -> str:
    """Remember `q` in this session and return its key. The same query again
    keeps its key (an earlier page of it in the history still works) and
    becomes the newest."""
    kept: dict[str, str] = dict(session.get(SESSION_KEY) or {})
    key = next((k for k, v in kept.items() if v == q), None) or secrets.token_urlsafe(6)
    kept.pop(key, None)
    kept[key] = q
    session[SESSION_KEY] = dict(list(kept.items())[-KEEP:])
    return key


def recall_query(session: Any, key: str) -> str | None:
    """The query stashed under `key` in this session, or None (unknown, another
    session's, or dropped as one of the oldest)."""
    kept = session.get(SESSION_KEY) or {}
    value = kept.get(key) if isinstance(kept, dict) and isinstance(key, str) else None
    return value if isinstance(value, str) else None


def searched_redirect(request: HttpRequest, *, keep: tuple[str, ...] = ()) -> HttpResponse:
    """A list page's filter form sent with free text (by POST, or an old address
    with ?q=): 303 to the same page with the `keep` filters in its address and
    the text as ?k=<key>."""
    data = request.POST if request.method == "POST" else request.GET
    params = {name: data[name] for name in keep if data.get(name)}
    q = data.get("q", "").strip()[:100]
    if q:
        params["k"] = stash_query(request.session, q)
    response = HttpResponseRedirect(f"{request.path}?{urlencode(params)}" if params
                                    else request.path)
    response.status_code = 303
    return response


def recalled_query(request: HttpRequest) -> str:
    """The text a list page's ?k= stands for ("" without one); an unknown or
    dropped key says so in a message and shows the list unfiltered."""
    key = request.GET.get("k", "")
    if not key:
        return ""
    q = recall_query(request.session, key)
    if q is None:
        messages.info(request, _("That search is no longer kept: please type it again."))
    return q or ""
