"""Volunteers on the public portal (/portal/engage/volunteers/): the
volunteer's own hours page through their personal link (no login), this
year's star volunteers, and the verify page a certificate's QR code opens.

Nobody is named publicly without their recorded consent. An unknown, renewed
or left volunteer's link and an unknown certificate answer the same 404
page; wrong tokens count against the address as the desk's lookups do."""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from jiayuan.core.views import submit
from jiayuan.desk.choices import PortalHitKind
from jiayuan.desk.portal.common import portal_context, private, source_of, station
from jiayuan.desk.services import portal_hit_record, portal_lookup_allowed, portal_throttled
from jiayuan.engage.volunteers import selectors, services_hours
from jiayuan.engage.volunteers.forms import ClaimForm

LINK_GONE = _("This link does not work (any more). If you are a volunteer, ask the station "
              "for your current personal link.")
CERT_UNKNOWN = _("No certificate matches this code. Check that the whole address was "
                 "scanned, or call the station.")


def _gone(request: HttpRequest, message: object) -> HttpResponse:
    source = source_of(request)
    portal_hit_record(source=source, kind=PortalHitKind.LOOKUP)
    return private(render(request, "portal/not_found.html",
                          portal_context(message=message), status=404))


def _throttled(request: HttpRequest) -> HttpResponse | None:
    if portal_lookup_allowed(source_of(request)):
        return None
    return private(render(request, "portal/not_found.html", portal_context(
        message=portal_throttled().messages[0]), status=429))


@require_http_methods(["GET", "POST"])
def volunteer_hours(request: HttpRequest, token: str) -> HttpResponse:
    """The volunteer's year and their reports; a form to report hours, which
    wait for the station's approval."""
    stop = _throttled(request)
    if stop:
        return stop
    v = selectors.volunteer_by_token(token)
    if v is None:
        return _gone(request, LINK_GONE)
    form = ClaimForm(request.POST or None)
    done = submit(request, form, lambda d: services_hours.claim_submit_by_link(
        volunteer=v, on=d["on"], hours=d["hours"], what=d["what"]),
        _("Thank you: your hours wait for the station's approval."),
        lambda _c: private(redirect("portal_volunteer_hours", token=token)))
    if done:
        return done
    status = 200
    if form.is_bound:
        status = 429 if form.has_error(NON_FIELD_ERRORS) and v.claims.filter(
            status="pending").count() >= services_hours.MAX_PENDING_CLAIMS else 400
    year = timezone.localdate().year
    hours = selectors.hours_total(v, year)
    return private(render(request, "portal/engage_volunteer_hours.html", portal_context(
        name=selectors.display_name(v), year=year, hours=hours,
        tier=selectors.tier_label(selectors.tier_for(hours)), form=form,
        claims=list(v.claims.all()[:30]), entries=list(selectors.entries_of(v, year)[:30])),
        status=status))


@require_GET
def stars(request: HttpRequest) -> HttpResponse:
    """This year's top volunteers by hours: only those who agreed to be shown."""
    community = station()
    year = timezone.localdate().year
    rows = []
    if community is not None:
        rows = [{"name": selectors.display_name(v), "hours": v.year_hours,  # type: ignore[attr-defined]
                 "tier": selectors.tier_label(selectors.tier_for(v.year_hours))}  # type: ignore[attr-defined]
                for v in selectors.stars(community.pk, year)]
    return render(request, "portal/engage_stars.html", portal_context(rows=rows, year=year))


@require_GET
def certificate(request: HttpRequest, token: str) -> HttpResponse:
    stop = _throttled(request)
    if stop:
        return stop
    cert = selectors.certificate_by_token(token)
    if cert is None:
        return _gone(request, CERT_UNKNOWN)
    return private(render(request, "portal/engage_certificate.html", portal_context(
        name=selectors.public_name(cert.volunteer), year=cert.year, hours=cert.hours,
        tier=selectors.tier_label(cert.tier), valid=cert.revoked_at is None,
        issued=cert.issued_at)))
