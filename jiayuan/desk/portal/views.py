"""The resident portal, under /portal/: public, no account, phone first.

What it shows back is deliberately little. A request's status page opens only
with its reference *and* its private code (the case's public_token), and shows
the service, the dates, the status and the timeline entries staff marked as
public: never the resident's name, phone, household, the details they wrote, or
which staff member handles it. Wrong reference and wrong code look the same.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from jiayuan.core.urls_public import public_url
from jiayuan.core.views import submit
from jiayuan.desk import services
from jiayuan.desk.choices import OPEN_STATUSES, EventKind, PortalHitKind, Status
from jiayuan.desk.models import Case, ServiceCategory, ServiceItem
from jiayuan.desk.portal.common import (
    Gate,
    challenge_for,
    gate,
    portal_context,
    private,
    proof_of,
    source_of,
    station,
)
from jiayuan.desk.portal.forms import (
    PortalRequestForm,
    StatusLookupForm,
    active_items,
    general_item,
    issue_stamp,
)

# The new case's reference and code travel to the thank-you page in the
# session, and are popped there: a reload, or anyone else, sees no reference.
SESSION_KEY = "portal_new_case"

NOT_FOUND = _("No request matches this reference number and code. Check both (the code is "
              "case-sensitive) and try again, or call the station.")

LOOKUPS_THROTTLED = _("Too many wrong reference numbers or codes have been tried from here "
                      "in the last hour. Please try again later, or call the station.")

# Statuses in the resident's words (the staff labels speak of departments and
# follow-up calls).
RESIDENT_STATUS = {
    Status.NEW: _("Received: the station will look at it soon"),
    Status.ACKNOWLEDGED: _("Seen by the station"),
    Status.IN_PROGRESS: _("The station is working on it"),
    Status.WAITING_DEPARTMENT: _("Waiting for an answer from another office"),
    Status.WAITING_RESIDENT: _("The station is waiting for you: please call or visit the "
                               "station"),
    Status.RESOLVED: _("Done: the station will call you to ask whether you are satisfied"),
    Status.CLOSED: _("Finished"),
    Status.CANCELLED: _("Cancelled"),
}

# Timeline entries by the resident's wording: the staff labels of these kinds
# would say who did it, or speak of internal steps.
RESIDENT_EVENT = {
    EventKind.CREATED: _("Request received"),
    EventKind.STATUS: _("Status"),
    EventKind.REFERRAL: _("Passed to another office"),
    EventKind.REPLY: _("Answer from another office"),
}


def _not_set_up(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/not_setup.html", portal_context(), status=503)


@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    items = ServiceItem.objects.filter(active=True).select_related("department")
    categories = [c for c in ServiceCategory.objects.prefetch_related(
        Prefetch("items", queryset=items, to_attr="active_items")) if c.active_items]
    return render(request, "portal/landing.html", portal_context(
        categories=categories, lookup=StatusLookupForm(auto_id="lookup_%s")))


@require_GET
def service_detail(request: HttpRequest, code: str) -> HttpResponse:
    item = (ServiceItem.objects.filter(code=code, active=True)
            .select_related("category", "department").first())
    if item is None:
        return render(request, "portal/not_found.html", portal_context(
            message=_("This service is not offered (any more). See the list of "
                      "services.")), status=404)
    return render(request, "portal/service.html", portal_context(item=item))


@require_http_methods(["GET", "POST"])
def request_create(request: HttpRequest) -> HttpResponse:
    community = station()
    items = active_items()
    if community is None or not items:
        return _not_set_up(request)
    status = 200
    source = source_of(request)
    if request.method == "POST":
        form = PortalRequestForm(request.POST, items=items)
        proof = proof_of(request)
        outcome = gate(form, source, allowed=services.portal_limit, proof=proof)
        if outcome is Gate.SPAM:
            # A script filled the hidden field: it sees what a person would, and
            # nothing is created (no reference is shown).
            return redirect("portal_thanks")
        if outcome is Gate.VALID:
            done = submit(request, form, lambda data: services.portal_create(
                item=data["service"], summary=data["summary"], details=data["details"],
                caller_name=data["name"], caller_phone=data["phone"], community=community,
                source=source, contact_consent=data["consent"], proof=proof[0],
                nonce=proof[1]), "",
                lambda case: _thanks(request, case))
            if done:
                return done
        if form.has_error(NON_FIELD_ERRORS, "throttled"):
            status = 429
    else:
        wanted = request.GET.get("service", "")
        initial = {"service": wanted} if any(i.code == wanted for i in items) else {}
        form = PortalRequestForm(initial=initial, items=items)
    chosen = next((i for i in items if i.code == form["service"].value()), None)
    return render(request, "portal/request.html", portal_context(
        community=community, form=form, stamp=issue_stamp(), chosen=chosen,
        general=general_item(items), pow=challenge_for(source, services.portal_limit)),
        status=status)


def _thanks(request: HttpRequest, case: Case) -> HttpResponse:
    request.session[SESSION_KEY] = {"ref": case.ref, "token": case.public_token}
    return redirect("portal_thanks")


@require_GET
def thanks(request: HttpRequest) -> HttpResponse:
    new = request.session.pop(SESSION_KEY, None)
    context: dict[str, Any] = {}
    if new:
        path = reverse("portal_status", kwargs={"ref": new["ref"], "token": new["token"]})
        context = {"ref": new["ref"], "code": new["token"], "status_path": path,
                   "status_url": public_url(path)}
    return private(render(request, "portal/thanks.html", portal_context(**context)))


def _find(ref: str, token: str) -> Case | None:
    """The case with this reference and code, or None. A missing reference costs
    the same comparison as a wrong code, so neither is told apart."""
    case = Case.objects.select_related("item").filter(ref__iexact=ref.strip()).first()
    expected = case.public_token if case else _dummy_token()
    if not secrets.compare_digest(token.encode(), expected.encode()):
        return None
    return case


def _dummy_token() -> str:
    return secrets.token_urlsafe(16)


def _lookup(request: HttpRequest, ref: str, token: str, *, exact: bool) -> Case | None:
    """_find, counting a failed lookup against the visitor's address. The lookup
    form forgives the reference's letter case; the status address does not."""
    case = _find(ref, token)
    if case is None or (exact and case.ref != ref):
        services.portal_hit_record(source=source_of(request), kind=PortalHitKind.LOOKUP)
        return None
    return case


