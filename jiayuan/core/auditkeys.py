"""The audit log's keys: which key signs new entries, and every key that verifies.

`settings.AUDIT_KEYS` lists the keys (the first signs, all verify: rotation
prepends a new key). An entry stores the id of the key its digest was made
with, never the key: the keys live outside the database, so someone who can
only write the database cannot recompute a digest. The id is derived from the
key itself, so rotating needs no other setting.
"""

from __future__ import annotations

import hashlib

from django.conf import settings


def key_id(key: str) -> str:
    """A short public name for a key (12 hex digits of a hash of it)."""
    return hashlib.sha256(b"jiayuan-audit-key-id:" + key.encode()).hexdigest()[:12]


def keys() -> dict[str, bytes]:
    """Key id -> key, for every configured key."""
    return {key_id(k): k.encode() for k in settings.AUDIT_KEYS}


def signing_key_id() -> str:
    """The id of the key that signs new entries (the first configured key)."""
    return key_id(settings.AUDIT_KEYS[0])
