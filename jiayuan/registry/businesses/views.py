"""Businesses (商户) in one place: the list, the form, the owner picker and
the business page. The page's visits and disputes come from care through
the panels hook (registry.panels.business), each part only for the roles
that may read it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from jiayuan.core.access import as_id, require
from jiayuan.core.roles import Perm
from jiayuan.core.scope import filter_by_grid, in_scope
from jiayuan.core.views import submit
from jiayuan.places.models import Grid
from jiayuan.registry import panels, selectors, services
from jiayuan.registry.businesses.forms import BusinessForm
from jiayuan.registry.models import Business
from jiayuan.registry.pickers import picker, picker_response

# The owner picker on the business form (includes/person_picker.html).
OWNER_PICKER = picker("business-owner", "owner", reverse_lazy("business_owner_search"))


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


@login_required
def business_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    business = selectors.get_business_for(user, pk)
    owner_link = bool(business.owner_id) and in_scope(user, business.owner.grid_id)
    return render(request, "registry/business_detail.html", {
        "business": business, "owner_link": owner_link,
        "sections": panels.business.render(request, business)})


def _business_form(request: HttpRequest, business: Business | None = None) -> BusinessForm:
    user = request.user
    return BusinessForm(request.POST or None, actor=user, business=business,
                        grids=filter_by_grid(Grid.objects.order_by("code"), user, field="id"))


def _render_business_form(request: HttpRequest, form: BusinessForm,
                          business: Business | None = None) -> HttpResponse:
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

    def save(_data: dict[str, Any]) -> Business:
        return services.business_create(actor=request.user, **form.service_kwargs())

    return submit(request, form, save,
                  lambda business: _("Business registered: %(name)s.") % {"name": business.name},
                  lambda business: redirect("business_detail", pk=business.pk)
                  ) or _render_business_form(request, form)


@login_required
def business_edit(request: HttpRequest, pk: int) -> HttpResponse:
    business = selectors.get_business_for(request.user, pk, perm=Perm.EDIT_REGISTRY)
    form = _business_form(request, business)

    def save(_data: dict[str, Any]) -> Business:
        return services.business_update(actor=request.user, business=business,
                                        **form.service_kwargs())

    return submit(request, form, save, _("Business saved."),
                  lambda _saved: redirect("business_detail", pk=business.pk)
                  ) or _render_business_form(request, form, business)


@login_required
def business_owner_search(request: HttpRequest) -> HttpResponse:
    """As-you-type picker of a business owner (htmx): current residents in the
    user's grids. ?pick=ID returns the choice."""
    require(request.user, Perm.EDIT_REGISTRY)
    return picker_response(request, OWNER_PICKER)
