"""Writing a meeting's decisions: who answers for each, by when, and what
carries it out — a desk case (a new one, channel "meeting", or one the actor
can see), an improvement project (a new one, source "decision", or one of the
actor's), or a referral of a case the actor can see. Linked both ways: the
case's and the project's pages list the decisions they carry out."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from jiayuan.civic.choices import Category, DecisionStatus, MeetingStatus, ProjectSource
from jiayuan.civic.meetings.models import AgendaItem, Decision, Meeting
from jiayuan.civic.meetings.selectors import owner_choices, quorum_of
from jiayuan.civic.meetings.services import hold, visible
from jiayuan.civic.projects.models import Project
from jiayuan.civic.projects.selectors import projects_for
from jiayuan.civic.projects.services import project_create
from jiayuan.core import audit
from jiayuan.core.access import require
from jiayuan.core.models import AuditAction, User
from jiayuan.core.roles import Perm
from jiayuan.core.scope import in_scope
from jiayuan.core.versioning import claim
from jiayuan.desk.models import Case, Referral, ServiceItem
from jiayuan.desk.selectors import can_see
from jiayuan.desk.services import case_create
from jiayuan.registry.models import Person

#: Which statuses a decision may move to from each.
DECISION_MOVES: dict[str, frozenset[str]] = {
    DecisionStatus.OPEN: frozenset({DecisionStatus.DONE, DecisionStatus.DROPPED}),
    DecisionStatus.DONE: frozenset({DecisionStatus.OPEN}),
    DecisionStatus.DROPPED: frozenset({DecisionStatus.OPEN}),
}


def check_owner(actor: User, meeting: Meeting, owner: User,
                keep: tuple[User, ...] = ()) -> None:
    if owner.community_id != meeting.community_id or not owner_choices(
            actor, keep).filter(pk=owner.pk).exists():
        raise ValidationError({"owner": _(
            "%(name)s cannot answer for this decision: choose an active colleague of the "
            "community.") % {"name": owner.display_name}})


def check_carrier(actor: User, *, case: Case | None, project: Project | None,
                  referral: Referral | None, new_case_item: ServiceItem | None,
                  new_project_category: str) -> None:
    """At most one carrier, each one the actor may see (or create)."""
    given = [x for x in (case, project, referral, new_case_item, new_project_category or None)
             if x is not None]
    if len(given) > 1:
        raise ValidationError(_("Choose one thing that carries the decision out: a request, "
                                "a project or a referral."))
    if case is not None and not can_see(actor, case):
        raise ValidationError({"case": _("Request %(ref)s is not one you can see: link a "
                                         "request in your area.") % {"ref": case.ref}})
    if referral is not None and not can_see(actor, referral.case):
        raise ValidationError({"referral": _("That referral's request is not one you can "
                                             "see.")})
    if project is not None and not projects_for(actor).filter(pk=project.pk).exists():
        raise ValidationError({"project": _("Project %(ref)s is not one of yours.")
                               % {"ref": project.ref}})
    if new_case_item is not None and not actor.has(Perm.WORK_CASES):
        raise ValidationError({"new_case_item": _("You do not open service-desk requests: "
                                                  "ask a colleague who does.")})
    if new_project_category:
        if not actor.has(Perm.MANAGE_PROJECTS):
            raise ValidationError({"new_project_category": _(
                "You do not manage projects: ask a colleague who does.")})
        if new_project_category not in Category.values:
            raise ValidationError({"new_project_category": _("Choose a category.")})


@audit.audited
def decision_add(*, actor: User, meeting: Meeting, text: str, owner: User, due: date,
                 agenda_item: AgendaItem | None = None, case: Case | None = None,
                 project: Project | None = None, referral: Referral | None = None,
                 new_case_item: ServiceItem | None = None,
                 new_project_category: str = "", requester: Person | None = None,
                 at: datetime | None = None) -> Decision:
    """Record a decision. `new_case_item` opens a desk request for it (channel
    "meeting", owned by the decision's owner); `new_project_category` starts
    an improvement project (source "decision", due as its planned end). The
    new request is filed for `requester` (a resident who raised it, in the
    actor's grids), else in the meeting's name. A
    meeting of a kind with a quorum decides only with the quorum present."""
    require(actor, Perm.RUN_MEETINGS)
    visible(actor, meeting)
    # The meeting first (its status re-read): the quorum is counted, and the
    # decision numbered, while no mark or removal changes the roll.
    hold(meeting)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("The meeting was cancelled."))
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write the decision.")})
    check_owner(actor, meeting, owner)
    held_on = timezone.localtime(meeting.starts_at).date()
    if due < held_on:
        raise ValidationError({"due": _("The due date is before the meeting.")})
    if agenda_item is not None and agenda_item.meeting_id != meeting.pk:
        raise ValidationError({"agenda_item": _("That agenda item is another meeting's.")})
    check_carrier(actor, case=case, project=project, referral=referral,
                  new_case_item=new_case_item, new_project_category=new_project_category)
    if requester is not None and not in_scope(actor, requester.grid_id):
        raise ValidationError({"requester": _("Resident %(p)s is not in your grids.")
                               % {"p": requester.name}})
    quorum = quorum_of(meeting)
    if not quorum.reached:
        raise ValidationError(_("No quorum: %(present)s residents present, %(needed)s "
                                "needed. Mark the attendance first.") % {
            "present": quorum.present, "needed": quorum.needed})
    last = meeting.decisions.order_by("-number").values_list("number", flat=True).first()
    number = (last or 0) + 1
    if new_case_item is not None:
        case = case_create(actor=actor, item=new_case_item, channel="meeting",
                           summary=text[:200], details=_("Decision %(n)s of %(ref)s: %(t)s")
                           % {"n": number, "ref": meeting.ref, "t": meeting.title},
                           person=requester,
                           caller_name="" if requester else meeting.title[:60], owner=owner,
                           opened_at=at)
    if new_project_category:
        project = project_create(
            actor=actor, community=meeting.community, title=text[:120],
            category=new_project_category, source=ProjectSource.DECISION, owner=owner,
            starts_on=held_on, ends_on=due, grids=[meeting.grid] if meeting.grid is not None else [],
            description=_("Decided at %(ref)s (%(title)s).") % {"ref": meeting.ref,
                                                                "title": meeting.title})
    decision = Decision.objects.create(
        meeting=meeting, number=number, agenda_item=agenda_item, text=text, owner=owner,
        due=due, case=case, project=project, referral=referral, created_by=actor,
        created_at=at or timezone.now())
    audit.record(AuditAction.CREATE, actor=actor, obj=decision,
                 changes=audit.created(audit.snapshot(decision, Decision.AUDIT_FIELDS)))
    return decision


@audit.audited
def decision_set_status(*, actor: User, decision: Decision, status: str,
                        version: int | None, done_on: date | None = None) -> Decision:
    """Carried out (on `done_on`, today if not given), dropped, or open again."""
    require(actor, Perm.RUN_MEETINGS)
    visible(actor, decision.meeting)
    if status not in DecisionStatus.values:
        raise ValidationError({"status": _("Choose a status.")})
    if status not in DECISION_MOVES[decision.status]:
        raise ValidationError({"status": _("The decision is already %(status)s.")
                               % {"status": decision.get_status_display()}})
    done_on = done_on or timezone.localdate()
    if status == DecisionStatus.DONE and done_on > timezone.localdate():
        raise ValidationError({"done_on": _("The date is in the future.")})
    locked = claim(decision, version, _("decision %(n)s of %(ref)s") % {
        "n": decision.number, "ref": decision.meeting.ref})
    before = audit.snapshot(locked, Decision.AUDIT_FIELDS)
    decision.status = status
    decision.done_on = done_on if status == DecisionStatus.DONE else None
    decision.save(update_fields=["status", "done_on"])
    audit.record(AuditAction.UPDATE, actor=actor, obj=decision,
                 changes=audit.diff(before, audit.snapshot(decision, Decision.AUDIT_FIELDS)))
    return decision
