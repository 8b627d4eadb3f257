"""The visit diary (民情日记): the worker's list, logging a visit from a phone on
a bad connection, the visit page, and a desk request opened from a visit.

Logging is safe to repeat: the form carries an idempotency key generated when
it was first shown (and kept with the draft on the phone), so a submission
sent again after a lost response finds the visit the first one created.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from uuid import uuid4

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jiayuan.care import selectors
from jiayuan.care.choices import DutyStatus, VisitMode, VisitPurpose
from jiayuan.care.duties import selectors as duty_selectors
from jiayuan.care.filters import VisitFilterForm
from jiayuan.care.models import Duty, Visit
from jiayuan.care.visits import selectors as visit_selectors
from jiayuan.care.visits import services
from jiayuan.care.visits.forms import DATETIME_LOCAL, VisitCaseForm, VisitForm
from jiayuan.core.access import as_id, get_in_scope, require
from jiayuan.core.filters import read_filters
from jiayuan.core.models import User
from jiayuan.core.roles import Perm
from jiayuan.core.scope import grids_for, in_scope
from jiayuan.core.views import submit
from jiayuan.desk.selectors import can_see
from jiayuan.lib.text import first_line
from jiayuan.registry.models import Household
from jiayuan.registry.pickers import picker, picker_response
from jiayuan.registry.selectors import businesses_for, get_household_for, households_for

PAGE_SIZE = 30
# visit-draft.js sends its POST with this header. fetch() follows the redirect
# with the same headers, and the visit page answers that follow-up with an
# empty 204: the script then navigates there itself, so the "saved" message is
# still waiting in the session for the page the worker actually sees.
DRAFT_HEADER = "X-Visit-Draft"
# The households of a visit: each pick is added (the picks template appends it
# to #visit-households) as a ticked box with the open duties it fulfils.
HOUSEHOLD_PICKER = picker("visit-households", "households", reverse_lazy("visit_household_search"),
                          kind="household", picks_template="care/_visit_household_picks.html",
                          chosen_template="care/_visit_household_chosen.html")


# --- helpers ------------------------------------------------------------------

def _open_duties(actor: User, households: list[Household]) -> dict[int, list[Duty]]:
    """Open duties per household (one query), with their reason attached."""
    found: dict[int, list[Duty]] = {h.pk: [] for h in households}
    if not households:
        return found
    for duty in duty_selectors.with_reasons(actor, selectors.duties_for(actor).filter(
            household__in=households, status=DutyStatus.OPEN).order_by("due", "id")):
        found[duty.household_id].append(duty)
    return found


def _chosen(actor: User, households: list[Household]) -> list[tuple[Household, list[Duty]]]:
    duties = _open_duties(actor, households)
    return [(h, duties[h.pk]) for h in households]



def _day_start(day: Any) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _visit_url(visit: Visit) -> str:
    return reverse("visit_detail", args=[visit.pk])


def _mark_scope(actor: User, households: Any) -> None:
    """A visit in scope may name a household of another grid (a community-wide
    account logged both): show it, but link only what the actor may open."""
    for h in households:
        h.linkable = in_scope(actor, h.grid_id)


def _households_prefetch() -> Prefetch:
    return Prefetch("households", queryset=Household.objects.select_related(
        "dwelling", "head").order_by("dwelling__code", "pk"))


# --- the diary ----------------------------------------------------------------

@login_required
def visit_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(user, Perm.VIEW_VISITS)
    filters = read_filters(request, VisitFilterForm(request.GET))
    view = filters["view"]
    qs = selectors.visits_for(user)
    grids = list(grids_for(user))
    grid = None
    week = None
    household = None
    if request.GET.get("household"):
        # The household file's "N visits in all": every visit to it that the
        # actor may read, whoever made it. A household out of scope is a 404
        # exactly like a missing one, and audited as such.
        household = get_household_for(user, request.GET["household"])
        view = "household"
        qs = qs.filter(households=household)
    elif view == "mine":
        visited = Visit.visitors.through.objects.filter(user_id=user.pk).values("visit_id")
        qs = qs.filter(Q(created_by=user) | Q(pk__in=visited))
    elif view == "week":
        week = selectors.week_bounds(timezone.localdate())
        qs = qs.filter(visited_at__gte=_day_start(week[0]), visited_at__lt=_day_start(week[1]))
    else:
        wanted = request.GET.get("grid") or (grids[0].pk if grids else "")
        grid = get_in_scope(user, grids_for(user), wanted)
        qs = qs.filter(grid=grid)
    qs = (qs.select_related("business", "grid")
          .prefetch_related(_households_prefetch(), "visitors")
          .order_by("-visited_at", "-id"))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    visits = list(page.object_list)
    for v in visits:
        v.found_first = first_line(v.found)
        _mark_scope(user, v.households.all())
    return render(request, "care/visit_list.html", {
        "page": page, "visits": visits, "view": view, "grids": grids, "grid": grid,
        "week": (week[0], week[1] - timedelta(days=1)) if week else None,
        "household": household,
    })


# --- logging a visit ----------------------------------------------------------

@login_required
def visit_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(user, Perm.LOG_VISITS)
    now = timezone.localtime()
    initial: dict[str, Any] = {"idempotency_key": uuid4(), "visitors": [user.pk],
                               "visited_at": now.strftime(DATETIME_LOCAL)}
    preset: list[Household] = []
    business = None
    if request.method == "GET":
        if request.GET.get("duty"):
            duty = duty_selectors.get_duty_for(user, request.GET["duty"], perm=Perm.LOG_VISITS)
            preset.append(get_household_for(user, duty.household_id))
            initial["purpose"] = VisitPurpose.DUTY
        for pk in request.GET.getlist("household"):
            household = get_household_for(user, pk)
            if household.pk not in {h.pk for h in preset}:
                preset.append(household)
        if request.GET.get("business"):
            business = get_in_scope(user, businesses_for(user).select_related("dwelling"),
                                    request.GET["business"])
            initial.update(business=business.pk, mode=VisitMode.SHOP,
                           purpose=VisitPurpose.MERCHANT)
        initial["households"] = [h.pk for h in preset]
    form = VisitForm(request.POST or None, actor=user, initial=initial)

    def saved(logged: tuple[Visit, bool]) -> str:
        visit, created = logged
        if not created:
            return _("This visit was already saved (the form was sent twice); nothing was "
                     "recorded twice.")
        closed = selectors.duties_for(user).filter(visit=visit).count()
        text = _("Visit saved.")
        if closed:
            text += " " + ngettext("It fulfilled %(n)d must-visit duty.",
                                   "It fulfilled %(n)d must-visit duties.",
                                   closed) % {"n": closed}
        return text

    response = submit(request, form,
                      lambda _data: services.visit_log(actor=user, **form.service_kwargs()),
                      saved, lambda logged: redirect(_visit_url(logged[0])))
    if response is not None:
        return response
    if form.is_bound:
        preset = _posted_households(user, form)
        business = form.business_obj or _posted_business(user, form)
    return render(request, "care/visit_form.html", {
        "form": form, "chosen": _chosen(user, preset), "business": business,
    }, status=400 if form.is_bound else 200)


def _posted_households(user: Any, form: VisitForm) -> list[Household]:
    """The in-scope households of a rejected submission, to show them again
    (a forged or out-of-scope id is dropped, never echoed)."""
    if form.household_objs:
        return form.household_objs
    ids = [pk for pk in map(as_id, form.data.getlist("households")) if pk]
    found = {h.pk: h for h in households_for(user).filter(pk__in=ids, moved_out__isnull=True)
             .select_related("dwelling__building", "head")}
    return [found[pk] for pk in dict.fromkeys(ids) if pk in found]


def _posted_business(user: Any, form: VisitForm) -> Any:
    pk = as_id(form.data.get("business"))
    return businesses_for(user).filter(pk=pk).first() if pk else None


@login_required
def visit_household_search(request: HttpRequest) -> HttpResponse:
    """As-you-type household picker of the visit form (htmx fragments): active
    households in scope, found by a member's name, pinyin, phone or 3-2-302.
    A pick is added to the chosen ones with its open duties."""
    user = request.user
    require(user, Perm.LOG_VISITS)
    return picker_response(request, HOUSEHOLD_PICKER, extra=lambda h: {
        "h": h, "duties": _open_duties(user, [h])[h.pk]})


# --- the visit page -----------------------------------------------------------

@login_required
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    visit = selectors.get_visit_for(user, pk)
    if request.headers.get(DRAFT_HEADER):
        return HttpResponse(status=204)
    households = list(visit.households.select_related("dwelling__building", "head")
                      .order_by("dwelling__code", "pk"))
    _mark_scope(user, households)
    duties_closed = duty_selectors.with_reasons(user, selectors.duties_for(user).filter(
        visit=visit).select_related("household__dwelling").order_by("due", "id"))
    cases = list(visit.cases.select_related("item").order_by("opened_at", "id"))
    for case in cases:
        case.visible = can_see(user, case)
    show_sensitive = visit_selectors.show_sensitive_note(user, visit)
    return render(request, "care/visit_detail.html", {
        "visit": visit, "households": households, "visitors": list(visit.visitors.all()),
        "duties_closed": duties_closed, "cases": cases, "show_sensitive": show_sensitive,
        "can_open_case": user.has(Perm.WORK_CASES) and user.has(Perm.LOG_VISITS),
    })


# --- a desk request from a visit ----------------------------------------------

@login_required
def visit_case_new(request: HttpRequest, pk: int) -> HttpResponse:
    """One step from what the visit found to a desk request, with the need
    already written in."""
    user = request.user
    visit = selectors.get_visit_for(user, pk, perm=(Perm.WORK_CASES, Perm.LOG_VISITS))
    wanted = request.GET.get("household")
    if not wanted:
        ids = list(visit.households.values_list("pk", flat=True)[:2])
        if len(ids) != 1:
            raise Http404
        wanted = ids[0]
    household = get_in_scope(user, households_for(user).filter(visits=visit).select_related(
        "dwelling__building", "head"), wanted)
    form = VisitCaseForm(request.POST or None, actor=user, household=household,
                         needs=visit.needs)
    response = submit(
        request, form,
        lambda data: services.visit_case_open(
            actor=user, visit=visit, person=data["person"], item=data["item"],
            summary=data["summary"], details=data["details"], priority=data["priority"],
            needs_onsite=data["needs_onsite"], owner=data["owner"]),
        lambda case: _("Request %(ref)s opened from the visit. Give the resident this "
                       "reference number.") % {"ref": case.ref},
        lambda case: redirect(reverse("case_detail", args=[case.pk])))
    if response is not None:
        return response
    return render(request, "care/visit_case_form.html", {
        "form": form, "visit": visit, "household": household,
    }, status=400 if form.is_bound else 200)
