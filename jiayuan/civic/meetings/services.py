"""Writing meetings (议事会、听证会…): planning one, its agenda, who is invited,
the roll-call at the door, and the minutes in versions.

Decisions are in jiayuan.civic.meetings.services_decisions. A meeting outside the
actor's scope is "not found" (404), as on its page; a resident outside the
actor's grids is refused with a message naming them.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from jiayuan.civic.choices import (
    Attendance,
    MeetingKind,
    MeetingStatus,
    MinutesState,
    ParticipantKind,
)
from jiayuan.civic.meetings.models import AgendaItem, Meeting, MinutesVersion, Participant
from jiayuan.civic.meetings.selectors import meetings_for, organiser_choices
from jiayuan.civic.scoping import community_ids
from jiayuan.core import audit
from jiayuan.core.access import require
from jiayuan.core.models import AuditAction, User
from jiayuan.core.roles import Perm
from jiayuan.core.scope import in_scope
from jiayuan.core.versioning import Conflict, claim
from jiayuan.desk.services import next_ref
from jiayuan.directory.models import Department
from jiayuan.places.models import Community, Grid
from jiayuan.registry.models import Person
from jiayuan.registry.services.common import check_not_erased

#: The minutes' state machine: the one table of allowed moves (on the newest
#: version only; saving new text always starts a new draft).
MINUTES_MOVES: dict[str, frozenset[str]] = {
    MinutesState.DRAFT: frozenset({MinutesState.CIRCULATED}),
    MinutesState.CIRCULATED: frozenset({MinutesState.APPROVED}),
    MinutesState.APPROVED: frozenset(),
}


def _what(meeting: Meeting) -> str:
    return _("this meeting (%(ref)s)") % {"ref": meeting.ref}


def visible(actor: User, meeting: Meeting) -> Meeting:
    """Refuse a meeting the actor cannot see, as its page does (404)."""
    if meeting.pk is None or not meetings_for(actor).filter(pk=meeting.pk).exists():
        raise Http404
    return meeting


def hold(meeting: Meeting) -> None:
    """Lock the meeting's row and re-read its status: the agenda is numbered
    and changed, the list checked for someone already on it, a mark made and
    the quorum counted (services_decisions), one writer at a time. Before any
    other row of the meeting's."""
    meeting.status = Meeting.objects.select_for_update().values_list(
        "status", flat=True).get(pk=meeting.pk)


def _require_not_cancelled(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("The meeting was cancelled."))


def check_place(actor: User, grid: Grid | None) -> int:
    """The community of a new meeting: the grid's (one in the actor's scope),
    or the actor's own for a meeting of the whole community."""
    if grid is not None:
        if not in_scope(actor, grid.pk):
            raise ValidationError({"grid": _("Grid %(g)s is not in your grids.")
                                   % {"g": grid.code}})
        return grid.community_id
    if actor.community_id is None:
        raise ValidationError({"grid": _("Choose the grid the meeting belongs to.")})
    if actor.grids.exists():
        # A grid worker's meetings belong to one of their grids.
        raise ValidationError({"grid": _("Choose the grid the meeting belongs to.")})
    return actor.community_id


def check_organiser(actor: User, organiser: User, keep: tuple[User, ...] = ()) -> None:
    if not organiser_choices(actor, keep).filter(pk=organiser.pk).exists():
        raise ValidationError({"organiser": _(
            "%(name)s cannot organise meetings here: choose an active colleague who runs "
            "meetings.") % {"name": organiser.display_name}})


def check_times(starts_at: datetime, ends_at: datetime | None) -> None:
    if ends_at is not None and ends_at < starts_at:
        raise ValidationError({"ends_at": _("The meeting ends before it starts.")})


def check_kind(kind: str, partner: Department | None) -> None:
    if kind not in MeetingKind.values:
        raise ValidationError({"kind": _("Choose the kind of meeting.")})
    if kind == MeetingKind.LIAISON and partner is None:
        raise ValidationError({"partner": _(
            "A liaison meeting is held with a liaison office: choose the partner "
            "organisation.")})


