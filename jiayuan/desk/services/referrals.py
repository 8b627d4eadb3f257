"""Referrals: a case sent to a department with the requester's consent, and
the department's acknowledgement and answer through its signed link."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jiayuan.core import audit
from jiayuan.core.access import require
from jiayuan.core.models import AuditAction, User
from jiayuan.core.roles import Perm
from jiayuan.core.scheduler import ACTOR
from jiayuan.desk import signals, timeline, workflow
from jiayuan.desk.choices import EventKind, ReferralStatus, Status
from jiayuan.desk.models import Case, Department, Referral
from jiayuan.desk.services._common import _check, _claim, _event
from jiayuan.registry import services as registry_services
from jiayuan.registry.models import Consent


def referral_consent(case: Case, department: Department, *,
                     lock: bool = False) -> Consent | None:
    """The person's current consent to share with this department, or None.
    A referral consent names its department (a foreign key), so no spelling
    of the name can miss it. `lock`: every such consent's row is locked (to
    the commit) and only one still given once locked is returned: a
    withdrawal running meanwhile is waited for (PostgreSQL checks the
    condition again on the row it waited for)."""
    if case.person_id is None:
        return None
    consents = (Consent.objects.filter(person_id=case.person_id, purpose="referral",
                                       status="given", department=department)
                .order_by("-recorded_on", "-id"))
    if not lock:
        return consents.first()
    # All of them, not LIMIT 1: a locked row that no longer matches is
    # dropped, and the next one must still be found.
    return next((c for c in consents.select_for_update(of=("self",))
                 if c.status == "given"), None)


def referral_consents(case: Case) -> dict[int, Consent]:
    """Department pk -> the person's current consent to share with it (one query)."""
    if case.person_id is None:
        return {}
    found: dict[int, Consent] = {}
    for consent in (Consent.objects.filter(person_id=case.person_id, purpose="referral",
                                           status="given", department__isnull=False)
                    .order_by("-recorded_on", "-id")):
        if consent.department_id is not None:  # always, by the filter
            found.setdefault(consent.department_id, consent)
    return found


@audit.audited
def referral_create(*, actor: User, case: Case, department: Department, message: str,
                    version: int, share_contact: bool = True,
                    override_reason: str = "") -> Referral:
    """Send a case to a department. Only with the requester's consent to share
    with that department, or a station head's override with a reason."""
    _check(actor, case, Perm.REFER)
    # The consent's row before the case's, as a withdrawal takes them (the
    # consent, then its referrals and their cases): a withdrawal running now
    # is waited for, and one that comes later finds this referral to withdraw.
    consent = referral_consent(case, department, lock=True)
    case = _claim(case, version)
    if not case.is_open:
        raise ValidationError(_("Only an open case can be referred."))
    if not department.active:
        raise ValidationError({"department": _("This department is no longer in use.")})
    if not message.strip():
        raise ValidationError({"message": _("Say what the station asks the department to do.")})
    override_reason = override_reason.strip()
    if consent is None:
        if not override_reason:
            # The code rides on the field's error (a dict's own code is dropped):
            # the form offers to record the consent from this refusal.
            raise ValidationError({"department": ValidationError(_(
                "%(name)s has not consented to sharing with %(dept)s. Record the consent "
                "on their page first; only a station head may refer without it, giving "
                "a reason.") % {"name": case.requester_name or _("The requester"),
                                "dept": department.name}, code="no_consent")})
        require(actor, Perm.OVERRIDE_CONSENT)
    now = timezone.now()
    referral = Referral.objects.create(
        case=case, department=department, consent=consent,
        override_reason="" if consent else override_reason, message=message.strip(),
        share_contact=share_contact, sent_by=actor, sent_at=now,
        expires_at=now + timedelta(days=settings.DESK_REFERRAL_LINK_DAYS))
    _event(case, EventKind.REFERRAL, actor, public=True, code="referred",
           params={"dept": timeline.names(department)})
    if workflow.can(case.status, "wait_department"):
        workflow.apply(case, "wait_department", actor=actor, at=now)
    audit.record(AuditAction.CREATE, actor=actor, obj=referral, changes={
        "case": case.ref, "department": department.code,
        "consent_id": consent.pk if consent else None,
        "override_reason": "" if consent else override_reason,
        "share_contact": share_contact})
    return referral


@audit.audited
def referral_create_with_consent(*, actor: User, case: Case, department: Department,
                                 message: str, version: int, evidence: str,
                                 share_contact: bool = True, today: date | None = None
                                 ) -> Referral:
    """The refusal's one step: record the requester's consent to share with this
    department (as their person page would, with its evidence), then refer.
    Both or neither."""
    person = case.person
    if person is None:
        raise ValidationError({"department": _(
            "The requester is not matched to the registry, so no consent can be recorded. "
            "Match the request to the resident first.")})
    if not evidence.strip():
        raise ValidationError({"evidence": _(
            "Say how the resident consented (e.g. signed form no. 2026-041, or verbally "
            "at the desk with a witness).")})
    registry_services.consent_record(
        actor=actor, person=person, purpose="referral", department=department,
        recorded_on=today or timezone.localdate(), evidence=evidence.strip())
    return referral_create(actor=actor, case=case, department=department, message=message,
                           version=version, share_contact=share_contact)


