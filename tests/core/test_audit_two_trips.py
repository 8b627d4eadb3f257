"""An entry recorded outside any transaction on PostgreSQL (a page showing a
sensitive detail) is appended in two round trips: BEGIN with the tip's lock,
then the insert, the tip's update and COMMIT in one message
(jiayuan.core.audit._append_two_trips). The chain stays one exact line, a
failure leaves nothing behind, and writers at once still leave no gaps."""

from __future__ import annotations

import functools
from typing import Any

import psycopg
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from jiayuan.core import audit, dbrouter
from jiayuan.core.models import AuditAction, AuditEntry, AuditTip
from tests.locking import needs_postgres, run_together

pytestmark = [needs_postgres, pytest.mark.django_db(transaction=True)]


def _view(actor: Any, n: int) -> AuditEntry:
    return audit.record(AuditAction.VIEW_SENSITIVE, actor=actor, object_type="test.page",
                        object_id=n, changes={"shown": ["festivals"]})


def test_an_entry_outside_a_transaction_takes_two_round_trips(head):
    _view(head, 0)  # the tip exists from here on
    with CaptureQueriesContext(connection) as ctx:
        entry = _view(head, 1)
    assert len(ctx.captured_queries) == 2, [q["sql"][:60] for q in ctx.captured_queries]
    assert ctx.captured_queries[-1]["sql"].endswith("COMMIT")
    assert connection.get_autocommit() and not connection.in_atomic_block
    stored = AuditEntry.objects.get(seq=entry.seq)
    assert stored.hash == entry.hash and stored.prev_hash == AuditEntry.objects.get(
        seq=entry.seq - 1).hash
    assert AuditTip.objects.get(id=1).last_seq == entry.seq
    result = audit.verify_chain()
    assert result.ok, result.reason


def test_the_first_entry_of_a_new_log_creates_the_tip(head):
    AuditTip.objects.all().delete()
    AuditEntry.objects.all()._raw_delete(AuditEntry.objects.db)  # a fresh log
    entry = _view(head, 1)
    assert entry.seq == 1 and AuditTip.objects.get(id=1).last_seq == 1
    assert audit.verify_chain().ok


def test_a_failed_append_leaves_nothing_and_the_connection_usable(head, monkeypatch):
    first = _view(head, 1)
    tip_before = AuditTip.objects.get(id=1)
    # The digest of an entry already in the log: the insert breaks the unique hash.
    monkeypatch.setattr(audit, "entry_digest", lambda fields: first.hash)
    with pytest.raises(Exception, match="hash"):
        _view(head, 2)
    monkeypatch.undo()
    assert connection.connection.info.transaction_status == 0  # idle, not in a transaction
    tip = AuditTip.objects.get(id=1)
    assert (tip.last_seq, tip.last_hash) == (tip_before.last_seq, tip_before.last_hash)
    assert not AuditEntry.objects.filter(object_type="test.page", object_id="2").exists()
    after = _view(head, 3)
    assert after.seq == first.seq + 1
    assert audit.verify_chain().ok


@audit.audited
def _service(actor: Any, n: int) -> None:
    audit.record(AuditAction.UPDATE, actor=actor, object_type="test.page", object_id=n)


def test_pages_and_services_at_once_leave_one_line_without_gaps(head):
    workers, each = 6, 15

    def work(w: int) -> None:
        for i in range(each):
            # Pages (two round trips) and services (their own transaction) in turn.
            (_view if (w + i) % 2 else _service)(head, w * 100 + i)

    _results, errors = run_together(*(functools.partial(work, w) for w in range(workers)))
    assert not errors
    rows = list(AuditEntry.objects.order_by("seq").values_list("seq", "prev_hash", "hash"))
    seqs = [seq for seq, _prev, _hash in rows]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))  # no gaps
    assert all(prev == rows[i][2] for i, (_s, prev, _h) in enumerate(rows[1:]))  # no forks
    assert AuditEntry.objects.filter(object_type="test.page").count() == workers * each
    assert AuditTip.objects.get(id=1).last_seq == seqs[-1]
    result = audit.verify_chain()
    assert result.ok, result.reason


def test_a_lock_timeout_on_the_tip_leaves_the_connection_usable(head):
    """The tip's lock not granted (a lock timeout): the entry is refused, the page
    not shown, and the session is not left in a failed transaction."""
    _view(head, 0)
    sd = connection.settings_dict
    other = psycopg.connect(host=sd["HOST"], port=sd["PORT"] or 5432, user=sd["USER"],
                            dbname=sd["NAME"])
    try:
        other.execute("BEGIN")
        other.execute("SELECT 1 FROM core_audittip WHERE id = 1 FOR UPDATE")
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
        before = AuditEntry.objects.count()
        with pytest.raises(Exception, match="lock timeout"):
            _view(head, 1)
    finally:
        other.rollback()
        other.close()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    status = connection.connection.info.transaction_status
    assert status == psycopg.pq.TransactionStatus.IDLE, status
    assert AuditEntry.objects.count() == before
    _view(head, 2)  # the next entry and a transaction work
    with transaction.atomic():
        assert AuditTip.objects.get(id=1).last_seq == AuditEntry.objects.count()
    assert audit.verify_chain().ok


def test_the_router_knows_the_request_wrote(head):
    """Read-your-writes: after a view's entry, the request's reads stay on the
    primary (jiayuan.core.dbrouter), as after any ORM write."""
    _view(head, 0)
    dbrouter.new_request()
    assert not dbrouter._wrote_here()
    entry = _view(head, 1)
    assert dbrouter._wrote_here()
    assert entry._state.adding is False and entry._state.db == "default"
