"""Staff pages of the desk: work queues, intake, the case page and its actions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiayuan.core import audit
from jiayuan.core.access import as_id, require
from jiayuan.core.crypto import decrypt
from jiayuan.core.models import AuditAction
from jiayuan.core.roles import Perm
from jiayuan.core.views import apply_service_errors
from jiayuan.desk import selectors, services, workflow
from jiayuan.desk.choices import OPEN_STATUSES, PERMIT_SERVICES, Status
from jiayuan.desk.forms import (
    AssignForm,
    CaseEditForm,
    DocumentForm,
    FollowUpForm,
    IntakeForm,
    MatchForm,
    NoteForm,
    TransitionForm,
)
from jiayuan.desk.models import Case, CaseDocument
from jiayuan.desk.views_referral import referrals_for_case
from jiayuan.registry.search import search
from jiayuan.registry.selectors import get_person_for, people_for


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
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.case_create(
                actor=request.user, person=form.person_obj, item=data["item"],
                channel=data["channel"], summary=data["summary"], details=data["details"],
                priority=data["priority"], caller_name=data["caller_name"],
                caller_phone=data["caller_phone"],
                needs_onsite=data["needs_onsite"] or data["item"].onsite_required,
                owner=data["owner"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Request %(ref)s recorded. Give the resident this "
                                        "reference number.") % {"ref": case.ref})
            return redirect(_case_url(case))
    chosen = form.person_obj or person
    if chosen is None and form.is_bound and as_id(form.data.get("person")):
        chosen = people.filter(pk=as_id(form.data.get("person"))).first()
    return render(request, "desk/case_new.html", {"form": form, "chosen": chosen})


@login_required
def requester_search(request: HttpRequest) -> HttpResponse:
    """As-you-type search for the requester on the intake form (htmx fragment)."""
    require(request.user, Perm.WORK_CASES)
    if request.GET.get("pick"):
        person = get_person_for(request.user, request.GET["pick"])
        return render(request, "desk/_requester_chosen.html", {"p": person, "oob": True})
    q = request.GET.get("q", "").strip()
    picks = []
    for hit in search(request.user, q, limit=12) if q else []:
        if hit.kind == "person" and not hit.person.left_on:
            picks.append((hit.person, hit.household))
        elif hit.kind == "household" and hit.household.head and not hit.household.moved_out:
            picks.append((hit.household.head, hit.household))
    response = render(request, "desk/_requester_picks.html", {"q": q, "picks": picks})
    patch_vary_headers(response, ["HX-Request"])
    return response


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
        "status_url": request.build_absolute_uri(reverse(
            "portal_status", args=[case.ref, case.public_token])),
        "repeat_flags": selectors.repeat_flags(case.household) if case.household_id else [],
        "outcome_needs_note": "not_helped",
        "open_statuses": OPEN_STATUSES,
        "phone_matches": _phone_matches(user, case) if can_work else [],
        "offers_permit": can_work and _offers_permit(user, case),
        "permit_service": case.item.code in PERMIT_SERVICES,
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


@login_required
@require_POST
def case_transition(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Perm.WORK_CASES)
    case = selectors.get_case_for(request.user, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        return _rerender(request, case, transition_form=form,
                         failed_action=request.POST.get("action"))
    data = form.cleaned_data
    duplicate_of = None
    if data["duplicate_ref"]:
        duplicate_of = selectors.cases_for(request.user).filter(
            ref=data["duplicate_ref"].strip().upper()).first()
    try:
        case = services.transition(
            actor=request.user, case=case, action=data["action"], version=data["version"],
            note=data["note"], outcome=data["outcome"],
            outcome_quantity=data["outcome_quantity"], outcome_note=data["outcome_note"],
            duplicate_of=duplicate_of if data["duplicate_ref"] else None,
            **_permit(data))
    except ValidationError as exc:
        error = exc
        if data["duplicate_ref"] and duplicate_of is None and data["action"] == \
                "cancel_duplicate":
            error = ValidationError({"duplicate_ref": _("No case with that reference in "
                                                        "your area.")})
        elif hasattr(exc, "error_dict") and "duplicate_of" in exc.error_dict:
            error = ValidationError({"duplicate_ref": exc.error_dict["duplicate_of"]})
        apply_service_errors(form, error)
        return _rerender(request, case, transition_form=form, failed_action=data["action"])
    messages.success(request, _("%(ref)s: %(status)s.") % {
        "ref": case.ref, "status": case.get_status_display()})
    return redirect(_case_url(case))


@login_required
def case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Perm.WORK_CASES)
    case = selectors.get_case_for(request.user, pk)
    form = CaseEditForm(request.POST or None, actor=request.user, case=case)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.case_update(actor=request.user, case=case, version=version, **data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(_case_url(case))
    return render(request, "desk/case_edit.html", {"form": form, "case": case},
                  status=400 if form.is_bound else 200)


@login_required
@require_POST
def case_assign(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Perm.WORK_CASES)
    case = selectors.get_case_for(request.user, pk)
    form = AssignForm(request.POST, actor=request.user)
    if form.is_valid():
        try:
            services.case_update(actor=request.user, case=case,
                                 version=form.cleaned_data["version"],
                                 owner=form.cleaned_data["owner"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Owner changed."))
            return redirect(_case_url(case))
    return _rerender(request, case, assign_form=form)


@login_required
@require_POST
def case_note(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Perm.WORK_CASES)
    case = selectors.get_case_for(request.user, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.add_note(actor=request.user, case=case, kind=data["kind"],
                              text=data["text"], public=data["public"], at=data["at"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Added to the timeline."))
            return redirect(_case_url(case) + "#timeline")
    return _rerender(request, case, note_form=form)


@login_required
@require_POST
def case_document(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Perm.WORK_CASES)
    case = selectors.get_case_for(request.user, pk)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_document(actor=request.user, case=case,
                                  upload=form.cleaned_data["file"],
                                  note=form.cleaned_data["note"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Document added."))
            return redirect(_case_url(case) + "#timeline")
    return _rerender(request, case, document_form=form)


@login_required
def document_download(request: HttpRequest, pk: int, doc: int) -> HttpResponse:
    """Documents are served only here: case in scope, audited, never inline."""
    case = selectors.get_case_for(request.user, pk)
    document = CaseDocument.objects.filter(case=case, pk=doc).first()
    if document is None:
        raise Http404
    audit.record(AuditAction.EXPORT, actor=request.user, obj=case,
                 changes={"document": document.name})
    response = FileResponse(document.file.open("rb"), as_attachment=True,
                            filename=document.name, content_type=document.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
@require_POST
def case_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Perm.WORK_CASES)
    case = selectors.get_case_for(request.user, pk)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.record_follow_up(actor=request.user, case=case, reached=data["reached"],
                                      satisfaction=data["satisfaction"],
                                      comment=data["comment"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            case.refresh_from_db()
            messages.success(request, _("Follow-up call recorded.") + (
                " " + _("The case is closed.") if case.status == Status.CLOSED else ""))
            return redirect(_case_url(case))
    return _rerender(request, case, follow_up_form=form)


@login_required
@require_POST
def case_match(request: HttpRequest, pk: int) -> HttpResponse:
    """Triage: link an unmatched request to the registered person who made it."""
    require(request.user, Perm.WORK_CASES)
    case = selectors.get_case_for(request.user, pk)
    form = MatchForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the resident first."))
        return redirect(_case_url(case))
    person = get_person_for(request.user, form.cleaned_data["person"])
    try:
        services.match_requester(actor=request.user, case=case, person=person,
                                 version=form.cleaned_data["version"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Linked to %(name)s's household file.")
                         % {"name": person.name})
    return redirect(_case_url(case))


@login_required
@require_POST
def caller_phone_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The whole phone number of an unregistered caller: audited like any reveal."""
    require(request.user, Perm.REVEAL_PHONE)
    case = selectors.get_case_for(request.user, pk)
    phone = decrypt(case.caller_phone_enc) if case.caller_phone_enc else ""
    audit.record(AuditAction.REVEAL, actor=request.user, obj=case,
                 changes={"field": "caller_phone"})
    return render(request, "registry/_revealed.html", {"value": phone})
