"""A roster batch's copies of its file's cells (rights.roster_rows) go with the
file: when retention deletes it after RETENTION_ROSTER_FILE_DAYS, and when an
erasure deletes the file of a batch that wrote the person. Retention's audit
entries store the rule's label as its msgid, shown in the reader's language."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.utils import translation

from jiayuan.core.models import AuditEntry
from jiayuan.core.templatetags.audit_display import audit_text
from jiayuan.registry.models import Person
from jiayuan.rights import retention
from jiayuan.rights.erasure import erase_person
from jiayuan.sheets.models import CheckState, ImportBatch, ImportCheckRow

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2030, 3, 31, 10, 0, tzinfo=TZ)
DAYS = 30


def rule() -> retention.Rule:
    return next(r for r in retention.RULES if r.name == "roster_files")


def make_batch(head: Any, grid: Any, at: datetime, name: str, *, file: bool = True,
               status: str = "draft", who: str = "金英姬") -> ImportBatch:
    """A draft with its file, a stored check of two rows, the column samples
    and one row left out, all holding `who`'s cells."""
    with time_machine.travel(at, tick=False):
        batch = ImportBatch(
            community=grid.community, grid=grid, created_by=head, filename=f"{name}.csv",
            file_sha256=name.ljust(64, "0"), status=status, counts={"created": 3},
            book=[{"name": "Sheet1", "visible": True, "rows": 2, "header_row": 1,
                   "signature": ["name", "phone"], "header": ["姓名", "电话"],
                   "labels": ["姓名", "电话"], "samples": [who, "138****0000"]}],
            sheets=["Sheet1"], check_state=CheckState.DONE, check_counts={"new": 2},
            check_summary={"total": 2, "notices": [f"{who} appears twice"], "sheets": []},
            not_imported=[{"sheet": "Sheet1", "row": 3, "name": who, "outcome": "invalid",
                           "reasons": ["电话: not a phone number"]}])
        if file:
            batch.file.save(f"{name}.csv", ContentFile(f"姓名,电话\n{who},1\n".encode()),
                            save=False)
        batch.save()
    for seq in (1, 2):
        ImportCheckRow.objects.create(batch=batch, seq=seq, ref=seq, number=seq + 1,
                                      outcome="new", name=who, dwelling="3-2-302")
    return batch


def assert_forgotten(batch: ImportBatch) -> None:
    batch.refresh_from_db()
    assert not batch.file
    assert not ImportCheckRow.objects.filter(batch=batch).exists()
    assert batch.book[0]["samples"] == [] and batch.book[0]["labels"] == ["姓名", "电话"]
    assert batch.not_imported == [{"sheet": "Sheet1", "row": 3, "name": "", "outcome": "invalid",
                                   "reasons": ["电话: not a phone number"]}]
    assert batch.check_summary == {} and batch.check_state == CheckState.NONE
    assert batch.counts == {"created": 3}  # the batch keeps its counts
    assert "金英姬" not in str(ImportBatch.objects.filter(pk=batch.pk).values().get())


def assert_kept(batch: ImportBatch, who: str = "金英姬") -> None:
    batch.refresh_from_db()
    assert batch.file and batch.file.storage.exists(batch.file.name)
    assert ImportCheckRow.objects.filter(batch=batch).count() == 2
    assert batch.book[0]["samples"] == [who, "138****0000"]
    assert batch.not_imported[0]["name"] == who
    assert batch.check_state == CheckState.DONE and batch.check_summary["total"] == 2


@pytest.fixture
def batches(head: Any, grid_a: Any, settings: Any) -> tuple[ImportBatch, ImportBatch]:
    settings.RETENTION_ROSTER_FILE_DAYS = DAYS
    edge = NOW - timedelta(days=DAYS)
    return (make_batch(head, grid_a, edge, "old"),
            make_batch(head, grid_a, edge + timedelta(seconds=1), "young"))


def test_the_check_rows_and_samples_go_with_the_file_on_the_day(batches):
    old, young = batches
    assert rule().apply(NOW) == 1
    assert_forgotten(old)
    assert_kept(young)
    # A second later the young one's day has come too.
    assert rule().apply(NOW + timedelta(seconds=1)) == 1
    assert_forgotten(young)
    assert rule().apply(NOW + timedelta(seconds=1)) == 0


def test_a_batch_whose_file_an_earlier_run_deleted_still_loses_its_cells(head, grid_a,
                                                                        settings):
    """Batches from before this rule: the file is gone, the cells were kept."""
    settings.RETENTION_ROSTER_FILE_DAYS = DAYS
    old = make_batch(head, grid_a, NOW - timedelta(days=DAYS + 5), "legacy", file=False,
                     status="committed")
    assert list(rule().due(NOW)) == [old]
    assert rule().due(NOW - timedelta(days=6)).count() == 0
    assert rule().apply(NOW) == 1
    assert_forgotten(old)
    assert rule().due(NOW).count() == 0


def test_the_report_counts_batches_with_cells_to_forget(batches):
    [line] = [line for line in retention.report(NOW) if line.name == "roster_files"]
    assert line.due_now == 1 and line.due_soon == 2


# --- erasure ----------------------------------------------------------------------------

def test_erasure_forgets_the_cells_of_the_batches_that_wrote_the_person(head, household,
                                                                        grid_a):
    """Only the batches that wrote the person: another upload keeps its check."""
    wrote = make_batch(head, grid_a, NOW, "wrote")
    other = make_batch(head, grid_a, NOW, "other", who="李四")
    person = Person.objects.get(household=household, name="金英姬")
    Person.objects.filter(pk=person.pk).update(import_batch_id=wrote.pk)
    person.refresh_from_db()
    counts = erase_person(actor=head, person=person, reason="request")
    assert counts["sheets.ImportCheckRow"] == 2
    assert_forgotten(wrote)
    assert_kept(other, who="李四")


# --- the audit entry's label ----------------------------------------------------------

def test_the_entry_written_in_english_reads_in_chinese(batches):
    with translation.override("en"):
        rule().apply(NOW)
    entry = AuditEntry.objects.get(object_type=retention.OBJECT_TYPE, object_id="roster_files")
    assert entry.object_repr == "Uploaded roster files"  # the msgid, no language
    with translation.override("zh-hans"):
        assert audit_text(entry.object_repr) == "上传的花名册文件"


def test_the_entry_written_in_chinese_stores_the_same_msgid(batches):
    with translation.override("zh-hans"):
        rule().apply(NOW)
    entry = AuditEntry.objects.get(object_type=retention.OBJECT_TYPE, object_id="roster_files")
    assert entry.object_repr == "Uploaded roster files"
    with translation.override("zh-hant"):
        assert audit_text(entry.object_repr) != "Uploaded roster files"
