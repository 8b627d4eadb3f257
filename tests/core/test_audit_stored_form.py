"""The audit hash covers exactly what the database stores.

A value the column stores in another form (an empty address stored as NULL, an
IPv6 address compressed, a long label cut to the column, a tuple stored as a
JSON list...) used to be hashed in the form it was given, so the entry read
back no longer matched its own hash and `verify_audit` reported it "edited":
after that, real tampering further on looked the same and was hidden.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from jiayuan.core import audit
from jiayuan.core.models import AuditAction, AuditEntry, AuditTip
from jiayuan.desk.models import Case
from tests.desk.test_portal import form_data, visitor


def _raw(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_it_verifies_after_a_real_portal_request(community, school_item):
    response = visitor().post(reverse("portal_request"), form_data(school_item))
    assert response.status_code in (200, 302), response.content[:300]
    case = Case.objects.get()
    entry = AuditEntry.objects.get(object_type="desk.case", object_id=str(case.pk))
    assert entry.ip is None and entry.actor_username == "portal"
    result = audit.verify_chain()
    assert result.ok, result.reason
    call_command("verify_audit")


def test_it_reports_tampering_after_a_portal_entry_at_the_tampered_entry(
        community, school_item, head):
    visitor().post(reverse("portal_request"), form_data(school_item))
    later = [audit.record(AuditAction.UPDATE, actor=head, object_type="registry.person",
                          object_id=i, changes={"name": ["a", "b"]}) for i in range(3)]
    _raw("UPDATE core_auditentry SET object_repr = %s WHERE seq = %s",
         ["forged", later[1].seq])
    result = audit.verify_chain()
    assert not result.ok and result.first_broken == later[1].seq
    assert "edited" in result.reason


class _Thing:
    def __str__(self) -> str:
        return "a thing"


VALUES = [
    None, "", "plain", "邹家角 鄒家角 🧧", "nul\x00inside", "x" * 500, 0, -1, 10**24,
    True, False, 0.1, 1.0, 1e16, 1e99, -2.5e-7, float("nan"), float("inf"),
    Decimal("12.50"), date(2024, 2, 29), datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    uuid.UUID(int=7), ("a", 1), ["a", ("b", None)], {"k": {"nested": [1, 2.0]}}, {1: "int key"},
    _Thing(),
]


@pytest.mark.parametrize("value", VALUES, ids=[repr(v)[:30] for v in VALUES])
def test_every_kind_of_value_round_trips(head, value):
    """Record, read back from the database, verify: in every field that can vary."""
    text = value if isinstance(value, str) else repr(value)
    entry = audit.record(AuditAction.UPDATE, actor=head, object_type=text * 3,
                         object_id=text, object_repr=text,
                         changes={"field": value, 7: [value, value], "t": (value,)})
    stored = AuditEntry.objects.get(seq=entry.seq)
    assert audit.entry_digest(audit._hashed_fields(stored)) == stored.hash
    assert audit.verify_chain().ok


@pytest.mark.parametrize("ip", ["", None, "192.0.2.1", "2001:0DB8:0000::0001",
                                "::ffff:192.0.2.1", "fe80::1"])
def test_every_kind_of_address_round_trips(head, ip):
    token = audit.current_ip.set(None)
    try:
        entry = audit.record(AuditAction.REVEAL, actor=head, object_type="x", object_id=1, ip=ip)
    finally:
        audit.current_ip.reset(token)
    stored = AuditEntry.objects.get(seq=entry.seq)
    assert stored.ip == entry.ip
    assert audit.verify_chain().ok


def test_it_records_labels_in_their_source_form(head, household):
    """A label in a diff or an object's name is kept as its msgid, so the log
    page can render it in the reader's language."""
    from django.utils import translation
    from django.utils.translation import gettext_lazy

    with translation.override("zh-hans"):
        entry = audit.record(AuditAction.UPDATE, actor=head, object_type="x", object_id=1,
                             changes={"label": gettext_lazy("Resident portal")})
    assert entry.changes == {"label": "Resident portal"}


def _legacy_entry(head, ip_hashed: str) -> AuditEntry:
    """Append an entry as the code before the fix did: hashed with ip "" and
    stored as NULL."""
    tip = AuditTip.objects.get_or_create(id=1)[0]
    entry = AuditEntry(seq=tip.last_seq + 1, at=datetime(2026, 1, 5, 8, 0, tzinfo=UTC),
                       actor_username="portal", action=AuditAction.CREATE,
                       object_type="desk.case", object_id="9", object_repr="ZJJ-2026-00009",
                       changes={"summary": "x"}, ip=ip_hashed, prev_hash=tip.last_hash)
    entry.hash = audit.entry_digest(audit._hashed_fields(entry))
    entry.ip = None
    entry.save()
    tip.last_seq, tip.last_hash = entry.seq, entry.hash
    tip.save()
    return entry


def test_a_legacy_chain_with_an_empty_address_still_verifies(head):
    audit.record(AuditAction.REVEAL, actor=head, object_type="x", object_id=1)
    _legacy_entry(head, "")
    audit.record(AuditAction.REVEAL, actor=head, object_type="x", object_id=2)
    assert audit.verify_chain().ok


def test_a_legacy_entry_that_was_edited_is_still_reported(head):
    legacy = _legacy_entry(head, "")
    _raw("UPDATE core_auditentry SET object_repr = %s WHERE seq = %s", ["forged", legacy.seq])
    assert audit.verify_chain().first_broken == legacy.seq


def test_an_address_removed_from_an_entry_is_reported(head):
    entry = audit.record(AuditAction.REVEAL, actor=head, object_type="x", object_id=1,
                         ip="192.0.2.1")
    _raw("UPDATE core_auditentry SET ip = NULL WHERE seq = %s", [entry.seq])
    assert audit.verify_chain().first_broken == entry.seq


def test_the_log_page_renders_labels_in_the_readers_language(personas):
    """A consent recorded from a Simplified-Chinese desk, and a portal request,
    read in Traditional Chinese and in English on the log page."""
    from django.conf import settings
    from django.test import Client
    from django.utils import translation

    from jiayuan.registry.models import Consent

    with translation.override("zh-hans"):
        entry = audit.record(AuditAction.CREATE, actor=personas["head"],
                             obj=Consent(purpose="referral", status="given"))
    assert entry.object_repr == "Referral to a named department (Given)"
    audit.record(AuditAction.CREATE, object_type="desk.case", object_id=1, username="portal",
                 ip="")
    client = Client()
    client.force_login(personas["auditor"])
    for lang, words in (("zh-hant", ["居民服務平台"]),
                        ("en", ["Resident portal", "Referral to a named department (Given)"])):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
        body = client.get(reverse("audit_log")).content.decode()
        for word in words:
            assert word in body, (lang, word)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hant"
    body = client.get(reverse("audit_log")).content.decode()
    with translation.override("zh-hant"):
        expected = f"{translation.gettext('Referral to a named department')} " \
                   f"({translation.gettext('Given')})"
    assert expected in body
