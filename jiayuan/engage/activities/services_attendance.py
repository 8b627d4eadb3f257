"""Attendance: the roll-call, the door's check-in (idempotent: a tap sent
twice from a phone with a bad connection is one check-in), and the
volunteers who served, whose hours go to the ledger once."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from jiayuan.core import audit
from jiayuan.core.access import require
from jiayuan.core.models import AuditAction, User
from jiayuan.core.roles import Perm
from jiayuan.core.unique import unique_or
from jiayuan.engage.activities.models import ActivitySession, SessionVolunteer, SignUp
from jiayuan.engage.activities.selectors import sessions_for
from jiayuan.engage.choices import HoursSource, SignUpStatus, VolunteerStatus
from jiayuan.engage.volunteers.ledger import hours_credit
from jiayuan.engage.volunteers.models import HoursEntry, Volunteer
from jiayuan.engage.volunteers.selectors import volunteers_for
from jiayuan.registry.services.common import check_not_erased


def _session(actor: User, session_id: int) -> ActivitySession:
    found = sessions_for(actor).select_related("activity").filter(pk=session_id).first()
    if found is None:
        raise ValidationError(_("That session is not one of yours."))
    return found


def _signup(actor: User, session: ActivitySession, signup_id: int | None = None,
            token: str = "") -> SignUp:
    """A sign-up of this very session (a forged id of another is refused)."""
    qs = SignUp.objects.select_for_update().filter(session=session)
    found = qs.filter(pk=signup_id).first() if signup_id else (
        qs.filter(token=token[:32]).first() if token else None)
    if found is None:
        raise ValidationError(_("That sign-up is not one of this session."))
    return found


@audit.audited
def attendance_mark(*, actor: User, session: ActivitySession, signup_id: int | None = None,
                    token: str = "", present: bool = True,
                    at: datetime | None = None) -> SignUp:
    """Mark a confirmed sign-up present (or not, to undo a wrong tap). The
    same mark twice is one: nothing changes and nothing is recorded again.
    `token` is the sign-up's own (its QR on the portal page)."""
    require(actor, Perm.RUN_ACTIVITIES)
    session = _session(actor, session.pk)
    if session.cancelled:
        raise ValidationError(_("This session is cancelled."))
    signup = _signup(actor, session, signup_id, token)
    if present:
        check_not_erased(signup.person)  # an erased person's wrong tap may be undone
    if signup.status == SignUpStatus.CANCELLED:
        raise ValidationError(_("%(name)s cancelled the sign-up.") % {"name": signup.name})
    if signup.status == SignUpStatus.WAITING and present:
        raise ValidationError(_("%(name)s is on the waiting list, without a place.")
                              % {"name": signup.name})
    if (signup.attended_at is not None) == present:
        return signup
    before = audit.snapshot(signup, SignUp.AUDIT_FIELDS)
    signup.attended_at = (at or timezone.now()) if present else None
    signup.save(update_fields=["attended_at"])
    audit.record(AuditAction.UPDATE, actor=actor, obj=signup,
                 changes=audit.diff(before, audit.snapshot(signup, SignUp.AUDIT_FIELDS)))
    return signup


@audit.audited
def session_volunteer_add(*, actor: User, session: ActivitySession,
                          volunteer: Volunteer) -> SessionVolunteer:
    """A volunteer of the community serving at the session."""
    require(actor, Perm.RUN_ACTIVITIES)
    session = _session(actor, session.pk)
    found = volunteers_for(actor).filter(pk=volunteer.pk).first()
    if found is None or found.community_id != session.activity.community_id:
        raise ValidationError({"volunteer": _("That volunteer is not in your area.")})
    check_not_erased(found.person)
    if found.status != VolunteerStatus.ACTIVE:
        raise ValidationError({"volunteer": _("This volunteer is not active.")})
    if SessionVolunteer.objects.filter(session=session, volunteer=found).exists():
        raise ValidationError({"volunteer": _("This volunteer is on the session already.")})
    with unique_or(ValidationError({"volunteer": _("This volunteer is on the session "
                                                   "already.")})):
        row = SessionVolunteer.objects.create(session=session, volunteer=found)
    audit.record(AuditAction.CREATE, actor=actor, obj=row,
                 changes={"volunteer_id": [None, found.pk], "session_id": [None, session.pk]})
    return row


@audit.audited
def session_volunteer_served(*, actor: User, row: SessionVolunteer,
                             hours: Decimal | None = None) -> HoursEntry:
    """Mark the volunteer served and credit the session's hours (or `hours`)
    to the ledger, once: a second call refuses (the ledger's unique
    constraint on volunteer and session holds even under a race)."""
    require(actor, Perm.RUN_ACTIVITIES)
    session = _session(actor, row.session_id)
    locked = SessionVolunteer.objects.select_for_update().select_related("volunteer").get(
        pk=row.pk)
    if session.cancelled:
        raise ValidationError(_("This session is cancelled."))
    now = timezone.now()
    if session.starts_at > now:
        raise ValidationError(_("The session has not started yet."))
    if locked.served or HoursEntry.objects.filter(volunteer_id=locked.volunteer_id,
                                                  session=session).exists():
        raise ValidationError(_("These hours are credited already."))
    amount = hours if hours is not None else locked.hours or session.hours
    with unique_or(ValidationError(_("These hours are credited already."))):
        entry = hours_credit(actor=actor, volunteer=locked.volunteer,
                             on=timezone.localtime(session.starts_at).date(),
                             hours=amount, source=HoursSource.ACTIVITY, session=session,
                             note=session.activity.title[:200])
    locked.served, locked.hours = True, amount
    locked.save(update_fields=["served", "hours"])
    audit.record(AuditAction.UPDATE, actor=actor, obj=locked,
                 changes={"served": [False, True], "hours": [None, str(amount)]})
    return entry
