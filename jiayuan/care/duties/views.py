"""Must-visit duties (六必访): the list a grid worker works through on a phone,
the statistics, the station head's settings and the festival calendar.

Reasons that disclose health, hardship or religion (choices.SENSITIVE_RULES)
are shown only to roles that may see sensitive data: everywhere else a duty
reads "Must-visit duty" (duties.selectors.duty_reason), and the statistics are not
broken down by rule.
"""

from __future__ import annotations

from datetime import date
from functools import reduce
from operator import or_
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_http_methods

from jiayuan.care.duties import selectors, services
from jiayuan.care.duties.forms import CareSettingsForm, DutyPeriodForm, FestivalDateForm
from jiayuan.care.filters import TabFilterForm
from jiayuan.care.models import CareSettings, FestivalDate
from jiayuan.core.access import as_id, get_in_scope, require
from jiayuan.core.filters import read_filters
from jiayuan.core.roles import Perm, Role
from jiayuan.core.scope import grids_for, in_scope
from jiayuan.core.views import submit
from jiayuan.places.models import Community

PAGE_SIZE = 25
DONE_DAYS = 30

TAB_LABELS = {
    "mine": pgettext_lazy("duties", "Mine"),
    "overdue": pgettext_lazy("duties", "Overdue"),
    "week": gettext_lazy("Due this week"),
    "open": pgettext_lazy("duties", "All open"),
    "done": gettext_lazy("Visited (30 days)"),
}


# --- the duty list ------------------------------------------------------------

def _tab_filters(user: Any, today: date) -> dict[str, Q]:
    """What each tab shows; the counts on the tabs use the same filters."""
    return selectors.duty_tabs(user, today)


@login_required
def duty_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(user, Perm.VIEW_VISITS)
    today = timezone.localdate()
    grids = list(grids_for(user))
    grid = None
    duties = selectors.duties_for(user)
    if request.GET.get("grid"):
        grid = get_in_scope(user, grids_for(user), request.GET["grid"])
        duties = duties.filter(grid=grid)
    filters = _tab_filters(user, today)
    default = "mine" if user.role == Role.GRIDWORKER and "mine" in filters else "open"
    tab_filter = read_filters(request, TabFilterForm(request.GET, tabs=filters, default=default))
    tab = tab_filter["tab"]
    # Only the rows some tab counts: the (status, due) and (status, closed_on)
    # indexes then spare a district-wide account a scan of every duty ever raised.
    counts = duties.filter(reduce(or_, filters.values())).aggregate(
        **{code: Count("id", filter=q) for code, q in filters.items()})
    qs = duties.filter(filters[tab]).select_related(
        "household__dwelling", "household__head", "assignee", "grid")
    qs = qs.order_by("-closed_on", "-id") if tab == "done" else qs.order_by("due", "id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    for duty in rows:
        duty.late = (today - duty.due).days if duty.is_overdue(today) else 0
        duty.late_by = (duty.closed_on - duty.due).days if duty.on_time is False else 0
        duty.linkable = in_scope(user, duty.household.grid_id)
    selectors.with_reasons(user, rows)
    keep = {"grid": grid.pk} if grid else {}
    tabs = [{"code": code, "label": TAB_LABELS[code], "count": counts[code],
             "url": "?" + urlencode({**keep, "tab": code}), "current": code == tab}
            for code in filters]
    return render(request, "care/duty_list.html", {
        "page": page, "duties": rows, "tab": tab, "tab_label": TAB_LABELS[tab], "tabs": tabs,
        "grids": grids, "grid": grid, "today": today,
        # Built here, not in a template loop: a district-wide account has hundreds.
        "grid_options": format_html_join("", '<option value="{}"{}>{} {}</option>', (
            (g.pk, mark_safe(" selected") if grid and g.pk == grid.pk else "", g.code, g.name)
            for g in grids)),
        "can_log": user.has(Perm.LOG_VISITS), "visit_new": reverse("visit_new"),
    })


# --- statistics ---------------------------------------------------------------

def _table(rows: list[selectors.DutyCount]) -> dict[str, Any]:
    total = selectors.DutyCount(key=None, label=str(_("Total")))
    for r in rows:
        r.pending = r.due - r.on_time - r.late - r.missed - r.lapsed
        r.rate_display = _percent(r.rate)
        for name in ("due", "on_time", "late", "missed", "lapsed", "open_now", "overdue_now"):
            setattr(total, name, getattr(total, name) + getattr(r, name))
    total.pending = total.due - total.on_time - total.late - total.missed - total.lapsed
    total.rate_display = _percent(total.rate)
    return {"rows": rows, "total": total}


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.0f}%"


