"""Meetings (议事会、听证会…), under /civic/meetings/: the list, planning one,
its page (agenda, who is invited and who came, the quorum, the minutes in
versions, the decisions) and every action on it. The roll-call at the door
is in .rollcall, the printouts in .pdf.

Reading needs VIEW_CIVIC; writing RUN_MEETINGS (approving minutes
APPROVE_MINUTES); a meeting outside the actor's grids is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiayuan.civic.choices import MeetingKind, ParticipantKind
from jiayuan.civic.meetings import selectors, services
from jiayuan.civic.meetings import services_decisions as decisions
from jiayuan.civic.meetings.forms import (
    AgendaForm,
    DecisionForm,
    DecisionStatusForm,
    InviteForm,
    MeetingForm,
    MinutesForm,
)
from jiayuan.civic.meetings.models import Meeting
from jiayuan.core.access import require
from jiayuan.core.roles import Perm
from jiayuan.core.versioning import Conflict
from jiayuan.core.views import form_status, pdf_response, submit
from jiayuan.desk.selectors import can_see
from jiayuan.registry.pickers import Picker, picker, picker_response

PAGE_SIZE = 30
TABS = ("upcoming", "past", "mine")


def detail_url(meeting: Meeting, anchor: str = "") -> str:
    return reverse("meeting_detail", args=[meeting.pk]) + (f"#{anchor}" if anchor else "")


def person_picker(meeting: Meeting) -> Picker:
    """The resident picker of the invitation form and of the walk-in form at
    the door (never on the same page)."""
    return picker("meeting-person", "person",
                  reverse("meeting_person_search", args=[meeting.pk]))


# --- the list -------------------------------------------------------------------------

@login_required
@require_GET
def meeting_list(request: HttpRequest) -> HttpResponse:
    user = require(request.user, Perm.VIEW_CIVIC)
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else "upcoming"
    kind = request.GET.get("kind") if request.GET.get("kind") in MeetingKind.values else ""
    qs = selectors.meeting_list(user, tab=tab, kind=kind)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "civic/meeting_list.html", {
        "page": page, "meetings": list(page.object_list), "tab": tab, "kind": kind,
        "kinds": MeetingKind.choices})


# --- planning and editing ----------------------------------------------------------------

@login_required
def meeting_new(request: HttpRequest) -> HttpResponse:
    user = require(request.user, Perm.RUN_MEETINGS)
    form = MeetingForm(request.POST or None, actor=user)

    def save(data: dict[str, Any]) -> Meeting:
        return services.meeting_create(
            actor=user, kind=data["kind"], title=data["title"], grid=data["grid"],
            starts_at=data["starts_at"], ends_at=data["ends_at"], place=data["place"],
            organiser=data["organiser"], partner=data["partner"], quorum=data["quorum"],
            agenda=data["agenda"].splitlines())

    response = submit(request, form, save,
                      lambda m: _("Meeting %(ref)s planned.") % {"ref": m.ref},
                      lambda m: redirect(detail_url(m)))
    return response or render(request, "civic/meeting_form.html", {"form": form},
                              status=400 if form.is_bound else 200)


@login_required
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    meeting = selectors.get_meeting_for(user, pk, perm=Perm.RUN_MEETINGS)
    initial = {f: getattr(meeting, f) for f in ("kind", "title", "starts_at", "ends_at",
                                                 "place", "quorum", "status", "version")}
    initial.update(organiser=meeting.organiser_id, partner=meeting.partner_id)
    if initial["starts_at"]:
        initial["starts_at"] = timezone.localtime(meeting.starts_at)
    if meeting.ends_at:
        initial["ends_at"] = timezone.localtime(meeting.ends_at)
    form = MeetingForm(request.POST or None, actor=user, meeting=meeting, initial=initial)

    def save(data: dict[str, Any]) -> Meeting:
        return services.meeting_update(
            actor=user, meeting=meeting, version=data["version"], kind=data["kind"],
            title=data["title"], starts_at=data["starts_at"], ends_at=data["ends_at"],
            place=data["place"], organiser=data["organiser"], partner=data["partner"],
            quorum=data["quorum"], status=data["status"])

    response = submit(request, form, save, _("Changes saved."),
                      lambda m: redirect(detail_url(m)), record=meeting)
    status = form_status(form)
    return response or render(request, "civic/meeting_form.html", {
        "form": form, "meeting": meeting},
        status=status if status != 200 else (400 if form.is_bound else 200))


# --- the meeting page ---------------------------------------------------------------------

def _context(request: HttpRequest, meeting: Meeting, forms: dict[str, Form]) -> dict[str, Any]:
    user = request.user
    participants = selectors.participants_of(meeting)
    minutes = selectors.minutes_of(meeting)
    found = selectors.decisions_of(meeting)
    for d in found:
        d.case_visible = bool(d.case_id and can_see(user, d.case))
        d.referral_visible = bool(d.referral_id and can_see(user, d.referral.case))
        d.status_form = DecisionStatusForm(initial={"status": d.status,
                                                    "version": d.version})
    can_run = user.has(Perm.RUN_MEETINGS)
    blank: dict[str, Form] = {}
    if can_run:
        newest = minutes[0] if minutes else None
        blank = {
            "agenda_form": AgendaForm(),
            "invite_form": InviteForm(actor=user),
            "minutes_form": MinutesForm(initial={
                "text": newest.text if newest else "",
                "loaded": newest.number if newest else 0}),
            "decision_form": DecisionForm(actor=user, meeting=meeting),
        }
        blank.update(forms)
    residents = [p for p in participants if p.kind == ParticipantKind.RESIDENT]
    return {
        "meeting": meeting, "agenda": list(meeting.agenda.all()),
        "participants": participants, "residents": residents,
        "others": [p for p in participants if p.kind != ParticipantKind.RESIDENT],
        "quorum": selectors.quorum_of(meeting, participants),
        "minutes": minutes, "newest": minutes[0] if minutes else None,
        "decisions": found, "can_run": can_run,
        "can_approve": user.has(Perm.APPROVE_MINUTES),
        "failed": next(iter(forms), ""), "picker": person_picker(meeting),
        **blank,
    }


@login_required
@require_GET
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting_for(request.user, pk)
    return render(request, "civic/meeting_detail.html", _context(request, meeting, {}))


def _act(request: HttpRequest, pk: int, key: str, make: Callable[[Any, Meeting], Form],
         call: Callable[[Any, Meeting, dict[str, Any]], Any], success: str, anchor: str,
         perm: Perm = Perm.RUN_MEETINGS) -> HttpResponse:
    """The POST of one action on the page: validate, call the service, confirm
    and go back; or the page again with the form's errors and the user's input."""
    user = request.user
    meeting = selectors.get_meeting_for(user, pk, perm=perm)
    form = make(user, meeting)
    response = submit(request, form, lambda data: call(user, meeting, data), success,
                      lambda _result: redirect(detail_url(meeting, anchor)))
    if response is not None:
        return response
    if key == "minutes_form" and getattr(form, "stale", False):
        status = 409
    else:
        status = form_status(form) if form_status(form) != 200 else 400
    return render(request, "civic/meeting_detail.html",
                  _context(request, meeting, {key: form}), status=status)


@login_required
@require_POST
def meeting_agenda_add(request: HttpRequest, pk: int) -> HttpResponse:
    def call(user: Any, meeting: Meeting, data: dict[str, Any]) -> None:
        services.agenda_add(actor=user, meeting=meeting, title=data["title"],
                            notes=data["notes"])

    return _act(request, pk, "agenda_form", lambda u, m: AgendaForm(request.POST), call,
                _("Agenda item added."), "agenda")


def _child_action(request: HttpRequest, meeting: Meeting, anchor: str,
                  call: Callable[[], Any], success: str) -> HttpResponse:
    """A button without fields: done, or the service's message at the top."""
    back = redirect(detail_url(meeting, anchor))
    form = Form(request.POST)
    if submit(request, form, lambda _data: call(), success, lambda _r: back) is None:
        messages.error(request, " ".join(str(e) for e in form.non_field_errors()))
    return back


