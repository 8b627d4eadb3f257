"""Verify the audit chain (jiayuan.core.audit writes it): every entry's own
digest, its link to the entry before, the tip, and redactions named by a
REDACT entry. `manage.py verify_audit` prints what `verify_chain` finds."""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field

from django.conf import settings

from jiayuan.core.audit import (
    GENESIS,
    UnknownKey,
    _hashed_fields,
    entry_digest,
    payload_digest,
)
from jiayuan.core.models import AuditAction, AuditEntry, AuditTip

# Kinds of break `verify_chain` reports, with the words `verify_audit` prints.
BREAK_KINDS = {
    "missing": "entry missing",
    "link": "link broken",
    "content": "content changed",
    "unkeyed": "not keyed",
    "unknown_key": "unknown key",
    "tip": "end removed",
    "inserted": "inserted",
    "redacted": "redacted without record",
}


@dataclass
class Break:
    """One place where the chain does not verify; `kind` is a key of BREAK_KINDS."""

    seq: int
    kind: str
    reason: str


@dataclass
class VerifyResult:
    """`checked` counts the entries verified before the first break (all of
    them when the chain is intact); `breaks` lists every break, first to last;
    `verified` counts every entry whose own digest and link verify;
    `unkeyed_until` is the last entry verified without the audit key (0: none)."""

    ok: bool
    checked: int
    first_broken: int | None = None
    reason: str = ""
    breaks: list[Break] = field(default_factory=list)
    verified: int = 0
    unkeyed_until: int = 0


def _tip() -> tuple[int, str]:
    tip = AuditTip.objects.filter(id=1).first()
    return (tip.last_seq, tip.last_hash) if tip else (0, GENESIS)


def _payload_matches(entry: AuditEntry) -> bool:
    """A redactable entry's text matches its digest; a redacted one holds
    nothing any more (blank text, salt and address)."""
    if not entry.payload_digest:
        return not entry.redacted
    if entry.redacted:
        return (entry.object_repr == "" and entry.changes == {} and entry.ip is None
                and entry.payload_salt == "")
    return hmac.compare_digest(payload_digest(entry), entry.payload_digest)


def _digest_matches(entry: AuditEntry) -> bool:
    """Raises UnknownKey if the entry names a key that is not configured."""
    if not _payload_matches(entry):
        return False
    if hmac.compare_digest(entry_digest(_hashed_fields(entry)), entry.hash):
        return True
    # Before the fix, a portal request was hashed with ip "" and stored as NULL
    # (GenericIPAddressField writes "" as NULL). Such an entry verifies when
    # hashed with "". Only this one ambiguity is accepted: "" and NULL are the
    # only two values the column stores alike, so nothing else about the row
    # can differ from what was hashed, and any edit of it still breaks the hash.
    if entry.ip is None:
        legacy = {**_hashed_fields(entry), "ip": ""}
        return hmac.compare_digest(entry_digest(legacy), entry.hash)
    return False


def _missing(seq: int, next_seq: int) -> str:
    if next_seq == seq + 1:
        return f"entry {seq} is missing (next is {next_seq})"
    return f"entries {seq} to {next_seq - 1} are missing (next is {next_seq})"


