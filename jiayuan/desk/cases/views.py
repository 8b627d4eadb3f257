"""Staff pages of the desk: work queues, intake, the case page and its actions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiayuan.core.access import as_id, require
from jiayuan.core.roles import Perm
from jiayuan.core.urls_public import public_url
from jiayuan.core.views import form_status, submit
from jiayuan.desk import selectors, services, workflow
from jiayuan.desk.cases import sections
from jiayuan.desk.cases.forms import (
    AssignForm,
    CaseEditForm,
    DocumentForm,
    FollowUpForm,
    IntakeForm,
    MatchForm,
    NoteForm,
    TransitionForm,
)
from jiayuan.desk.choices import OPEN_STATUSES, PERMIT_SERVICES, Status
from jiayuan.desk.models import Case
from jiayuan.desk.referrals.views import referrals_for_case
from jiayuan.registry.pickers import picker, picker_response
from jiayuan.registry.selectors import get_person_for, people_for

# The requester of the intake form and of a case: a current resident in scope;
# a household found by its dwelling offers its head.
REQUESTER_PICKER = picker("requester", "person", reverse_lazy("requester_search"),
                          picks_template="desk/_requester_picks.html",
                          chosen_template="desk/_requester_chosen.html")


def _case_url(case: Case) -> str:
    return reverse("case_detail", args=[case.pk])


@login_required
def queue_view(request: HttpRequest, code: str = "mine") -> HttpResponse:
    require(request.user, Perm.VIEW_CASES)
    if code not in selectors.QUEUE_CODES:
        raise Http404
    now = timezone.now()
    page = Paginator(selectors.queue(request.user, code, now), 50).get_page(
        request.GET.get("page"))
    return render(request, "desk/queue.html", {
        "queues": selectors.QUEUES, "code": code, "counts": selectors.queue_counts(
            request.user, now), "page": page, "now": now})


@login_required
def case_new(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.WORK_CASES)
    people = people_for(request.user).filter(left_on__isnull=True)
    person = None
    if request.method == "GET" and request.GET.get("person"):
        person = get_person_for(request.user, request.GET["person"])
    form = IntakeForm(request.POST or None, actor=request.user, people=people,
                      initial={"person": person.pk if person else None,
                               "channel": request.GET.get("channel") or "walk_in"})
    done = submit(
        request, form, lambda data: services.case_create(
            actor=request.user, person=form.person_obj, item=data["item"],
            channel=data["channel"], summary=data["summary"], details=data["details"],
            priority=data["priority"], caller_name=data["caller_name"],
            caller_phone=data["caller_phone"], needs_onsite=data["needs_onsite"],
            owner=data["owner"]),
        lambda case: _("Request %(ref)s recorded. Give the resident this reference "
                       "number.") % {"ref": case.ref},
        lambda case: redirect(_case_url(case)))
    if done:
        return done
    chosen = form.person_obj or person
    if chosen is None and form.is_bound and as_id(form.data.get("person")):
        chosen = people.filter(pk=as_id(form.data.get("person"))).first()
    return render(request, "desk/case_new.html", {"form": form, "chosen": chosen})


@login_required
def requester_search(request: HttpRequest) -> HttpResponse:
    """As-you-type search for the requester on the intake form (htmx fragment)."""
    require(request.user, Perm.WORK_CASES)
    return picker_response(request, REQUESTER_PICKER)


def _case_context(request: HttpRequest, case: Case, **forms: Any) -> dict[str, Any]:
    user = request.user
    events = list(case.events.select_related("actor", "document").order_by("at", "id"))
    referrals = referrals_for_case(user, case)
    can_work = user.has(Perm.WORK_CASES)
    context = {
        "case": case, "events": events, "referrals": referrals,
        "actions": workflow.buttons(case.status) if can_work else [],
        "documents": list(case.documents.all()),
        "follow_ups": list(case.follow_ups.select_related("by")),
        "note_form": forms.get("note_form") or NoteForm(),
        "document_form": forms.get("document_form") or DocumentForm(),
        "follow_up_form": forms.get("follow_up_form") or FollowUpForm(),
        "transition_form": forms.get("transition_form"),
        "blank_transition_form": TransitionForm(),
        "failed_action": forms.get("failed_action"),
        "assign_form": forms.get("assign_form") or AssignForm(
            actor=user, initial={"version": case.version, "owner": case.owner_id}),
        "can_work": can_work,
        "now": timezone.now(),
        "status_url": public_url(reverse("portal_status",
                                         args=[case.ref, case.public_token])),
        "repeat_flags": selectors.repeat_flags(case.household) if case.household_id else [],
        "outcome_needs_note": "not_helped",
        "open_statuses": OPEN_STATUSES,
        "phone_matches": _phone_matches(user, case) if can_work else [],
        "offers_permit": can_work and _offers_permit(user, case),
        "permit_service": case.item.code in PERMIT_SERVICES,
        "sections": sections.case.render(request, case),
    }
    return context


def _phone_matches(user: Any, case: Case) -> list[Any]:
    """Triage: residents in the user's grids registered with the unmatched
    caller's phone number (compared by its keyed hash), offered first."""
    if case.person_id or not case.caller_phone_hash or not case.is_open:
        return []
    return list(people_for(user).filter(phone_hash=case.caller_phone_hash, left_on__isnull=True)
                .select_related("household__dwelling").order_by("name", "pk")[:5])


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case_for(request.user, pk)
    return render(request, "desk/case_detail.html", _case_context(request, case))


def _rerender(request: HttpRequest, case: Case, **forms: Any) -> HttpResponse:
    case.refresh_from_db()
    return render(request, "desk/case_detail.html", _case_context(request, case, **forms),
                  status=400)