@login_required
@require_POST
def meeting_agenda_remove(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    meeting = selectors.get_meeting_for(request.user, pk, perm=Perm.RUN_MEETINGS)
    found = meeting.agenda.filter(pk=item).first()
    if found is None:
        raise Http404
    found.meeting = meeting
    return _child_action(request, meeting, "agenda",
                         lambda: services.agenda_remove(actor=request.user, item=found),
                         _("Agenda item removed."))


@login_required
@require_POST
def meeting_invite(request: HttpRequest, pk: int) -> HttpResponse:
    def call(user: Any, meeting: Meeting, data: dict[str, Any]) -> None:
        services.participant_add(actor=user, meeting=meeting, kind=data["kind"],
                                 person=data["person"], user=data["user"],
                                 department=data["department"], name=data["name"])

    return _act(request, pk, "invite_form",
                lambda u, m: InviteForm(request.POST, actor=u), call, _("Invitation added."),
                "participants")


@login_required
@require_POST
def meeting_participant_remove(request: HttpRequest, pk: int, participant: int
                               ) -> HttpResponse:
    meeting = selectors.get_meeting_for(request.user, pk, perm=Perm.RUN_MEETINGS)
    found = meeting.participants.filter(pk=participant).first()
    if found is None:
        raise Http404
    found.meeting = meeting
    return _child_action(
        request, meeting, "participants",
        lambda: services.participant_remove(actor=request.user, participant=found),
        _("Removed from the list."))


@login_required
@require_http_methods(["GET", "POST"])  # POST: what was typed
def meeting_person_search(request: HttpRequest, pk: int) -> HttpResponse:
    """As-you-type picker of a resident to invite or to add at the door:
    current residents in the user's grids (?pick=ID: the choice)."""
    meeting = selectors.get_meeting_for(request.user, pk, perm=Perm.RUN_MEETINGS)
    return picker_response(request, person_picker(meeting))


# --- minutes ----------------------------------------------------------------------------

@login_required
@require_POST
def meeting_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the minutes as a new version. A stale save (someone saved since the
    user opened the page) is refused: the page comes back with their text kept
    and the version they must compare it with."""
    def make(user: Any, meeting: Meeting) -> MinutesForm:
        return MinutesForm(request.POST)

    def call(user: Any, meeting: Meeting, data: dict[str, Any]) -> None:
        try:
            services.minutes_save(actor=user, meeting=meeting, text=data["text"],
                                  loaded=data["loaded"])
        except Conflict:
            # The next save replaces the newest version: keep the text typed,
            # now based on the version on record.
            newest = meeting.minutes.order_by("-number").values_list("number", flat=True)
            kept = request.POST.copy()
            kept["loaded"] = str(newest.first() or 0)
            form.data = kept
            form.stale = True  # type: ignore[attr-defined]
            raise

    form = MinutesForm(request.POST)
    return _act(request, pk, "minutes_form", lambda u, m: form, call,
                _("Minutes saved as a new version."), "minutes")


def _minutes_move(request: HttpRequest, pk: int, minutes: int, perm: Perm,
                  move: Callable[..., Any], success: str) -> HttpResponse:
    meeting = selectors.get_meeting_for(request.user, pk, perm=perm)
    found = meeting.minutes.filter(pk=minutes).first()
    if found is None:
        raise Http404
    found.meeting = meeting
    return _child_action(request, meeting, "minutes",
                         lambda: move(actor=request.user, minutes=found), success)


@login_required
@require_POST
def meeting_minutes_circulate(request: HttpRequest, pk: int, minutes: int) -> HttpResponse:
    return _minutes_move(request, pk, minutes, Perm.RUN_MEETINGS, services.minutes_circulate,
                         _("Minutes circulated."))


@login_required
@require_POST
def meeting_minutes_approve(request: HttpRequest, pk: int, minutes: int) -> HttpResponse:
    return _minutes_move(request, pk, minutes, Perm.APPROVE_MINUTES, services.minutes_approve,
                         _("Minutes approved."))


# --- decisions -------------------------------------------------------------------------

@login_required
@require_POST
def meeting_decision_add(request: HttpRequest, pk: int) -> HttpResponse:
    def call(user: Any, meeting: Meeting, data: dict[str, Any]) -> None:
        decisions.decision_add(
            actor=user, meeting=meeting, text=data["text"], owner=data["owner"],
            due=data["due"], agenda_item=data["agenda_item"], case=data["case"],
            project=data["project"], referral=data["referral"],
            new_case_item=data["new_case_item"],
            new_project_category=data["new_project_category"])

    return _act(request, pk, "decision_form",
                lambda u, m: DecisionForm(request.POST, actor=u, meeting=m), call,
                _("Decision recorded."), "decisions")


@login_required
@require_POST
def meeting_decision_status(request: HttpRequest, pk: int, decision: int) -> HttpResponse:
    meeting = selectors.get_meeting_for(request.user, pk, perm=Perm.RUN_MEETINGS)
    found = meeting.decisions.filter(pk=decision).first()
    if found is None:
        raise Http404
    found.meeting = meeting
    form = DecisionStatusForm(request.POST)
    back = redirect(detail_url(meeting, f"decision-{found.number}"))
    done = submit(request, form, lambda data: decisions.decision_set_status(
        actor=request.user, decision=found, status=data["status"], version=data["version"],
        done_on=data["done_on"]), _("Decision updated."), lambda _r: back)
    if done is None:
        errors = [str(e) for errs in form.errors.values() for e in errs]
        messages.error(request, " ".join(errors))
    return back


# --- printouts ---------------------------------------------------------------------------

@login_required
@require_GET
def meeting_minutes_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The newest minutes (?version=N: that one)."""
    meeting = selectors.get_meeting_for(request.user, pk)
    versions = meeting.minutes.select_related("approved_by")
    wanted = request.GET.get("version", "")
    version = (versions.filter(number=int(wanted)).first() if wanted.isascii() and wanted.isdigit()
               and len(wanted) < 9 else versions.order_by("-number").first())
    if version is None:
        return render(request, "civic/_meeting_no_minutes.html", {"meeting": meeting},
                      status=409 if not wanted else 404)
    from jiayuan.civic.meetings.pdf import minutes_pdf

    return pdf_response(minutes_pdf(request.user, meeting, version),
                         f"minutes-{meeting.ref}-v{version.number}.pdf")


@login_required
@require_GET
def meeting_attendance_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting_for(request.user, pk)
    from jiayuan.civic.meetings.pdf import attendance_pdf

    return pdf_response(attendance_pdf(request.user, meeting), f"attendance-{meeting.ref}.pdf")