@audit.audited
def meeting_create(*, actor: User, kind: str, title: str, starts_at: datetime,
                   organiser: User, grid: Grid | None = None, ends_at: datetime | None = None,
                   place: str = "", partner: Department | None = None,
                   quorum: int | None = None, agenda: tuple[str, ...] | list[str] = ()
                   ) -> Meeting:
    """Plan a meeting (a date in the past is fine: one recorded afterwards)."""
    require(actor, Perm.RUN_MEETINGS)
    community_id = check_place(actor, grid)
    check_kind(kind, partner)
    check_organiser(actor, organiser)
    check_times(starts_at, ends_at)
    if not title.strip():
        raise ValidationError({"title": _("Give the meeting a title.")})
    code = Community.objects.values_list("code", flat=True).get(pk=community_id)
    meeting = Meeting.objects.create(
        ref=next_ref(f"{code}-M", timezone.localtime(starts_at).year),
        community_id=community_id, grid=grid, kind=kind, title=title.strip(),
        starts_at=starts_at, ends_at=ends_at, place=place.strip(), organiser=organiser,
        partner=partner, quorum=quorum, created_by=actor)
    for order, line in enumerate(t.strip() for t in agenda):
        if line:
            AgendaItem.objects.create(meeting=meeting, order=order + 1, title=line[:200])
    audit.record(AuditAction.CREATE, actor=actor, obj=meeting,
                 changes=audit.created(audit.snapshot(meeting, Meeting.AUDIT_FIELDS)))
    return meeting


@audit.audited
def meeting_update(*, actor: User, meeting: Meeting, version: int | None, kind: str,
                   title: str, starts_at: datetime, organiser: User,
                   ends_at: datetime | None = None, place: str = "",
                   partner: Department | None = None, quorum: int | None = None,
                   status: str | None = None) -> Meeting:
    """Change a meeting's facts (the grid stays: it decides who sees it)."""
    require(actor, Perm.RUN_MEETINGS)
    visible(actor, meeting)
    check_kind(kind, partner)
    check_organiser(actor, organiser, keep=(meeting.organiser,))
    check_times(starts_at, ends_at)
    if not title.strip():
        raise ValidationError({"title": _("Give the meeting a title.")})
    if status is not None and status not in MeetingStatus.values:
        raise ValidationError({"status": _("Choose a status.")})
    locked = claim(meeting, version, _what(meeting))
    before = audit.snapshot(locked, Meeting.AUDIT_FIELDS)
    meeting.kind, meeting.title, meeting.starts_at = kind, title.strip(), starts_at
    meeting.ends_at, meeting.place, meeting.organiser = ends_at, place.strip(), organiser
    meeting.partner, meeting.quorum = partner, quorum
    if status is not None:
        meeting.status = status
    meeting.save(update_fields=["kind", "title", "starts_at", "ends_at", "place",
                                "organiser", "partner", "quorum", "status", "updated_at"])
    audit.record(AuditAction.UPDATE, actor=actor, obj=meeting,
                 changes=audit.diff(before, audit.snapshot(meeting, Meeting.AUDIT_FIELDS)))
    return meeting


@audit.audited
def agenda_add(*, actor: User, meeting: Meeting, title: str, notes: str = "") -> AgendaItem:
    require(actor, Perm.RUN_MEETINGS)
    visible(actor, meeting)
    hold(meeting)
    _require_not_cancelled(meeting)
    if not title.strip():
        raise ValidationError({"title": _("Write the agenda item.")})
    last = meeting.agenda.order_by("-order").values_list("order", flat=True).first() or 0
    item = AgendaItem.objects.create(meeting=meeting, order=last + 1, title=title.strip()[:200],
                                     notes=notes.strip())
    audit.record(AuditAction.UPDATE, actor=actor, obj=meeting,
                 changes={"agenda_added": item.title})
    return item