def _check_entry(entry: AuditEntry, *, expected_seq: int, prev_hash: str,
                 keyed_seen: bool, unkeyed_until: int | None) -> list[Break]:
    """Every break at one entry: a gap before it, its link to the entry
    before it, its scheme and its own digest (against its stored prev_hash,
    so each entry after a break is still checked on its own)."""
    found = []
    if entry.seq != expected_seq:
        # The gap explains the link too: report it once.
        found.append(Break(expected_seq, "missing", _missing(expected_seq, entry.seq)))
    elif entry.prev_hash != prev_hash:
        found.append(Break(entry.seq, "link",
                           "previous-hash link does not match the entry before it"))
    # Unkeyed digests are the old scheme: accepted only before the first keyed
    # entry (and up to AUDIT_UNKEYED_UNTIL when that is set). Anywhere else an
    # unkeyed entry is a rewrite that recomputed plain SHA-256 digests.
    if not entry.key_id and (keyed_seen or (unkeyed_until is not None
                                            and entry.seq > unkeyed_until)):
        found.append(Break(entry.seq, "unkeyed",
                           "digest made without the audit key, after keyed entries "
                           "(rewritten without the key)" if keyed_seen else
                           f"digest made without the audit key, after entry {unkeyed_until} "
                           f"(AUDIT_UNKEYED_UNTIL)"))
    try:
        if not _digest_matches(entry):
            found.append(Break(entry.seq, "content",
                               "contents do not match the entry's hash (edited)"))
    except UnknownKey:
        found.append(Break(entry.seq, "unknown_key",
                           f"signed with audit key {entry.key_id}, which is not in AUDIT_KEY: "
                           f"cannot be checked"))
    return found


def verify_chain(batch: int = 5000) -> VerifyResult:
    """Walk the chain in order; report every entry that does not verify.

    After a break the walk goes on: each later entry is checked against its
    own stored previous hash, so one edit is reported once (and the link of
    the entry after it, if its hash was recomputed) and a second edit further
    on is reported too. The tip is read first and the walk stops there, so an
    entry appended while verifying is not mistaken for damage; rows beyond a
    tip that has not moved are reported as inserted.
    """
    tip_seq, tip_hash = _tip()
    pinned: int | None = getattr(settings, "AUDIT_UNKEYED_UNTIL", None)
    breaks: list[Break] = []
    prev_hash, expected_seq, last_seen = GENESIS, 1, 0
    checked = verified = unkeyed_until = 0
    keyed_seen = False
    # A redaction is legitimate only when a later, intact REDACT entry names it.
    redacted: set[int] = set()
    named: set[int] = set()
    while True:
        rows = list(AuditEntry.objects.filter(seq__gt=last_seen, seq__lte=tip_seq)
                    .order_by("seq")[:batch])
        if not rows:
            break
        for entry in rows:
            found = _check_entry(entry, expected_seq=expected_seq, prev_hash=prev_hash,
                                 keyed_seen=keyed_seen, unkeyed_until=pinned)
            if entry.redacted:
                redacted.add(entry.seq)
            if entry.action == AuditAction.REDACT and not found:
                named.update(s for s in entry.changes.get("seqs", []) if isinstance(s, int))
            if not any(b.seq == entry.seq for b in found):
                verified += 1
                if not entry.key_id:
                    unkeyed_until = entry.seq
            if not breaks and not found:
                checked += 1
            breaks.extend(found)
            keyed_seen = keyed_seen or bool(entry.key_id)
            prev_hash, expected_seq = entry.hash, entry.seq + 1
        last_seen = rows[-1].seq
    for seq in sorted(redacted - named):
        breaks.append(Break(seq, "redacted",
                            "redacted, but no redaction entry names it (blanked outside "
                            "the application)"))
    breaks.sort(key=lambda b: b.seq)
    if tip_seq != expected_seq - 1 or tip_hash != prev_hash:
        breaks.append(Break(min(expected_seq, tip_seq) or 1, "tip",
                            f"the log ends at entry {expected_seq - 1} but the tip records "
                            f"entry {tip_seq} (entries removed from the end?)"))
    beyond = AuditEntry.objects.filter(seq__gt=tip_seq).order_by("seq").first()
    if beyond is not None and _tip()[0] == tip_seq:
        breaks.append(Break(beyond.seq, "inserted",
                            "entry after the recorded tip (inserted outside the application)"))
    if not breaks:
        return VerifyResult(True, checked, verified=verified, unkeyed_until=unkeyed_until)
    return VerifyResult(False, checked, breaks[0].seq, breaks[0].reason, breaks=breaks,
                        verified=verified, unkeyed_until=unkeyed_until)
