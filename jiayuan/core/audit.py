"""Append to and verify the tamper-evident audit log.

Every entry's hash covers its own columns and the previous entry's hash, so an
edited, inserted or deleted row breaks the chain at a place `verify_audit` names.
The hash is an HMAC-SHA256 with the audit key (jiayuan.core.auditkeys), which is
kept outside the database: someone who can write the table but lacks the key
cannot recompute the digests after an edit. Entries written before the key
existed keep their plain SHA-256 digest and say so (an empty `key_id`).
Sensitive values never enter the log: diffs of sensitive fields say only that
the field changed.

What an entry says about its object (its text, diff and address) is hashed
through a salted digest of its own, so when a person is erased `redact` can
blank it and the chain still verifies; a REDACT entry names every entry it
blanked, and `verify_audit` reports a blanked entry that none names.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.ipv6 import clean_ipv6_address

from jiayuan.core import auditkeys
from jiayuan.core.models import AuditAction, AuditEntry, AuditTip

F = TypeVar("F", bound=Callable[..., Any])

GENESIS = "0" * 64
CHANGED = "(changed)"

# Set per request by RequestContextMiddleware; services read it so they need not
# thread the request through.
current_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("current_ip",
                                                                         default=None)


def _text(value: str) -> str:
    # PostgreSQL refuses NUL in text and in jsonb; SQLite would keep it. Both
    # must store the same thing, and the hash must cover what is stored.
    return value.replace("\x00", "\ufffd")


def _plain(value: Any) -> Any:
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, float):
        # jsonb keeps numbers as `numeric`: NaN and infinities are refused, and
        # an integral float in exponent form (1e16) reads back as an int.
        # Store the form every database reads back unchanged.
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        if value.is_integer() and "e" in repr(value):
            return int(value)
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if value is None or isinstance(value, (int, bool)):
        return value
    return _text(str(value))


def _stored_ip(value: str | None) -> str | None:
    """The address as GenericIPAddressField stores it: empty -> NULL, IPv6 in
    its compressed form (PostgreSQL's inet normalises it the same way)."""
    if not value:
        return None
    if ":" in value:
        try:
            return clean_ipv6_address(value)
        except ValidationError:
            pass
    return str(value)


def _stored_changes(changes: Mapping[str, Any] | None) -> dict[str, Any]:
    """The diff exactly as the JSON column gives it back: keys as strings,
    tuples as lists, every value through a JSON round trip."""
    plain = {_text(str(k)): _plain(v) for k, v in (changes or {}).items()}
    return json.loads(json.dumps(plain, ensure_ascii=False))


class UnknownKey(LookupError):
    """An entry names an audit key that is not configured."""


def entry_digest(fields: Mapping[str, Any]) -> str:
    """The digest of an entry's hashed fields: HMAC-SHA256 with the key named
    by `fields["key_id"]`, or plain SHA-256 for an entry written before the
    audit key existed (no `key_id`). Raises UnknownKey for a key not configured."""
    payload = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    key_id = fields.get("key_id")
    if not key_id:
        return hashlib.sha256(payload.encode()).hexdigest()
    key = auditkeys.keys().get(key_id)
    if key is None:
        raise UnknownKey(key_id)
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


def payload_digest(entry: AuditEntry) -> str:
    """The salted SHA-256 of what an entry says about its object (its text,
    its diff, the address it came from): the part a redaction removes. The
    salt is random per entry and blanked with the text, so a redacted entry's
    digest cannot be matched against a guessed name."""
    payload = json.dumps({"object_repr": entry.object_repr, "changes": entry.changes,
                          "ip": entry.ip}, sort_keys=True, ensure_ascii=False,
                         separators=(",", ":"))
    return hashlib.sha256((entry.payload_salt + payload).encode()).hexdigest()


def _hashed_fields(entry: AuditEntry) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "seq": entry.seq,
        "at": entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": entry.actor_id,
        "actor_username": entry.actor_username,
        "actor_role": entry.actor_role,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "prev_hash": entry.prev_hash,
    }
    if entry.payload_digest:
        # Redactable: the chain covers the payload's digest, not its text.
        fields["payload"] = entry.payload_digest
    else:
        fields.update(object_repr=entry.object_repr, changes=entry.changes, ip=entry.ip)
    # An unkeyed entry's digest was computed without this field; a keyed
    # entry's covers the id of its key.
    if entry.key_id:
        fields["key_id"] = entry.key_id
    return fields