@audit.audited
def agenda_remove(*, actor: User, item: AgendaItem) -> None:
    require(actor, Perm.RUN_MEETINGS)
    visible(actor, item.meeting)
    hold(item.meeting)  # as agenda_add, and decision_add (which may cite the item)
    if not AgendaItem.objects.filter(pk=item.pk).exists():
        return  # removed by another request meanwhile
    if item.decisions.exists():
        raise ValidationError(_("A decision was taken on this agenda item: it stays."))
    audit.record(AuditAction.UPDATE, actor=actor, obj=item.meeting,
                 changes={"agenda_removed": item.title})
    item.delete()


# --- invitations and the roll ------------------------------------------------------

def check_resident(actor: User, meeting: Meeting, person: Person) -> None:
    """A resident invited or marked: current, in the actor's grids, of the
    meeting's community."""
    if not in_scope(actor, person.grid_id):
        # The same words whether they live elsewhere or not at all.
        raise ValidationError({"person": _("Resident %(p)s is not in your grids.")
                               % {"p": person.name}})
    check_not_erased(person)
    if person.left_on is not None:
        raise ValidationError({"person": _("%(p)s has left the community.")
                               % {"p": person.name}})
    if Grid.objects.filter(pk=person.grid_id, community_id=meeting.community_id).count() == 0:
        raise ValidationError({"person": _("%(p)s does not live in this meeting's community.")
                               % {"p": person.name}})


def _check_staff(actor: User, meeting: Meeting, user: User) -> None:
    ids = community_ids(actor)
    if not user.is_active or user.community_id != meeting.community_id or (
            ids is not None and meeting.community_id not in ids):
        raise ValidationError({"user": _("%(name)s is not an active colleague of this "
                                         "community.") % {"name": user.display_name}})


@audit.audited
def participant_add(*, actor: User, meeting: Meeting, kind: str, person: Person | None = None,
                    user: User | None = None, department: Department | None = None,
                    name: str = "", invited: bool = True) -> Participant:
    """Invite someone (or, `invited` False, note someone who came uninvited):
    a resident (a registry person in the actor's grids), a colleague, a
    department's or a partner's representative, or a guest by name."""
    require(actor, Perm.RUN_MEETINGS)
    visible(actor, meeting)
    hold(meeting)
    _require_not_cancelled(meeting)
    name = name.strip()[:60]
    if kind == ParticipantKind.RESIDENT:
        if person is None:
            raise ValidationError({"person": _("Choose the resident.")})
        check_resident(actor, meeting, person)
        if meeting.participants.filter(person=person).exists():
            raise ValidationError({"person": _("%(p)s is already on the list.")
                                   % {"p": person.name}})
        user = department = None
        name = ""
    elif kind == ParticipantKind.STAFF:
        if user is None:
            raise ValidationError({"user": _("Choose the colleague.")})
        _check_staff(actor, meeting, user)
        if meeting.participants.filter(user=user).exists():
            raise ValidationError({"user": _("%(name)s is already on the list.")
                                   % {"name": user.display_name}})
        person = department = None
        name = ""
    elif kind in (ParticipantKind.DEPARTMENT, ParticipantKind.PARTNER):
        if department is None or not department.active:
            raise ValidationError({"department": _("Choose the department or partner "
                                                   "organisation.")})
        person = user = None
    elif kind == ParticipantKind.GUEST:
        if not name:
            raise ValidationError({"name": _("Write the guest's name.")})
        person = user = department = None
    else:
        raise ValidationError({"kind": _("Choose who is invited.")})
    participant = Participant.objects.create(
        meeting=meeting, kind=kind, person=person, user=user, department=department,
        name=name, invited=invited, grid_id=person.grid_id if person is not None else None)
    audit.record(AuditAction.UPDATE, actor=actor, obj=meeting, changes={
        "participant_added": audit.created(audit.snapshot(participant,
                                                          Participant.AUDIT_FIELDS))})
    return participant


