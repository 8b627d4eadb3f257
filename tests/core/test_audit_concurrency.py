"""The audit tip is held only for the append: a service's entries wait in its
transaction and are chained as it ends (jiayuan.core.audit). The chain stays
one line without gaps or forks however many write at once, an entry made in a
rolled-back savepoint is dropped with it, and a redaction sees the running
service's own entries."""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from jiayuan.core import audit
from jiayuan.core.models import AuditAction, AuditEntry, AuditTip
from tests.locking import in_thread, needs_postgres


def _note(actor: Any, n: int, text: str = "x") -> None:
    audit.record(AuditAction.UPDATE, actor=actor, object_type="test.thing", object_id=n,
                 object_repr=f"thing {n} {text}")


@audit.audited
def _writes(actor: Any, n: int, fail: bool = False) -> None:
    _note(actor, n)
    if fail:
        raise ValidationError("refused")


@audit.audited
def _outer(actor: Any) -> None:
    _note(actor, 1)
    with contextlib.suppress(ValidationError):
        _writes(actor, 2, fail=True)  # a nested service that fails: its savepoint rolls back
    _writes(actor, 3)


def _things() -> list[str]:
    return list(AuditEntry.objects.filter(object_type="test.thing").order_by("seq")
                .values_list("object_id", flat=True))


def test_a_service_chains_its_entries_as_it_ends(head):
    seen_inside: list[int] = []

    @audit.audited
    def service() -> None:
        _note(head, 1)
        _note(head, 2)
        seen_inside.append(AuditEntry.objects.filter(object_type="test.thing").count())

    before = AuditTip.objects.get_or_create(id=1)[0].last_seq
    service()
    assert seen_inside == [0]  # still waiting while the service ran
    assert _things() == ["1", "2"]
    entries = list(AuditEntry.objects.filter(object_type="test.thing").order_by("seq"))
    assert [e.seq for e in entries] == [before + 1, before + 2]
    assert entries[1].prev_hash == entries[0].hash
    assert entries[0].at <= entries[1].at
    assert audit.verify_chain().ok


def test_an_entry_of_a_rolled_back_savepoint_is_dropped(head):
    _outer(head)
    assert _things() == ["1", "3"]
    assert audit.verify_chain().ok


def test_a_failed_service_leaves_no_entry(head):
    with pytest.raises(ValidationError):
        _writes(head, 9, fail=True)
    assert _things() == []
    assert audit.verify_chain().ok


def test_a_batch_chains_its_entries_at_its_end(head):
    with audit.batch():
        _writes(head, 1)
        _note(head, 2)
        assert _things() == []
    assert _things() == ["1", "2"]
    assert audit.verify_chain().ok


def test_a_redaction_sees_the_running_services_own_entries(head):
    @audit.audited
    def erase() -> int:
        _note(head, 5, text="secret name")
        return audit.redact(AuditEntry.objects.filter(object_type="test.thing"),
                            actor=head, reason="test", subject="test.thing:5")

    assert erase() == 1
    entry = AuditEntry.objects.get(object_type="test.thing")
    assert entry.redacted and entry.object_repr == ""
    assert audit.verify_chain().ok


def test_outside_a_service_an_entry_is_appended_at_once(head):
    entry = audit.record(AuditAction.UPDATE, actor=head, object_type="test.thing", object_id=1)
    assert entry.seq and AuditEntry.objects.filter(seq=entry.seq).exists()


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_slow_service_does_not_hold_up_another(head):
    """While one service is still working (it has written, not yet ended),
    another service appends and commits: the tip is not held for the work."""
    started, release, other_done = threading.Event(), threading.Event(), threading.Event()
    errors: list[BaseException] = []

    @audit.audited
    def slow() -> None:
        _note(head, 1)
        started.set()
        if not release.wait(60):
            errors.append(TimeoutError("never released"))

    def other() -> None:
        try:
            started.wait(60)
            _writes(head, 2)
            other_done.set()
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    slow_thread = in_thread(slow)
    other_thread = in_thread(other)
    # Before the tip was held for the whole service, `other` waited here for `slow`.
    finished_first = other_done.wait(60)
    release.set()
    slow_thread.join(60)
    other_thread.join(60)
    assert not errors
    assert finished_first
    assert _things() == ["2", "1"]
    assert audit.verify_chain().ok


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_leave_one_line_without_gaps(head):
    writers, each = 8, 15
    errors: list[BaseException] = []

    def work(w: int) -> None:
        try:
            for i in range(each):
                _writes(head, w * 100 + i)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [in_thread(work, w) for w in range(writers)]
    for thread in threads:
        thread.join(120)
    assert not errors
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))  # no gaps
    hashes = list(AuditEntry.objects.order_by("seq").values_list("prev_hash", "hash"))
    assert all(prev == hashes[i][1] for i, (prev, _h) in enumerate(hashes[1:]))  # no forks
    assert len(_things()) == writers * each
    result = audit.verify_chain()
    assert result.ok, result.reason
    assert connection.vendor == "postgresql"
