"""The rules the importer shares with the registry, each tested where it lives:
the consent builder and its guardian rule, the identifier columns, the batch's
status table; and the services and selectors behind the import pages."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone, translation

from jiayuan.core.models import AuditEntry, User
from jiayuan.core.roles import PERMISSIONS, Perm, Role
from jiayuan.lib.idcard import make_id_number
from jiayuan.places.models import Building
from jiayuan.registry import services as registry_services
from jiayuan.registry.choices import ConsentPurpose
from jiayuan.registry.consent_rules import (
    age_on,
    consent_columns,
    household_guardian,
    needs_guardian,
)
from jiayuan.registry.identifiers import (
    ID_NUMBER_COLUMNS,
    PHONE_COLUMNS,
    id_number_columns,
    phone_columns,
)
from jiayuan.registry.models import Consent, Person
from jiayuan.sheets import importing, selectors, services
from jiayuan.sheets.importing import status
from jiayuan.sheets.importing.outcomes import RESTORE_FIELDS
from jiayuan.sheets.models import BatchStatus, ImportBatch, MappingTemplate
from tests.sheets.test_importer import FAMILIES, HEADER, WANG, building3, csv_bytes, start

__all__ = ["building3"]

TODAY = date(2026, 6, 1)


# --- the consent builder -----------------------------------------------------------------

def consent(**kw: Any) -> dict[str, Any]:
    return consent_columns(**{"person_id": 7, "purpose": ConsentPurpose.SENSITIVE,
                              "recorded_on": TODAY, "recorded_by_id": 1, **kw})


def test_it_refuses_a_childs_consent_without_a_guardian() -> None:
    with pytest.raises(ValidationError) as caught:
        consent(birth_date=date(2016, 3, 1))
    assert "guardian" in caught.value.error_dict


def test_it_builds_a_childs_consent_with_a_guardian_person_or_name() -> None:
    assert consent(birth_date=date(2016, 3, 1), guardian_id=3)["guardian_id"] == 3
    assert consent(birth_date=date(2016, 3, 1), guardian_name="张三")["guardian_name"] == "张三"


def test_a_child_is_not_its_own_guardian() -> None:
    with pytest.raises(ValidationError):
        consent(birth_date=date(2016, 3, 1), guardian_id=7)


def test_an_adult_or_an_unknown_age_needs_no_guardian() -> None:
    assert consent(birth_date=date(2012, 6, 1))["guardian_id"] is None  # 14 today
    assert consent(birth_date=None)["status"] == "given"


def test_the_age_is_whole_years_on_the_day() -> None:
    assert age_on(date(2012, 6, 2), TODAY) == 13
    assert age_on(date(2012, 6, 1), TODAY) == 14
    assert age_on(None, TODAY) is None
    assert needs_guardian(date(2012, 6, 2), TODAY) and not needs_guardian(None, TODAY)


def test_the_household_guardian_is_its_head_unless_the_child_is_the_head() -> None:
    assert household_guardian(head_id=5, person_id=7) == 5
    assert household_guardian(head_id=7, person_id=7) is None
    assert household_guardian(head_id=None, person_id=7) is None


@pytest.mark.django_db
def test_consent_record_applies_the_builders_rule(household: Any, head: Any) -> None:
    child = household.members.get(birth_date__year__gte=2013)
    with pytest.raises(ValidationError) as caught:
        registry_services.consent_record(actor=head, person=child, purpose="sensitive",
                                         recorded_on=date(2026, 1, 1), guardian=child)
    assert "guardian" in caught.value.error_dict


# --- the identifier columns ------------------------------------------------------------

def test_the_named_identifier_columns_are_the_ones_the_builders_write() -> None:
    assert set(id_number_columns(WANG)) == set(ID_NUMBER_COLUMNS)
    assert set(phone_columns("13800001111")) == set(PHONE_COLUMNS)
    # what an undo restores covers every identifier column an import may write
    assert set(ID_NUMBER_COLUMNS) | set(PHONE_COLUMNS) <= set(RESTORE_FIELDS)


# --- the importer applies the guardian rule ------------------------------------------------

@pytest.mark.django_db
def test_a_childs_row_without_a_guardian_is_not_imported_and_says_why(
        personas: dict, grid_a: Any, building3: Building) -> None:
    head = personas["head"]
    child_id = make_id_number("650102", date(2016, 3, 1), 15)
    alone = ["王小宝", "男", "2016-03-01", child_id, "", "3", "2", "808", "户主", "常住", "汉族"]
    batch = start(head, grid_a, [alone], header=[*HEADER, "民族"])
    batch.consent_evidence = "登记表签字"
    batch.save()
    with translation.override("en"):
        report = importing.commit(actor=head, batch=batch)
    row = report.rows[0]
    assert row.outcome == importing.REJECTED
    assert [p.column for p in row.problems] == ["民族"]
    assert "Row 3" in row.problems[0].reason and "under 14" in row.problems[0].reason
    assert not Person.objects.filter(name="王小宝").exists()
    assert not Consent.objects.exists()


@pytest.mark.django_db
def test_the_writer_builds_consents_with_the_registrys_rule(
        personas: dict, grid_a: Any, building3: Building) -> None:
    """Were the plan to let a child's row through, the writer's builder refuses it."""
    from jiayuan.sheets.importing.plan import _Planner
    from jiayuan.sheets.importing.write import _Writer

    head = personas["head"]
    batch = start(head, grid_a, FAMILIES)
    writer = _Writer(head, batch, _Planner(head, batch, importing.sheets_of(batch)))
    with pytest.raises(ValidationError):
        writer._consent(99, date(2020, 1, 1), None, "signed")
    with pytest.raises(ValidationError):
        writer._consent(99, date(2020, 1, 1), 99, "signed")  # the child heads the household
    assert writer._consent(99, date(2020, 1, 1), 5, "signed")["guardian_id"] == 5
    assert writer._consent(99, date(1980, 1, 1), None, "signed")["guardian_id"] is None


# --- the batch's status ---------------------------------------------------------------------

def test_the_status_table_allows_draft_to_committed_to_undone_only() -> None:
    d, c, u = BatchStatus.DRAFT, BatchStatus.COMMITTED, BatchStatus.UNDONE
    allowed = {(a, b) for a in (d, c, u) for b in (d, c, u) if status.allowed(a, b)}
    assert allowed == {(d, c), (c, u)}


def test_a_move_the_table_refuses_changes_nothing() -> None:
    batch = ImportBatch(status=BatchStatus.DRAFT)
    with pytest.raises(status.StatusRefused) as caught:
        status.move(batch, BatchStatus.UNDONE, actor=None, now=timezone.now())  # type: ignore[arg-type]
    assert caught.value.code == "not_committed" and batch.status == BatchStatus.DRAFT
    now = timezone.now()
    assert status.move(batch, BatchStatus.COMMITTED, actor=None,  # type: ignore[arg-type]
                       now=now) == ["status", "committed_at"]
    assert batch.status == BatchStatus.COMMITTED and batch.committed_at == now
    with pytest.raises(status.StatusRefused) as caught:
        status.check_draft(batch)
    assert caught.value.code == "done"


@pytest.mark.django_db
def test_commit_and_undo_go_through_the_table(personas: dict, grid_a: Any,
                                              building3: Building) -> None:
    head = personas["head"]
    batch = start(head, grid_a, FAMILIES)
    with pytest.raises(importing.UndoBlocked):
        importing.undo(actor=head, batch=batch)
    importing.commit(actor=head, batch=batch)
    with pytest.raises(importing.ImportFailed) as caught:
        importing.commit(actor=head, batch=batch)
    assert caught.value.code == "done"
    importing.undo(actor=head, batch=batch)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.UNDONE and batch.undone_by == head
    with pytest.raises(importing.UndoBlocked):
        importing.undo(actor=head, batch=batch)
    with pytest.raises(importing.ImportFailed):
        importing.commit(actor=head, batch=batch)


@pytest.mark.django_db
def test_commit_saves_the_ticked_duplicates_with_the_import(personas: dict, grid_a: Any,
                                                            building3: Building) -> None:
    head = personas["head"]
    batch = start(head, grid_a, FAMILIES)
    importing.commit(actor=head, batch=batch, accepted=[7, 3, 7])
    batch.refresh_from_db()
    assert batch.accepted == [3, 7] and batch.status == BatchStatus.COMMITTED


# --- the services and selectors of the pages -------------------------------------------

@pytest.mark.django_db
def test_mapping_save_saves_the_mapping_and_the_template(personas: dict, grid_a: Any,
                                                         building3: Building) -> None:
    head = personas["head"]
    batch = start(head, grid_a, FAMILIES)
    saved = services.mapping_save(actor=head, batch=batch, mapping={0: "name", 1: "sex"},
                                  consent_evidence="签字", template_name="常用",
                                  header=["姓名", "性别"])
    batch.refresh_from_db()
    assert batch.mapping == {"0": "name", "1": "sex"} and batch.consent_evidence == "签字"
    assert saved.template_created and MappingTemplate.objects.get(name="常用").columns


@pytest.mark.django_db
def test_mapping_save_refuses_an_imported_batch(personas: dict, grid_a: Any,
                                                building3: Building) -> None:
    head = personas["head"]
    batch = start(head, grid_a, FAMILIES)
    importing.commit(actor=head, batch=batch)
    with pytest.raises(ValidationError):
        services.mapping_save(actor=head, batch=batch, mapping={0: "name"},
                              consent_evidence="")


@pytest.mark.django_db
def test_mapping_save_never_overwrites_a_colleagues_template(personas: dict, grid_a: Any,
                                                             building3: Building) -> None:
    head, colleague = personas["head"], personas["caseworker"]
    services.mapping_save(actor=head, batch=start(head, grid_a, FAMILIES),
                          mapping={0: "name", 1: "sex"}, consent_evidence="",
                          template_name="常用", header=["姓名", "性别"])
    batch = start(colleague, grid_a, FAMILIES)
    with pytest.raises(ValidationError) as exc:
        services.mapping_save(actor=colleague, batch=batch, mapping={0: "name"},
                              consent_evidence="", template_name=" 常用 ", header=["姓名"])
    assert "template_name" in exc.value.error_dict
    template = MappingTemplate.objects.get(name="常用")
    assert template.created_by == head and len(template.columns) == 2
    batch.refresh_from_db()
    assert batch.mapping != {"0": "name"}  # nothing saved
    # One's own template is updated.
    saved = services.mapping_save(actor=head, batch=start(head, grid_a, FAMILIES),
                                  mapping={0: "name"}, consent_evidence="",
                                  template_name="常用", header=["姓名"])
    assert not saved.template_created and MappingTemplate.objects.count() == 1


@pytest.mark.django_db
def test_mapping_save_refuses_a_field_mapped_twice_or_no_name(personas: dict, grid_a: Any,
                                                             building3: Building) -> None:
    head = personas["head"]
    batch = start(head, grid_a, FAMILIES)
    with pytest.raises(ValidationError) as exc:
        services.mapping_save(actor=head, batch=batch, mapping={0: "name", 1: "sex", 2: "sex"},
                              consent_evidence="", template_name="重复",
                              header=["姓名", "性别", "性别2"])
    assert list(exc.value.error_dict) == ["col_2"]
    assert "性别" in exc.value.error_dict["col_2"][0].message
    with pytest.raises(ValidationError) as exc:
        services.mapping_save(actor=head, batch=batch, mapping={1: "sex"},
                              consent_evidence="", header=["姓名", "性别"])
    assert exc.value.code == "no_name"
    batch.refresh_from_db()
    assert batch.mapping.get("2") != "sex" and not MappingTemplate.objects.exists()


@pytest.mark.django_db
def test_the_ethnic_group_is_imported_only_by_a_role_that_may_see_it(
        personas: dict, grid_a: Any, building3: Building,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(PERMISSIONS, Role.GRIDWORKER,
                        PERMISSIONS[Role.GRIDWORKER] - {Perm.VIEW_SENSITIVE})
    worker = personas["gridworker"]
    batch = importing.start(actor=worker, grid=grid_a, filename="roster.csv", data=csv_bytes(
        [[*row, "汉族"] for row in FAMILIES], header=[*HEADER, "民族"]))
    mapping = {int(i): key for i, key in batch.mapping.items()}
    assert "ethnicity" in mapping.values()
    with pytest.raises(PermissionDenied):
        services.mapping_save(actor=worker, batch=batch, mapping=mapping,
                              consent_evidence="签字", header=[*HEADER, "民族"])
    ImportBatch.objects.filter(pk=batch.pk).update(consent_evidence="签字")
    batch.refresh_from_db()
    with pytest.raises(PermissionDenied):
        importing.commit(actor=worker, batch=batch)
    assert not Person.objects.filter(name="王建国").exists()
    # Without the consent the column is left out, and the rest is imported.
    services.mapping_save(actor=worker, batch=batch, mapping=mapping, consent_evidence="",
                          header=[*HEADER, "民族"])
    importing.commit(actor=worker, batch=batch)
    assert Person.objects.get(name="王建国").ethnicity == ""


@pytest.mark.django_db
def test_get_batch_for_is_permission_then_scope(personas: dict, grid_a: Any,
                                                building3: Building) -> None:
    batch = start(personas["head"], grid_a, FAMILIES)
    assert selectors.get_batch_for(personas["gridworker"], batch.pk) == batch
    with pytest.raises(Http404):
        selectors.get_batch_for(personas["outsider"], batch.pk)
    with pytest.raises(PermissionDenied):
        selectors.get_batch_for(personas["mediator"], batch.pk)


@pytest.mark.django_db
def test_an_account_of_no_community_sees_no_batch(personas: dict, grid_a: Any,
                                                  building3: Building) -> None:
    start(personas["head"], grid_a, FAMILIES)
    district = User.objects.create_user(username="district", password="pw-for-tests-only",
                                        role=Role.HEAD, community=None)
    assert list(selectors.batches_for(district)) == []


@pytest.mark.django_db
def test_the_rows_to_fix_are_audited_by_their_selector(personas: dict, grid_a: Any,
                                                       building3: Building) -> None:
    head = personas["head"]
    batch = start(head, grid_a, [*FAMILIES, ["", "", "", "", "", "3", "1", "502", "", ""]])
    result = selectors.rows_to_fix(head, batch)
    assert result.rows == 1 and result.data[:2] == b"PK"
    entry = AuditEntry.objects.filter(action="export").latest("seq")
    assert entry.changes["report"] == "rows to fix" and entry.changes["rows"] == 1
