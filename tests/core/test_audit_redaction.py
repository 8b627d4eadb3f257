"""Redacting audit entries (an erased person) with the chain intact.

An entry hashes a salted digest of what it says about its object; `redact`
blanks the text, the diff, the address and the salt, keeps the digest, and
appends one REDACT entry naming what it blanked. A redaction made any other
way (no REDACT entry names it), an edit of a redactable entry's text, and on
PostgreSQL any UPDATE that is not exactly a redaction are all caught.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from jiayuan.core import audit
from jiayuan.core.models import AuditAction, AuditEntry

NAME = "玛依拉·测试"

on_postgresql = pytest.mark.skipif(
    "connection.vendor != 'postgresql'",
    reason="the triggers are PostgreSQL's; SQLite has none (CI runs the suite on both)")


def _raw(sql: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _about(user, person_id: int, n: int = 2) -> list[AuditEntry]:
    return [audit.record(AuditAction.UPDATE, actor=user, object_type="registry.person",
                         object_id=person_id, object_repr=NAME, ip="203.0.113.9",
                         changes={"name": [NAME, f"{NAME}{i}"]}) for i in range(n)]


def _texts() -> str:
    return " ".join(f"{e.object_repr} {e.changes} {e.ip}" for e in AuditEntry.objects.all())


def test_redacting_blanks_the_text_and_keeps_the_chain(head):
    mine = _about(head, 41)
    other = audit.record(AuditAction.UPDATE, actor=head, object_type="registry.person",
                         object_id=42, object_repr="someone else")
    count = audit.redact(AuditEntry.objects.filter(object_type="registry.person",
                                                   object_id="41"),
                         actor=head, reason="erasure", subject="registry.person:41")
    assert count == 2
    assert NAME not in _texts() and "203.0.113.9" not in _texts()
    for entry in AuditEntry.objects.filter(seq__in=[e.seq for e in mine]):
        assert entry.redacted and entry.object_repr == "" and entry.changes == {}
        assert entry.payload_salt == "" and entry.payload_digest  # the digest stays
    assert AuditEntry.objects.get(seq=other.seq).object_repr == "someone else"
    record = AuditEntry.objects.filter(action=AuditAction.REDACT).get()
    assert record.changes["seqs"] == [e.seq for e in mine]
    result = audit.verify_chain()
    assert result.ok, result.breaks


def test_redacting_twice_redacts_nothing_more(head):
    _about(head, 7)
    entries = AuditEntry.objects.filter(object_id="7", object_type="registry.person")
    assert audit.redact(entries, actor=head, reason="erasure") == 2
    assert audit.redact(entries, actor=head, reason="erasure") == 0
    assert AuditEntry.objects.filter(action=AuditAction.REDACT).count() == 1
    assert audit.verify_chain().ok


def test_a_redaction_no_entry_names_is_reported(head):
    """Blanking an entry the way `redact` does, but without the REDACT entry
    (someone with database access hiding what an entry said)."""
    victim = _about(head, 9, n=1)[0]
    _raw("UPDATE core_auditentry SET object_repr = '', changes = %s, ip = NULL, "
         "payload_salt = '', redacted = %s WHERE seq = %s", ["{}", True, victim.seq])
    result = audit.verify_chain()
    assert not result.ok
    assert [(b.seq, b.kind) for b in result.breaks] == [(victim.seq, "redacted")]


def test_editing_a_redactable_entrys_text_is_reported_at_that_entry(head):
    victim = _about(head, 11, n=2)[0]
    _raw("UPDATE core_auditentry SET object_repr = %s WHERE seq = %s", ["forged", victim.seq])
    result = audit.verify_chain()
    assert not result.ok and result.first_broken == victim.seq
    assert result.breaks[0].kind == "content"


def test_a_half_redaction_is_reported(head):
    """Text blanked but the salt kept (or the flag set with the text left):
    not a redaction."""
    victim = _about(head, 12, n=1)[0]
    _raw("UPDATE core_auditentry SET redacted = %s WHERE seq = %s", [True, victim.seq])
    assert audit.verify_chain().first_broken == victim.seq


def test_entries_from_before_redaction_are_kept_and_counted(head):
    """An entry without a payload digest hashed its text directly: blanking it
    would break the chain, so `redact` leaves it and says so."""
    old = _about(head, 13, n=1)[0]
    with transaction.atomic():
        _raw("SET LOCAL jiayuan.audit_maintenance = 'on'" if connection.vendor == "postgresql"
             else "SELECT 1")
        # Rewrite it as the code before 0.11 wrote it: the text in the hash.
        entry = AuditEntry.objects.get(seq=old.seq)
        entry.payload_digest = entry.payload_salt = ""
        digest = audit.entry_digest(audit._hashed_fields(entry))
        assert digest != entry.hash
    # Only the REDACT entry's counts are checked here (the chain of a
    # hand-made old entry is another test's business).
    _raw("UPDATE core_auditentry SET payload_digest = '', payload_salt = '', hash = %s "
         "WHERE seq = %s", [digest, old.seq])
    assert audit.redact(AuditEntry.objects.filter(seq=old.seq), actor=head,
                        reason="erasure") == 0
    record = AuditEntry.objects.filter(action=AuditAction.REDACT).get()
    assert record.changes["kept"] == 1 and record.changes["seqs"] == []
    assert AuditEntry.objects.get(seq=old.seq).object_repr == NAME


def test_verify_audit_command_passes_after_a_redaction(head, capsys):
    _about(head, 21)
    audit.redact(AuditEntry.objects.filter(object_id="21"), actor=head, reason="erasure")
    call_command("verify_audit")
    assert "intact" in capsys.readouterr().out


@on_postgresql
def test_postgresql_lets_a_redaction_through_and_nothing_else(head):
    victim = _about(head, 31, n=1)[0]

    def refused(sql: str, params: list) -> None:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            _raw("SET LOCAL jiayuan.audit_maintenance = 'off'")
            _raw(sql, params)

    # Blanking the text but changing the actor too; not blanking the address;
    # un-redacting; a redaction of an entry without a digest.
    refused("UPDATE core_auditentry SET object_repr = '', changes = '{}', ip = NULL, "
            "payload_salt = '', redacted = true, actor_username = 'x' WHERE seq = %s",
            [victim.seq])
    refused("UPDATE core_auditentry SET object_repr = '', changes = '{}', "
            "payload_salt = '', redacted = true WHERE seq = %s", [victim.seq])
    refused("UPDATE core_auditentry SET object_repr = 'forged' WHERE seq = %s", [victim.seq])
    with transaction.atomic():
        _raw("SET LOCAL jiayuan.audit_maintenance = 'off'")
        assert audit.redact(AuditEntry.objects.filter(seq=victim.seq), actor=head,
                            reason="erasure") == 1
    refused("UPDATE core_auditentry SET redacted = false WHERE seq = %s", [victim.seq])
    assert audit.verify_chain().ok
