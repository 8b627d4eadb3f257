"""Staff pages of volunteers, under /engage/volunteers/: the list with this
year's hours, registering one (a resident through the registry's picker, or
a staff member), the volunteer's page with their hours, claims, areas,
consent, personal link and certificates, and the approval queue.

Reading needs VIEW_ENGAGE; reporting hours for a volunteer (a claim,
approved later) RUN_ACTIVITIES; registering, approving, correcting and
certifying MANAGE_VOLUNTEERS; an information officer's report VIEW_ENGAGE
and WORK_CASES. A volunteer outside the actor's scope is a 404."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiayuan.core.access import as_id, require
from jiayuan.core.querykeys import recalled_query, searched_redirect
from jiayuan.core.roles import Perm
from jiayuan.core.urls_public import public_url
from jiayuan.core.views import pdf_response, submit, year_param
from jiayuan.engage.choices import HoursSource, VolunteerRole, VolunteerStatus
from jiayuan.engage.volunteers import ledger, selectors, services, services_hours
from jiayuan.engage.volunteers.forms import (
    AreaForm,
    CertificateForm,
    ColleagueClaimForm,
    HoursForm,
    ReasonForm,
    ReportForm,
    VolunteerEditForm,
    VolunteerForm,
)
from jiayuan.engage.volunteers.models import Volunteer
from jiayuan.engage.volunteers.pdf import certificate_pdf
from jiayuan.registry.pickers import picker, picker_response
from jiayuan.registry.selectors import people_for

PAGE_SIZE = 40
PERSON_PICKER = picker("volunteer-person", "person", reverse_lazy("volunteer_person_search"))


@login_required
@require_http_methods(["GET", "POST"])
def volunteer_list(request: HttpRequest) -> HttpResponse:
    """The volunteers; the search finds them by name, so what was typed is
    posted and the page is addressed by its key (jiayuan.core.querykeys)."""
    user = require(request.user, Perm.VIEW_ENGAGE)
    if request.method == "POST" or request.GET.get("q"):
        return searched_redirect(request, keep=("role", "status"))
    year = timezone.localdate().year
    q = recalled_query(request)[:60]
    role = request.GET.get("role", "")
    role = role if role in VolunteerRole.values else ""
    status = request.GET.get("status", "")
    status = status if status in VolunteerStatus.values else ""
    qs = selectors.volunteer_list(user, year=year, q=q, role=role, status=status)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(v, selectors.display_name(v), selectors.tier_for(v.year_hours))
            for v in page.object_list]
    return render(request, "engage/volunteer_list.html", {
        "page": page, "rows": rows, "year": year, "q": q, "role": role, "status": status,
        "roles": VolunteerRole.choices, "statuses": VolunteerStatus.choices,
        "tier_labels": {code: str(label) for code, label, _l in selectors.TIERS}})


@login_required
@require_http_methods(["GET", "POST"])
def volunteer_new(request: HttpRequest) -> HttpResponse:
    user = require(request.user, Perm.MANAGE_VOLUNTEERS)
    form = VolunteerForm(request.POST or None, actor=user)
    person = None
    if request.method == "POST":
        pid = as_id(request.POST.get("person"))
        person = people_for(user).filter(pk=pid).first() if pid else None

    def save(d: dict[str, Any]) -> Volunteer:
        if d.get("person") and person is None:
            raise ValidationError({"person": _("That resident is not in your grids. Choose "
                                               "them again from the search.")})
        if person is not None and d.get("user"):
            raise ValidationError({"user": _("Choose a resident or a staff member, not "
                                             "both.")})
        return services.volunteer_register(
            actor=user, person=person, user=d.get("user"), roles=d["roles"],
            skills=d["skills"], languages=d["languages"], availability=d["availability"])

    done = submit(request, form, save, _("Volunteer registered."),
                  lambda v: redirect("volunteer_detail", pk=v.pk))
    if done:
        return done
    return render(request, "engage/volunteer_form.html", {
        "form": form, "person": person, "picker": PERSON_PICKER},
        status=400 if form.is_bound else 200)


@login_required
@require_http_methods(["GET", "POST"])  # POST: what was typed
def volunteer_person_search(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.MANAGE_VOLUNTEERS)
    return picker_response(request, PERSON_PICKER)


def _forms(user: Any, v: Volunteer) -> dict[str, Form]:
    return {
        "edit_form": VolunteerEditForm(initial={
            "version": v.version, "roles": list(v.roles.values_list("role", flat=True)),
            "status": v.status, "skills": v.skills, "languages": v.languages,
            "availability": v.availability}),
        "hours_form": HoursForm(), "claim_form": ColleagueClaimForm(),
        "reverse_form": ReasonForm(),
        "area_form": AreaForm(actor=user), "report_form": ReportForm(),
        "certificate_form": CertificateForm(),
    }


def _page(request: HttpRequest, v: Volunteer, forms: dict[str, Form], failed: str = "",
          status: int = 200) -> HttpResponse:
    year = timezone.localdate().year
    shown = year_param(request)  # the ledger's year, this one unless asked
    roles = set(v.roles.values_list("role", flat=True))
    link = public_url(reverse("portal_volunteer_hours", kwargs={"token": v.self_token}))
    return render(request, "engage/volunteer_detail.html", {
        "v": v, "name": selectors.display_name(v), "year": year,
        "year_hours": selectors.hours_total(v, year), "total": selectors.hours_total(v),
        "roles": v.roles.all(), "is_liaison": VolunteerRole.LIAISON in roles,
        "is_informant": VolunteerRole.INFORMANT in roles,
        "areas": v.areas.select_related("building", "household__dwelling"),
        "entries": selectors.entries_of(v, shown), "shown": shown,
        "years": sorted({year, shown, *selectors.ledger_years(v)}, reverse=True),
        "claims": v.claims.select_related("decided_by")[:20],
        "certificates": v.certificates.all(), "link": link,
        "tier": selectors.tier_label(selectors.tier_for(selectors.hours_total(v, year))),
        "failed": failed, **forms}, status=status)


@login_required
@require_GET
def volunteer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    v = selectors.get_volunteer_for(request.user, pk)  # type: ignore[arg-type]
    return _page(request, v, _forms(request.user, v))


def _act(request: HttpRequest, pk: int, key: str, form: Callable[[Any], Form],
         call: Callable[[Any, Volunteer, dict[str, Any]], Any], said: str,
         perm: Any = Perm.MANAGE_VOLUNTEERS) -> HttpResponse:
    v = selectors.get_volunteer_for(request.user, pk, perm=perm)  # type: ignore[arg-type]
    user = request.user
    bound = form(user)
    done = submit(request, bound, lambda d: call(user, v, d), said,
                  lambda _r: redirect(reverse("volunteer_detail", kwargs={"pk": v.pk})
                                      + f"#{key}"))
    if done:
        return done
    v.refresh_from_db()
    return _page(request, v, {**_forms(user, v), key: bound}, failed=key, status=400)


@login_required
@require_POST
def volunteer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "edit_form", lambda u: VolunteerEditForm(request.POST),
                lambda u, v, d: services.volunteer_update(
                    actor=u, volunteer=v, roles=d["roles"], skills=d["skills"],
                    languages=d["languages"], availability=d["availability"],
                    status=d["status"], version=d.get("version")),
                _("Saved."))


@login_required
@require_POST
def volunteer_hours_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "hours_form", lambda u: HoursForm(request.POST),
                lambda u, v, d: ledger.hours_credit(
                    actor=u, volunteer=v, on=d["on"], hours=d["hours"],
                    source=HoursSource.STAFF, note=d["note"]),
                _("Hours recorded."))


@login_required
@require_POST
def volunteer_claim_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A colleague who is not a coordinator reports hours for the volunteer:
    they wait for a coordinator's approval in the claims queue."""
    return _act(request, pk, "claim_form", lambda u: ColleagueClaimForm(request.POST),
                lambda u, v, d: services_hours.claim_create(
                    actor=u, volunteer=v, on=d["on"], hours=d["hours"], what=d["what"]),
                _("Reported: the hours wait for a coordinator's approval."),
                perm=Perm.RUN_ACTIVITIES)


