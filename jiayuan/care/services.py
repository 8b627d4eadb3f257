"""Writing visits, disputes, pairings and the must-visit settings.

Each sub-domain writes in its own services module (visits, duties, mediation,
pairing); this module re-exports them for the callers that write across care
(the demo, tests that build a world).

Every function takes the acting user, checks permission and scope, runs in one
transaction (`audit.audited`: its audit entries chained as it ends), and records
what it changed. Refusals are `ValidationError`s with a message for the user;
an object outside the actor's scope is "not found" (`Http404`, through
`care.scoping.require_visible` and the sub-domain's selector, the rule the
pages apply), never "forbidden".
"""

from __future__ import annotations

from jiayuan.care.duties.services import festival_date_add, festival_date_delete, settings_save
from jiayuan.care.mediation.services import (
    dispute_close,
    dispute_create,
    dispute_escalate,
    dispute_followup,
    dispute_reopen,
    dispute_update,
    party_add,
    party_remove,
    session_add,
)
from jiayuan.care.pairing.services import (
    checkin_add,
    pairing_create,
    pairing_set_planned_end,
    pairing_set_status,
)
from jiayuan.care.visits.services import visit_link_case, visit_log

__all__ = [
    "checkin_add", "dispute_close", "dispute_create", "dispute_escalate", "dispute_followup",
    "dispute_reopen", "dispute_update", "festival_date_add", "festival_date_delete",
    "pairing_create", "pairing_set_planned_end", "pairing_set_status", "party_add",
    "party_remove", "session_add", "settings_save", "visit_link_case", "visit_log",
]
