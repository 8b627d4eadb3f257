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
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, router, transaction
from django.db.models.sql import InsertQuery
from django.utils import timezone, translation
from django.utils.ipv6 import clean_ipv6_address

from jiayuan.core import auditkeys, together
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
    """Append one entry, so that it exists exactly when the change it
    describes was committed.

    Inside a service (or `batch()`) the entry waits in the transaction and is
    chained when the service ends, just before its commit (`_append`): the
    audit lock is held for the append alone, not while the service works. An
    entry made inside a savepoint that is rolled back is dropped with it.
    Anywhere else it is appended at once, in a transaction of its own or the
    caller's. The entry returned has its place in the chain (`seq`, `hash`)
    only once appended."""
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
    entry = AuditEntry(
        actor_id=actor.pk if authenticated else None,
        actor_username=_text(actor.username if authenticated else username)[:150],
        actor_role=actor.role if authenticated else "",
        action=_text(str(action))[:20],
        object_type=_text(str(object_type))[:50],
        object_id=_text(str(object_id))[:40],
        object_repr=_text(object_repr)[:200],
        changes=stored_changes,
        ip=_stored_ip(ip if ip is not None else current_ip.get()),
        key_id=auditkeys.signing_key_id(),
        payload_salt=secrets.token_hex(16),
    )
    entry.payload_digest = payload_digest(entry)
    pending = _pending.get()
    if pending is not None and transaction.get_connection().in_atomic_block:
        pending.append(_Pending(entry))
    else:
        _append_alone([entry])
    return entry


class _Pending:
    """An entry waiting for its service to end. Its marker is registered as an
    on-commit callback (a no-op) where the entry was made: Django drops the
    callbacks of a savepoint that is rolled back, so a marker still registered
    at the end means the change the entry describes is still in the
    transaction (tests/core/test_audit_concurrency.py holds Django to it)."""

    __slots__ = ("entry", "marker")

    def __init__(self, entry: AuditEntry) -> None:
        self.entry = entry
        self.marker = _noop()
        transaction.on_commit(self.marker)


def _noop() -> Callable[[], None]:
    def marker() -> None:
        return None
    return marker


# The entries made in the running service, in order; None outside a service.
_pending: contextvars.ContextVar[list[_Pending] | None] = contextvars.ContextVar(
    "audit_pending", default=None)


def _append(entries: list[AuditEntry]) -> None:
    """Chain `entries` after the tip, under the tip's lock (held from here to
    the commit). Each entry's time is the time it was chained, so time and
    sequence agree."""
    tip, _ = AuditTip.objects.select_for_update().get_or_create(id=1)
    now = timezone.now()
    for entry in entries:
        entry.seq = tip.last_seq + 1
        entry.at = now
        entry.prev_hash = tip.last_hash
        entry.hash = entry_digest(_hashed_fields(entry))
        tip.last_seq, tip.last_hash = entry.seq, entry.hash
    AuditEntry.objects.bulk_create(entries)
    tip.save(update_fields=["last_seq", "last_hash"])


def _append_alone(entries: list[AuditEntry]) -> None:
    """Append `entries` in a transaction of their own, or in the caller's.

    On PostgreSQL in autocommit (no transaction open: a page that shows a
    sensitive detail records it) the append takes two round trips instead of
    five (`_append_two_trips`)."""
    connection = transaction.get_connection()
    if (connection.vendor == "postgresql" and not connection.in_atomic_block
            and connection.get_autocommit() and _append_two_trips(connection, entries)):
        return
    with transaction.atomic():
        _append(entries)