@login_required
@require_POST
def volunteer_entry_reverse(request: HttpRequest, pk: int, entry: int) -> HttpResponse:
    user = request.user
    found = selectors.get_entry_for(user, entry)  # type: ignore[arg-type]
    if found.volunteer_id != as_id(pk):
        raise Http404
    return _act(request, pk, "reverse_form", lambda u: ReasonForm(request.POST),
                lambda u, v, d: ledger.hours_reverse(actor=u, entry=found, reason=d["reason"]),
                _("Correction recorded."))


@login_required
@require_POST
def volunteer_area_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "area_form", lambda u: AreaForm(request.POST, actor=u),
                lambda u, v, d: services.liaison_area_add(actor=u, volunteer=v,
                                                          building=d["building"]),
                _("Building added."))


@login_required
@require_POST
def volunteer_area_remove(request: HttpRequest, pk: int, area: int) -> HttpResponse:
    v = selectors.get_volunteer_for(request.user, pk,  # type: ignore[arg-type]
                                    perm=Perm.MANAGE_VOLUNTEERS)
    found = v.areas.filter(pk=as_id(area)).first()
    if found is None:
        raise Http404
    services.liaison_area_remove(actor=request.user, area=found)  # type: ignore[arg-type]
    return redirect(reverse("volunteer_detail", kwargs={"pk": v.pk}) + "#areas")


