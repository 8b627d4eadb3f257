"""The service catalogue and departments (read by every desk worker, edited by
the station head) and the desk statistics page.

Catalogue entries are never deleted (cases point at them): they are retired
with `active`. Every save is audited with the per-language fields it changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import models
from django.db.models import Avg, Count, F, Prefetch, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from modeltranslation.translator import translator

from jiayuan.core import audit
from jiayuan.core.access import as_id, require
from jiayuan.core.models import AuditAction
from jiayuan.core.roles import Perm
from jiayuan.core.views import submit
from jiayuan.desk import selectors
from jiayuan.desk.choices import COUNTED_OUTCOMES, OPEN_STATUSES, Channel, Outcome, Status
from jiayuan.desk.forms_catalogue import (
    CategoryForm,
    DepartmentForm,
    PeriodForm,
    ServiceItemForm,
    localized,
)
from jiayuan.desk.models import Department, FollowUp, ServiceCategory, ServiceItem

# --- saving (audited) -----------------------------------------------------------

CATEGORY_AUDIT_FIELDS = ("code", "name", "order")


def audit_fields(model: type[models.Model]) -> tuple[str, ...]:
    """The model's audited fields, translated ones spelled out per language."""
    base = getattr(model, "AUDIT_FIELDS", CATEGORY_AUDIT_FIELDS)
    translated = set(translator.get_options_for_model(model).fields)
    out: list[str] = []
    for name in base:
        out.extend(localized(name) if name in translated else [name])
    return tuple(out)


def _snapshot(instance: models.Model, fields: tuple[str, ...]) -> dict[str, Any]:
    # An untranslated text is stored as NULL or "" depending on how it was
    # written; both mean "missing", so neither counts as a change.
    snap = audit.snapshot(instance, fields)
    return {k: "" if v is None and k not in ("category_id", "department_id") else v
            for k, v in snap.items()}


@audit.audited
def catalogue_save(*, actor: Any, form: Any) -> bool:
    """Save a validated catalogue form (service, category or department) and
    audit it: the whole record on creation, the changed fields on update.
    False when nothing changed (nothing is written)."""
    require(actor, Perm.MANAGE_CATALOGUE)
    instance = form.instance
    model = type(instance)
    fields = audit_fields(model)
    if instance.pk is None:
        form.save()
        audit.record(AuditAction.CREATE, actor=actor, obj=instance,
                     changes=audit.created(_snapshot(instance, fields)))
        return True
    # The form has already copied its input onto `instance`: compare with the row.
    stored = model._default_manager.select_for_update().get(pk=instance.pk)
    changes = audit.diff(_snapshot(stored, fields), _snapshot(instance, fields))
    if not changes:
        return False
    form.save()
    audit.record(AuditAction.UPDATE, actor=actor, obj=instance, changes=changes)
    return True


