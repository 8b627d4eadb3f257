"""Writes to the registry. Each service checks permission and scope, validates
the invariants no form can see (unique ID numbers, the ID number agreeing
with the birth date and sex, the scope of the target, a household's head),
writes in one transaction and appends to the audit log.

Input is validated at the edge (forms, the importer). The modules:
people (people, circumstances, the search index), households (households and
moves), consents, businesses. `from jiayuan.registry import services` and
`services.<name>` keep working for all of them.
"""

from jiayuan.core.versioning import Conflict
from jiayuan.registry.services.businesses import business_create, business_update
from jiayuan.registry.services.common import KEEP, Keep
from jiayuan.registry.services.consents import (
    consent_record,
    consent_withdraw,
    ensure_sensitive_consent,
    has_sensitive_consent,
)
from jiayuan.registry.services.households import (
    household_create,
    household_move,
    household_move_out,
    household_update,
    person_move,
)
from jiayuan.registry.services.people import (
    SEARCH_KEY_COLUMNS,
    ConfirmationRequired,
    check_id_agrees,
    circumstance_add,
    circumstance_end,
    person_create,
    person_leave,
    person_reveal,
    person_set_permit,
    person_update,
    reindex_person,
    reveal_perm,
    search_key_rows,
    search_keys_for,
)

__all__ = [
    "KEEP", "SEARCH_KEY_COLUMNS", "Conflict", "Keep", "business_create", "business_update",
    "ConfirmationRequired", "check_id_agrees", "circumstance_add", "reveal_perm", "circumstance_end", "consent_record",
    "consent_withdraw", "ensure_sensitive_consent", "has_sensitive_consent",
    "household_create", "household_move", "household_move_out", "household_update",
    "person_create", "person_leave", "person_move", "person_reveal", "person_set_permit",
    "person_update", "reindex_person", "search_key_rows", "search_keys_for",
]