def _permit(data: dict[str, Any]) -> dict[str, Any]:
    """The residence permit typed on the resolve form, if any."""
    if data["action"] != "resolve":
        return {}
    return {"permit_number": data["permit_number"], "permit_expiry": data["permit_expiry"]}


def _offers_permit(user: Any, case: Case) -> bool:
    """The resolve form offers to record a residence permit on the requester's
    record when there is one the user may edit."""
    return bool(case.person_id and case.is_open and user.has(Perm.EDIT_REGISTRY))


def _case_status(case: Case) -> str:
    return _("%(ref)s: %(status)s.") % {"ref": case.ref, "status": case.get_status_display()}


@login_required
@require_POST
def case_transition(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case_for(request.user, pk, perm=Perm.WORK_CASES)
    form = TransitionForm(request.POST, cases=selectors.cases_for(request.user))
    done = submit(
        request, form, lambda data: services.transition(
            actor=request.user, case=case, action=data["action"], version=data["version"],
            note=data["note"], outcome=data["outcome"],
            outcome_quantity=data["outcome_quantity"], outcome_note=data["outcome_note"],
            duplicate_of=data["duplicate_of"], **_permit(data)),
        _case_status, lambda case: redirect(_case_url(case)))
    return done or _rerender(request, case, transition_form=form,
                             failed_action=request.POST.get("action"))


@login_required
def case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case_for(request.user, pk, perm=Perm.WORK_CASES)
    form = CaseEditForm(request.POST or None, actor=request.user, case=case)
    done = submit(
        request, form, lambda data: services.case_update(
            actor=request.user, case=case, version=data["version"], item=data["item"],
            summary=data["summary"], details=data["details"], priority=data["priority"],
            needs_onsite=data["needs_onsite"], owner=data["owner"]),
        _("Changes saved."), lambda case: redirect(_case_url(case)), record=case)
    if done:
        return done
    status = form_status(form) if getattr(form, "conflict", False) else (
        400 if form.is_bound else 200)
    return render(request, "desk/case_edit.html", {"form": form, "case": case},
                  status=status)


@login_required
@require_POST
def case_assign(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case_for(request.user, pk, perm=Perm.WORK_CASES)
    form = AssignForm(request.POST, actor=request.user)
    done = submit(
        request, form, lambda data: services.case_update(
            actor=request.user, case=case, version=data["version"], owner=data["owner"]),
        _("Owner changed."), lambda case: redirect(_case_url(case)))
    return done or _rerender(request, case, assign_form=form)


@login_required
@require_POST
def case_note(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case_for(request.user, pk, perm=Perm.WORK_CASES)
    form = NoteForm(request.POST)
    done = submit(
        request, form, lambda data: services.add_note(
            actor=request.user, case=case, kind=data["kind"], text=data["text"],
            public=data["public"], at=data["at"]),
        _("Added to the timeline."), lambda _event: redirect(_case_url(case) + "#timeline"))
    return done or _rerender(request, case, note_form=form)


@login_required
@require_POST
def case_document(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case_for(request.user, pk, perm=Perm.WORK_CASES)
    form = DocumentForm(request.POST, request.FILES)
    done = submit(
        request, form, lambda data: services.add_document(
            actor=request.user, case=case, upload=data["file"], note=data["note"]),
        _("Document added."), lambda _doc: redirect(_case_url(case) + "#timeline"))
    return done or _rerender(request, case, document_form=form)


@login_required
def document_download(request: HttpRequest, pk: int, doc: int) -> HttpResponse:
    """Documents are served only here: case in scope, audited, never inline."""
    case = selectors.get_case_for(request.user, pk)
    document = selectors.document_for(request.user, case, doc)
    response = FileResponse(document.file.open("rb"), as_attachment=True,
                            filename=document.name, content_type=document.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _follow_up_done(case: Case) -> str:
    case.refresh_from_db()
    return _("Follow-up call recorded.") + (
        " " + _("The case is closed.") if case.status == Status.CLOSED else "")


@login_required
@require_POST
def case_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case_for(request.user, pk, perm=Perm.WORK_CASES)
    form = FollowUpForm(request.POST)
    done = submit(
        request, form, lambda data: services.record_follow_up(
            actor=request.user, case=case, reached=data["reached"],
            satisfaction=data["satisfaction"], comment=data["comment"]),
        lambda _follow: _follow_up_done(case), lambda _follow: redirect(_case_url(case)))
    return done or _rerender(request, case, follow_up_form=form)


@login_required
@require_POST
def case_match(request: HttpRequest, pk: int) -> HttpResponse:
    """Triage: link an unmatched request to the registered person who made it."""
    case = selectors.get_case_for(request.user, pk, perm=Perm.WORK_CASES)
    form = MatchForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the resident first."))
        return redirect(_case_url(case))
    person = get_person_for(request.user, form.cleaned_data["person"])
    done = submit(
        request, form, lambda data: services.match_requester(
            actor=request.user, case=case, person=person, version=data["version"]),
        _("Linked to %(name)s's household file.") % {"name": person.name},
        lambda case: redirect(_case_url(case)))
    if done:
        return done
    messages.error(request, " ".join(form.non_field_errors()))
    return redirect(_case_url(case))


@login_required
@require_POST
def caller_phone_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The whole phone number of an unregistered caller: audited like any reveal."""
    case = selectors.get_case_for(request.user, pk, perm=Perm.REVEAL_PHONE)
    phone = selectors.caller_phone_of(request.user, case)
    return render(request, "registry/_revealed.html", {"value": phone})
