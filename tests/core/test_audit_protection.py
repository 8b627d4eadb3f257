"""The audit log against someone who can write the database.

PostgreSQL refuses UPDATE, DELETE and TRUNCATE of audit entries (triggers
installed by a core migration); a rewrite that recomputes plain SHA-256
digests is caught by the keyed digest (HMAC with AUDIT_KEY, kept outside the
database); entries from before the key still verify; `verify_audit` lists
every break, not only the first; production refuses to start without the key.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import override_settings

from jiayuan.core import audit, auditkeys
from jiayuan.core.models import AuditAction, AuditEntry, AuditTip

ROOT = Path(__file__).resolve().parents[2]
on_postgresql = pytest.mark.skipif(
    "connection.vendor != 'postgresql'",
    reason="the triggers are PostgreSQL's; SQLite has none (CI runs the suite on both)")


def _write(n: int, user) -> list[AuditEntry]:
    return [audit.record(AuditAction.UPDATE, actor=user, object_type="registry.person",
                         object_id=i, changes={"name": [f"a{i}", f"b{i}"]}) for i in range(n)]


def _raw(sql: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _sha256(fields: dict) -> str:
    """What someone without the key can compute: the plain SHA-256 of the
    same canonical JSON the log hashes."""
    payload = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def _rewrite(from_seq: int, *, object_repr: str, downgrade: bool) -> None:
    """Edit one entry and recompute, with plain SHA-256, its digest and every
    later entry's link and digest, and the tip: a consistent chain for anyone
    without the key. `downgrade` also marks the rewritten entries as written
    before the key existed."""
    prev_hash = AuditEntry.objects.get(seq=from_seq - 1).hash if from_seq > 1 else audit.GENESIS
    for entry in AuditEntry.objects.filter(seq__gte=from_seq).order_by("seq"):
        if entry.seq == from_seq:
            entry.object_repr = object_repr
            # The salt is in the row: the text's own digest is easy to redo.
            entry.payload_digest = entry.payload_digest and audit.payload_digest(entry)
        if downgrade:
            entry.key_id = ""
        entry.prev_hash = prev_hash
        entry.hash = _sha256(audit._hashed_fields(entry))
        _raw("UPDATE core_auditentry SET object_repr = %s, payload_digest = %s, key_id = %s, "
             "prev_hash = %s, hash = %s WHERE seq = %s",
             [entry.object_repr, entry.payload_digest, entry.key_id, entry.prev_hash,
              entry.hash, entry.seq])
        prev_hash = entry.hash
    AuditTip.objects.filter(id=1).update(last_hash=prev_hash)


def _old_scheme_entry(object_id: int) -> AuditEntry:
    """Append an entry as the code before the audit key did: no key id, a
    plain SHA-256 digest."""
    tip = AuditTip.objects.get_or_create(id=1)[0]
    entry = AuditEntry(seq=tip.last_seq + 1, at=datetime(2026, 1, 5, 8, 0, tzinfo=UTC),
                       actor_username="head", action=AuditAction.UPDATE,
                       object_type="registry.person", object_id=str(object_id),
                       changes={"name": ["a", "b"]}, prev_hash=tip.last_hash, key_id="")
    entry.hash = _sha256(audit._hashed_fields(entry))
    entry.save()
    tip.last_seq, tip.last_hash = entry.seq, entry.hash
    tip.save()
    return entry


# --- the database refuses (PostgreSQL) ------------------------------------------------

def _refused(sql: str, params: list | None = None, *, role: str = "",
             maintenance: str = "off") -> None:
    """Run `sql` in a savepoint with the maintenance switch as given (the test
    connections have it on, for Django's flush) and expect the trigger's refusal.
    The savepoint's rollback also undoes the SET LOCALs."""
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        if role:
            _raw(f"SET LOCAL ROLE {role}")
        _raw(f"SET LOCAL jiayuan.audit_maintenance = '{maintenance}'")
        _raw(sql, params)


@on_postgresql
def test_postgresql_refuses_update_delete_and_truncate_of_audit_entries(head):
    entry = _write(2, head)[0]
    _refused("UPDATE core_auditentry SET object_repr = %s WHERE seq = %s", ["forged", entry.seq])
    _refused("DELETE FROM core_auditentry WHERE seq = %s", [entry.seq])
    _refused("TRUNCATE core_auditentry CASCADE")
    assert AuditEntry.objects.get(seq=entry.seq).object_repr == entry.object_repr
    assert audit.verify_chain().ok


@on_postgresql
def test_postgresql_still_accepts_new_entries_with_the_switch_off(head):
    with transaction.atomic():
        _raw("SET LOCAL jiayuan.audit_maintenance = 'off'")
        entry = audit.record(AuditAction.LOGIN, actor=head)
    assert AuditEntry.objects.filter(seq=entry.seq).exists()
    assert audit.verify_chain().ok


@on_postgresql
def test_the_maintenance_switch_is_no_back_door_for_a_role_that_does_not_own_the_table(head):
    """The app's role in production (docs/deployment.md §2): even granted
    UPDATE, DELETE and TRUNCATE, and with the switch on, it is refused."""
    entry = _write(1, head)[0]
    role = f"jiayuan_test_app_{uuid.uuid4().hex[:12]}"
    with transaction.atomic():  # CREATE ROLE is transactional: rolled back at the end
        _raw(f"CREATE ROLE {role} NOLOGIN")
        _raw(f"GRANT USAGE ON SCHEMA public TO {role}")
        _raw(f"GRANT SELECT, UPDATE, DELETE, TRUNCATE ON core_auditentry TO {role}")
        _refused("UPDATE core_auditentry SET object_repr = 'forged' WHERE seq = %s",
                 [entry.seq], role=role, maintenance="on")
        _refused("DELETE FROM core_auditentry WHERE seq = %s", [entry.seq],
                 role=role, maintenance="on")
        _refused("TRUNCATE core_auditentry", role=role, maintenance="on")
        transaction.set_rollback(True)
    assert audit.verify_chain().ok


# --- the keyed digest -----------------------------------------------------------------

def test_new_entries_are_keyed_with_the_configured_key(head):
    entry = _write(1, head)[0]
    assert entry.key_id == auditkeys.signing_key_id() and len(entry.key_id) == 12
    assert entry.hash != _sha256(audit._hashed_fields(entry))


def test_a_rewrite_with_plain_sha256_digests_recomputed_is_detected(head):
    """Edit entry 3 of 6 and recompute every later link and digest with plain
    SHA-256: consistent for anyone without the key, not with it."""
    entries = _write(6, head)
    victim = entries[2].seq
    _rewrite(victim, object_repr="forged", downgrade=False)
    result = audit.verify_chain()
    assert not result.ok and result.first_broken == victim
    assert [(b.seq, b.kind) for b in result.breaks] == [
        (e.seq, "content") for e in entries[2:]]
    assert result.checked == victim - 1


def test_a_rewrite_that_also_drops_the_key_id_is_detected(head):
    """The same rewrite, marking the entries as written before the key existed:
    an unkeyed entry after keyed ones is reported."""
    entries = _write(5, head)
    victim = entries[1].seq
    _rewrite(victim, object_repr="forged", downgrade=True)
    result = audit.verify_chain()
    assert not result.ok and result.first_broken == victim
    assert [(b.seq, b.kind) for b in result.breaks] == [(e.seq, "unkeyed") for e in entries[1:]]
    assert "without the audit key" in result.reason


def test_a_chain_rewritten_entirely_without_the_key_is_detected_once_pinned(head, settings):
    """Every entry downgraded: nothing keyed remains to compare with, so the
    operator's AUDIT_UNKEYED_UNTIL (the last entry from before the key) decides."""
    _write(3, head)
    every = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    _rewrite(every[0], object_repr="forged", downgrade=True)
    assert audit.verify_chain().ok  # nothing in the database tells them apart
    settings.AUDIT_UNKEYED_UNTIL = 0
    result = audit.verify_chain()
    assert [(b.seq, b.kind) for b in result.breaks] == [(seq, "unkeyed") for seq in every]
    assert "AUDIT_UNKEYED_UNTIL" in result.reason


# --- entries from before the key ------------------------------------------------------

def test_an_old_scheme_entry_still_verifies_before_keyed_ones(head, settings, capsys):
    old = [_old_scheme_entry(i) for i in range(2)]
    new = _write(2, head)
    assert new[0].prev_hash == old[-1].hash and new[0].key_id
    result = audit.verify_chain()
    assert result.ok, result.reason
    assert result.unkeyed_until == old[-1].seq
    call_command("verify_audit")
    assert f"set AUDIT_UNKEYED_UNTIL={old[-1].seq}" in capsys.readouterr().out
    settings.AUDIT_UNKEYED_UNTIL = old[-1].seq
    assert audit.verify_chain().ok
    settings.AUDIT_UNKEYED_UNTIL = old[0].seq
    result = audit.verify_chain()
    assert [(b.seq, b.kind) for b in result.breaks] == [(old[1].seq, "unkeyed")]


def test_an_edited_old_scheme_entry_is_reported(head):
    old = _old_scheme_entry(1)
    _write(1, head)
    _raw("UPDATE core_auditentry SET object_repr = %s WHERE seq = %s", ["forged", old.seq])
    result = audit.verify_chain()
    assert [(b.seq, b.kind) for b in result.breaks] == [(old.seq, "content")]


# --- rotation -------------------------------------------------------------------------

def test_entries_signed_with_an_old_key_verify_after_rotation(head, settings):
    old_keys = list(settings.AUDIT_KEYS)
    before = _write(2, head)
    settings.AUDIT_KEYS = ["a-new-audit-key-for-tests-only", *old_keys]
    after = _write(2, head)
    assert after[0].key_id != before[0].key_id
    assert audit.verify_chain().ok
    settings.AUDIT_KEYS = ["a-new-audit-key-for-tests-only"]
    result = audit.verify_chain()
    assert [(b.seq, b.kind) for b in result.breaks] == [(e.seq, "unknown_key") for e in before]
    assert before[0].key_id in result.reason


# --- every break, not only the first --------------------------------------------------

def test_verify_audit_reports_every_edited_entry(head):
    entries = _write(6, head)
    for victim in (entries[1], entries[4]):
        _raw("UPDATE core_auditentry SET object_repr = %s WHERE seq = %s",
             ["forged", victim.seq])
    result = audit.verify_chain()
    assert [(b.seq, b.kind) for b in result.breaks] == [
        (entries[1].seq, "content"), (entries[4].seq, "content")]
    assert result.verified == AuditEntry.objects.count() - 2
    with pytest.raises(CommandError) as caught:
        call_command("verify_audit")
    message = str(caught.value)
    assert f"broken at entry {entries[1].seq}:" in message
    assert f"  entry {entries[1].seq}: content changed: " in message
    assert f"  entry {entries[4].seq}: content changed: " in message
    assert "2 break(s)" in message


def test_verify_audit_reports_a_gap_and_a_later_edit(head):
    entries = _write(6, head)
    _raw("DELETE FROM core_auditentry WHERE seq IN (%s, %s)", [entries[1].seq, entries[2].seq])
    _raw("UPDATE core_auditentry SET object_repr = %s WHERE seq = %s", ["forged", entries[4].seq])
    result = audit.verify_chain()
    assert [(b.seq, b.kind) for b in result.breaks] == [
        (entries[1].seq, "missing"), (entries[4].seq, "content")]
    assert result.breaks[0].reason == (
        f"entries {entries[1].seq} to {entries[2].seq} are missing (next is {entries[3].seq})")
    with pytest.raises(CommandError) as caught:
        call_command("verify_audit")
    assert f"  entry {entries[1].seq}: entry missing: " in str(caught.value)


def test_verify_audit_reports_a_broken_link_and_the_json_lists_every_break(head):
    """An entry whose hash was recomputed with the key (someone who has it):
    it verifies on its own; the next entry's link does not."""
    entries = _write(4, head)
    victim = AuditEntry.objects.get(seq=entries[1].seq)
    victim.object_repr = "forged"
    victim.payload_digest = audit.payload_digest(victim)
    _raw("UPDATE core_auditentry SET object_repr = %s, payload_digest = %s, hash = %s "
         "WHERE seq = %s", ["forged", victim.payload_digest,
                            audit.entry_digest(audit._hashed_fields(victim)), victim.seq])
    _raw("UPDATE core_auditentry SET actor_role = %s WHERE seq = %s", ["admin", entries[3].seq])
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_audit", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["first_broken"] == entries[2].seq
    assert [(b["seq"], b["kind"]) for b in report["breaks"]] == [
        (entries[2].seq, "link"), (entries[3].seq, "content")]


# --- the key is required --------------------------------------------------------------

def _check(env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items()
            if k not in {"SECRET_KEY", "FIELD_ENCRYPTION_KEY", "FIELD_HASH_KEY", "AUDIT_KEY",
                         "JIAYUAN_LOCAL_KEYS", "JIAYUAN_DEMO", "DEBUG", "DATABASE_URL"}}
    return subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env={**base, **env},
                          capture_output=True, text=True, timeout=60)


