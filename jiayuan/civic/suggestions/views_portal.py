"""Suggestions on the public portal (/portal/civic/): send one (anonymous
allowed), follow it with its reference and code, and "you said, we did".

Nothing personal is shown: never the contact's name or phone, the resident
it was entered for, the grid or who handled it. A wrong reference and a
wrong code look the same (byte-identical 404s), and failed lookups count
against the address as the desk's portal counts them."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from jiayuan.civic.suggestions import selectors, services
from jiayuan.civic.suggestions.forms import IdeaLookupForm, PortalIdeaForm
from jiayuan.civic.suggestions.models import Suggestion
from jiayuan.core.urls_public import public_url
from jiayuan.core.views import submit
from jiayuan.desk.choices import PortalHitKind
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
from jiayuan.desk.portal.forms import issue_stamp
from jiayuan.desk.services import portal_hit_record, portal_lookup_allowed

SESSION_KEY = "portal_new_idea"

NOT_FOUND = _("No suggestion matches this reference number and code. Check both (the code "
              "is case-sensitive) and try again, or call the station.")
LOOKUPS_THROTTLED = _("Too many wrong reference numbers or codes have been tried from here "
                      "in the last hour. Please try again later, or call the station.")


@require_http_methods(["GET", "POST"])
def idea_new(request: HttpRequest) -> HttpResponse:
    community = station()
    if community is None:
        return render(request, "portal/not_setup.html", portal_context(), status=503)
    status = 200
    form = PortalIdeaForm(request.POST or None)
    source = source_of(request)
    if request.method == "POST":
        proof = proof_of(request)
        outcome = gate(form, source, allowed=services.portal_ideas_limit, proof=proof)
        if outcome is Gate.SPAM:
            return redirect("portal_ideas_done")
        status = 400
        if outcome is Gate.VALID:
            done = submit(request, form, lambda d: services.suggestion_portal_submit(
                community=community, title=d["title"], body=d["body"],
                category=d["category"], contact_name=d["contact_name"],
                contact_phone=d["contact_phone"], source=source, proof=proof[0],
                nonce=proof[1]), "", _thanks(request))
            if done:
                return done
        if form.has_error(NON_FIELD_ERRORS, "throttled"):
            status = 429
    return render(request, "portal/civic_idea_new.html", portal_context(
        form=form, stamp=issue_stamp(),
        pow=challenge_for(source, services.portal_ideas_limit)), status=status)


def _thanks(request: HttpRequest) -> Any:
    def go(s: Suggestion) -> HttpResponse:
        request.session[SESSION_KEY] = s.ref
        return private(redirect("portal_idea_status", ref=s.ref, token=s.public_token))
    return go


def _lookup(request: HttpRequest, ref: str, token: str) -> Suggestion | None:
    found = selectors.public_find(ref, token)
    if found is None:
        portal_hit_record(source=source_of(request), kind=PortalHitKind.LOOKUP)
    return found


@require_GET
def idea_lookup(request: HttpRequest) -> HttpResponse:
    bound = "ref" in request.GET or "code" in request.GET
    form = IdeaLookupForm(request.GET if bound else None)
    status = 200
    if bound and form.is_valid():
        if not portal_lookup_allowed(source_of(request)):
            status = 429
            form.add_error(None, LOOKUPS_THROTTLED)
        else:
            found = _lookup(request, form.cleaned_data["ref"].strip().upper(),
                            form.cleaned_data["code"].strip())
            if found is not None:
                return private(redirect("portal_idea_status", ref=found.ref,
                                        token=found.public_token))
            form.add_error(None, NOT_FOUND)
            status = 404
    elif bound:
        status = 400
    return private(render(request, "portal/civic_idea_lookup.html", portal_context(form=form),
                          status=status))


@require_GET
def idea_status(request: HttpRequest, ref: str, token: str) -> HttpResponse:
    if not portal_lookup_allowed(source_of(request)):
        return private(render(request, "portal/not_found.html", portal_context(
            message=LOOKUPS_THROTTLED), status=429))
    found = _lookup(request, ref, token)
    if found is None:
        return private(render(request, "portal/not_found.html", portal_context(
            message=NOT_FOUND, lang_next=reverse("portal_idea_lookup")), status=404))
    new = request.session.pop(SESSION_KEY, None) == found.ref
    path = reverse("portal_idea_status", kwargs={"ref": found.ref, "token": found.public_token})
    return private(render(request, "portal/civic_idea_status.html", portal_context(
        ref=found.ref, code=found.public_token if new else "", new=new,
        status_url=public_url(path), title=found.title,
        category=found.get_category_display(), received=found.received_at,
        status=found.status.name, stage=found.status.stage, reason=found.public_reason,
        supporters=found.supporters, history=selectors.public_history(found),
        merged_into=_public_merged(found), project=_public_project(found))))


def _public_merged(s: Suggestion) -> dict[str, Any] | None:
    """The suggestion it was merged into: its reference and title only (its
    code stays private to whoever sent it)."""
    if s.merged_into_id is None:
        return None
    return {"ref": s.merged_into.ref, "title": s.merged_into.title,
            "status": s.merged_into.status.name}


def project_link(project: Any) -> str:
    """The portal page of a public project (by its reference, as the page's
    address is), or "" for a private one."""
    if project is None or not project.public:
        return ""
    return reverse("portal_project", kwargs={"ref": project.ref})


def _public_project(s: Suggestion) -> dict[str, Any] | None:
    p = s.project
    if p is None:
        return None
    return {"title": p.title, "progress": p.progress, "status": p.get_status_display(),
            "url": project_link(p)}


@require_GET
def ideas_done(request: HttpRequest) -> HttpResponse:
    community = station()
    rows = [{"ref": s.ref, "title": s.title, "category": s.get_category_display(),
             "status": s.status.name, "stage": s.status.stage, "reason": s.public_reason,
             "received": s.received_at, "supporters": s.supporters,
             "project": _public_project(s)}
            for s in selectors.you_said_we_did(community.pk if community else None)]
    return render(request, "portal/civic_ideas_done.html", portal_context(
        rows=rows, lookup=IdeaLookupForm(auto_id="lookup_%s")))
