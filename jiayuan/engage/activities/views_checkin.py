"""Attendance at the door: the check-in page the session's door QR opens
(staff, signed in, RUN_ACTIVITIES) and the mark endpoint both it and the
roll-call send taps to. Taps are queued in the browser
(static/js/offline-queue.js) and sent when online, each with the moment it
was made (`at`, kept when plausible: core.taps); the same tap twice is one
check-in, so resending is harmless. An answer in JSON when asked (Accept:
application/json)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jiayuan.core.access import as_id, require
from jiayuan.core.roles import Perm
from jiayuan.core.taps import tapped_at
from jiayuan.engage.activities import selectors
from jiayuan.engage.activities import services_attendance as att
from jiayuan.engage.activities.models import SignUp


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _row(signup: SignUp) -> dict[str, object]:
    return {"signup": signup.pk, "name": signup.name,
            "attended": signup.attended_at is not None,
            "count": SignUp.objects.filter(session_id=signup.session_id,
                                           attended_at__isnull=False).count()}


@login_required
@require_POST
def session_mark(request: HttpRequest, pk: int) -> HttpResponse:
    """One tap: `signup` (an id of this session) or `code` (the sign-up's own
    token, typed or scanned at the door), `present` 1 or 0."""
    user = require(request.user, Perm.RUN_ACTIVITIES)
    session = selectors.get_session_for(user, pk, perm=Perm.RUN_ACTIVITIES)
    signup_id = as_id(request.POST.get("signup"))
    code = request.POST.get("code", "").strip()
    present = request.POST.get("present", "1") != "0"
    try:
        if signup_id is None and not code:
            raise ValidationError(_("Choose a person or type their code."))
        signup = att.attendance_mark(actor=user, session=session, signup_id=signup_id,
                                     token=code, present=present,
                                     at=tapped_at(request.POST.get("at"), timezone.now()))
    except ValidationError as exc:
        text = " ".join(exc.messages)
        if _wants_json(request):
            return JsonResponse({"error": text}, status=400)
        messages.error(request, text)
        return redirect(request.POST.get("back") == "checkin" and
                        reverse("checkin", args=[session.checkin_token]) or
                        reverse("session_detail", args=[session.pk]))
    if _wants_json(request):
        return JsonResponse(_row(signup))
    messages.success(request, (_("%(name)s checked in.") if present else
                               _("%(name)s marked absent.")) % {"name": signup.name})
    if request.POST.get("back") == "checkin":
        return redirect("checkin", token=session.checkin_token)
    return redirect(reverse("session_detail", args=[session.pk]) + "#signups")


@login_required
@require_GET
def checkin(request: HttpRequest, token: str) -> HttpResponse:
    user = require(request.user, Perm.RUN_ACTIVITIES)
    session = selectors.get_session_by_checkin(user, token)
    signups = [s for s in selectors.signups_of(session) if s.status != "cancelled"]
    return render(request, "engage/checkin.html", {
        "session": session, "a": session.activity, "signups": signups,
        "attended": sum(1 for s in signups if s.attended_at),
        "store": f"{user.pk}:{session.pk}"})
