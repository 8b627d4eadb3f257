from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from jiayuan.core import audit
from jiayuan.core.models import AuditAction, AuditEntry


@pytest.fixture
def admin_site(personas):
    """A client logged in to the Django admin as the administrator persona."""
    from django.test import Client

    admin_user = personas["admin"]
    admin_user.is_staff = True
    admin_user.save()
    client = Client()
    client.force_login(admin_user)
    return client, admin_user


def _write(n: int, user) -> list[AuditEntry]:
    return [audit.record(AuditAction.UPDATE, actor=user, object_type="registry.person",
                         object_id=i, changes={"name": [f"a{i}", f"b{i}"]}) for i in range(n)]


def _raw(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_it_chains_entries_and_verifies(head):
    entries = _write(5, head)
    assert [e.seq for e in entries] == list(range(entries[0].seq, entries[0].seq + 5))
    assert entries[1].prev_hash == entries[0].hash
    result = audit.verify_chain()
    assert result.ok and result.checked == AuditEntry.objects.count()


def test_it_records_actor_role_and_ip(head):
    token = audit.current_ip.set("10.1.2.3")
    try:
        entry = audit.record(AuditAction.REVEAL, actor=head, object_type="x", object_id=1)
    finally:
        audit.current_ip.reset(token)
    assert (entry.actor_username, entry.actor_role, entry.ip) == ("head", "head", "10.1.2.3")


def test_it_refuses_updates_and_deletes_through_the_orm(head):
    entry = _write(1, head)[0]
    entry.action = "delete"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(seq=entry.seq).update(action="x")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()


def test_it_detects_an_edited_row(head):
    entries = _write(6, head)
    victim = entries[3]
    _raw("UPDATE core_auditentry SET object_repr = %s WHERE seq = %s", ["forged", victim.seq])
    result = audit.verify_chain()
    assert not result.ok and result.first_broken == victim.seq
    with pytest.raises(CommandError, match=f"broken at entry {victim.seq}"):
        call_command("verify_audit")


def test_it_detects_an_edited_change_diff(head):
    entries = _write(3, head)
    _raw("UPDATE core_auditentry SET changes = %s WHERE seq = %s",
         ['{"name": ["x", "y"]}', entries[1].seq])
    assert audit.verify_chain().first_broken == entries[1].seq


def test_it_detects_a_deleted_row_in_the_middle(head):
    entries = _write(5, head)
    _raw("DELETE FROM core_auditentry WHERE seq = %s", [entries[2].seq])
    result = audit.verify_chain()
    assert not result.ok and result.first_broken == entries[2].seq


def test_it_detects_a_deleted_tail(head):
    entries = _write(4, head)
    _raw("DELETE FROM core_auditentry WHERE seq = %s", [entries[-1].seq])
    result = audit.verify_chain()
    assert not result.ok
    assert "tip" in result.reason


def test_it_detects_a_rehashed_row(head):
    """Recomputing one row's hash after editing it still breaks the next link."""
    entries = _write(4, head)
    victim = AuditEntry.objects.get(seq=entries[1].seq)
    victim.object_repr = "forged"
    victim.payload_digest = audit.payload_digest(victim)
    new_hash = audit.entry_digest(audit._hashed_fields(victim))
    _raw("UPDATE core_auditentry SET object_repr = %s, payload_digest = %s, hash = %s "
         "WHERE seq = %s", ["forged", victim.payload_digest, new_hash, victim.seq])
    assert audit.verify_chain().first_broken == entries[2].seq


def test_verify_audit_command_reports_success(head, capsys):
    _write(3, head)
    call_command("verify_audit")
    assert "intact" in capsys.readouterr().out


def test_it_keeps_sensitive_values_out_of_diffs():
    changes = audit.diff({"ethnicity": "05", "name": "a"}, {"ethnicity": "10", "name": "b"},
                         sensitive=["ethnicity"])
    assert changes == {"ethnicity": audit.CHANGED, "name": ["a", "b"]}


def test_admin_never_writes_passwords_to_the_log(admin_site):
    client, admin_user = admin_site
    response = client.post("/admin/core/user/add/", {
        "username": "newworker", "password1": "Sekrit-Passw0rd-42",
        "password2": "Sekrit-Passw0rd-42", "role": "gridworker", "usable_password": "true",
        "community": admin_user.community_id})
    assert response.status_code == 302, response.content.decode()[:500]
    dump = str(list(AuditEntry.objects.values_list("changes", flat=True)))
    assert "Sekrit-Passw0rd-42" not in dump
    assert AuditEntry.objects.filter(action="create", object_type="core.user").exists()


def test_admin_refuses_a_district_wide_caseworker_and_self_promotion(admin_site):
    client, admin_user = admin_site
    response = client.post("/admin/core/user/add/", {
        "username": "everywhere", "password1": "Sekrit-Passw0rd-42",
        "password2": "Sekrit-Passw0rd-42", "role": "caseworker", "usable_password": "true"})
    assert response.status_code == 200
    assert not AuditEntry.objects.filter(object_repr="everywhere").exists()
    page = client.get(f"/admin/core/user/{admin_user.pk}/change/").content.decode()
    assert 'name="role"' not in page


def test_admin_password_resets_are_audited(admin_site, personas):
    client, _admin = admin_site
    target = personas["head"]
    response = client.post(f"/admin/core/user/{target.pk}/password/", {
        "password1": "An0ther-Sekrit-99", "password2": "An0ther-Sekrit-99",
        "usable_password": "true"})
    assert response.status_code == 302
    entry = AuditEntry.objects.filter(object_type="core.user", object_id=str(target.pk)).last()
    assert entry.changes == {"password": "(changed)"} and entry.actor_username == "admin"
