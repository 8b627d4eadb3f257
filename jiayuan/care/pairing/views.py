"""One-to-one pairing (一对一结对帮扶): the list of pairings and their last
contact, pairing a helper with a household, and the pairing page with its
check-ins, its planned end, pause / resume / end.

Reading needs VIEW_VISITS or MANAGE_PAIRINGS, writing MANAGE_PAIRINGS; a
pairing outside the actor's grids is a 404. A visit the paired staff member
makes to the household becomes a check-in by itself (services.visit_log).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiayuan.care import selectors
from jiayuan.care.choices import PairingStatus
from jiayuan.care.filters import TabFilterForm
from jiayuan.care.models import Pairing
from jiayuan.care.pairing import services
from jiayuan.care.pairing.forms import CheckInForm, PairingForm, PlannedEndForm, StatusForm
from jiayuan.care.pairing.selectors import (
    PAIRING_TABS,
    QUIET_DAYS,
    mark_contact,
    pairings_tab,
    quiet,
    with_contact,
)
from jiayuan.core.access import as_id, require
from jiayuan.core.filters import read_filters
from jiayuan.core.roles import Perm
from jiayuan.core.views import submit
from jiayuan.lib.text import first_line
from jiayuan.registry.models import Household
from jiayuan.registry.pickers import picker, picker_response
from jiayuan.registry.selectors import (
    get_household_for,
    households_for,
    people_for,
)

PAGE_SIZE = 30
CHECKIN_PAGE_SIZE = 30
TABS = PAIRING_TABS
# The household picker on the pairing form: the kind's matches, its own choice
# (with who already helps the household).
HOUSEHOLD_PICKER = picker("pairing-household", "household",
                          reverse_lazy("pairing_household_search"), kind="household",
                          chosen_template="care/_pairing_household_chosen.html")
# The resident-helper picker on the pairing form (includes/person_picker.html).
HELPER_PICKER = picker("pairing-person", "helper_person", reverse_lazy("pairing_person_search"))


# --- helpers ------------------------------------------------------------------

def _detail_url(pairing: Pairing, anchor: str = "") -> str:
    return reverse("pairing_detail", args=[pairing.pk]) + (f"#{anchor}" if anchor else "")



def _mark(pairing: Pairing, user: Any, today: date) -> None:
    """What the card and the page show of the last contact."""
    mark_contact(pairing, user, today)


# --- the list -----------------------------------------------------------------

@login_required
def pairing_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(user, Perm.VIEW_VISITS)
    today = timezone.localdate()
    filters = read_filters(request, TabFilterForm(request.GET, tabs=TABS, default="active"))
    tab = filters["tab"]
    qs = with_contact(selectors.pairings_for(user))
    counts = qs.aggregate(
        active=Count("id", filter=Q(status=PairingStatus.ACTIVE)),
        quiet=Count("id", filter=quiet()),
        paused=Count("id", filter=Q(status=PairingStatus.PAUSED)),
        mine=Count("id", filter=Q(helper_user=user)))
    qs = pairings_tab(user, tab, today)
    qs = (qs.select_related("household__dwelling", "household__head", "helper_user",
                            "helper_person")
          .annotate(checkin_count=Count("checkins")))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    pairings = list(page.object_list)
    for p in pairings:
        _mark(p, user, today)
        p.goals_first = first_line(p.goals)
    return render(request, "care/pairing_list.html", {
        "page": page, "pairings": pairings, "tab": tab, "counts": counts,
        "quiet_days": QUIET_DAYS})


# --- pairing a helper with a household ----------------------------------------

@login_required
def pairing_new(request: HttpRequest) -> HttpResponse:
    """?household=ID starts from a household's file."""
    user = request.user
    require(user, Perm.MANAGE_PAIRINGS)
    household = None
    if request.method == "GET" and request.GET.get("household"):
        household = get_household_for(user, request.GET["household"])
    form = PairingForm(request.POST or None, actor=user,
                       initial={"household": household.pk} if household else {})
    response = submit(
        request, form, lambda _data: services.pairing_create(actor=user, **form.service_kwargs()),
        lambda pairing: _("Pairing recorded: %(helper)s with household %(h)s.") % {
            "helper": pairing.helper_name, "h": pairing.household},
        lambda pairing: redirect(_detail_url(pairing)))
    if response is not None:
        return response
    person = None
    if form.is_bound:
        household = form.household_obj or _posted(form, "household", households_for(user))
        person = form.person_obj or _posted(form, "helper_person", people_for(user))
    return render(request, "care/pairing_form.html", {
        "form": form, "household": household, "person": person, "picker": HELPER_PICKER,
        "household_picker": HOUSEHOLD_PICKER,
        "household_pairings": _active_pairings(user, household),
    }, status=400 if form.is_bound else 200)


def _posted(form: PairingForm, name: str, scoped: QuerySet) -> Any:
    """What the picker chose in a rejected submission, to show it again; an id
    outside the actor's scope is dropped, never echoed."""
    pk = as_id(form.data.get(name))
    if pk is None:
        return None
    related = ("dwelling__building", "head") if scoped.model is Household else (
        "household__dwelling",)
    return scoped.filter(pk=pk).select_related(*related).first()


