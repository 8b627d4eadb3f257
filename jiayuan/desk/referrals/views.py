"""Referrals: the staff pages that send a case to a department, print the
letter and withdraw it; and the department's public reply page, opened by the
signed link in the letter (no account).

The reply page shows only what the referral shares, never the rest of the case.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from jiayuan.core.access import require
from jiayuan.core.filters import read_filters
from jiayuan.core.models import User
from jiayuan.core.roles import Perm
from jiayuan.core.views import pdf_response, submit
from jiayuan.desk import selectors, services
from jiayuan.desk import stats as desk_stats
from jiayuan.desk.choices import ReferralStatus
from jiayuan.desk.models import Case, Department, Referral
from jiayuan.desk.pdf import referral_letter_pdf, reply_url, station_name
from jiayuan.desk.referrals.filters import ReferralFilterForm
from jiayuan.desk.referrals.forms import (
    AcknowledgeForm,
    AnswerForm,
    ConsentFromRefusalForm,
    ReferralForm,
    WithdrawReferralForm,
)

OPEN_REFERRAL = (ReferralStatus.SENT, ReferralStatus.ACKNOWLEDGED)


def case_url(pk: int) -> str:
    try:
        return reverse("case_detail", args=[pk])
    except NoReverseMatch:  # the case page is written separately
        return f"/desk/cases/{pk}/"


def referrals_for_case(actor: Any, case: Case) -> list[Referral]:
    """A case's referrals for the case page (`_referrals.html`). For accounts
    that may refer, each open one carries its `reply_url` to copy."""
    refs = list(case.referrals.select_related("department", "sent_by", "consent"))
    may_refer = actor.has(Perm.REFER)
    for r in refs:
        r.reply_url = reply_url(r) if may_refer and r.status in OPEN_REFERRAL else ""
    return refs


# --- staff pages -------------------------------------------------------------

def _refer(actor: User, case: Case, data: dict[str, Any],
           consent_form: ConsentFromRefusalForm | None) -> Referral:
    if consent_form is not None:
        return services.referral_create_with_consent(
            actor=actor, case=case, department=data["department"], message=data["message"],
            version=data["version"], share_contact=data["share_contact"],
            evidence=consent_form.cleaned_data["evidence"])
    return services.referral_create(
        actor=actor, case=case, department=data["department"], message=data["message"],
        version=data["version"], share_contact=data["share_contact"],
        override_reason=data.get("override_reason", ""))


def _referred(request: HttpRequest, referral: Referral, with_consent: bool) -> str:
    if with_consent:
        messages.success(request, _("Consent to share with %(dept)s recorded.")
                         % {"dept": referral.department.name})
    return _("Referred to %(dept)s. Print the letter or copy the reply link for the "
             "department.") % {"dept": referral.department.name}


@login_required
@require_http_methods(["GET", "POST"])
def referral_new(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case_for(request.user, pk, perm=Perm.REFER)
    departments = list(Department.objects.filter(active=True))
    on_record = services.referral_consents(case)
    consents = {d.pk: on_record.get(d.pk) for d in departments}
    can_override = request.user.has(Perm.OVERRIDE_CONSENT)
    initial = {"message": f"{case.item.name}：{case.summary}", "share_contact": True,
               "version": case.version}
    form = ReferralForm(request.POST or None, initial=initial, departments=departments,
                        consents=consents, can_override=can_override)
    # Refused for want of consent: offer to record it and refer in one step.
    may_record = bool(case.person_id) and request.user.has(Perm.RECORD_CONSENT)
    with_consent = request.POST.get("action") == "consent_and_refer" and may_record
    consent_form = ConsentFromRefusalForm(request.POST if with_consent else None,
                                          prefix="consent")
    offer = None
    sent: dict[str, Any] = {}  # what was sent: a refusal takes its field out of cleaned_data

    def save(data: dict[str, Any]) -> Referral:
        sent.update(data)
        return _refer(request.user, case, data, consent_form if with_consent else None)

    if with_consent and form.is_valid() and not consent_form.is_valid():
        offer = form.cleaned_data  # the evidence is missing: ask again, nothing sent
    else:
        done = submit(request, form, save,
                      lambda referral: _referred(request, referral, with_consent),
                      lambda _referral: redirect(case_url(case.pk)))
        if done:
            return done
        if sent and may_record and (with_consent or form.has_error("department", "no_consent")):
            offer = sent
    return render(request, "desk/referral_form.html", {
        "form": form, "case": case, "can_override": can_override,
        "consented": [d for d in departments if consents[d.pk] is not None],
        "case_url": case_url(case.pk), "offer": offer, "consent_form": consent_form})


@login_required
def referral_letter(request: HttpRequest, pk: int) -> HttpResponse:
    referral = selectors.get_referral_for(request.user, pk)
    data = referral_letter_pdf(request.user, referral)
    return pdf_response(data, f"referral-{referral.case.ref}-{referral.pk}.pdf")


@login_required
@require_POST
def referral_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    referral = selectors.get_referral_for(request.user, pk)
    form = WithdrawReferralForm(request.POST)
    back = redirect(case_url(referral.case_id))
    done = submit(request, form, lambda data: services.referral_withdraw(
        actor=request.user, referral=referral, reason=data["reason"]),
        _("Referral to %(dept)s withdrawn: its reply link no longer works.")
        % {"dept": referral.department.name}, lambda _referral: back)
    if done:
        return done
    messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return back


@login_required
def referral_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_CASES)
    qs = (Referral.objects.filter(case__in=selectors.cases_for(request.user))
          .select_related("case", "case__item", "department").order_by("-sent_at", "-id"))
    filters = read_filters(request, ReferralFilterForm(request.GET))
    status, department = filters["status"] or "", filters["department"]
    if status:
        qs = qs.filter(status=status)
    if department:
        qs = qs.filter(department=department)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    for r in page:
        r.case_url = case_url(r.case_id)
    stats = desk_stats.referral_stats(request.user, timezone.now() - timedelta(days=365))
    return render(request, "desk/referral_list.html", {
        "page": page, "stats": stats, "statuses": ReferralStatus.choices,
        "departments": Department.objects.all(),
        "selected": {"status": status, "department": str(department.pk) if department else ""},
    })


# --- the department's reply page (public) ------------------------------------

def _private(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Reply pages carry personal data behind a secret link: never cached,
    never indexed, and the link never leaks through a Referer header.

    `same-origin`, not `no-referrer`: under `no-referrer` a browser sends
    `Origin: null` with the page's own forms and Django's CSRF check refuses
    them (403). `same-origin` sends the full URL (with its token) only back to
    this site, which issued the token, and nothing at all to any other site;
    `strict-origin` would still tell other sites the station's address."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> HttpResponse:
        response = view(*args, **kwargs)
        response["Cache-Control"] = "no-store, private"
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Referrer-Policy"] = "same-origin"
        return response

    return wrapper


def _refused(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "reply/refused.html", {"message": message}, status=status)


def _answered(request: HttpRequest) -> HttpResponse:
    return _refused(request, _("This referral has already been answered. Thank you; to add "
                               "anything, please call the station."), 410)


@_private
@require_http_methods(["GET", "POST"])
def referral_reply(request: HttpRequest, token: str) -> HttpResponse:
    try:
        referral = services.referral_from_token(token)
    except services.ReplyLinkError as exc:
        return _refused(request, str(exc), 404 if exc.code == "invalid" else 410)
    correcting = referral.status == ReferralStatus.ANSWERED
    if correcting and not services.referral_answer_correctable(referral):
        return _answered(request)
    ack_form = AcknowledgeForm(prefix="ack")
    answer_form = AnswerForm(prefix="answer", initial={
        "name": referral.answered_by, "answer": referral.answer} if correcting else None)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "acknowledge":
                ack_form = AcknowledgeForm(request.POST, prefix="ack")
                done = submit(request, ack_form, lambda data: services.referral_acknowledge(
                    token=token, name=data["name"]), "", lambda _r: redirect(request.path))
            elif action == "answer":
                answer_form = AnswerForm(request.POST, prefix="answer")
                done = submit(request, answer_form, lambda data: services.referral_answer(
                    token=token, name=data["name"], answer=data["answer"]), "",
                    lambda _r: render(request, "reply/thanks.html", {
                        "station": station_name(referral), "ref": referral.case.ref,
                        "corrected": correcting, "link": request.path}))
            else:
                done = None
        except services.ReplyLinkError as exc:
            return _refused(request, str(exc), 404 if exc.code == "invalid" else 410)
        if done:
            return done
    name, phone = selectors.reply_page_contact(referral, opened=request.method == "GET")
    # Only what the referral shares: never the case itself (details, household,
    # timeline) in the template's reach.
    return render(request, "reply/referral.html", {
        "ref": referral.case.ref, "service": referral.case.item.name,
        "department": referral.department.name, "message": referral.message,
        "sent_at": referral.sent_at, "expires_at": referral.expires_at,
        "acknowledged_at": referral.acknowledged_at, "share_contact": referral.share_contact,
        "station": station_name(referral), "requester_name": name,
        "requester_phone": phone, "ack_form": ack_form, "answer_form": answer_form,
        "correcting": correcting, "answer": referral.answer,
        "answered_by": referral.answered_by, "answered_at": referral.answered_at})