REPLY_SALT = "jiayuan.desk.referral-reply"


class ReplyLinkError(Exception):
    """A reply link that cannot be used, with the message to show. `code` is
    "invalid" (never valid: 404) or "expired", "withdrawn", "answered" (a real
    link that is spent: 410)."""

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.code = code


def referral_token(referral: Referral) -> str:
    return signing.dumps({"r": referral.pk, "n": referral.nonce}, salt=REPLY_SALT,
                         compress=True)


def referral_from_token(token: str, *, for_update: bool = False) -> Referral:
    """The referral a reply link opens, or ReplyLinkError saying why not."""
    max_age = timedelta(days=settings.DESK_REFERRAL_LINK_DAYS)
    try:
        data = signing.loads(token, salt=REPLY_SALT, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise ReplyLinkError(_("This link has expired. Please ask the station for a new "
                               "one."), "expired") from exc
    except signing.BadSignature as exc:
        raise ReplyLinkError(_("This link is not valid: it may have been copied "
                               "incompletely. Please use the link exactly as sent.")) from exc
    qs = Referral.objects.select_related("case", "department", "case__item",
                                         "case__person")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    referral = qs.filter(pk=data.get("r"), nonce=data.get("n")).first()
    if referral is None:
        raise ReplyLinkError(_("This link is not valid: it may have been copied "
                               "incompletely. Please use the link exactly as sent."))
    if referral.status == ReferralStatus.WITHDRAWN:
        raise ReplyLinkError(_("The station has withdrawn this referral; nothing more is "
                               "needed."), "withdrawn")
    if referral.expires_at < timezone.now():
        raise ReplyLinkError(_("This link has expired. Please ask the station for a new "
                               "one."), "expired")
    return referral


def _department_name(referral: Referral, name: str) -> str:
    """The author as plain text, in the station's language (for a reader of the
    raw row); pages render the entry's params["by"] in the reader's language."""
    with translation.override(settings.LANGUAGE_CODE):
        dept = str(referral.department.name)
    return f"{dept} · {name.strip()}" if name.strip() else dept


@audit.audited
def referral_acknowledge(*, token: str, name: str) -> Referral:
    referral = referral_from_token(token, for_update=True)
    if not name.strip():
        raise ValidationError({"name": _("Give your name, so the station can call back.")})
    if referral.status != ReferralStatus.SENT:
        return referral  # acknowledging twice changes nothing
    referral.status, referral.acknowledged_at = ReferralStatus.ACKNOWLEDGED, timezone.now()
    referral.save(update_fields=["status", "acknowledged_at"])
    _event(referral.case, EventKind.REPLY, actor_name=_department_name(referral, name),
           code="dept_acknowledged", public=True,
           params={"by": timeline.department_by(referral.department, name)})
    audit.record(AuditAction.UPDATE, obj=referral, username=f"dept:{referral.department.code}",
                 changes={"status": [ReferralStatus.SENT, ReferralStatus.ACKNOWLEDGED]})
    return referral


@audit.audited
def referral_answer(*, token: str, name: str, answer: str) -> Referral:
    """The department's answer, through its link: lands on the case timeline and
    hands the case back to the station. Until the station resolves the case the
    department may correct it (`referral_answer_correctable`): each version stays
    on the timeline, the referral holds the latest."""
    referral = referral_from_token(token, for_update=True)
    if referral.status == ReferralStatus.ANSWERED:
        return _answer_correct(referral, name=name, answer=answer)
    if not answer.strip():
        raise ValidationError({"answer": _("Write the department's answer.")})
    if not name.strip():
        raise ValidationError({"name": _("Give your name, so the station can call back.")})
    now = timezone.now()
    old = referral.status
    referral.status, referral.answered_at = ReferralStatus.ANSWERED, now
    referral.acknowledged_at = referral.acknowledged_at or now
    referral.answer, referral.answered_by = answer.strip(), name.strip()[:100]
    referral.save(update_fields=["status", "answered_at", "acknowledged_at", "answer",
                                 "answered_by"])
    case = Case.objects.select_for_update().get(pk=referral.case_id)
    _event(case, EventKind.REPLY, actor_name=_department_name(referral, name),
           text=answer.strip(),
           params={"by": timeline.department_by(referral.department, name)})
    still_waiting = Referral.objects.filter(case=case, status__in=(
        ReferralStatus.SENT, ReferralStatus.ACKNOWLEDGED)).exists()
    if case.status == Status.WAITING_DEPARTMENT and not still_waiting:
        case = _claim(case, None)
        workflow.apply(case, "resume", actor_name=_department_name(referral, name),
                       code="dept_answered",
                       params={"by": timeline.department_by(referral.department, name)})
    audit.record(AuditAction.UPDATE, obj=referral, username=f"dept:{referral.department.code}",
                 changes={"status": [old, ReferralStatus.ANSWERED]})
    signals.referral_answered.send(sender=Referral, referral=referral, case=case)
    return referral


def referral_answer_correctable(referral: Referral) -> bool:
    """An answered referral's answer may be corrected while its case is open."""
    return referral.status == ReferralStatus.ANSWERED and referral.case.is_open


def _answer_correct(referral: Referral, *, name: str, answer: str) -> Referral:
    case = Case.objects.select_for_update().get(pk=referral.case_id)
    if not case.is_open:
        raise ReplyLinkError(_("This referral has already been answered. Thank you; to add "
                               "anything, please call the station."), "answered")
    if not answer.strip():
        raise ValidationError({"answer": _("Write the department's answer.")})
    if not name.strip():
        raise ValidationError({"name": _("Give your name, so the station can call back.")})
    if answer.strip() == referral.answer:
        raise ValidationError({"answer": _("This is the answer the station already has: "
                                           "change it, or close the page.")})
    # answered_at stays the first answer's time: response times count from it.
    referral.answer, referral.answered_by = answer.strip(), name.strip()[:100]
    referral.save(update_fields=["answer", "answered_by"])
    _event(case, EventKind.REPLY, actor_name=_department_name(referral, name),
           code="dept_answer_corrected", params={
               "answer": answer.strip(), "by": timeline.department_by(referral.department, name)})
    audit.record(AuditAction.UPDATE, obj=referral, username=f"dept:{referral.department.code}",
                 changes={"answer": "corrected"})
    return referral


@audit.audited
def referral_withdraw(*, actor: User, referral: Referral, reason: str) -> Referral:
    _check(actor, referral.case, Perm.REFER)
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if referral.status in (ReferralStatus.ANSWERED, ReferralStatus.WITHDRAWN):
        raise ValidationError(_("This referral is already %(status)s.")
                              % {"status": referral.get_status_display()})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why, in a sentence.")})
    old = referral.status
    referral.status = ReferralStatus.WITHDRAWN
    referral.save(update_fields=["status"])
    case = Case.objects.select_for_update().get(pk=referral.case_id)
    _event(case, EventKind.REFERRAL, actor,
           code="referral_withdrawn", params={
               "dept": timeline.names(referral.department), "reason": reason.strip()})
    if case.status == Status.WAITING_DEPARTMENT and not Referral.objects.filter(
            case=case, status__in=(ReferralStatus.SENT, ReferralStatus.ACKNOWLEDGED)).exists():
        case = _claim(case, None)
        workflow.apply(case, "resume", actor=actor, code="no_department_left")
    audit.record(AuditAction.UPDATE, actor=actor, obj=referral,
                 changes={"status": [old, ReferralStatus.WITHDRAWN], "reason": reason})
    return referral




@audit.audited
def referrals_withdraw_for_consent(*, actor: User | None, consent: Consent) -> list[Referral]:
    """The resident withdrew the consent these referrals were sent under: each
    one still open (sent or acknowledged) is withdrawn, so its reply link says so
    (`referral_from_token`), with an event on its case and an audit entry. The
    consent's withdrawal is the authority (whoever may withdraw a consent stops
    what relied on it); referrals sent on a head's override, or under another
    consent, are left alone. An answered referral stays answered: it is history.
    `actor` None is the system (retention's erasure): events without an actor,
    audit entries as the scheduler's (scheduler.ACTOR)."""
    withdrawn = []
    for referral in (Referral.objects.select_for_update(of=("self",))
                     .select_related("department")
                     .filter(consent=consent, status__in=(ReferralStatus.SENT,
                                                          ReferralStatus.ACKNOWLEDGED))
                     .order_by("pk")):
        old = referral.status
        referral.status = ReferralStatus.WITHDRAWN
        referral.save(update_fields=["status"])
        case = Case.objects.select_for_update().get(pk=referral.case_id)
        _event(case, EventKind.REFERRAL, actor, code="referral_consent_withdrawn",
               params={"dept": timeline.names(referral.department)})
        if case.status == Status.WAITING_DEPARTMENT and not Referral.objects.filter(
                case=case, status__in=(ReferralStatus.SENT,
                                       ReferralStatus.ACKNOWLEDGED)).exists():
            case = _claim(case, None)
            workflow.apply(case, "resume", actor=actor, code="no_department_left")
        audit.record(AuditAction.UPDATE, actor=actor, username=ACTOR, obj=referral,
                     changes={"status": [old, ReferralStatus.WITHDRAWN],
                              "reason": "consent withdrawn", "consent_id": consent.pk})
        withdrawn.append(referral)
    return withdrawn
