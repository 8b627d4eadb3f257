"""The case state machine: one table of every action a worker can take.

    new ─acknowledge→ acknowledged ─start→ in progress ⇄ waiting (department / resident)
      └──────start──────────────────────↗          │
    any open state ─resolve→ resolved ─(follow-up call)→ closed
    resolved / closed ─reopen→ in progress
    any open state ─cancel_duplicate / withdraw→ cancelled

Closing is not an action a worker picks: recording the follow-up call closes
the case (services.record_follow_up). The guards that need data (an outcome, an
on-site contact, the case a duplicate points to) live in services.transition;
this table says only which moves exist.

Every write of a case's status goes through `apply` (the worker's buttons, a
referral sent or answered, the follow-up call): a move the table does not hold
raises `NotAllowed`, whoever asks for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jiayuan.core.models import User
from jiayuan.desk import signals
from jiayuan.desk.choices import OPEN_STATUSES, EventKind, Status
from jiayuan.desk.models import Case, CaseEvent

S = Status


@dataclass(frozen=True)
class Action:
    name: str
    label: Promise
    sources: frozenset[str]
    target: str
    # Extra input the action needs from the worker (the form asks for it).
    needs: tuple[str, ...] = ()
    # Offered as a button on the case page (False: reached another way).
    button: bool = True


_WORKING = frozenset({S.ACKNOWLEDGED, S.IN_PROGRESS})
ACTIONS: dict[str, Action] = {a.name: a for a in (
    Action("acknowledge", _("Acknowledge"), frozenset({S.NEW}), S.ACKNOWLEDGED),
    Action("start", _("Start work"), frozenset({S.NEW, S.ACKNOWLEDGED}), S.IN_PROGRESS),
    # From "new" too: referring a case nobody has acknowledged yet sends it
    # straight to the department (services.referral_create).
    Action("wait_department", _("Wait on a department"),
           _WORKING | {S.NEW, S.WAITING_RESIDENT}, S.WAITING_DEPARTMENT, ("note",)),
    Action("wait_resident", _("Wait on the resident"),
           _WORKING | {S.WAITING_DEPARTMENT}, S.WAITING_RESIDENT, ("note",)),
    Action("resume", _("Resume work"), frozenset({S.WAITING_DEPARTMENT, S.WAITING_RESIDENT}),
           S.IN_PROGRESS),
    Action("resolve", _("Resolve"), OPEN_STATUSES, S.RESOLVED,
           ("outcome", "outcome_quantity", "outcome_note")),
    Action("close", _("Close after the follow-up call"), frozenset({S.RESOLVED}), S.CLOSED,
           button=False),
    Action("reopen", _("Reopen"), frozenset({S.RESOLVED, S.CLOSED}), S.IN_PROGRESS,
           ("note",)),
    Action("cancel_duplicate", _("Cancel as a duplicate"), OPEN_STATUSES, S.CANCELLED,
           ("duplicate_of",)),
    Action("withdraw", _("Withdrawn by the resident"), OPEN_STATUSES, S.CANCELLED,
           ("note",)),
)}


def allowed(status: str) -> list[Action]:
    """The actions that may be taken from `status`, in table order."""
    return [a for a in ACTIONS.values() if status in a.sources]


def buttons(status: str) -> list[Action]:
    return [a for a in allowed(status) if a.button]


def can(status: str, action: str) -> bool:
    a = ACTIONS.get(action)
    return a is not None and status in a.sources


class NotAllowed(ValidationError):
    """A status change the table does not hold."""


def apply(case: Case, action: str, *, actor: User | None = None, actor_name: str = "",
          text: str = "", code: str = "", params: dict[str, Any] | None = None,
          fields: Sequence[str] = (), at: datetime | None = None,
          public: bool = True) -> str:
    """Move `case` by `action` (a name in ACTIONS) and return the old status.

    The caller is a desk service that checked permission and holds the case's
    row (versioning.claim or select_for_update). Sets the dates the move
    implies, saves them with the caller's own changed `fields`, and writes the
    status entry on the timeline."""
    spec = ACTIONS.get(action)
    if spec is None or case.status not in spec.sources:
        raise NotAllowed(gettext("A case that is “%(status)s” cannot be “%(action)s”.") % {
            "status": case.get_status_display(),
            "action": spec.label if spec else action}, code="transition")
    at = at or timezone.now()
    old = case.status
    changed = ["status", *fields]
    if case.acknowledged_at is None and spec.target != S.CANCELLED:
        case.acknowledged_at = at
        changed.append("acknowledged_at")
    if spec.target == S.RESOLVED:
        case.resolved_at = at
        changed.append("resolved_at")
    elif spec.target == S.CLOSED:
        case.closed_at = at
        changed.append("closed_at")
    elif action == "reopen":
        case.resolved_at = case.closed_at = None
        changed += ["resolved_at", "closed_at"]
    case.status = spec.target
    case.save(update_fields=list(dict.fromkeys([*changed, "version", "updated_at"])))
    CaseEvent.objects.create(
        case=case, kind=EventKind.STATUS, actor=actor if getattr(actor, "pk", None) else None,
        actor_name=actor_name, text=text, public=public, from_status=old,
        to_status=case.status, at=at, code=code, params=params or {})
    signals.case_status_changed.send(sender=Case, case=case, old=old, new=case.status)
    return old
