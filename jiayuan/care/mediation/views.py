"""Mediation (矛盾纠纷调解): the list of disputes, opening one (also from a desk
request), the dispute page with every action on it, and the agreement as a
PDF for signatures.

Reading needs VIEW_DISPUTES and writing MEDIATE; a dispute outside the
actor's grids is a 404 unless they mediate it. Edits that replace what someone
else may have just saved carry the version the user saw (a Conflict otherwise).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiayuan.care.choices import OPEN_DISPUTE_STATUSES, DisputeKind, DisputeStatus
from jiayuan.care.filters import DisputeFilterForm, FollowupFilterForm
from jiayuan.care.mediation import selectors, services
from jiayuan.care.mediation.forms import (
    AgreementForm,
    CloseForm,
    DisputeForm,
    EscalateForm,
    FactsForm,
    FollowupForm,
    PartyForm,
    ReopenForm,
    SessionForm,
)
from jiayuan.care.mediation.selectors import sorted_parties
from jiayuan.care.models import Dispute, DisputeParty
from jiayuan.core.access import get_in_scope, require
from jiayuan.core.filters import read_filters
from jiayuan.core.roles import Perm
from jiayuan.core.scope import in_scope
from jiayuan.core.views import form_status, pdf_response, submit
from jiayuan.desk.selectors import can_see, get_case_for
from jiayuan.lib.forms import search_text
from jiayuan.registry.search import search
from jiayuan.registry.selectors import (
    businesses_for,
    get_household_for,
    get_person_for,
)

PAGE_SIZE = 30
TABS = selectors.DISPUTE_TABS


def _detail_url(dispute: Dispute, anchor: str = "") -> str:
    return reverse("dispute_detail", args=[dispute.pk]) + (f"#{anchor}" if anchor else "")


def _parties_prefetch() -> Prefetch:
    return Prefetch("parties", queryset=DisputeParty.objects.select_related(
        "person", "household__dwelling", "household__head", "business"))


# --- the list -----------------------------------------------------------------

@login_required
def dispute_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(user, Perm.VIEW_DISPUTES)
    today = timezone.localdate()
    filters = read_filters(request, DisputeFilterForm(request.GET, tabs=TABS, default="open"))
    tab, kind = filters["tab"], filters["kind"] or ""
    qs = selectors.disputes_tab(user, tab, today, kind)
    qs = qs.select_related("grid").prefetch_related(_parties_prefetch(), "mediators")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    disputes = list(page.object_list)
    for d in disputes:
        d.party_list = sorted_parties(d.parties.all())
    counts = selectors.disputes_for(user).aggregate(
        open=Count("id", filter=Q(status__in=OPEN_DISPUTE_STATUSES)),
        followups=Count("id", filter=Q(status=DisputeStatus.CLOSED, followup_on__isnull=True,
                                       followup_due__lte=today)))
    return render(request, "care/dispute_list.html", {
        "page": page, "disputes": disputes, "tab": tab, "kind": kind,
        "kinds": DisputeKind.choices, "counts": counts, "today": today})


# --- the follow-up checks coming up -------------------------------------------

@login_required
def dispute_followups(request: HttpRequest) -> HttpResponse:
    """The checks that agreements hold, by date: overdue first, then the coming
    ones, each with its dispute, parties and mediators."""
    user = request.user
    require(user, Perm.VIEW_DISPUTES)
    today = timezone.localdate()
    # Anything but "mine" (a forged or repeated value too) is everyone's list.
    mine = read_filters(request, FollowupFilterForm(request.GET))["show"] == "mine"
    qs = selectors.followups_pending(user, mediated_by=user if mine else None)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    disputes = list(page.object_list)
    for d in disputes:
        d.party_list = sorted_parties(d.parties.all())
        d.days_left = (d.followup_due - today).days
        d.days_overdue = -d.days_left
    return render(request, "care/dispute_followups.html", {
        "page": page, "today": today, "mine": mine,
        "overdue": [d for d in disputes if d.days_left < 0],
        "coming": [d for d in disputes if d.days_left >= 0]})


# --- opening a dispute --------------------------------------------------------

@login_required
def dispute_new(request: HttpRequest) -> HttpResponse:
    """?case=ID starts from a desk request: its summary, and its requester as
    the applicant once the dispute exists. ?household=ID (from a household
    file) or ?business=ID (from a business page) records that party."""
    user = request.user
    require(user, Perm.MEDIATE)
    case = household = business = None
    initial: dict[str, Any] = {}
    if request.method == "GET" and request.GET.get("case"):
        case = get_case_for(user, request.GET["case"])
        initial = {"case": case.pk, "source": "case", "summary": case.summary[:200],
                   "details": case.details, "grid": case.grid_id}
    elif request.method == "GET" and request.GET.get("household"):
        household = get_household_for(user, request.GET["household"])
        initial = {"household": household.pk, "grid": household.grid_id}
    elif request.method == "GET" and request.GET.get("business"):
        business = get_in_scope(user, businesses_for(user), request.GET["business"])
        initial = {"business": business.pk, "grid": business.grid_id}
    form = DisputeForm(request.POST or None, actor=user, initial=initial)

    def save(data: dict[str, Any]) -> services.Opened:
        return services.dispute_open(
            actor=user, kind=data["kind"], source=data["source"], summary=data["summary"],
            details=data["details"], grid=data["grid"], case=form.case_obj,
            mediators=list(data["mediators"]), opened_on=data["opened_on"],
            household=form.household_obj, business=form.business_obj)

    def done(opened: services.Opened) -> HttpResponse:
        if opened.requester_outside:
            messages.warning(request, _("The requester lives outside your grids: add the "
                                        "parties yourself."))
        return redirect(_detail_url(opened.dispute))

    response = submit(request, form, save,
                      lambda opened: _("Dispute %(ref)s opened.") % {"ref": opened.dispute.ref},
                      done)
    if response is not None:
        return response
    if form.is_bound:
        case, household, business = form.case_obj, form.household_obj, form.business_obj
    return render(request, "care/dispute_form.html", {
        "form": form, "case": case, "household": household, "business": business},
        status=400 if form.is_bound else 200)


# --- the dispute page ---------------------------------------------------------

def _context(request: HttpRequest, dispute: Dispute, forms: dict[str, Form]) -> dict[str, Any]:
    user = request.user
    can_registry = user.has(Perm.VIEW_REGISTRY)
    parties = sorted_parties(dispute.parties.select_related(
        "person", "household__dwelling", "household__head", "business"))
    for p in parties:
        p.household_link = bool(p.household_id and can_registry
                                and in_scope(user, p.household.grid_id))
        p.business_link = bool(p.business_id and can_registry
                               and in_scope(user, p.business.grid_id))
    can_mediate = user.has(Perm.MEDIATE)
    blank: dict[str, Form] = {}
    if can_mediate:
        blank = {
            "facts_form": FactsForm(actor=user, dispute=dispute),
            "party_form": PartyForm(actor=user),
            "session_form": SessionForm(),
            "agreement_form": AgreementForm(initial={
                "agreement_text": dispute.agreement_text, "agreement_on": dispute.agreement_on}),
            "escalate_form": EscalateForm(),
            "close_form": CloseForm(),
            "reopen_form": ReopenForm(),
            "followup_form": FollowupForm(),
        }
        blank.update(forms)
    return {
        "dispute": dispute, "parties": parties,
        "sessions": list(dispute.sessions.select_related("recorded_by")),
        "mediators": list(dispute.mediators.all()),
        "case_visible": bool(dispute.case_id and can_see(user, dispute.case)),
        "can_mediate": can_mediate,
        "failed": next(iter(forms), ""),
        "today": timezone.localdate(),
        **blank,
    }


@login_required
def dispute_detail(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = selectors.get_dispute_for(request.user, pk)
    return render(request, "care/dispute_detail.html", _context(request, dispute, {}))


def _act(request: HttpRequest, pk: int, key: str, make: Callable[[Any, Dispute], Form],
         call: Callable[[Any, Dispute, dict[str, Any]], Any], success: str,
         anchor: str) -> HttpResponse:
    """The POST of one action: validate, call the service, confirm and go back to
    the page; or show the page again with the form's errors (and the user's
    input) — a Conflict says someone saved first, and nothing was overwritten."""
    user = request.user
    dispute = selectors.get_dispute_for(user, pk, perm=Perm.MEDIATE)
    form = make(user, dispute)
    response = submit(request, form, lambda data: call(user, dispute, data), success,
                      lambda _result: redirect(_detail_url(dispute, anchor)), record=dispute)
    if response is not None:
        return response
    dispute = selectors.get_dispute_for(user, pk, perm=Perm.MEDIATE)
    status = form_status(form)
    return render(request, "care/dispute_detail.html", _context(request, dispute, {key: form}),
                  status=400 if status == 200 else status)


@login_required
@require_POST
def dispute_edit(request: HttpRequest, pk: int) -> HttpResponse:
    def call(user: Any, dispute: Dispute, data: dict[str, Any]) -> None:
        services.dispute_update(actor=user, dispute=dispute, version=data["version"],
                                kind=data["kind"], source=data["source"],
                                summary=data["summary"], details=data["details"],
                                mediators=list(data["mediators"]))

    return _act(request, pk, "facts_form",
                lambda user, d: FactsForm(request.POST, actor=user, dispute=d), call,
                _("Changes saved."), "facts")


@login_required
@require_POST
def dispute_party_add(request: HttpRequest, pk: int) -> HttpResponse:
    def call(user: Any, dispute: Dispute, data: dict[str, Any]) -> None:
        services.party_add(actor=user, dispute=dispute, role=data["role"],
                           person=form.person_obj, household=form.household_obj,
                           business=form.business_obj, name=data["name"])

    form = PartyForm(request.POST, actor=request.user)
    return _act(request, pk, "party_form", lambda user, d: form, call, _("Party added."),
                "parties")


@login_required
@require_POST
def dispute_party_remove(request: HttpRequest, pk: int, party: int) -> HttpResponse:
    user = request.user
    dispute = selectors.get_dispute_for(user, pk, perm=Perm.MEDIATE)
    found = dispute.parties.filter(pk=party).first()
    if found is None:
        raise Http404
    found.dispute = dispute
    back = redirect(_detail_url(dispute, "parties"))
    form = Form(request.POST)
    response = submit(request, form, lambda _data: services.party_remove(actor=user, party=found),
                      _("Party removed."), lambda _result: back)
    if response is None:
        # The button has no fields to show an error beside: say it at the top.
        messages.error(request, " ".join(str(e) for e in form.non_field_errors()))
    return back


@login_required
@require_POST
def dispute_session_add(request: HttpRequest, pk: int) -> HttpResponse:
    def call(user: Any, dispute: Dispute, data: dict[str, Any]) -> None:
        services.session_add(actor=user, dispute=dispute, held_at=data["held_at"],
                             attendees=data["attendees"], notes=data["notes"],
                             place=data["place"])

    return _act(request, pk, "session_form", lambda user, d: SessionForm(request.POST), call,
                _("Session recorded."), "sessions")


@login_required
@require_POST
def dispute_agreement(request: HttpRequest, pk: int) -> HttpResponse:
    def call(user: Any, dispute: Dispute, data: dict[str, Any]) -> None:
        services.dispute_update(actor=user, dispute=dispute, version=data["version"],
                                agreement_text=data["agreement_text"],
                                agreement_on=data["agreement_on"])

    return _act(request, pk, "agreement_form", lambda user, d: AgreementForm(request.POST),
                call, _("Agreement saved."), "agreement")


@login_required
@require_POST
def dispute_escalate(request: HttpRequest, pk: int) -> HttpResponse:
    def call(user: Any, dispute: Dispute, data: dict[str, Any]) -> None:
        services.dispute_escalate(actor=user, dispute=dispute, on=data["escalated_on"],
                                  what=data["escalation"], version=data["version"])

    return _act(request, pk, "escalate_form", lambda user, d: EscalateForm(request.POST), call,
                _("Escalation recorded."), "escalation")


@login_required
@require_POST
def dispute_close(request: HttpRequest, pk: int) -> HttpResponse:
    def call(user: Any, dispute: Dispute, data: dict[str, Any]) -> None:
        services.dispute_close(actor=user, dispute=dispute, outcome=data["outcome"],
                               note=data["note"], closed_on=data["closed_on"],
                               version=data["version"])

    return _act(request, pk, "close_form", lambda user, d: CloseForm(request.POST), call,
                _("Dispute closed."), "outcome")


@login_required
@require_POST
def dispute_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    def call(user: Any, dispute: Dispute, data: dict[str, Any]) -> None:
        services.dispute_reopen(actor=user, dispute=dispute,
                                reason=data["reason"], version=data["version"])

    return _act(request, pk, "reopen_form", lambda user, d: ReopenForm(request.POST), call,
                _("Dispute reopened."), "outcome")


@login_required
@require_POST
def dispute_followup(request: HttpRequest, pk: int) -> HttpResponse:
    def call(user: Any, dispute: Dispute, data: dict[str, Any]) -> None:
        services.dispute_followup(actor=user, dispute=dispute, on=data["on"],
                                  holding=data["holding"], note=data["note"],
                                  version=data["version"])
        if not data["holding"]:
            messages.warning(request, _("The agreement is not holding: reopen the dispute "
                                        "if mediation should resume."))

    return _act(request, pk, "followup_form", lambda user, d: FollowupForm(request.POST), call,
                _("Follow-up check recorded."), "outcome")


# --- the party picker (htmx) --------------------------------------------------

@login_required
def dispute_party_search(request: HttpRequest, pk: int) -> HttpResponse:
    """As-you-type: residents and households in scope (the registry's search),
    and businesses in scope by name. ?pick=person:ID (or household:, business:)
    returns the chosen party for the form."""
    user = request.user
    dispute = selectors.get_dispute_for(user, pk, perm=Perm.MEDIATE)
    pick = request.GET.get("pick", "")
    if pick:
        what, _sep, ident = pick.partition(":")
        chosen: dict[str, Any] = {"oob": True}
        if what == "person":
            chosen["person"] = get_person_for(user, ident)
        elif what == "household":
            chosen["household"] = get_household_for(user, ident)
        elif what == "business":
            chosen["business"] = get_in_scope(user, businesses_for(user), ident)
        else:
            raise Http404
        return render(request, "care/_dispute_party_chosen.html", chosen)
    q = search_text(request.POST.get("q")) if request.method == "POST" else ""
    people, households, shops = [], [], []
    if q:
        for hit in search(user, q, limit=10):
            if hit.kind == "person":
                people.append(hit.person)
            elif hit.household is not None:
                households.append(hit.household)
        shops = list(businesses_for(user).filter(name__icontains=q).order_by("name")[:6])
    response = render(request, "care/_dispute_party_picks.html", {
        "q": q, "people": people, "households": households, "shops": shops,
        "dispute": dispute})
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- the agreement for signatures ---------------------------------------------

@login_required
def dispute_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    dispute = selectors.get_dispute_for(user, pk)
    if not dispute.agreement_text.strip():
        return render(request, "care/_dispute_no_agreement.html", {"dispute": dispute},
                      status=409)
    from jiayuan.care.mediation.pdf import mediation_agreement_pdf

    data = mediation_agreement_pdf(user, dispute)
    return pdf_response(data, f"agreement-{dispute.ref}.pdf")
