"""One's own sessions (/account/sessions/) and the idle warning's keep-alive
(jiayuan.core.sessions holds the rules)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from jiayuan.core import sessions
from jiayuan.core.models import User


@login_required
@require_http_methods(["GET", "POST"])
def my_sessions(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    current = request.session.session_key
    if request.method == "POST":
        # Whatever the form sends, only the signed-in person's other sessions end.
        ended = sessions.end_other_sessions(actor=user, current_key=current)
        if ended:
            messages.success(request, _("Your other sessions were ended: %(count)s.")
                             % {"count": ended})
        else:
            messages.info(request, _("You had no other sessions."))
        return redirect("account_sessions")
    # This one first, then the others, most recently used first.
    rows = sorted(sessions.sessions_of(actor=user), key=lambda row: row.session_key != current)
    return render(request, "core/sessions.html", {
        "rows": rows, "current_key": current,
        "others": sum(1 for row in rows if row.session_key != current),
        "idle_minutes": sessions.in_units(sessions.idle_seconds(), 60),
        "absolute_hours": sessions.in_units(sessions.absolute_seconds(), 3600),
    })


@require_http_methods(["GET", "POST"])
def keepalive(request: HttpRequest) -> HttpResponse:
    """GET: how long the session has left (not counted as activity). POST: the
    warning's "Stay signed in" (counted: the last-used stamp is refreshed)."""
    if not request.user.is_authenticated:
        return JsonResponse({"signed_in": False})
    if request.method == "POST":
        sessions.refresh(request)
    return JsonResponse({"signed_in": True, "idle_left": sessions.idle_left(request)})