def _form_page(request: HttpRequest, form: Any, *, title: str, saved: str,
               back: str, anchor: str) -> HttpResponse:
    done = submit(request, form, lambda _data: catalogue_save(actor=request.user, form=form),
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
    require(request.user, Perm.MANAGE_CATALOGUE)
    item = get_object_or_404(ServiceItem, pk=pk)
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
    require(request.user, Perm.MANAGE_CATALOGUE)
    category = get_object_or_404(ServiceCategory, pk=pk)
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
    require(request.user, Perm.MANAGE_CATALOGUE)
    department = get_object_or_404(Department, pk=pk)
    form = DepartmentForm(request.POST or None, instance=department)
    return _form_page(request, form,
                      title=_("Edit department · %(name)s") % {"name": department.name},
                      saved=_("Department saved."), back=reverse("department_list"),
                      anchor="department")


# --- statistics ------------------------------------------------------------------------

@dataclass(frozen=True)
class Ratio:
    """part of whole, shown as a percentage, or "—" when there is nothing to divide."""

    part: int
    whole: int

    @property
    def value(self) -> float | None:
        return self.part / self.whole if self.whole else None

    def __str__(self) -> str:
        if not self.whole:
            return "—"
        pct = 100 * self.part / self.whole
        # Never round a miss away (199/200 is not 100%) or a hit to nothing.
        if 0 < pct < 1:
            return "<1%"
        if 99 < pct < 100:
            return ">99%"
        return f"{round(pct)}%"


def case_figures(actor: Any, since: datetime, until: datetime,
                 now: datetime) -> dict[str, Any]:
    """Counts and on-time rates of the period, in one aggregate query."""
    received = Q(opened_at__gte=since, opened_at__lt=until)
    resolved = Q(resolved_at__gte=since, resolved_at__lt=until)
    is_open = Q(status__in=OPEN_STATUSES)
    # A first response is judged once it was given, or once its target passed
    # without one; requests withdrawn before any response are left out.
    responded = received & (Q(acknowledged_at__isnull=False)
                            | (Q(response_due__lt=now) & ~Q(status=Status.CANCELLED)))
    row = selectors.cases_for(actor).aggregate(
        received=Count("id", filter=received),
        received_open=Count("id", filter=received & is_open),
        received_cancelled=Count("id", filter=received & Q(status=Status.CANCELLED)),
        resolved=Count("id", filter=resolved),
        closed=Count("id", filter=Q(closed_at__gte=since, closed_at__lt=until)),
        open=Count("id", filter=is_open),
        overdue=Count("id", filter=is_open & Q(due__lt=now)),
        response_judged=Count("id", filter=responded),
        response_flag_ok=Count("id", filter=responded & Q(response_breached=False)),
        response_direct_ok=Count("id", filter=responded
                                 & Q(acknowledged_at__lte=F("response_due"))),
        resolution_flag_ok=Count("id", filter=resolved & Q(resolution_breached=False)),
        resolution_direct_ok=Count("id", filter=resolved & Q(resolved_at__lte=F("due"))),
    )
    # Two figures per target, because they can disagree. The breach flags are
    # what `manage.py tick` sets while a case is past a target: a case resolved
    # (or answered) late between two ticks, or while tick was not running, is
    # never flagged, and a flag stays set when a later edit moves the due date.
    # Comparing the timestamps with the targets is exact for cases that are
    # decided, so that figure is shown first; the flag figure matches the
    # per-owner and per-service tables (selectors.on_time_rates), and a gap
    # between the two says tick does not run often enough.
    row["response_rate"] = Ratio(row["response_direct_ok"], row["response_judged"])
    row["response_rate_flag"] = Ratio(row["response_flag_ok"], row["response_judged"])
    row["resolution_rate_flag"] = Ratio(row["resolution_flag_ok"], row["resolved"])
    row["resolution_rate"] = Ratio(row["resolution_direct_ok"], row["resolved"])
    return row


def outcome_figures(actor: Any, since: datetime, until: datetime) -> list[dict[str, Any]]:
    """Outcomes of the cases resolved in the period, with summed quantities
    for the outcomes that count something (jobs, school places...)."""
    labels = dict(Outcome.choices)
    rows = (selectors.cases_for(actor)
            .filter(resolved_at__gte=since, resolved_at__lt=until).exclude(outcome="")
            .values("outcome").annotate(n=Count("id"), quantity=Sum("outcome_quantity"),
                                        with_quantity=Count("outcome_quantity"))
            .order_by("-n", "outcome"))
    return [{"code": r["outcome"], "label": labels.get(r["outcome"], r["outcome"]),
             "cases": r["n"], "counted": r["outcome"] in COUNTED_OUTCOMES,
             "quantity": r["quantity"] or 0, "without_quantity": r["n"] - r["with_quantity"]}
            for r in rows]


def channel_figures(actor: Any, since: datetime, until: datetime) -> list[dict[str, Any]]:
    labels = dict(Channel.choices)
    rows = (selectors.cases_for(actor).filter(opened_at__gte=since, opened_at__lt=until)
            .values("channel").annotate(n=Count("id")).order_by("-n", "channel"))
    total = sum(r["n"] for r in rows)
    return [{"label": labels.get(r["channel"], r["channel"]), "cases": r["n"],
             "share": Ratio(r["n"], total)} for r in rows]


def follow_up_figures(actor: Any, since: datetime, until: datetime) -> dict[str, Any]:
    """Follow-up calls made in the period: how many cases were reached, and how
    satisfied the residents said they were (comments are not shown here)."""
    calls = FollowUp.objects.filter(case__in=selectors.cases_for(actor), at__gte=since,
                                    at__lt=until)
    row = calls.aggregate(
        calls=Count("id"), cases=Count("case", distinct=True),
        reached_cases=Count("case", distinct=True, filter=Q(reached=True)),
        rated=Count("satisfaction"), average=Avg("satisfaction"))
    counts = dict(calls.filter(satisfaction__isnull=False).values_list("satisfaction")
                  .annotate(n=Count("id")).order_by())
    row["reach_rate"] = Ratio(row["reached_cases"], row["cases"])
    row["distribution"] = [{"score": s, "n": counts.get(s, 0),
                            "share": Ratio(counts.get(s, 0), row["rated"])}
                           for s in range(5, 0, -1)]
    row["average_display"] = (f"{row['average']:.1f}" if row["average"] is not None
                              else "—")
    return row


def on_time_table(actor: Any, since: datetime, until: datetime, by: str) -> list[dict]:
    return [{"label": r.label, "resolved": r.resolved, "on_time": r.on_time,
             "rate": Ratio(r.on_time, r.resolved), "open": r.open, "overdue": r.overdue}
            for r in selectors.on_time_rates(actor, since, until, by=by)]


def referral_table(actor: Any, since: datetime, until: datetime) -> list[dict[str, Any]]:
    rows = selectors.referral_stats(actor, since, until)
    for row in rows:
        row["answer_rate"] = Ratio(row["answered"], row["sent"])
        row["avg_display"] = (f"{row['avg_days']:.1f}" if row["avg_days"] is not None
                              else "—")
    return rows


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
            "figures": case_figures(user, since, until, now),
            "outcomes": outcome_figures(user, since, until),
            "channels": channel_figures(user, since, until),
            "follow_ups": follow_up_figures(user, since, until),
            "on_time_tables": [
                {"title": _("Per owner"), "heading": pgettext("case", "Owner"),
                 "rows": on_time_table(user, since, until, "owner")},
                {"title": _("Per service"), "heading": _("Service"),
                 "rows": on_time_table(user, since, until, "item")},
            ],
            "referrals": referral_table(user, since, until),
        })
    return render(request, "desk/stats.html", context)
