"""Household file and person pages. Views are thin: an access helper first,
then a form, then a service or selector."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiayuan.core import audit
from jiayuan.core.access import as_id, get_in_scope, require
from jiayuan.core.filters import read_filters
from jiayuan.core.models import AuditAction
from jiayuan.core.roles import Perm
from jiayuan.core.scope import filter_by_grid, in_scope
from jiayuan.core.views import apply_service_errors, submit
from jiayuan.places.models import Grid
from jiayuan.registry import panels, selectors, services
from jiayuan.registry.choices import Residency
from jiayuan.registry.filters import HouseholdFilterForm
from jiayuan.registry.forms import (
    BusinessForm,
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
from jiayuan.registry.models import Circumstance
from jiayuan.registry.pickers import picker, picker_response, typeahead_response


def versioned(data: dict) -> dict:
    """A form's cleaned data for a service: its hidden `version` becomes the
    service's `expected_version`."""
    data = dict(data)
    data["expected_version"] = data.pop("version")
    return data


def keep_input(form, exc: ValidationError, current_version: int) -> None:
    """After a refused save: show why on the form. A Conflict keeps what the user
    typed and now carries the version on record, so that saving again, once the
    user has checked, replaces it (nothing typed is lost)."""
    apply_service_errors(form, exc)
    if isinstance(exc, services.Conflict):
        data = form.data.copy()
        data[form.add_prefix("version")] = str(current_version)
        form.data = data
        form.conflict = True


def form_status(form) -> int:
    return 409 if getattr(form, "conflict", False) else 200


