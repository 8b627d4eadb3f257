"""Person pages: add, edit, move, leave, reveal, consents."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiayuan.core.access import require
from jiayuan.core.roles import Perm
from jiayuan.core.views import apply_service_errors, submit
from jiayuan.registry import panels, selectors, services
from jiayuan.registry.forms import ConsentForm, MoveOutForm, PersonForm, PersonMoveForm
from jiayuan.registry.models import Consent, Person
from jiayuan.registry.views import form_status, keep_input, submit_versioned


def _version_now(person: Person) -> int:
    return Person.objects.values_list("version", flat=True).get(pk=person.pk)


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.get_person_for(request.user, pk)
    return render(request, "registry/person_detail.html", {
        "p": person, **selectors.person_detail(request.user, person),
        # The service desk adds the person's requests (jiayuan.registry.panels).
        "sections": panels.person.render(request, person)})


@login_required
def person_create(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.get_household_for(request.user, pk)
    require(request.user, Perm.EDIT_REGISTRY)
    form = PersonForm(request.POST or None, show_sensitive=request.user.has(Perm.VIEW_SENSITIVE))
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_create(actor=request.user, household=household,
                                            **form.person_data())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("%(name)s added to the household.") % {"name": person.name})
            return redirect("household_detail", pk=household.pk)
    return render(request, "registry/person_form.html", {"form": form, "h": household})


@login_required
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.get_person_for(request.user, pk)
    require(request.user, Perm.EDIT_REGISTRY)
    if request.method == "GET" and person.ethnicity and request.user.has(Perm.VIEW_SENSITIVE):
        from jiayuan.core import audit
        from jiayuan.core.models import AuditAction

        audit.record(AuditAction.VIEW_SENSITIVE, actor=request.user, obj=person,
                     changes={"shown": ["ethnicity"]})
    is_head = person.household.head_id == person.pk
    form = PersonForm(request.POST or None, initial=PersonForm.initial_for(person),
                      show_sensitive=request.user.has(Perm.VIEW_SENSITIVE), is_head=is_head,
                      editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.person_data()
        if data.get("id_number") is None and person.id_number_hash:
            # The stored number must still agree with an edited birth date or sex.
            from jiayuan.lib.idcard import IDNumberError, check_agrees
            from jiayuan.registry.identifiers import id_number_of

            try:
                check_agrees(id_number_of(person), birth_date=data.get("birth_date"),
                             sex=data.get("sex"))
            except IDNumberError as exc:
                form.add_error(None, exc.message)
        if not form.errors:
            try:
                services.person_update(actor=request.user, person=person, **data)
            except ValidationError as exc:
                keep_input(form, exc, _version_now(person))
            else:
                messages.success(request, _("Saved."))
                return redirect("person_detail", pk=person.pk)
    return render(request, "registry/person_form.html", {"form": form, "p": person,
                                                          "h": person.household},
                  status=form_status(form))


@login_required
def person_move(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.get_person_for(request.user, pk)
    require(request.user, Perm.EDIT_REGISTRY)
    form = PersonMoveForm(request.POST or None, person=person,
                          initial={"version": person.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # The target goes through the same scope check as any page: a household
        # outside the actor's grids is "not found", exactly like a missing one.
        try:
            target = selectors.get_household_for(request.user, data["to_household"])
        except Http404:
            form.add_error("to_household", _("No household with this number in your area."))
        else:
            try:
                services.person_move(actor=request.user, person=person, to_household=target,
                                     on=data["on"], relation=data["relation"],
                                     new_head=data["new_head"], reason=data["reason"],
                                     expected_version=data["version"])
            except ValidationError as exc:
                keep_input(form, exc, _version_now(person))
            else:
                messages.success(request, _("Moved."))
                return redirect("person_detail", pk=person.pk)
    return render(request, "registry/simple_form.html", {
        "form": form, "h": person.household, "p": person,
        "title": _("Move %(name)s to another household") % {"name": person.name}},
        status=form_status(form))


@login_required
def person_leave(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.get_person_for(request.user, pk)
    require(request.user, Perm.EDIT_REGISTRY)
    form = MoveOutForm(request.POST or None, initial={"version": person.version})
    done = submit_versioned(request, form, lambda data: services.person_leave(
        actor=request.user, person=person, **data),
        _("Recorded as having left the community."),
        lambda: redirect("household_detail", pk=person.household_id), person)
    if done:
        return done
    return render(request, "registry/simple_form.html", {
        "form": form, "h": person.household, "p": person, "danger": True,
        "title": _("%(name)s leaves the community") % {"name": person.name}},
        status=form_status(form))


@login_required
@require_POST
def person_reveal(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    person = selectors.get_person_for(request.user, pk)
    value = services.person_reveal(actor=request.user, person=person, field=field)
    return render(request, "registry/_revealed.html", {"value": value, "field": field})


@login_required
def consent_add(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.get_person_for(request.user, pk)
    require(request.user, Perm.RECORD_CONSENT)
    form = ConsentForm(request.POST or None, person=person)
    done = submit(request, form, lambda data: services.consent_record(
        actor=request.user, person=person, **data), _("Consent recorded."),
        lambda _consent: redirect("person_detail", pk=person.pk))
    if done:
        return done
    return render(request, "registry/simple_form.html", {
        "form": form, "h": person.household, "p": person,
        "title": _("Record consent for %(name)s") % {"name": person.name}})


@login_required
@require_POST
def consent_withdraw(request: HttpRequest, pk: int, cid: int) -> HttpResponse:
    person = selectors.get_person_for(request.user, pk)
    require(request.user, Perm.RECORD_CONSENT)
    consent = Consent.objects.filter(person=person, pk=cid).first()
    if consent is None:
        raise Http404

    try:
        services.consent_withdraw(actor=request.user, consent=consent, on=timezone.localdate())
        messages.success(request, _("Consent withdrawn."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("person_detail", pk=person.pk)
