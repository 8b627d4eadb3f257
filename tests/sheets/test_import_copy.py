"""The bulk tables an import and a check write as plain rows (COPY on PostgreSQL,
executemany on SQLite; jiayuan.core.bulk) hold what the ORM would have written."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from jiayuan.core import audit
from jiayuan.registry.models import Consent, Person
from jiayuan.sheets import importing, messages
from jiayuan.sheets.importing.outcomes import RESTORE_FIELDS
from jiayuan.sheets.importing.plan import _Planner
from jiayuan.sheets.importing.upload import sheets_of
from jiayuan.sheets.models import CheckState, ImportChange, ImportCheckRow
from tests.sheets.test_importer import FAMILIES, HEADER, building3, csv_bytes  # noqa: F401

pytestmark = pytest.mark.django_db
FIELDS = ("seq", "ref", "number", "sheet", "outcome", "name", "dwelling", "note", "note_msg",
          "problems")


def _orm_rows(batch: Any, report: importing.Report) -> list[ImportCheckRow]:
    """The rows as the check stored them before, with bulk_create."""
    return [ImportCheckRow(
        batch_id=batch.pk, seq=i, ref=r.ref, number=r.number, sheet=r.sheet[:100],
        outcome=r.outcome, name=r.name, dwelling=r.dwelling,
        note_msg=messages.encode(r.note) if r.note else None,
        problems=[{"column": messages.encode(p.column), "reason": messages.encode(p.reason)}
                  for p in r.problems]) for i, r in enumerate(report.rows)]


def test_the_stored_check_rows_are_the_orm_rows(personas: dict, grid_a: Any,
                                                building3: Any) -> None:  # noqa: F811
    worker = personas["gridworker"]
    rows = [*FAMILIES,
            ["无名", "男", "1990-01-01", "123", "", "3", "1", "101", "子", "户籍"],  # rejected
            ["王小宝", "男", "2016年3月1日", "", "", "3", "9", "909", "户主", "常住"]]  # a note
    batch = importing.start(actor=worker, grid=grid_a, data=csv_bytes(rows),
                            filename="roster.csv")
    batch = importing.check_request(actor=worker, batch=batch)
    assert batch.check_state == CheckState.DONE
    copied = list(ImportCheckRow.objects.filter(batch=batch).values_list(*FIELDS))
    report = _Planner(worker, batch, sheets_of(batch, mapped_only=True)).plan()  # not frozen
    ImportCheckRow.objects.filter(batch=batch).delete()
    ImportCheckRow.objects.bulk_create(_orm_rows(batch, report))
    orm = list(ImportCheckRow.objects.filter(batch=batch).values_list(*FIELDS))
    assert copied == orm
    assert any(r[8] for r in orm) and any(r[9] for r in orm)  # a note and problems


def test_an_update_stores_its_changes_and_consents_as_the_orm_would(
        personas: dict, grid_a: Any, building3: Any) -> None:  # noqa: F811
    head = personas["head"]
    importing.commit(actor=head, batch=importing.start(
        actor=head, grid=grid_a, data=csv_bytes(FAMILIES), filename="roster.csv"))
    wang = Person.objects.get(name="王建国")
    before = {f: audit._plain(getattr(wang, f)) for f in RESTORE_FIELDS}
    changed = [[*FAMILIES[0][:4], "13800009999", *FAMILIES[0][5:], "汉族"],
               *[[*r, ""] for r in FAMILIES[1:]]]
    second = importing.start(actor=head, grid=grid_a, data=csv_bytes(
        changed, header=[*HEADER, "民族"]), filename="roster.csv",
        consent_evidence="登记表签字")
    report = importing.commit(actor=head, batch=second)
    assert report.counts["updated"] == 1, report.counts
    change = ImportChange.objects.get(batch=second)
    assert (change.person_id, change.before) == (wang.pk, before)
    consent = Consent.objects.get(person=wang)
    assert consent.recorded_by_id == head.pk and isinstance(consent.recorded_on, date)
    assert consent.evidence.startswith("登记表签字") and consent.evidence.endswith(f"#{second.pk})")
    importing.undo(actor=head, batch=second)  # finds the batch's consent by its evidence
    assert not Consent.objects.filter(person=wang).exists()