def record(
    action: str,
    *,
    actor: Any = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    object_repr: str = "",
    changes: Mapping[str, Any] | None = None,
    ip: str | None = None,
    username: str = "",
) -> AuditEntry:
    """Append one entry. Runs in (or opens) a transaction, so an entry exists
    exactly when the change it describes was committed."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    with translation.override(None):
        # Labels (an object's name, lazy labels in a diff) are written in their
        # source form, the msgid, whoever acts: the log page renders them in
        # the reader's language (jiayuan.core.templatetags.audit_display).
        object_repr = str(object_repr or (obj if obj is not None else ""))
        stored_changes = _stored_changes(changes)
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    # Every hashed field is put in the form the database stores and gives back
    # (lengths cut to the column, "" for a missing address -> NULL, JSON round
    # trip), so the hash computed here is the hash `verify_chain` recomputes.
    with transaction.atomic():
        tip, _ = AuditTip.objects.select_for_update().get_or_create(id=1)
        entry = AuditEntry(
            seq=tip.last_seq + 1,
            at=timezone.now(),
            actor_id=actor.pk if authenticated else None,
            actor_username=_text(actor.username if authenticated else username)[:150],
            actor_role=actor.role if authenticated else "",
            action=_text(str(action))[:20],
            object_type=_text(str(object_type))[:50],
            object_id=_text(str(object_id))[:40],
            object_repr=_text(object_repr)[:200],
            changes=stored_changes,
            ip=_stored_ip(ip if ip is not None else current_ip.get()),
            prev_hash=tip.last_hash,
            key_id=auditkeys.signing_key_id(),
            payload_salt=secrets.token_hex(16),
        )
        entry.payload_digest = payload_digest(entry)
        entry.hash = entry_digest(_hashed_fields(entry))
        entry.save()
        tip.last_seq, tip.last_hash = entry.seq, entry.hash
        tip.save(update_fields=["last_seq", "last_hash"])
    return entry


def lock_tip() -> None:
    """Take the audit lock at the start of a transaction that will append.

    Every audited write ends by locking the tip, so taking it first costs no
    concurrency and gives every transaction the same lock order (tip, then
    rows): two services touching the same rows cannot deadlock.
    """
    AuditTip.objects.select_for_update().get_or_create(id=1)


# True while a service (or a `batch`) runs: a service called from inside one
# joins its transaction; called from anywhere else it opens a durable one.
_in_service: contextvars.ContextVar[bool] = contextvars.ContextVar("in_service", default=False)


def audited(func: F) -> F:
    """Decorator for services: one transaction, audit lock first.

    A service called from a view, a command or the API runs in a durable
    transaction: nobody can wrap two services in a transaction of their own,
    so a unit of work that spans services is itself a service (the views,
    the importer and the API then all get the same unit). A service called
    from inside another service, or inside `batch()`, joins the caller's
    transaction as a savepoint.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if _in_service.get():
            with transaction.atomic():
                lock_tip()
                return func(*args, **kwargs)
        token = _in_service.set(True)
        try:
            with transaction.atomic(durable=True):
                lock_tip()
                return func(*args, **kwargs)
        finally:
            _in_service.reset(token)

    return wrapper  # type: ignore[return-value]


@contextlib.contextmanager
def batch() -> Iterator[None]:
    """One transaction around many service calls, all or nothing: for the demo
    loader, the roster importer, scheduled jobs and tests that build a world.
    Never in a view (`make lint` checks): a view calls one service."""
    token = _in_service.set(True)
    try:
        with transaction.atomic():
            lock_tip()
            yield
    finally:
        _in_service.reset(token)


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {f: _plain(getattr(instance, f)) for f in fields}


def diff(before: Mapping[str, Any], after: Mapping[str, Any],
         sensitive: Iterable[str] = ()) -> dict[str, Any]:
    """Field -> [old, new] for changed fields; sensitive fields -> "(changed)"."""
    hidden = set(sensitive)
    out: dict[str, Any] = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old != new:
            out[key] = CHANGED if key in hidden else [old, new]
    return out


def created(after: Mapping[str, Any], sensitive: Iterable[str] = ()) -> dict[str, Any]:
    hidden = set(sensitive)
    return {k: (CHANGED if k in hidden and v not in (None, "", []) else v)
            for k, v in after.items() if v not in (None, "", [])}


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


def redact(entries: models.QuerySet[AuditEntry], *, actor: Any, reason: str,
           subject: str = "", username: str = "") -> int:
    """Blank what `entries` say about their objects (text, diff, address and
    the salt of their digest), keeping each entry's digest so the chain still
    verifies, and append one REDACT entry naming them (`verify_audit` reports
    a redacted entry no such entry names). For erasure: `subject` is what was
    erased ("registry.person:12"), `reason` a code or the head's reason.
    `actor` None is the system, named by `username` (e.g. "tick"), as in record().

    Entries written before redaction existed (no payload digest) hash their
    text directly and are left as they are; they are counted in the REDACT
    entry as `kept`. Returns how many entries were redacted. On PostgreSQL the
    append-only trigger lets exactly this change through (core 0008)."""
    with transaction.atomic():
        lock_tip()
        rows = entries.filter(redacted=False).exclude(action=AuditAction.REDACT)
        seqs = sorted(rows.exclude(payload_digest="").values_list("seq", flat=True))
        kept = rows.filter(payload_digest="").count()
        for start in range(0, len(seqs), 500):
            # The queryset refuses update() (append-only); this one change is
            # made past it, as the trigger allows.
            models.QuerySet.update(
                AuditEntry.objects.filter(seq__in=seqs[start:start + 500]),
                object_repr="", changes={}, ip=None, payload_salt="", redacted=True)
        if seqs or kept:
            record(AuditAction.REDACT, actor=actor, username=username,
                   object_type="core.auditentry",
                   object_repr=subject[:200],
                   changes={"seqs": seqs, "kept": kept, "reason": reason, "subject": subject})
    return len(seqs)


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


__all__ = ["AuditAction", "record", "redact", "snapshot", "diff", "created", "verify_chain", "current_ip"]
