"""Named locks for the checks that must run one at a time across the whole
deployment and have no row of their own to lock: the portal's hourly limits
(count, then create), the roster import (plan against the registry, then
write), per station its suggestion statuses, card links, care settings and
column templates (`per_community`), and per account its API tokens and queued reports
(`per_user`). Where a check reads a parent row, the service locks that
row instead (parent before child).

`hold(name)` takes a transaction-level advisory lock on PostgreSQL, released
by the commit or rollback; SQLite needs none (its write transactions begin
IMMEDIATE: writers already run one at a time). Take it first in a service,
before any row lock, so every holder takes its locks in the same order
(named lock, rows, then the audit tip as the service ends).

Before 0.14 these checks ran one at a time because every service held the
audit tip from its start; the tip is now held only for the append
(jiayuan.core.audit), so what needs its own turn says so here.
"""

from __future__ import annotations

import hashlib

from django.db import connection, transaction

PORTAL_REQUESTS = "desk.portal_requests"
PORTAL_IDEAS = "civic.portal_ideas"
PORTAL_SIGNUPS = "engage.portal_signups"
ROSTER_IMPORT = "sheets.roster_import"


def per_community(name: str, community_id: int) -> str:
    """`name` for one community: stations do not wait for each other."""
    return f"{name}:{community_id}"


def per_user(name: str, user_id: int) -> str:
    """`name` for one account: other accounts do not wait."""
    return f"{name}:user:{user_id}"


#: A station's column templates: a name checked as free, then saved (sheets.mapping_save).
MAPPING_TEMPLATES = "sheets.mapping_templates"
#: An account's API tokens: counted against the cap, then issued (api.tokens).
API_TOKENS = "api.tokens"
#: An account's queued reports: looked for, then queued (reports.services).
REPORT_RUNS = "reports.runs"
#: A station's must-visit settings (care.duties), per community.
CARE_SETTINGS = "care.settings"
#: A person's live card link (or the station's), per community (engage.cards).
CARD_LINKS = "engage.card_links"
#: A station's suggestion statuses (civic.suggestions.services_statuses), per community.
SUGGESTION_STATUSES = "civic.suggestion_statuses"


def _key(name: str) -> int:
    """A stable signed 64-bit key for `name` (pg_advisory_xact_lock's bigint)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def hold(name: str) -> None:
    """Wait for and hold the lock `name` until the running transaction ends."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("locks.hold() needs a transaction (call it in a service)")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_key(name)])