@login_required
def care_stats(request: HttpRequest) -> HttpResponse:
    """Duties due in a period per grid and per worker: counts, never residents."""
    user = request.user
    require(user, Perm.VIEW_CARE_STATS)
    form = DutyPeriodForm(request.GET if request.GET else {"period": "this_month"})
    context: dict[str, Any] = {
        "form": form, "tables": [], "dates": [form["since"], form["until"]],
        "current_period": "" if form.is_custom else (form.data.get("period") or "this_month"),
    }
    if form.is_valid():
        today = timezone.localdate()
        period = form.get_period(today)
        by = [("grid", _("Per grid"), _("Grid")),
              ("worker", _("Per grid worker"), _("Grid worker"))]
        if selectors.may_see_sensitive(user):
            by.append(("rule", _("Per reason"), _("Reason")))
        context["period"] = period
        context["tables"] = [
            {"title": title, "heading": heading,
             **_table(selectors.duty_counts(user, period.since, period.until, by=key,
                                            today=today))}
            for key, title, heading in by]
    return render(request, "care/care_stats.html", context)


# --- settings -----------------------------------------------------------------

def _settings_community(request: HttpRequest) -> Community | None:
    """The head's own community; a district-wide account picks one."""
    user = request.user
    wanted = request.GET.get("community")
    if user.community_id:
        if wanted and wanted != str(user.community_id):
            raise Http404
        return user.community
    if not wanted:
        return None
    pk = as_id(wanted)
    if pk is None:
        raise Http404
    return get_object_or_404(Community, pk=pk)


@login_required
def care_settings(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(user, Perm.MANAGE_CARE)
    community = _settings_community(request)
    if community is None:
        return render(request, "care/care_settings.html", {
            "communities": Community.objects.order_by("name"), "form": None})
    current = CareSettings.for_community(community.pk)
    form = CareSettingsForm(request.POST or None, instance=current)
    url = reverse("care_settings")
    if not user.community_id:
        url += "?" + urlencode({"community": community.pk})
    response = submit(
        request, form,
        lambda _data: services.settings_save(actor=user, community_id=community.pk,
                                             values=form.values()),
        _("The must-visit settings of %(community)s are saved. The next run of the duties "
          "uses them.") % {"community": community.name},
        lambda _saved: redirect(url))
    if response is not None:
        return response
    saved = CareSettings.objects.filter(community=community).select_related(
        "updated_by").first()
    return render(request, "care/care_settings.html", {
        "form": form, "community": community, "saved": saved,
        "district_wide": not user.community_id,
    }, status=400 if form.is_bound else 200)


# --- the festival calendar ----------------------------------------------------

def _calendar(today: date) -> tuple[list[tuple[int, list[FestivalDate]]],
                                    list[tuple[int, list[FestivalDate]]]]:
    """(this year and later, earlier years), each as [(year, days)]."""
    years: dict[int, list[FestivalDate]] = {}
    for row in FestivalDate.objects.order_by("date", "festival"):
        row.past = row.date < today
        years.setdefault(row.date.year, []).append(row)
    coming = [(y, rows) for y, rows in years.items() if y >= today.year]
    earlier = [(y, rows) for y, rows in years.items() if y < today.year]
    earlier.reverse()
    return coming, earlier


def _festival_page(request: HttpRequest, form: FestivalDateForm | None,
                   confirm: FestivalDate | None = None, status: int = 200) -> HttpResponse:
    today = timezone.localdate()
    coming, earlier = _calendar(today)
    return render(request, "care/festival_list.html", {
        "coming": coming, "earlier": earlier, "form": form, "confirm": confirm,
        "can_manage": request.user.has(Perm.MANAGE_CARE), "today": today,
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def festival_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(user, Perm.VIEW_VISITS)
    if request.method == "POST":
        require(user, Perm.MANAGE_CARE)
    form = FestivalDateForm(request.POST or None) if user.has(Perm.MANAGE_CARE) else None
    if form is not None:
        response = submit(
            request, form,
            lambda data: services.festival_date_add(actor=user, festival=data["festival"],
                                                    day=data["date"], note=data["note"]),
            lambda row: _("%(festival)s is on the calendar.") % {"festival": row},
            lambda _row: redirect("festival_list"))
        if response is not None:
            return response
    return _festival_page(request, form, status=400 if form is not None and form.is_bound
                          else 200)


@login_required
@require_http_methods(["GET", "POST"])
def festival_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks to confirm; POST takes the day off the calendar."""
    user = request.user
    require(user, Perm.MANAGE_CARE)
    row = get_object_or_404(FestivalDate, pk=pk)
    response = submit(
        request, Form(request.POST if request.method == "POST" else None),
        lambda _data: services.festival_date_delete(actor=user, row=row),
        _("%(festival)s is off the calendar. Open duties raised for it lapse at the next run "
          "of the duties.") % {"festival": row},
        lambda _result: redirect("festival_list"))
    if response is not None:
        return response
    return _festival_page(request, FestivalDateForm(), confirm=row)