@login_required
@require_POST
def volunteer_consent(request: HttpRequest, pk: int) -> HttpResponse:
    """Record (action=give) or withdraw the consent to be named publicly."""
    v = selectors.get_volunteer_for(request.user, pk,  # type: ignore[arg-type]
                                    perm=Perm.MANAGE_VOLUNTEERS)
    user = request.user
    try:
        if request.POST.get("action") == "give":
            services.volunteer_consent_record(actor=user, volunteer=v)  # type: ignore[arg-type]
        else:
            services.volunteer_consent_withdraw(actor=user, volunteer=v)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(reverse("volunteer_detail", kwargs={"pk": v.pk}) + "#consent")


@login_required
@require_POST
def volunteer_link_renew(request: HttpRequest, pk: int) -> HttpResponse:
    v = selectors.get_volunteer_for(request.user, pk,  # type: ignore[arg-type]
                                    perm=Perm.MANAGE_VOLUNTEERS)
    services.volunteer_link_renew(actor=request.user, volunteer=v)  # type: ignore[arg-type]
    messages.success(request, _("A new personal link is made: the old one no longer works."))
    return redirect(reverse("volunteer_detail", kwargs={"pk": v.pk}) + "#link")


@login_required
@require_POST
def volunteer_report(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "report_form", lambda u: ReportForm(request.POST),
                lambda u, v, d: services.informant_report(
                    actor=u, volunteer=v, summary=d["summary"], details=d["details"],
                    item=d["item"]),
                _("The report is filed as a request at the desk."),
                perm=(Perm.VIEW_ENGAGE, Perm.WORK_CASES))


@login_required
@require_POST
def volunteer_certificate_issue(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "certificate_form", lambda u: CertificateForm(request.POST),
                lambda u, v, d: services_hours.certificate_issue(actor=u, volunteer=v,
                                                                 year=d["year"]),
                _("Certificate issued."))


@login_required
@require_POST
def volunteer_certificate_revoke(request: HttpRequest, pk: int, cert: int) -> HttpResponse:
    c = selectors.get_certificate_for(request.user, cert,  # type: ignore[arg-type]
                                      perm=Perm.MANAGE_VOLUNTEERS)
    if c.volunteer_id != as_id(pk):
        raise Http404
    with contextlib.suppress(ValidationError):  # revoked already: the page shows it
        services_hours.certificate_revoke(actor=request.user,  # type: ignore[arg-type]
                                          certificate=c)
    return redirect(reverse("volunteer_detail", kwargs={"pk": c.volunteer_id})
                    + "#certificates")


@login_required
@require_GET
def volunteer_certificate_pdf(request: HttpRequest, pk: int, cert: int) -> HttpResponse:
    c = selectors.get_certificate_for(request.user, cert)  # type: ignore[arg-type]
    if c.volunteer_id != as_id(pk):
        raise Http404
    url = public_url(reverse("portal_certificate", kwargs={"token": c.token}))
    data = certificate_pdf(request.user, c, url)  # type: ignore[arg-type]
    return pdf_response(data, f"certificate-{c.year}-{c.pk}.pdf")


# --- the approval queue -----------------------------------------------------------------

@login_required
@require_GET
def hours_claims(request: HttpRequest) -> HttpResponse:
    user = require(request.user, Perm.VIEW_ENGAGE)
    claims = list(selectors.claims_for(user)[:200])
    names = {c.pk: selectors.display_name(c.volunteer) for c in claims}
    return render(request, "engage/hours_claims.html", {
        "rows": [(c, names[c.pk]) for c in claims],
        "can_decide": user.has(Perm.MANAGE_VOLUNTEERS), "reject_form": ReasonForm()})


def _decide(request: HttpRequest, pk: int, call: Callable[[Any, Any], Any],
            said: str) -> HttpResponse:
    c = selectors.get_claim_for(request.user, pk)  # type: ignore[arg-type]
    try:
        call(request.user, c)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, said)
    return redirect("hours_claims")


@login_required
@require_POST
def hours_claim_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, lambda u, c: services_hours.claim_approve(actor=u, claim=c),
                   _("Approved: the hours are on the ledger."))


@login_required
@require_POST
def hours_claim_reject(request: HttpRequest, pk: int) -> HttpResponse:
    reason = request.POST.get("reason", "")
    return _decide(request, pk, lambda u, c: services_hours.claim_reject(
        actor=u, claim=c, reason=reason), _("Not approved: the volunteer sees the reason."))
