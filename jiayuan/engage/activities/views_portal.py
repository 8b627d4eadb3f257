"""Activities on the public portal (/portal/engage/activities/): the
published activities with sessions to come, signing up (several names, one
phone; confirmed or on the waiting list), and each sign-up's own page by its
token: its status, its QR code for the door, and cancelling it.

Nothing personal is shown beyond the sign-up's own name; an unknown token is
the same 404 as any other, and failed lookups count against the address."""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from jiayuan.core.views import apply_service_errors
from jiayuan.desk.choices import PortalHitKind
from jiayuan.desk.portal.common import (
    Gate,
    challenge_for,
    gate,
    portal_context,
    private,
    proof_of,
    source_of,
)
from jiayuan.desk.portal.forms import issue_stamp
from jiayuan.desk.services import portal_hit_record, portal_lookup_allowed
from jiayuan.engage.activities import selectors, services
from jiayuan.engage.activities.forms import PortalSignUpForm
from jiayuan.engage.activities.views import qr_svg

SESSION_KEY = "portal_new_signups"


@require_GET
def activity_list(request: HttpRequest) -> HttpResponse:
    activities = list(selectors.public_activities())
    return render(request, "portal/engage_activity_list.html", portal_context(
        activities=[(a, selectors.public_sessions(a)) for a in activities]))


@require_http_methods(["GET", "POST"])
def activity(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.public_activity(pk)
    sessions = selectors.public_sessions(found)
    form = PortalSignUpForm(request.POST or None)
    status = 200
    source = source_of(request)
    if request.method == "POST":
        proof = proof_of(request)
        outcome = gate(form, source, allowed=services.portal_signups_limit, proof=proof)
        if outcome is Gate.SPAM:
            return redirect("portal_activity_list")
        status = 429 if outcome is Gate.THROTTLED else 400
        if outcome is Gate.VALID:
            session = next((s for s in sessions if s.pk == form.cleaned_data["session"]), None)
            try:
                if session is None:
                    raise ValidationError(_("Choose one of this activity's sessions."))
                made = services.signup_portal(
                    session=session, names=form.cleaned_data["names"],
                    phone=form.cleaned_data["phone"],
                    photo_consent=form.cleaned_data["photo_consent"], source=source,
                    proof=proof[0], nonce=proof[1])
            except ValidationError as exc:
                apply_service_errors(form, exc)
                status = 429 if form.has_error(NON_FIELD_ERRORS, "throttled") else 400
            else:
                request.session[SESSION_KEY] = [s.token for s in made]
                return private(redirect("portal_signup_status", token=made[0].token))
    return render(request, "portal/engage_activity.html", portal_context(
        a=found, sessions=sessions, form=form, stamp=issue_stamp(),
        pow=challenge_for(source, services.portal_signups_limit),
        chosen=str(form.data.get("session", "")) if form.is_bound else ""), status=status)


def _not_found(request: HttpRequest, status: int = 404) -> HttpResponse:
    message = (_("No sign-up matches this link. Check it, or call the station.")
               if status == 404 else
               _("Too many wrong links have been tried from here in the last hour. Please "
                 "try again later, or call the station."))
    return private(render(request, "portal/not_found.html", portal_context(message=message),
                          status=status))


@require_http_methods(["GET", "POST"])
def signup_status(request: HttpRequest, token: str) -> HttpResponse:
    source = source_of(request)
    if not portal_lookup_allowed(source):
        return _not_found(request, 429)
    found = selectors.public_signup(token)
    if found is None:
        portal_hit_record(source=source, kind=PortalHitKind.LOOKUP)
        return _not_found(request)
    error = ""
    if request.method == "POST":
        try:
            services.signup_cancel(actor=None, signup=found)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            return private(redirect("portal_signup_status", token=found.token))
    others = []
    new = request.session.get(SESSION_KEY) or []
    if found.token in new:
        others = [s for s in (selectors.public_signup(t) for t in new if t != found.token) if s]
    return private(render(request, "portal/engage_activity_signup.html", portal_context(
        s=found, session=found.session, a=found.session.activity, qr=qr_svg(found.token),
        position=selectors.waiting_position(found), others=others, error=error),
        status=400 if error else 200))
