"""Person pages: add, edit, move, leave, reveal, consents."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiayuan.core import reauth
from jiayuan.core.roles import Perm
from jiayuan.core.views import form_status, submit
from jiayuan.registry import panels, selectors, services
from jiayuan.registry.forms import ConsentForm, MoveOutForm, PersonForm, PersonMoveForm
from jiayuan.registry.models import Person
from jiayuan.registry.views import post_action


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.get_person_for(request.user, pk)
    return render(request, "registry/person_detail.html", {
        "p": person, **selectors.person_detail(request.user, person),
        # The service desk adds the person's requests (jiayuan.registry.panels).
        "sections": panels.person.render(request, person)})


@login_required
def person_create(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.get_household_for(request.user, pk, perm=Perm.EDIT_REGISTRY)
    form = PersonForm(request.POST or None, show_sensitive=request.user.has(Perm.VIEW_SENSITIVE))
    done = submit(request, form, lambda _data: services.person_create(
        actor=request.user, household=household, **form.person_data()),
        lambda person: _("%(name)s added to the household.") % {"name": person.name},
        lambda _person: redirect("household_detail", pk=household.pk))
    return done or render(request, "registry/person_form.html", {"form": form, "h": household})


@login_required
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_for_edit(request.user, pk, showing=request.method == "GET")
    is_head = person.household.head_id == person.pk
    form = PersonForm(request.POST or None, initial=PersonForm.initial_for(person),
                      show_sensitive=request.user.has(Perm.VIEW_SENSITIVE), is_head=is_head,
                      editing=True)
    # The service checks the birth date and sex against the ID number on record too.
    done = submit(request, form, lambda _data: services.person_update(
        actor=request.user, person=person, **form.person_data()), _("Saved."),
        lambda _person: redirect("person_detail", pk=person.pk), record=person)
    return done or render(request, "registry/person_form.html", {
        "form": form, "p": person, "h": person.household}, status=form_status(form))


@login_required
def person_move(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.get_person_for(request.user, pk, perm=Perm.EDIT_REGISTRY)
    form = PersonMoveForm(request.POST or None, actor=request.user, person=person,
                          initial={"version": person.version})
    done = submit(request, form, lambda _data: services.person_move(
        actor=request.user, person=person, **form.service_kwargs()), _("Moved."),
        lambda _person: redirect("person_detail", pk=person.pk), record=person)
    return done or render(request, "registry/simple_form.html", {
        "form": form, "h": person.household, "p": person,
        "title": _("Move %(name)s to another household") % {"name": person.name}},
        status=form_status(form))


@login_required
def person_leave(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.get_person_for(request.user, pk, perm=Perm.EDIT_REGISTRY)
    form = MoveOutForm(request.POST or None, initial={"version": person.version})
    done = submit(request, form, lambda _data: services.person_leave(
        actor=request.user, person=person, **form.service_kwargs()),
        _("Recorded as having left the community."),
        lambda _person: redirect("household_detail", pk=person.household_id), record=person)
    return done or render(request, "registry/simple_form.html", {
        "form": form, "h": person.household, "p": person, "danger": True,
        "title": _("%(name)s leaves the community") % {"name": person.name}},
        status=form_status(form))


def _revealed_person(request: HttpRequest, pk: int, field: str) -> Person:
    perm = services.reveal_perm(field)
    if perm is None:
        raise Http404
    return selectors.get_person_for(request.user, pk, perm=perm)


def _reveal_confirm(request: HttpRequest, confirm_url: str, pk: int, field: str) -> HttpResponse:
    # The fragment links to the confirmation, which comes back to the person
    # page; the access check (403/404, audited) comes first.
    person = _revealed_person(request, pk, field)
    return render(request, "registry/_reveal_confirm.html", {
        "mask": person.id_number_mask, "confirm_url": confirm_url})


@login_required
@require_POST
# A whole ID number needs a fresh password or code (jiayuan.core.reauth).
@reauth.requires_recent_confirmation(
    when=lambda _request, pk, field: field == "id_number",
    back=lambda _request, pk, field: reverse("person_detail", args=[pk]),
    refuse=_reveal_confirm)
def person_reveal(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    person = _revealed_person(request, pk, field)
    value = services.person_reveal(actor=request.user, person=person, field=field,
                                   confirmed=reauth.recently_confirmed(request))
    return render(request, "registry/_revealed.html", {"value": value, "field": field})


@login_required
def consent_add(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.get_person_for(request.user, pk, perm=Perm.RECORD_CONSENT)
    form = ConsentForm(request.POST or None, person=person)
    done = submit(request, form, lambda data: services.consent_record(
        actor=request.user, person=person, **data), _("Consent recorded."),
        lambda _consent: redirect("person_detail", pk=person.pk))
    return done or render(request, "registry/simple_form.html", {
        "form": form, "h": person.household, "p": person,
        "title": _("Record consent for %(name)s") % {"name": person.name}})


@login_required
@require_POST
def consent_withdraw(request: HttpRequest, pk: int, cid: int) -> HttpResponse:
    person = selectors.get_person_for(request.user, pk, perm=Perm.RECORD_CONSENT)
    consent = selectors.consent_of(person, cid)
    return post_action(request, forms.Form(request.POST), lambda _data: services.consent_withdraw(
        actor=request.user, consent=consent, on=timezone.localdate()),
        _("Consent withdrawn."), redirect("person_detail", pk=person.pk))
