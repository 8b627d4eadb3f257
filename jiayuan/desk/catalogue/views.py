"""The service catalogue and departments (read by every desk worker, edited by
the station head: services.catalogue_save) and the desk statistics page
(figures from jiayuan.desk.stats).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from jiayuan.core.access import as_id, require
from jiayuan.core.roles import Perm
from jiayuan.core.views import submit
from jiayuan.desk import selectors, services, stats
from jiayuan.desk.catalogue.forms import (
    CategoryForm,
    DepartmentForm,
    PeriodForm,
    ServiceItemForm,
)
from jiayuan.desk.models import Department, ServiceCategory, ServiceItem


def _form_page(request: HttpRequest, form: Any, *, title: str, saved: str,
               back: str, anchor: str) -> HttpResponse:
    done = submit(request, form, lambda _data: services.catalogue_save(actor=request.user, instance=form.instance),
                  saved, lambda _saved: redirect(f"{back}#{anchor}-{form.instance.pk}"))
    if done:
        return done
    return render(request, "desk/item_form.html", {"form": form, "title": title,
                                                   "back": back})


# --- the catalogue ----------------------------------------------------------------

@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_CASES)
    show_inactive = request.GET.get("inactive") == "1"
    items = ServiceItem.objects.select_related("department").order_by("order", "code")
    if not show_inactive:
        items = items.filter(active=True)
    categories = list(ServiceCategory.objects.prefetch_related(
        Prefetch("items", queryset=items, to_attr="shown")))
    manage = request.user.has(Perm.MANAGE_CATALOGUE)
    if not manage:
        categories = [c for c in categories if c.shown]
    return render(request, "desk/catalogue.html", {
        "categories": categories, "show_inactive": show_inactive, "manage": manage,
        "inactive_count": ServiceItem.objects.filter(active=False).count(),
    })


@login_required
def item_create(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.MANAGE_CATALOGUE)
    initial = {}
    category = as_id(request.GET.get("category"))
    if category:
        initial["category"] = category
    form = ServiceItemForm(request.POST or None, initial=initial)
    return _form_page(request, form, title=_("New service"), saved=_("Service saved."),
                      back=reverse("catalogue"), anchor="item")


@login_required
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.get_item_for(request.user, pk)
    form = ServiceItemForm(request.POST or None, instance=item)
    return _form_page(request, form, title=_("Edit service · %(name)s") % {"name": item.name},
                      saved=_("Service saved."), back=reverse("catalogue"), anchor="item")


@login_required
def category_create(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.MANAGE_CATALOGUE)
    form = CategoryForm(request.POST or None)
    return _form_page(request, form, title=_("New category"), saved=_("Category saved."),
                      back=reverse("catalogue"), anchor="category")


@login_required
def category_edit(request: HttpRequest, pk: int) -> HttpResponse:
    category = selectors.get_category_for(request.user, pk)
    form = CategoryForm(request.POST or None, instance=category)
    return _form_page(request, form,
                      title=_("Edit category · %(name)s") % {"name": category.name},
                      saved=_("Category saved."), back=reverse("catalogue"),
                      anchor="category")


# --- departments and partners -------------------------------------------------------

@login_required
def department_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_CASES)
    show_inactive = request.GET.get("inactive") == "1"
    departments = Department.objects.prefetch_related(Prefetch(
        "items", queryset=ServiceItem.objects.filter(active=True).order_by("order", "code"),
        to_attr="active_items"))
    if not show_inactive:
        departments = departments.filter(active=True)
    return render(request, "desk/department_list.html", {
        "departments": departments, "show_inactive": show_inactive,
        "manage": request.user.has(Perm.MANAGE_CATALOGUE),
        "inactive_count": Department.objects.filter(active=False).count(),
    })


@login_required
def department_create(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.MANAGE_CATALOGUE)
    form = DepartmentForm(request.POST or None)
    return _form_page(request, form, title=_("New department or partner"),
                      saved=_("Department saved."), back=reverse("department_list"),
                      anchor="department")


@login_required
def department_edit(request: HttpRequest, pk: int) -> HttpResponse:
    department = selectors.get_department_for(request.user, pk)
    form = DepartmentForm(request.POST or None, instance=department)
    return _form_page(request, form,
                      title=_("Edit department · %(name)s") % {"name": department.name},
                      saved=_("Department saved."), back=reverse("department_list"),
                      anchor="department")


@login_required
def desk_stats(request: HttpRequest) -> HttpResponse:
    """Figures of the desk for a period, for the head and the auditors. Counts
    only: no resident is named, and nothing is broken down by ethnic group."""
    require(request.user, Perm.VIEW_DESK_STATS)
    form = PeriodForm(request.GET if request.GET else {"period": "this_month"})
    context: dict[str, Any] = {"form": form, "figures": None,
                               "dates": [form["since"], form["until"]],
                               "current_period": "" if form.data.get("since")
                               else form.data.get("period", "")}
    if form.is_valid():
        now = timezone.now()
        period = form.get_period(now)
        user, since, until = request.user, period.since, period.until
        context.update({
            "period": period,
            "figures": stats.case_figures(user, since, until, now),
            "outcomes": stats.outcome_figures(user, since, until),
            "channels": stats.channel_figures(user, since, until),
            "follow_ups": stats.follow_up_figures(user, since, until),
            "on_time_tables": [
                {"title": _("Per owner"), "heading": pgettext("case", "Owner"),
                 "rows": stats.on_time_table(user, since, until, "owner")},
                {"title": _("Per service"), "heading": _("Service"),
                 "rows": stats.on_time_table(user, since, until, "item")},
            ],
            "referrals": stats.referral_table(user, since, until),
        })
    return render(request, "desk/stats.html", context)