def _active_pairings(user: Any, household: Household | None) -> list[Pairing]:
    if household is None:
        return []
    return list(selectors.pairings_for(user).filter(household=household)
                .exclude(status=PairingStatus.ENDED)
                .select_related("helper_user", "helper_person").order_by("started", "id"))


@login_required
def pairing_household_search(request: HttpRequest) -> HttpResponse:
    """As-you-type household picker (htmx): active households in scope, by a
    member's name, pinyin, phone or 3-2-302. ?pick=ID returns the choice, with
    who already helps it."""
    user = request.user
    require(user, Perm.MANAGE_PAIRINGS)
    return picker_response(request, HOUSEHOLD_PICKER, extra=lambda h: {
        "household_pairings": _active_pairings(user, h)})


@login_required
def pairing_person_search(request: HttpRequest) -> HttpResponse:
    """As-you-type picker of a resident helper (htmx): people living in the
    actor's grids. ?pick=ID returns the choice."""
    require(request.user, Perm.MANAGE_PAIRINGS)
    return picker_response(request, HELPER_PICKER)


# --- the pairing page ---------------------------------------------------------

def _context(request: HttpRequest, pairing: Pairing, forms: dict[str, Form]) -> dict[str, Any]:
    user = request.user
    today = timezone.localdate()
    _mark(pairing, user, today)
    checkins = (pairing.checkins.select_related("recorded_by", "visit")
                .order_by("-on", "-id"))
    page = Paginator(checkins, CHECKIN_PAGE_SIZE).get_page(request.GET.get("page"))
    can_manage = user.has(Perm.MANAGE_PAIRINGS)
    blank: dict[str, Form] = {}
    if can_manage:
        blank = {"checkin_form": CheckInForm(), "status_form": StatusForm(),
                 "plan_form": PlannedEndForm(initial={"planned_end": pairing.planned_end})}
        blank.update(forms)
    household = pairing.household
    return {
        "pairing": pairing, "household": household, "page": page,
        "checkins": list(page.object_list), "can_manage": can_manage,
        "can_log_visit": (user.has(Perm.LOG_VISITS) and household.moved_out is None
                          and pairing.status != PairingStatus.ENDED),
        "visit_new_url": f"{reverse('visit_new')}?household={household.pk}",
        "failed": next(iter(forms), ""), "quiet_days": QUIET_DAYS, "today": today,
        **blank,
    }


@login_required
def pairing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pairing = selectors.get_pairing_for(request.user, pk)
    return render(request, "care/pairing_detail.html", _context(request, pairing, {}))


def _failed(request: HttpRequest, pk: int, key: str, form: Form) -> HttpResponse:
    pairing = selectors.get_pairing_for(request.user, pk, perm=Perm.MANAGE_PAIRINGS)
    return render(request, "care/pairing_detail.html", _context(request, pairing, {key: form}),
                  status=400)


def _act(request: HttpRequest, pk: int, key: str, form: Form,
         call: Callable[[Any, Pairing, dict[str, Any]], Any],
         success: str | Callable[[Any], str], anchor: str = "") -> HttpResponse:
    """The POST of one action on the pairing page: call the service, confirm and
    go back to the page, or show it again with the form's errors."""
    user = request.user
    pairing = selectors.get_pairing_for(user, pk, perm=Perm.MANAGE_PAIRINGS)
    response = submit(request, form, lambda data: call(user, pairing, data), success,
                      lambda _result: redirect(_detail_url(pairing, anchor)))
    if response is not None:
        return response
    return _failed(request, pk, key, form)


@login_required
@require_POST
def pairing_checkin(request: HttpRequest, pk: int) -> HttpResponse:
    def call(user: Any, pairing: Pairing, data: dict[str, Any]) -> Any:
        return services.checkin_add(actor=user, pairing=pairing, on=data["on"],
                                    mode=data["mode"], note=data["note"])

    return _act(request, pk, "checkin_form", CheckInForm(request.POST), call,
                _("Check-in recorded."), "checkins")


@login_required
@require_POST
def pairing_status(request: HttpRequest, pk: int) -> HttpResponse:
    def call(user: Any, pairing: Pairing, data: dict[str, Any]) -> Any:
        return services.pairing_set_status(actor=user, pairing=pairing, status=data["status"],
                                           on=data["on"])

    form = StatusForm(request.POST)
    return _act(request, pk, "status_form", form, call, lambda pairing: {
        PairingStatus.ACTIVE: _("Pairing resumed."),
        PairingStatus.PAUSED: _("Pairing paused."),
        PairingStatus.ENDED: _("Pairing ended."),
    }[pairing.status])


@login_required
@require_POST
def pairing_planned_end(request: HttpRequest, pk: int) -> HttpResponse:
    def call(user: Any, pairing: Pairing, data: dict[str, Any]) -> Any:
        return services.pairing_set_planned_end(actor=user, pairing=pairing,
                                                planned_end=data["planned_end"])

    def said(pairing: Pairing) -> str:
        if pairing.planned_end is None:
            return _("The pairing has no planned end now.")
        return _("Planned end set to %(day)s.") % {"day": pairing.planned_end.isoformat()}

    return _act(request, pk, "plan_form", PlannedEndForm(request.POST), call, said)