PRODUCTION_KEYS = {"DEBUG": "0", "JIAYUAN_LOCAL_KEYS": "0", "SECRET_KEY": "x" * 50,
                   "FIELD_ENCRYPTION_KEY": "Y3JlYXRlZC1mb3ItdGVzdHMtb25seS0zMi1ieXRlcyE=",
                   "FIELD_HASH_KEY": "h" * 32}


def test_production_refuses_to_start_without_the_audit_key(tmp_path):
    refused = _check({**PRODUCTION_KEYS, "JIAYUAN_VAR_DIR": str(tmp_path)})
    assert refused.returncode != 0 and "AUDIT_KEY must be set" in refused.stderr
    key_file = tmp_path / "audit_key"
    key_file.write_text("a" * 43 + "\n")
    started = _check({**PRODUCTION_KEYS, "JIAYUAN_VAR_DIR": str(tmp_path),
                      "AUDIT_KEY_FILE": str(key_file)})
    assert started.returncode == 0, started.stderr


def test_local_keys_include_an_audit_key(tmp_path):
    assert _check({"JIAYUAN_LOCAL_KEYS": "1", "JIAYUAN_VAR_DIR": str(tmp_path)}).returncode == 0
    assert "\nAUDIT_KEY=" in (tmp_path / "local-keys.env").read_text()


def test_an_existing_local_keys_file_gains_an_audit_key(tmp_path):
    """A checkout where `make demo` ran before the audit key existed."""
    (tmp_path / "local-keys.env").write_text(
        "# old\nSECRET_KEY=" + "s" * 50 + "\nFIELD_ENCRYPTION_KEY="
        + PRODUCTION_KEYS["FIELD_ENCRYPTION_KEY"] + "\nFIELD_HASH_KEY=" + "h" * 32 + "\n")
    assert _check({"JIAYUAN_VAR_DIR": str(tmp_path)}).returncode == 0
    assert "AUDIT_KEY=" in (tmp_path / "local-keys.env").read_text()


@override_settings(AUDIT_KEYS=["one-key"])
def test_the_key_id_names_the_key_without_revealing_it():
    assert auditkeys.signing_key_id() == auditkeys.key_id("one-key") != "one-key"
    assert auditkeys.key_id("another-key") != auditkeys.key_id("one-key")