def submit_versioned(request: HttpRequest, form, save, success: str, redirect_to,
                     model) -> HttpResponse | None:
    """core.views.submit for a versioned household or person form (`model` the
    row it edits): a stale save shows the form again with the user's input."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        save(versioned(form.cleaned_data))
    except ValidationError as exc:
        keep_input(form, exc, type(model).objects.values_list("version", flat=True)
                   .get(pk=model.pk))
        return None
    messages.success(request, success)
    return redirect_to()


@login_required
def household_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_REGISTRY)
    grids = filter_by_grid(Grid.objects.all(), request.user, field="id")
    filters = read_filters(request, HouseholdFilterForm(request.GET, grids=grids))
    grid, residency, active = (filters["grid"], filters["residency"] or "",
                               filters["status"] != "moved_out")
    qs = selectors.household_list(request.user, grid_id=grid.pk if grid else None,
                                  residency=residency, active=active)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(request, "registry/household_list.html", {
        "page": page, "grids": grids, "residencies": Residency.choices,
        "selected": {"grid": str(grid.pk) if grid else "", "residency": residency,
                     "status": "active" if active else "moved_out"},
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
    show_sensitive = request.user.has(Perm.VIEW_SENSITIVE)
    form = HouseholdCreateForm(request.POST or None, actor=request.user)
    head_form = PersonForm(request.POST or None, prefix="head", is_head=True,
                           show_sensitive=show_sensitive)
    if request.method == "POST" and form.is_valid() and head_form.is_valid():
        try:
            household = services.household_create(
                actor=request.user, dwelling=form.cleaned_data["dwelling"],
                residency=form.cleaned_data["residency"],
                moved_in=form.cleaned_data["moved_in"],
                festivals=form.cleaned_data["festivals"], note=form.cleaned_data["note"],
                head=head_form.person_data())
        except ValidationError as exc:
            # Household fields (festivals) go to the household form, the rest to the head's.
            household_errors = {k: v for k, v in getattr(exc, "error_dict", {}).items()
                                if k in form.fields}
            if household_errors:
                apply_service_errors(form, ValidationError(household_errors))
            else:
                apply_service_errors(head_form, exc)
        else:
            messages.success(request, _("Household file opened."))
            return redirect("household_detail", pk=household.pk)
    return render(request, "registry/household_form.html",
                  {"form": form, "head_form": head_form, "creating": True})


@login_required
def household_edit(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.get_household_for(request.user, pk)
    require(request.user, Perm.EDIT_REGISTRY)
    if request.method == "GET" and household.festivals:
        audit.record(AuditAction.VIEW_SENSITIVE, actor=request.user, obj=household,
                     changes={"shown": ["festivals"]})
    initial = {"residency": household.residency, "festivals": household.festivals,
               "note": household.note, "head": household.head_id,
               "version": household.version}
    form = HouseholdEditForm(request.POST or None, initial=initial, household=household)
    done = submit_versioned(request, form, lambda data: services.household_update(
        actor=request.user, household=household, **data), _("Household saved."),
        lambda: redirect("household_detail", pk=household.pk), household)
    if done:
        return done
    return render(request, "registry/household_form.html", {"form": form, "h": household},
                  status=form_status(form))


@login_required
def household_move(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.get_household_for(request.user, pk)
    require(request.user, Perm.EDIT_REGISTRY)
    form = HouseholdMoveForm(request.POST or None, initial={"version": household.version},
                             actor=request.user, household=household)
    done = submit_versioned(request, form, lambda data: services.household_move(
        actor=request.user, household=household, **data), _("The household has moved."),
        lambda: redirect("household_detail", pk=household.pk), household)
    if done:
        return done
    return render(request, "registry/simple_form.html", {
        "form": form, "h": household, "title": _("Move the household to another dwelling")},
        status=form_status(form))


@login_required
def household_move_out(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.get_household_for(request.user, pk)
    require(request.user, Perm.EDIT_REGISTRY)
    form = MoveOutForm(request.POST or None, initial={"version": household.version})
    done = submit_versioned(request, form, lambda data: services.household_move_out(
        actor=request.user, household=household, **data),
        _("The household is recorded as moved out."),
        lambda: redirect("household_detail", pk=household.pk), household)
    if done:
        return done
    return render(request, "registry/simple_form.html", {
        "form": form, "h": household, "title": _("The household leaves the community"),
        "danger": True}, status=form_status(form))


@login_required
def household_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.get_household_for(request.user, pk)
    require(request.user, Perm.PRINT_FILE)
    from jiayuan.registry.pdf import household_file_pdf

    file = selectors.household_file(request.user, household, printing=True)
    data = household_file_pdf(request.user, file)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="household-{household.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def circumstance_add(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.get_household_for(request.user, pk)
    require(request.user, Perm.VIEW_SENSITIVE)
    require(request.user, Perm.EDIT_REGISTRY)
    form = CircumstanceForm(request.POST or None, household=household)
    done = submit(request, form, lambda data: services.circumstance_add(
        actor=request.user, household=household, **data), _("Circumstance recorded."),
        lambda _saved: redirect("household_detail", pk=household.pk))
    if done:
        return done
    return render(request, "registry/simple_form.html", {
        "form": form, "h": household, "title": _("Record a circumstance"),
        "sensitive_notice": True})


@login_required
@require_POST
def circumstance_end(request: HttpRequest, pk: int, cid: int) -> HttpResponse:
    household = selectors.get_household_for(request.user, pk)
    require(request.user, Perm.VIEW_SENSITIVE)
    require(request.user, Perm.EDIT_REGISTRY)
    item = Circumstance.objects.filter(household=household, pk=cid).first()
    if item is None:
        raise Http404
    form = EndDateForm(request.POST)
    if form.is_valid():
        try:
            services.circumstance_end(actor=request.user, circumstance=item,
                                      ended=form.cleaned_data["ended"])
            messages.success(request, _("Circumstance ended."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, _("Enter a valid end date."))
    return redirect("household_detail", pk=household.pk)


@login_required
def business_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_REGISTRY)
    qs = (selectors.businesses_for(request.user)
          .select_related("grid", "owner__household", "dwelling__building")
          .order_by("grid__code", "name"))
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    for business in page:
        # Link to the owner's file only where the user may open it.
        business.owner_in_scope = bool(business.owner) and in_scope(request.user,
                                                                    business.owner.grid_id)
    return render(request, "registry/business_list.html", {"page": page})


# The owner picker on the business form (includes/person_picker.html).
OWNER_PICKER = picker("business-owner", "owner", reverse_lazy("business_owner_search"))


def _business_form(request: HttpRequest, business=None) -> BusinessForm:
    user = request.user
    return BusinessForm(request.POST or None, actor=user, business=business,
                        grids=filter_by_grid(Grid.objects.order_by("code"), user, field="id"))


def _render_business_form(request: HttpRequest, form: BusinessForm, business=None):
    owner = form.owner_obj
    if owner is None and form.is_bound:
        # What the picker chose in a rejected submission; never echo an id out of scope.
        owner = selectors.people_for(request.user).filter(
            pk=as_id(form.data.get("owner"))).select_related("household__dwelling").first()
    elif owner is None and business is not None and not form.is_bound:
        owner = business.owner
    kept_elsewhere = None
    if owner is not None and not in_scope(request.user, owner.grid_id):
        # The owner on record lives in another grid now: kept, but not shown,
        # as on the business page.
        owner, kept_elsewhere = None, owner.pk
    return render(request, "registry/business_form.html", {
        "form": form, "business": business, "owner": owner, "picker": OWNER_PICKER,
        "kept_elsewhere": kept_elsewhere,
    }, status=400 if form.is_bound else 200)


@login_required
def business_create(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.EDIT_REGISTRY)
    form = _business_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            business = services.business_create(actor=request.user, **form.service_kwargs())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Business registered: %(name)s.")
                             % {"name": business.name})
            return redirect("business_detail", pk=business.pk)
    return _render_business_form(request, form)


@login_required
def business_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    business = get_in_scope(user, selectors.businesses_for(user).select_related(
        "owner__household__dwelling", "dwelling"), pk)
    require(user, Perm.EDIT_REGISTRY)
    form = _business_form(request, business)
    if request.method == "POST" and form.is_valid():
        try:
            services.business_update(actor=user, business=business, **form.service_kwargs())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Business saved."))
            return redirect("business_detail", pk=business.pk)
    return _render_business_form(request, form, business)


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


@login_required
def business_owner_search(request: HttpRequest) -> HttpResponse:
    """As-you-type picker of a business owner (htmx): current residents in the
    user's grids. ?pick=ID returns the choice."""
    require(request.user, Perm.EDIT_REGISTRY)
    return picker_response(request, OWNER_PICKER)