def _lookup_allowed(request: HttpRequest) -> bool:
    return services.portal_lookup_allowed(source_of(request))


@require_GET
def status_lookup(request: HttpRequest) -> HttpResponse:
    bound = "ref" in request.GET or "code" in request.GET
    form = StatusLookupForm(request.GET if bound else None)
    status = 200
    if bound and form.is_valid():
        if not _lookup_allowed(request):
            status = 429
            form.add_error(None, LOOKUPS_THROTTLED)
        else:
            case = _lookup(request, form.cleaned_data["ref"], form.cleaned_data["code"],
                           exact=False)
            if case is not None:
                return private(redirect("portal_status", ref=case.ref,
                                        token=case.public_token))
            form.add_error(None, NOT_FOUND)
    return private(render(request, "portal/status_lookup.html", portal_context(form=form),
                          status=status))


@require_GET
def status(request: HttpRequest, ref: str, token: str) -> HttpResponse:
    if not _lookup_allowed(request):
        return private(render(request, "portal/not_found.html", portal_context(
            message=LOOKUPS_THROTTLED,
            lang_next=reverse("portal_status_lookup")), status=429))
    case = _lookup(request, ref, token, exact=True)
    if case is None:
        response = render(request, "portal/not_found.html", portal_context(
            message=NOT_FOUND, lookup=StatusLookupForm(auto_id="lookup_%s"),
            lang_next=reverse("portal_status_lookup")), status=404)
        # Django logs every 404 with its path; the log filter in settings
        # (jiayuan.core.logfilters) drops the code from it.
        return private(response)
    events = [_public_event(e) for e in case.events.filter(public=True).order_by("at", "id")]
    return private(render(request, "portal/status.html", portal_context(
        ref=case.ref, service=case.item.name, received=case.opened_at,
        due=case.due if case.status in OPEN_STATUSES else None,
        state=RESIDENT_STATUS.get(case.status, case.get_status_display()),
        is_open=case.status in OPEN_STATUSES,
        waiting_on_resident=case.status == Status.WAITING_RESIDENT, events=events)))


def _public_event(event: Any) -> dict[str, Any]:
    """Only what the resident may see of a public timeline entry: no actor."""
    label = RESIDENT_EVENT.get(event.kind) or event.get_kind_display()
    state = RESIDENT_STATUS.get(event.to_status) if event.kind == EventKind.STATUS else None
    # The "received" entry's text repeats its label ("Request received: <service>").
    text = "" if event.kind == EventKind.CREATED else event.display_text
    return {"label": label, "at": event.at, "state": state, "text": text}
