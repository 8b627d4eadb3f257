"""Reading meetings: the one scope rule (jiayuan.civic.scoping.by_grid)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from jiayuan.civic.choices import QUORUM_KINDS, Attendance, ParticipantKind
from jiayuan.civic.meetings.models import Decision, Meeting, MinutesVersion, Participant
from jiayuan.civic.scoping import by_grid
from jiayuan.core.access import Perms, get_for
from jiayuan.core.models import User
from jiayuan.core.roles import Perm
from jiayuan.core.staff import staff_with
from jiayuan.desk.selectors import cases_for


def meetings_for(actor: User) -> QuerySet[Meeting]:
    if not (actor.is_authenticated and actor.has(Perm.VIEW_CIVIC)):
        return Meeting.objects.none()
    return by_grid(Meeting.objects.all(), actor)


def get_meeting_for(actor: User, pk: Any, *, perm: Perms = Perm.VIEW_CIVIC) -> Meeting:
    return get_for(actor, perm, meetings_for(actor).select_related(
        "community", "grid", "organiser", "partner"), pk)


def meeting_list(actor: User, *, tab: str = "upcoming", kind: str = "",
                 now: datetime | None = None) -> QuerySet[Meeting]:
    """The list page's tabs: upcoming (from twelve hours ago, soonest first),
    past (newest first), mine (organised by the actor) or "" (all, newest
    first); with the counts its rows show (invited, present, decisions)."""
    now = now or timezone.now()
    qs = meetings_for(actor)
    if tab == "upcoming":
        qs = qs.filter(starts_at__gte=now - timedelta(hours=12)).order_by("starts_at", "pk")
    elif tab == "past":
        qs = qs.filter(starts_at__lt=now).order_by("-starts_at", "-pk")
    elif tab == "mine":
        qs = qs.filter(organiser=actor).order_by("-starts_at", "-pk")
    else:  # every meeting in scope
        qs = qs.order_by("-starts_at", "-pk")
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("grid", "organiser", "partner").annotate(
        n_invited=Count("participants", filter=Q(participants__invited=True), distinct=True),
        n_present=Count("participants", filter=Q(
            participants__attendance=Attendance.PRESENT), distinct=True),
        n_decisions=Count("decisions", distinct=True))


def attended_by(actor: User, person: Any) -> list[Meeting]:
    """The meetings in the actor's scope the person attended, newest first."""
    return list(meetings_for(actor).filter(
        participants__person=person, participants__attendance=Attendance.PRESENT)
        .order_by("-starts_at")[:50])


def decisions_carried_by_case(actor: User, case: Any) -> list[Decision]:
    """The decisions of meetings in the actor's scope a case carries out
    (the case itself is one the actor may see)."""
    if not cases_for(actor).filter(pk=case.pk).exists():
        return []
    return list(Decision.objects.filter(case=case, meeting__in=meetings_for(actor))
                .select_related("meeting", "owner"))


def organiser_choices(actor: User, keep: Iterable[User] = ()) -> QuerySet[User]:
    """Who may organise a meeting (and own its decisions): active accounts of
    the actor's community that run meetings, plus `keep` (the one who does now)."""
    return staff_with(actor, Perm.RUN_MEETINGS, keep=keep)


@dataclass(frozen=True)
class Quorum:
    """Residents present against those needed (`needed` None: no quorum)."""

    needed: int | None
    present: int
    invited: int

    @property
    def reached(self) -> bool:
        return self.needed is None or self.present >= self.needed


def quorum_needed(kind: str, explicit: int | None, invited_residents: int) -> int | None:
    """The meeting's own quorum, or for a kind that has one, more than half of
    the residents invited."""
    if explicit:
        return explicit
    if kind in QUORUM_KINDS and invited_residents:
        return invited_residents // 2 + 1
    return None


def quorum_of(meeting: Meeting, participants: Iterable[Participant] | None = None) -> Quorum:
    """From the participants already loaded, or with one query."""
    if participants is None:
        counts = meeting.participants.filter(kind=ParticipantKind.RESIDENT).aggregate(
            invited=Count("pk", filter=Q(invited=True)),
            present=Count("pk", filter=Q(attendance=Attendance.PRESENT)))
        invited, present = counts["invited"], counts["present"]
    else:
        residents = [p for p in participants if p.kind == ParticipantKind.RESIDENT]
        invited = sum(1 for p in residents if p.invited)
        present = sum(1 for p in residents if p.attendance == Attendance.PRESENT)
    return Quorum(quorum_needed(meeting.kind, meeting.quorum, invited), present, invited)


def participants_of(meeting: Meeting) -> list[Participant]:
    """Everyone on the list, residents by building and name, with what the
    pages and the sheet show."""
    order = {k: i for i, k in enumerate(ParticipantKind.values)}
    rows = list(meeting.participants.select_related(
        "person", "person__household__dwelling", "user", "department"))
    rows.sort(key=lambda p: (order.get(p.kind, 9), p.person.pinyin if p.person else "",
                             str(p)))
    return rows


def minutes_of(meeting: Meeting) -> list[MinutesVersion]:
    """Every version, newest first."""
    return list(meeting.minutes.select_related("created_by", "approved_by")
                .order_by("-number"))


def decisions_of(meeting: Meeting) -> list[Decision]:
    return list(meeting.decisions.select_related("owner", "case", "project", "referral",
                                                 "referral__department", "agenda_item")
                .order_by("number"))


def owner_choices(actor: User, keep: Iterable[User] = ()) -> QuerySet[User]:
    """Who may answer for a decision: active colleagues of the community."""
    return staff_with(actor, Perm.VIEW_CIVIC, keep=keep)