@audit.audited
def participant_remove(*, actor: User, participant: Participant) -> None:
    require(actor, Perm.RUN_MEETINGS)
    visible(actor, participant.meeting)
    # As participant_add and attendance_mark: the mark is read as it is now.
    hold(participant.meeting)
    attendance = Participant.objects.filter(pk=participant.pk).values_list(
        "attendance", flat=True).first()
    if attendance is None:
        return  # removed by another request meanwhile
    participant.attendance = attendance
    if participant.attendance == Attendance.PRESENT:
        raise ValidationError(_("%(name)s was marked present: mark them absent instead.")
                              % {"name": str(participant)})
    if participant.person_id is not None and not in_scope(actor, participant.grid_id):
        raise ValidationError(_("That resident is not in your grids."))
    audit.record(AuditAction.UPDATE, actor=actor, obj=participant.meeting,
                 changes={"participant_removed": str(participant)})
    participant.delete()


def _mark(actor: User, meeting: Meeting, participant: Participant, attendance: str,
          marked_at: datetime | None) -> Participant:
    if participant.attendance == attendance:
        return participant  # the same tap again (a resend): nothing changes
    before = participant.attendance
    participant.attendance = attendance
    participant.marked_at = marked_at or timezone.now()
    participant.marked_by = actor
    participant.save(update_fields=["attendance", "marked_at", "marked_by"])
    if attendance == Attendance.PRESENT and meeting.status == MeetingStatus.PLANNED:
        Meeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.HELD)
        meeting.status = MeetingStatus.HELD
    audit.record(AuditAction.UPDATE, actor=actor, obj=meeting, changes={
        "attendance": {"participant": participant.pk, "who": str(participant),
                       "from": before, "to": attendance}})
    return participant


@audit.audited
def attendance_mark(*, actor: User, meeting: Meeting, participant: Participant,
                    attendance: str, marked_at: datetime | None = None) -> Participant:
    """Mark one person present, absent or excused. Idempotent: marking the
    same again changes nothing (the roll-call resends taps it is unsure of)."""
    require(actor, Perm.RUN_MEETINGS)
    visible(actor, meeting)
    if participant.meeting_id != meeting.pk:
        raise Http404
    # A mark changes the quorum a decision is taken on (decision_add holds the
    # meeting too), and the participant may be being removed.
    hold(meeting)
    _require_not_cancelled(meeting)
    attendance_now = Participant.objects.filter(pk=participant.pk).values_list(
        "attendance", flat=True).first()
    if attendance_now is None:
        raise Http404  # taken off the list meanwhile
    participant.attendance = attendance_now
    check_not_erased(participant.person)
    if attendance not in Attendance.values:
        raise ValidationError({"attendance": _("Choose present, absent or excused.")})
    if participant.person_id is not None and not in_scope(actor, participant.grid_id):
        raise ValidationError(_("%(name)s is not in your grids: a colleague of their grid "
                                "marks them.") % {"name": str(participant)})
    return _mark(actor, meeting, participant, attendance, marked_at)


@audit.audited
def walk_in(*, actor: User, meeting: Meeting, person: Person | None = None, name: str = "",
            marked_at: datetime | None = None) -> Participant:
    """Someone at the door who was not on the list: a resident in the actor's
    grids, or a guest by name; marked present. A resident already on the list
    (or a guest of the same name who walked in before) is marked present
    instead of added twice, so a resent tap is harmless."""
    require(actor, Perm.RUN_MEETINGS)
    visible(actor, meeting)
    hold(meeting)
    _require_not_cancelled(meeting)
    if person is not None:
        check_resident(actor, meeting, person)
        found = meeting.participants.filter(person=person).first()
        kind = ParticipantKind.RESIDENT
    else:
        name = name.strip()[:60]
        if not name:
            raise ValidationError({"name": _("Choose the resident, or write the guest's "
                                             "name.")})
        found = meeting.participants.filter(kind=ParticipantKind.GUEST, name=name,
                                            invited=False).first()
        kind = ParticipantKind.GUEST
    if found is None:
        found = participant_add(actor=actor, meeting=meeting, kind=kind, person=person,
                                name=name, invited=False)
    return _mark(actor, meeting, found, Attendance.PRESENT, marked_at)


