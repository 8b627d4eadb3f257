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
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from jiayuan.desk.choices import OPEN_STATUSES, Status

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
    Action("wait_department", _("Wait on a department"),
           _WORKING | {S.WAITING_RESIDENT}, S.WAITING_DEPARTMENT, ("note",)),
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
