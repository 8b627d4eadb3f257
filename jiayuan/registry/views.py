"""Household file pages. Views are thin: one access call (a selector that
checks the permission and the scope), then a form, then a service through
core.views.submit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiayuan.core.access import require
from jiayuan.core.filters import read_filters
from jiayuan.core.roles import Perm
from jiayuan.core.scope import filter_by_grid
from jiayuan.core.views import form_status, pdf_response, submit
from jiayuan.places.models import Grid
from jiayuan.registry import panels, selectors, services
from jiayuan.registry.choices import Residency
from jiayuan.registry.filters import HouseholdFilterForm
from jiayuan.registry.forms import (
    CircumstanceForm,
    EndDateForm,
    HouseholdCreateForm,
    HouseholdEditForm,
    HouseholdMoveForm,
    MoveOutForm,
    PersonForm,
    dwelling_spec,
    origin_spec,
)
from jiayuan.registry.pickers import typeahead_response


def post_action(request: HttpRequest, form: forms.Form, save: Callable[[dict[str, Any]], Any],
                success: str, back: HttpResponse) -> HttpResponse:
    """A button posted as a small form (end a circumstance, withdraw a consent):
    core.views.submit, then back to the page, with what went wrong as a
    message when it did."""
    done = submit(request, form, save, success, lambda _result: back)
    if done is None:
        messages.error(request, " ".join(str(e) for errors in form.errors.values()
                                         for e in errors))
    return back


@login_required
def household_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_REGISTRY)
    grids = filter_by_grid(Grid.objects.all(), request.user, field="id")
    filters = read_filters(request, HouseholdFilterForm(request.GET, grids=grids))
    grid, residency = filters["grid"], filters["residency"] or ""
    status = filters["status"] or "active"
    qs = selectors.household_list(request.user, grid_id=grid.pk if grid else None,
                                  residency=residency, active=status == "active",
                                  archived=status == "archived")
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(request, "registry/household_list.html", {
        "page": page, "grids": grids, "residencies": Residency.choices,
        "selected": {"grid": str(grid.pk) if grid else "", "residency": residency,
                     "status": status},
    })


@login_required
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.get_household_for(request.user, pk)
    file = selectors.household_file(request.user, household)
    return render(request, "registry/household_detail.html", {
        "file": file, "h": household,
        # Service requests, visits, duties, disputes, pairings: the apps built
        # on the registry add their sections (jiayuan.registry.panels).
        "sections": panels.household.render(request, household)})


@login_required
def household_create(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.EDIT_REGISTRY)
    head_form = PersonForm(request.POST or None, prefix="head", is_head=True,
                           show_sensitive=request.user.has(Perm.VIEW_SENSITIVE))
    # Valid when both are; the service's errors about the head show on its form.
    form = HouseholdCreateForm(request.POST or None, actor=request.user, head_form=head_form)
    done = submit(request, form, lambda data: services.household_create(
        actor=request.user, dwelling=data["dwelling"], residency=data["residency"],
        moved_in=data["moved_in"], festivals=data["festivals"], note=data["note"],
        head=head_form.person_data()), _("Household file opened."),
        lambda household: redirect("household_detail", pk=household.pk))
    return done or render(request, "registry/household_form.html",
                          {"form": form, "head_form": head_form, "creating": True})


@login_required
def household_edit(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_for_edit(request.user, pk,
                                             showing=request.method == "GET")
    initial = {"residency": household.residency, "festivals": household.festivals,
               "note": household.note, "head": household.head_id,
               "version": household.version}
    form = HouseholdEditForm(request.POST or None, initial=initial, household=household)
    done = submit(request, form, lambda _data: services.household_update(
        actor=request.user, household=household, **form.service_kwargs()),
        _("Household saved."), lambda _h: redirect("household_detail", pk=household.pk),
        record=household)
    return done or render(request, "registry/household_form.html",
                          {"form": form, "h": household}, status=form_status(form))


@login_required
def household_move(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.get_household_for(request.user, pk, perm=Perm.EDIT_REGISTRY)
    form = HouseholdMoveForm(request.POST or None, initial={"version": household.version},
                             actor=request.user, household=household)
    done = submit(request, form, lambda _data: services.household_move(
        actor=request.user, household=household, **form.service_kwargs()),
        _("The household has moved."),
        lambda _h: redirect("household_detail", pk=household.pk), record=household)
    return done or render(request, "registry/simple_form.html", {
        "form": form, "h": household, "title": _("Move the household to another dwelling")},
        status=form_status(form))


@login_required
def household_move_out(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.get_household_for(request.user, pk, perm=Perm.EDIT_REGISTRY)
    form = MoveOutForm(request.POST or None, initial={"version": household.version})
    done = submit(request, form, lambda _data: services.household_move_out(
        actor=request.user, household=household, **form.service_kwargs()),
        _("The household is recorded as moved out."),
        lambda _h: redirect("household_detail", pk=household.pk), record=household)
    return done or render(request, "registry/simple_form.html", {
        "form": form, "h": household, "title": _("The household leaves the community"),
        "danger": True}, status=form_status(form))


@login_required
def household_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.get_household_for(request.user, pk, perm=Perm.PRINT_FILE)
    from jiayuan.registry.pdf import household_file_pdf

    file = selectors.household_file(request.user, household, printing=True)
    data = household_file_pdf(request.user, file)
    return pdf_response(data, f"household-{household.pk}.pdf")


@login_required
def circumstance_add(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_for_circumstances(request.user, pk)
    form = CircumstanceForm(request.POST or None, household=household)
    done = submit(request, form, lambda data: services.circumstance_add(
        actor=request.user, household=household, **data), _("Circumstance recorded."),
        lambda _saved: redirect("household_detail", pk=household.pk))
    return done or render(request, "registry/simple_form.html", {
        "form": form, "h": household, "title": _("Record a circumstance"),
        "sensitive_notice": True})


@login_required
@require_POST
def circumstance_end(request: HttpRequest, pk: int, cid: int) -> HttpResponse:
    household = selectors.household_for_circumstances(request.user, pk)
    item = selectors.circumstance_of(household, cid)
    return post_action(request, EndDateForm(request.POST), lambda data: services.circumstance_end(
        actor=request.user, circumstance=item, ended=data["ended"]),
        _("Circumstance ended."), redirect("household_detail", pk=household.pk))


@login_required
def dwelling_picks(request: HttpRequest) -> HttpResponse:
    """As-you-type dwelling picker (htmx): dwellings in the user's grids."""
    require(request.user, Perm.VIEW_REGISTRY)
    return typeahead_response(request, dwelling_spec(request.user))


@login_required
def origin_picks(request: HttpRequest) -> HttpResponse:
    """As-you-type origin-place picker (htmx): GB/T 2260 prefectures."""
    require(request.user, Perm.VIEW_REGISTRY)
    return typeahead_response(request, origin_spec())