def _append_two_trips(connection: Any, entries: list[AuditEntry]) -> bool:
    """`BEGIN` and the tip's lock in one message, then the insert, the tip's
    update and `COMMIT` in a second. PostgreSQL runs a message's statements
    in order and stops at the first error, so the entries are committed with
    the tip or not at all (then rolled back here and the error raised): the
    chain stays exact and gap-free, and a page is not shown without its entry.
    False (nothing done) where it cannot: a server-side binding cursor, which
    sends one statement a message, or no tip yet (`_append` creates it)."""
    tip_table = connection.ops.quote_name(AuditTip._meta.db_table)
    # A write, as the ORM's would be: the replica router then keeps this request's
    # later reads on the primary (read-your-writes).
    router.db_for_write(AuditEntry)
    with connection.cursor() as cursor:
        if not together.client_binding(cursor):
            return False
        # The table's name from the model, no value: safe to format in.
        select = f"SELECT last_seq, last_hash FROM {tip_table} WHERE id = 1 FOR UPDATE"  # noqa: S608
        try:
            # Inside the try: a lock or statement timeout on the SELECT leaves the
            # session in a failed transaction that only the ROLLBACK below ends.
            cursor.execute(f"BEGIN; {select}")
            cursor.nextset()
            row = cursor.fetchone()
            if row is not None:
                last_seq, last_hash = row
                now = timezone.now()
                for entry in entries:
                    entry.seq, entry.at, entry.prev_hash = last_seq + 1, now, last_hash
                    entry.hash = entry_digest(_hashed_fields(entry))
                    last_seq, last_hash = entry.seq, entry.hash
                insert = InsertQuery(AuditEntry)
                rows: list[models.Model] = list(entries)
                insert.insert_values(AuditEntry._meta.concrete_fields, rows)
                statements = [cursor.mogrify(sql, params) for sql, params
                              in insert.get_compiler(connection=connection).as_sql()]
                statements.append(cursor.mogrify(
                    f"UPDATE {tip_table} SET last_seq = %s, last_hash = %s WHERE id = 1",  # noqa: S608
                    [last_seq, last_hash]))
                cursor.execute("; ".join([*statements, "COMMIT"]))
                for entry in entries:  # saved, as bulk_create leaves them
                    entry._state.adding, entry._state.db = False, connection.alias
                return True
        except BaseException:
            with contextlib.suppress(Exception):
                cursor.execute("ROLLBACK")
            raise
        cursor.execute("ROLLBACK")
        return False


def flush() -> None:
    """Chain the running service's waiting entries now (the audit lock is then
    held to the commit). `redact` calls it, so the entries it blanks include
    the ones this service made; a service ending calls it last."""
    pending = _pending.get()
    if not pending:
        return
    live = {id(callback) for _sids, callback, _robust
            in transaction.get_connection().run_on_commit}
    entries = [p.entry for p in pending if id(p.marker) in live]
    pending.clear()
    if entries:
        _append(entries)


def lock_tip() -> None:
    """Take the audit lock now, for a transaction that must not let another
    append until it commits (`redact`). Services don't: their entries are
    chained as they end (`record`)."""
    AuditTip.objects.select_for_update().get_or_create(id=1)


# True while a service (or a `batch`) runs: a service called from inside one
# joins its transaction; called from anywhere else it opens a durable one.
_in_service: contextvars.ContextVar[bool] = contextvars.ContextVar("in_service", default=False)


def audited(func: F) -> F:
    """Decorator for services: one transaction, its entries chained as it ends.

    A service called from a view, a command or the API runs in a durable
    transaction: nobody can wrap two services in a transaction of their own,
    so a unit of work that spans services is itself a service (the views,
    the importer and the API then all get the same unit). A service called
    from inside another service, or inside `batch()`, joins the caller's
    transaction as a savepoint.

    The audit lock is taken only at the end, for the append (`flush`), and
    held from there to the commit: writes run side by side and queue only
    for the append. The tip is the last lock any service takes, so it adds
    no lock order of its own to deadlock on.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if _in_service.get():
            with transaction.atomic():
                return func(*args, **kwargs)
        with _service(durable=True):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@contextlib.contextmanager
def _service(*, durable: bool) -> Iterator[None]:
    token = _in_service.set(True)
    pending_token = _pending.set([])
    try:
        with transaction.atomic(durable=durable):
            yield
            flush()
    finally:
        _pending.reset(pending_token)
        _in_service.reset(token)


@contextlib.contextmanager
def batch() -> Iterator[None]:
    """One transaction around many service calls, all or nothing: for the demo
    loader, the roster importer, scheduled jobs and tests that build a world.
    Never in a view (`make lint` checks): a view calls one service. Inside a
    service or another batch it joins that one (a savepoint)."""
    if _in_service.get():
        with transaction.atomic():
            yield
        return
    with _service(durable=False):
        yield


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
        flush()  # this service's own entries are in the log before it is searched
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


# Verification lives in its own module; `audit.verify_chain` stays the name to call.
from jiayuan.core.audit_verify import (  # noqa: E402  (it imports the digests above)
    BREAK_KINDS,
    Break,
    VerifyResult,
    verify_chain,
)

__all__ = ["AuditAction", "BREAK_KINDS", "Break", "VerifyResult", "record", "redact",
           "snapshot", "diff", "created", "verify_chain", "current_ip", "flush", "batch",
           "audited"]
