"""The audit log page's filters, and `manage.py verify_audit` on a deleted row.

tests/core/test_audit.py checks the chain itself (edits, a deleted row through
verify_chain, a deleted tail, a re-hashed row) and the command's success
message; here the command's answer when a row is deleted, and the auditor's
filters (actor, action, object type and id, dates) on the page.
"""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.urls import reverse

from jiayuan.core import audit
from jiayuan.core.models import AuditAction, AuditEntry
from jiayuan.registry import services

# --- helpers ----------------------------------------------------------------------


def client_for(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def rows(client: Client, **params: Any) -> list[AuditEntry]:
    """The entries the audit page lists for these filters (first page)."""
    response = client.get(reverse("audit_log"), params)
    assert response.status_code == 200
    return list(response.context["page"])


def seqs(entries: list[AuditEntry]) -> set[int]:
    return {e.seq for e in entries}


def record_at(when: datetime, action: str, **kwargs: Any) -> AuditEntry:
    """An entry as if written at `when` (the chain does not care about order in time)."""
    with mock.patch.object(audit.timezone, "now", return_value=when):
        return audit.record(action, **kwargs)


@pytest.fixture
def log(personas: dict) -> dict[str, AuditEntry]:
    """A small log by three people, of three kinds, on three days (at 04:00
    UTC, noon in China: the same date on either clock)."""
    head, caseworker, gridworker = personas["head"], personas["caseworker"], personas["gridworker"]
    day1 = datetime(2025, 3, 1, 4, 0, tzinfo=UTC)
    day2 = datetime(2025, 3, 5, 4, 0, tzinfo=UTC)
    day3 = datetime(2025, 3, 9, 4, 0, tzinfo=UTC)
    return {
        "head_update_p1": record_at(day1, AuditAction.UPDATE, actor=head,
                                    object_type="registry.person", object_id=9001),
        "cw_reveal_p1": record_at(day1, AuditAction.REVEAL, actor=caseworker,
                                  object_type="registry.person", object_id=9001),
        "cw_update_h1": record_at(day2, AuditAction.UPDATE, actor=caseworker,
                                  object_type="registry.household", object_id=9002),
        "gw_print_h1": record_at(day2, AuditAction.PRINT, actor=gridworker,
                                 object_type="registry.household", object_id=9002),
        "cw_reveal_p2": record_at(day3, AuditAction.REVEAL, actor=caseworker,
                                  object_type="registry.person", object_id=9003),
        "gw_update_p2": record_at(day3, AuditAction.UPDATE, actor=gridworker,
                                  object_type="registry.person", object_id=9003),
    }


def pick(log: dict[str, AuditEntry], *names: str) -> set[int]:
    return {log[n].seq for n in names}


# --- filters ----------------------------------------------------------------------

def test_without_filters_the_auditor_sees_every_entry_newest_first(log, personas):
    listed = rows(client_for(personas["auditor"]))
    assert seqs(listed) >= pick(log, *log)
    assert [e.seq for e in listed] == sorted((e.seq for e in listed), reverse=True)


def test_the_actor_filter_keeps_only_that_actors_entries(log, personas):
    listed = rows(client_for(personas["auditor"]), actor="caseworker")
    assert seqs(listed) == pick(log, "cw_reveal_p1", "cw_update_h1", "cw_reveal_p2")
    assert {e.actor_username for e in listed} == {"caseworker"}


def test_the_actor_filter_is_an_exact_username(log, personas):
    # "worker" is part of two usernames but the name of nobody.
    assert rows(client_for(personas["auditor"]), actor="worker") == []


def test_the_action_filter_keeps_only_that_action(log, personas):
    client = client_for(personas["auditor"])
    assert seqs(rows(client, action="reveal")) == pick(log, "cw_reveal_p1", "cw_reveal_p2")
    assert seqs(rows(client, action="print")) == pick(log, "gw_print_h1")
    updates = rows(client, action="update")
    assert seqs(updates) >= pick(log, "head_update_p1", "cw_update_h1", "gw_update_p2")
    assert {e.action for e in updates} == {"update"}


def test_the_object_type_filter_keeps_only_that_type(log, personas):
    client = client_for(personas["auditor"])
    households = rows(client, object_type="registry.household")
    assert seqs(households) == pick(log, "cw_update_h1", "gw_print_h1")
    people = rows(client, object_type="registry.person")
    assert seqs(people) == pick(log, "head_update_p1", "cw_reveal_p1", "cw_reveal_p2",
                                "gw_update_p2")


def test_the_object_id_filter_narrows_to_one_object(log, personas):
    listed = rows(client_for(personas["auditor"]), object_type="registry.person",
                  object_id="9003")
    assert seqs(listed) == pick(log, "cw_reveal_p2", "gw_update_p2")


def test_the_date_filters_are_inclusive_and_narrow_the_rows(log, personas):
    client = client_for(personas["auditor"])
    assert seqs(rows(client, since="2025-03-05", until="2025-03-05")) == pick(
        log, "cw_update_h1", "gw_print_h1")
    assert seqs(rows(client, until="2025-03-04")) == pick(log, "head_update_p1",
                                                          "cw_reveal_p1")
    assert seqs(rows(client, since="2025-03-02", until="2025-03-09")) == pick(
        log, "cw_update_h1", "gw_print_h1", "cw_reveal_p2", "gw_update_p2")
    # `since` alone also lists today's entries (the auditor's own login).
    later = rows(client, since="2025-03-06")
    assert seqs(later) >= pick(log, "cw_reveal_p2", "gw_update_p2")
    assert not seqs(later) & pick(log, "head_update_p1", "cw_reveal_p1", "cw_update_h1",
                                  "gw_print_h1")
    assert rows(client, since="2025-03-10", until="2025-03-31") == []


def test_filters_combine(log, personas):
    client = client_for(personas["auditor"])
    assert seqs(rows(client, actor="caseworker", action="reveal")) == pick(
        log, "cw_reveal_p1", "cw_reveal_p2")
    assert seqs(rows(client, actor="caseworker", action="reveal", since="2025-03-02")) == pick(
        log, "cw_reveal_p2")
    assert seqs(rows(client, actor="gridworker", object_type="registry.household")) == pick(
        log, "gw_print_h1")
    assert rows(client, actor="head", action="print") == []


def test_the_filters_find_what_real_services_wrote(household, personas):
    head, caseworker = personas["head"], personas["caseworker"]
    person = household.head
    services.person_update(actor=head, person=person, occupation="退休教师")
    services.person_reveal(actor=caseworker, person=person, field="phone", confirmed=True)
    client = client_for(personas["auditor"])
    about_him = rows(client, object_type="registry.person", object_id=str(person.pk))
    assert {(e.actor_username, e.action) for e in about_him} >= {
        ("head", "update"), ("caseworker", "reveal"), ("head", "create")}
    assert {e.object_id for e in about_him} == {str(person.pk)}
    reveals = rows(client, actor="caseworker", action="reveal")
    assert len(reveals) == 1 and reveals[0].changes == {"field": "phone"}
    assert reveals[0].object_id == str(person.pk)
    # The filtered page is the page: it lists the entry, not the others.
    body = client.get(reverse("audit_log"), {"actor": "caseworker",
                                             "action": "reveal"}).content.decode()
    assert f"registry.person:{person.pk}" in body and "退休教师" not in body


def test_a_malformed_date_shows_its_error_and_no_rows(log, personas):
    """Never the unfiltered log under the user's own filter values."""
    response = client_for(personas["auditor"]).get(
        reverse("audit_log"), {"actor": "caseworker", "since": "2025-13-45"})
    assert list(response.context["page"]) == []
    assert 'id="id_since_error"' in response.content.decode()


def test_the_time_column_says_which_clock_it_shows(personas, settings):
    record_at(datetime(2025, 3, 1, 4, 0, tzinfo=UTC), AuditAction.PRINT,
              actor=personas["head"], object_type="registry.household", object_id=9100)
    body = client_for(personas["auditor"]).get(reverse("audit_log"),
                                               {"object_id": "9100"}).content.decode()
    shown = re.search(r'<td class="nowrap">([^<]*)</td>', body)
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert shown is not None and shown.group(1) == "2025-03-01 12:00:00"
    assert "Time (Asia/Shanghai)" in body and "Time (UTC)" not in body


# --- verify_audit on a deleted row ---------------------------------------------------

def _delete(seq: int) -> None:
    # The ORM refuses (append-only); an intruder with database access does not.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE seq = %s", [seq])


@pytest.fixture
def chain(personas: dict) -> list[AuditEntry]:
    return [audit.record(AuditAction.UPDATE, actor=personas["head"],
                         object_type="registry.person", object_id=i,
                         changes={"occupation": [f"a{i}", f"b{i}"]}) for i in range(6)]


def test_verify_audit_is_intact_before_and_names_the_deleted_row_after(chain, capsys):
    call_command("verify_audit")
    assert f"{AuditEntry.objects.count()} entries verified" in capsys.readouterr().out
    victim = chain[2].seq
    _delete(victim)
    with pytest.raises(CommandError) as caught:
        call_command("verify_audit")
    message = str(caught.value)
    assert f"broken at entry {victim}:" in message
    assert f"entry {victim} is missing (next is {victim + 1})" in message
    # The entries before the gap still verify, and the command says how many.
    assert f"({victim - 1} entries verified before it)" in message
    assert caught.value.returncode == 1  # a non-zero exit status from manage.py


def test_verify_audit_names_the_first_of_several_deleted_rows(chain):
    _delete(chain[4].seq)
    _delete(chain[1].seq)
    with pytest.raises(CommandError, match=f"broken at entry {chain[1].seq}:"):
        call_command("verify_audit")


def test_verify_audit_detects_the_very_first_row_deleted(chain):
    first = AuditEntry.objects.order_by("seq").first().seq
    _delete(first)
    with pytest.raises(CommandError, match=f"broken at entry {first}:"):
        call_command("verify_audit")


def test_verify_audit_json_reports_the_deleted_row_and_still_fails(chain):
    victim = chain[3].seq
    _delete(victim)
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_audit", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["ok"] is False
    assert report["first_broken"] == victim
    assert report["checked"] == victim - 1
    assert "missing" in report["reason"]


def test_verify_audit_json_when_intact(chain):
    out = io.StringIO()
    call_command("verify_audit", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report == {"ok": True, "checked": AuditEntry.objects.count(), "first_broken": None,
                      "reason": "", "breaks": [], "unkeyed_until": 0}


def test_a_deleted_row_is_still_detected_after_more_entries_are_appended(chain, personas):
    victim = chain[0].seq
    _delete(victim)
    # Life goes on: the application appends as usual after the tampering.
    audit.record(AuditAction.LOGIN, actor=personas["caseworker"])
    services_entry = audit.record(AuditAction.PRINT, actor=personas["head"],
                                  object_type="registry.household", object_id=1)
    assert services_entry.seq > chain[-1].seq
    with pytest.raises(CommandError, match=f"broken at entry {victim}:"):
        call_command("verify_audit")