# --- the minutes ----------------------------------------------------------------------

def _stale(meeting: Meeting, newest: MinutesVersion, loaded: int) -> Conflict:
    who = newest.created_by.display_name if newest.created_by else _("the system")
    text = _("%(who)s saved version %(n)s of the minutes at %(when)s, after you opened "
             "version %(loaded)s. Your text was not saved.") % {
        "who": who, "n": newest.number, "loaded": loaded or 0,
        "when": formats.date_format(timezone.localtime(newest.created_at), "Y-m-d H:i")}
    keep = _("Your text is kept below: compare it with version %(n)s, then save again.") % {
        "n": newest.number}
    return Conflict([ValidationError(text, code="conflict"),
                     ValidationError(keep, code="conflict")])


def _lock(meeting: Meeting) -> MinutesVersion | None:
    """Lock the meeting's row (one minutes writer at a time); the newest version."""
    Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
    return meeting.minutes.select_related("created_by").order_by("-number").first()


@audit.audited
def minutes_save(*, actor: User, meeting: Meeting, text: str, loaded: int | None,
                 now: datetime | None = None) -> MinutesVersion:
    """Save the minutes as a new version (a draft: text changed after
    circulation or approval goes round again). `loaded` is the number of the
    version the user opened (0: none yet); if someone saved since, the save
    is refused with a Conflict and nothing is written. None: no check (the
    demo, a command)."""
    require(actor, Perm.RUN_MEETINGS)
    visible(actor, meeting)
    _require_not_cancelled(meeting)
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write the minutes.")})
    newest = _lock(meeting)
    current = newest.number if newest is not None else 0
    if loaded is not None and int(loaded) != current:
        assert newest is not None
        raise _stale(meeting, newest, int(loaded))
    version = MinutesVersion.objects.create(meeting=meeting, number=current + 1, text=text,
                                            created_by=actor, created_at=now or timezone.now())
    audit.record(AuditAction.UPDATE, actor=actor, obj=meeting,
                 changes={"minutes_saved": version.number})
    return version


def _move(actor: User, minutes: MinutesVersion, to: str, now: datetime | None) -> MinutesVersion:
    visible(actor, minutes.meeting)
    newest = _lock(minutes.meeting)
    if newest is None or newest.pk != minutes.pk:
        raise ValidationError(_("Version %(n)s is no longer the newest: act on version "
                                "%(newest)s.") % {"n": minutes.number,
                                                   "newest": newest.number if newest else 0})
    if to not in MINUTES_MOVES[newest.state]:
        raise ValidationError(_("Minutes that are %(state)s cannot be %(to)s.") % {
            "state": newest.get_state_display(),
            "to": MinutesState(to).label})
    at = now or timezone.now()
    newest.state = to
    fields = ["state"]
    if to == MinutesState.CIRCULATED:
        newest.circulated_at = at
        fields.append("circulated_at")
    else:
        newest.approved_at, newest.approved_by = at, actor
        fields += ["approved_at", "approved_by"]
    newest.save(update_fields=fields)
    audit.record(AuditAction.UPDATE, actor=actor, obj=minutes.meeting,
                 changes={"minutes": {"number": newest.number, "state": to}})
    return newest


@audit.audited
def minutes_circulate(*, actor: User, minutes: MinutesVersion,
                      now: datetime | None = None) -> MinutesVersion:
    require(actor, Perm.RUN_MEETINGS)
    return _move(actor, minutes, MinutesState.CIRCULATED, now)


@audit.audited
def minutes_approve(*, actor: User, minutes: MinutesVersion,
                    now: datetime | None = None) -> MinutesVersion:
    require(actor, Perm.APPROVE_MINUTES)
    return _move(actor, minutes, MinutesState.APPROVED, now)
