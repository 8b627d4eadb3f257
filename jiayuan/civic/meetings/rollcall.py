"""The roll-call at the door, on a phone: one page of big buttons.

Each tap is a small POST (`participant` + `attendance`, or a walk-in: a
`person` or a guest's `name`). static/js/offline-queue.js queues taps on the
phone and sends them when the connection allows, each as many times as it
takes, with the moment it was made (`at`, kept when plausible: core.taps):
the services are idempotent (marking the same again changes nothing; a walk-in
already on the list is marked, not added twice). With `Accept:
application/json` the answer is JSON; without JavaScript the buttons are plain
forms and the page comes back.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jiayuan.civic.choices import Attendance, ParticipantKind
from jiayuan.civic.meetings import selectors, services
from jiayuan.civic.meetings.forms import WalkInForm
from jiayuan.civic.meetings.models import Meeting, Participant
from jiayuan.civic.meetings.views import person_picker
from jiayuan.core.access import as_id
from jiayuan.core.roles import Perm
from jiayuan.core.taps import tapped_at


def _quorum(request: HttpRequest, meeting: Meeting) -> dict[str, Any]:
    """The quorum after a tap: its figures, and the page's line rendered anew
    (offline-queue.js puts it in place)."""
    q = selectors.quorum_of(meeting)
    return {"quorum": {"needed": q.needed, "present": q.present, "reached": q.reached},
            "quorum_html": render_to_string("civic/_meeting_quorum.html", {"quorum": q},
                                            request)}


def _tap(request: HttpRequest, meeting: Meeting) -> Participant:
    """One tap, through the services; a ValidationError names what is wrong."""
    user, post = request.user, request.POST
    at = tapped_at(post.get("at"), timezone.now())
    if post.get("participant"):
        found = meeting.participants.filter(pk=as_id(post["participant"]) or 0).first()
        if found is None:
            raise ValidationError(_("That person is no longer on the list: reload the page."))
        found.meeting = meeting
        return services.attendance_mark(actor=user, meeting=meeting, participant=found,
                                        attendance=post.get("attendance", ""), marked_at=at)
    form = WalkInForm(post)
    if not form.is_valid():
        raise ValidationError([e for errs in form.errors.values() for e in errs])
    return services.walk_in(actor=user, meeting=meeting, person=form.cleaned_data["person"],
                            name=form.cleaned_data["name"], marked_at=at)


def _messages(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


@login_required
def meeting_rollcall(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    meeting = selectors.get_meeting_for(user, pk, perm=Perm.RUN_MEETINGS)
    wants_json = "application/json" in request.headers.get("Accept", "")
    if request.method == "POST":
        try:
            p = _tap(request, meeting)
        except ValidationError as exc:
            if wants_json:
                return JsonResponse({"ok": False, "error": _messages(exc)}, status=400)
            messages.error(request, _messages(exc))
            return redirect(reverse("meeting_rollcall", args=[meeting.pk]))
        if wants_json:
            return JsonResponse({"ok": True, "participant": p.pk, "name": str(p),
                                 "attendance": p.attendance, "invited": p.invited,
                                 **_quorum(request, meeting)})
        return redirect(reverse("meeting_rollcall", args=[meeting.pk]) + f"#p-{p.pk}")
    participants = selectors.participants_of(meeting)
    return render(request, "civic/meeting_rollcall.html", {
        "meeting": meeting, "participants": participants,
        "residents": [p for p in participants if p.kind == ParticipantKind.RESIDENT],
        "others": [p for p in participants if p.kind != ParticipantKind.RESIDENT],
        "quorum": selectors.quorum_of(meeting, participants),
        "marks": [(Attendance.PRESENT, Attendance.PRESENT.label),
                  (Attendance.ABSENT, Attendance.ABSENT.label),
                  (Attendance.EXCUSED, Attendance.EXCUSED.label)],
        "picker": person_picker(meeting), "walkin_form": WalkInForm()})
