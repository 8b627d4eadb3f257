"""Hours reported by volunteers (claims) and their approval, and the year's
certificates. Every hour on the ledger goes through ledger.hours_credit;
every correction through ledger.hours_reverse.

A claim from the personal link has no account behind it: the link is the
volunteer's, so the audit entry names no actor. A link holds at most
MAX_PENDING_CLAIMS claims waiting, so a lost phone cannot flood the queue."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from jiayuan.core import audit
from jiayuan.core.access import require
from jiayuan.core.models import AuditAction, User
from jiayuan.core.roles import Perm
from jiayuan.engage.choices import ClaimStatus, HoursSource, VolunteerStatus
from jiayuan.engage.volunteers.ledger import MAX_HOURS_A_DAY, check_hours, hours_credit
from jiayuan.engage.volunteers.models import Certificate, HoursClaim, Volunteer
from jiayuan.engage.volunteers.selectors import hours_total, tier_for, volunteers_for
from jiayuan.registry.services.common import check_not_erased

MAX_PENDING_CLAIMS = 20


def _hours(value: Any) -> Decimal:
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationError({"hours": _("Give the hours as a number, e.g. 2.5.")}) from None
    if not hours.is_finite() or hours <= 0:
        raise ValidationError({"hours": _("Give the hours served (more than 0).")})
    if hours > MAX_HOURS_A_DAY:
        raise ValidationError({"hours": _("No more than 24 hours in a day.")})
    return hours


def _check_claim(volunteer: Volunteer, on: date, hours: Decimal, what: str,
                 today: date | None) -> str:
    """A claim's own checks, counting the claims still waiting for the day
    as well as the ledger."""
    what = (what or "").strip()
    if not what:
        raise ValidationError({"what": _("Say what you did.")})
    if volunteer.status == VolunteerStatus.LEFT:
        raise ValidationError(_("This volunteer has left: their hours are closed."))
    check_not_erased(volunteer.person)
    waiting = HoursClaim.objects.filter(volunteer=volunteer, on=on,
                                        status=ClaimStatus.PENDING).aggregate(
        s=Sum("hours"))["s"] or Decimal("0")
    check_hours(volunteer, on, hours + waiting, today=today)
    if HoursClaim.objects.filter(volunteer=volunteer,
                                 status=ClaimStatus.PENDING).count() >= MAX_PENDING_CLAIMS:
        raise ValidationError(_("%(n)s reports are already waiting for approval: please wait "
                                "until the station has looked at them.")
                              % {"n": MAX_PENDING_CLAIMS})
    return what[:200]


def _created(actor: User | None, c: HoursClaim) -> HoursClaim:
    # Without an account the volunteer reported through their personal link
    # on the portal: the entry names the portal.
    audit.record(AuditAction.CREATE, actor=actor, obj=c, username="" if actor else "portal",
                 changes=audit.created(audit.snapshot(c, HoursClaim.AUDIT_FIELDS)))
    return c


@audit.audited
def claim_submit_by_link(*, volunteer: Volunteer, on: date, hours: Any, what: str,
                         today: date | None = None) -> HoursClaim:
    """Hours the volunteer reports on their phone through their personal
    link (the caller found `volunteer` by the link's token)."""
    amount = _hours(hours)
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    text = _check_claim(volunteer, on, amount, what, today)
    return _created(None, HoursClaim.objects.create(volunteer=volunteer, on=on, hours=amount,
                                                    what=text))


@audit.audited
def claim_create(*, actor: User, volunteer: Volunteer, on: date, hours: Any,
                 what: str, today: date | None = None) -> HoursClaim:
    """Hours a colleague who runs activities reports for a volunteer: waiting
    for approval like the volunteer's own. Readers (auditors) report nothing."""
    require(actor, Perm.RUN_ACTIVITIES)
    if not volunteers_for(actor).filter(pk=volunteer.pk).exists():
        raise Http404
    amount = _hours(hours)
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    text = _check_claim(volunteer, on, amount, what, today)
    return _created(actor, HoursClaim.objects.create(volunteer=volunteer, on=on, hours=amount,
                                                     what=text))


def _pending(actor: User, claim: HoursClaim) -> HoursClaim:
    require(actor, Perm.MANAGE_VOLUNTEERS)
    if not volunteers_for(actor).filter(pk=claim.volunteer_id).exists():
        raise Http404
    locked = HoursClaim.objects.select_for_update().select_related("volunteer").get(
        pk=claim.pk)
    if locked.status != ClaimStatus.PENDING:
        raise ValidationError(_("This report was decided already (%(status)s).")
                              % {"status": locked.get_status_display()})
    return locked


@audit.audited
def claim_approve(*, actor: User, claim: HoursClaim, now: Any = None) -> HoursClaim:
    """Approve: the hours go on the ledger (source SELF, naming the claim)."""
    c = _pending(actor, claim)
    hours_credit(actor=actor, volunteer=c.volunteer, on=c.on, hours=c.hours,
                 source=HoursSource.SELF, note=c.what, claim=c,
                 today=timezone.localtime(now).date() if now else None)
    c.status, c.decided_by, c.decided_at = ClaimStatus.APPROVED, actor, now or timezone.now()
    c.save(update_fields=["status", "decided_by", "decided_at"])
    audit.record(AuditAction.UPDATE, actor=actor, obj=c,
                 changes={"status": [ClaimStatus.PENDING, ClaimStatus.APPROVED]})
    return c


@audit.audited
def claim_reject(*, actor: User, claim: HoursClaim, reason: str, now: Any = None) -> HoursClaim:
    """Not approved, with a reason the volunteer reads on their link's page."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the hours are not approved.")})
    c = _pending(actor, claim)
    c.status, c.decided_by, c.decided_at = ClaimStatus.REJECTED, actor, now or timezone.now()
    c.reason = reason[:200]
    c.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    audit.record(AuditAction.UPDATE, actor=actor, obj=c, changes={
        "status": [ClaimStatus.PENDING, ClaimStatus.REJECTED], "reason": ["", c.reason]})
    return c


@audit.audited
def certificate_issue(*, actor: User, volunteer: Volunteer, year: int,
                      today: date | None = None) -> Certificate:
    """The year's certificate with the ledger's hours and the tier they earn.
    A year that has begun; hours to show; one valid certificate a year
    (revoke it to issue a corrected one)."""
    require(actor, Perm.MANAGE_VOLUNTEERS)
    if not volunteers_for(actor).filter(pk=volunteer.pk).exists():
        raise Http404
    check_not_erased(volunteer.person)
    today = today or timezone.localdate()
    if not 2000 <= year <= today.year:
        raise ValidationError({"year": _("Choose a year that has begun.")})
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    if volunteer.certificates.filter(year=year, revoked_at__isnull=True).exists():
        raise ValidationError({"year": _("A certificate for %(year)s is issued already: "
                                         "revoke it first to issue a new one.")
                               % {"year": year}})
    hours = hours_total(volunteer, year)
    if hours <= 0:
        raise ValidationError({"year": _("No hours in %(year)s.") % {"year": year}})
    cert = Certificate.objects.create(volunteer=volunteer, year=year, hours=hours,
                                      tier=tier_for(hours), issued_by=actor)
    audit.record(AuditAction.CREATE, actor=actor, obj=cert,
                 changes=audit.created(audit.snapshot(cert, Certificate.AUDIT_FIELDS)))
    return cert


@audit.audited
def certificate_revoke(*, actor: User, certificate: Certificate,
                       now: Any = None) -> Certificate:
    """Its verify page says "revoked" from now on."""
    require(actor, Perm.MANAGE_VOLUNTEERS)
    if not volunteers_for(actor).filter(pk=certificate.volunteer_id).exists():
        raise Http404
    cert = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if cert.revoked_at is not None:
        raise ValidationError(_("This certificate was revoked already."))
    cert.revoked_at = now or timezone.now()
    cert.save(update_fields=["revoked_at"])
    audit.record(AuditAction.UPDATE, actor=actor, obj=cert,
                 changes={"revoked_at": [None, cert.revoked_at]})
    return cert
