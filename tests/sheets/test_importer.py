"""The roster importer: check, commit, re-import, undo, and what it refuses."""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.http import Http404
from django.utils import translation

from jiayuan.core.models import AuditEntry
from jiayuan.lib.idcard import make_id_number
from jiayuan.places.models import Building, Dwelling
from jiayuan.registry import services
from jiayuan.registry.identifiers import phone_of
from jiayuan.registry.models import Consent, Household, Membership, Person, SearchKey
from jiayuan.registry.search import search
from jiayuan.sheets import importing
from jiayuan.sheets.importing import write
from jiayuan.sheets.models import BatchStatus, ImportBatch, ImportChange
from tests.conftest import ZHENG_ID

HEADER = ["姓名", "性别", "出生日期", "身份证号", "联系电话", "楼栋", "单元", "房号", "与户主关系",
          "人员类别"]
WANG = make_id_number("650102", date(1979, 4, 2), 11)  # male
LI = make_id_number("650102", date(1982, 8, 19), 22)  # female
ZHAO = make_id_number("510104", date(1990, 1, 30), 33)
FAMILIES = [
    ["王建国", "男", "1979-04-02", WANG, "13800001111", "3", "1", "501", "户主", "常住"],
    ["李  梅", "女", "1982/8/19", LI, "13800002222", "3", "1", "501", "妻", ""],
    ["王小宝", "男", "2016年3月1日", "", "", "3", "1", "501", "子", ""],
    ["赵  磊", "", "", ZHAO, "139 0000 3333", "3", "2", "101", "户主", "流动"],
]


def csv_bytes(rows: list[list[str]], header: list[str] = HEADER, encoding: str = "utf-8",
              title: str | None = "第一网格人口花名册") -> bytes:
    lines = [title] if title else []
    lines += [",".join(header)] + [",".join(r) for r in rows]
    return ("\n".join(lines) + "\n").encode(encoding)


@pytest.fixture
def building3(grid_a: Any) -> Building:
    return Building.objects.get_or_create(grid=grid_a, number="3")[0]


def start(actor: Any, grid: Any, rows: list[list[str]], **kw: Any) -> ImportBatch:
    return importing.start(actor=actor, grid=grid, data=csv_bytes(rows, **kw),
                          filename="roster.csv")


def run(actor: Any, grid: Any, rows: list[list[str]], **kw: Any) -> importing.Report:
    return importing.commit(actor=actor, batch=start(actor, grid, rows, **kw))


def problems(report: importing.Report) -> dict[int, list[tuple[str, str]]]:
    return {r.number: [(p.column, p.reason) for p in r.problems] for r in report.problems()}


@pytest.mark.django_db
def test_check_reports_and_writes_nothing_then_commit_writes_households(
        personas: dict, grid_a: Any, building3: Building) -> None:
    worker = personas["gridworker"]
    batch = start(worker, grid_a, FAMILIES)
    assert batch.header_row == 2 and batch.status == BatchStatus.DRAFT
    before = (Person.objects.count(), Household.objects.count(), Dwelling.objects.count())
    report = importing.check(actor=worker, batch=batch)
    assert report.counts["new"] == 4 and report.counts["rejected"] == 0, problems(report)
    assert (Person.objects.count(), Household.objects.count(), Dwelling.objects.count()) == before

    report = importing.commit(actor=worker, batch=batch)
    assert report.counts["new"] == 4
    wang = Person.objects.get(name="王建国")
    household = wang.household
    assert household.head_id == wang.pk and household.residency == "resident"
    assert household.dwelling.code == "3-1-501" and household.import_batch_id == batch.pk
    assert sorted(household.members.values_list("name", flat=True)) == ["李梅", "王小宝", "王建国"]
    assert Person.objects.get(name="李梅").relation == "spouse"
    zhao = Person.objects.get(name="赵磊")
    assert zhao.sex == "M" and zhao.birth_date == date(1990, 1, 30)  # from the ID number
    assert phone_of(zhao) == "13900003333" and zhao.household.residency == "floating"
    assert Membership.objects.filter(person=zhao).count() == 1
    assert [h.person.name for h in search(worker, "wjg")] == ["王建国"]
    assert [h.person.name for h in search(worker, "3333")] == ["赵磊"]
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED and batch.counts["new"] == 4
    entry = AuditEntry.objects.get(action="import")
    assert entry.changes["counts"]["new"] == 4 and "13800001111" not in json.dumps(entry.changes)


@pytest.mark.django_db
def test_reimporting_the_same_file_changes_nothing(personas: dict, grid_a: Any,
                                                    building3: Building) -> None:
    head = personas["head"]
    run(head, grid_a, FAMILIES)
    counts = (Person.objects.count(), Household.objects.count(), SearchKey.objects.count(),
              Membership.objects.count())
    report = run(head, grid_a, FAMILIES)
    assert report.counts["unchanged"] == 4 and report.counts["new"] == 0, problems(report)
    assert (Person.objects.count(), Household.objects.count(), SearchKey.objects.count(),
            Membership.objects.count()) == counts


@pytest.mark.django_db
def test_a_changed_phone_is_an_update_and_undo_restores_it(personas: dict, grid_a: Any,
                                                            building3: Building) -> None:
    head = personas["head"]
    first = start(head, grid_a, FAMILIES)
    importing.commit(actor=head, batch=first)
    changed = [r[:] for r in FAMILIES]
    changed[0][4] = "13800009999"
    changed.append(["王小红", "女", "2019-05-05", "", "", "3", "1", "501", "女", ""])
    second = start(head, grid_a, changed)
    version_before = Person.objects.get(name="王建国").version
    report = importing.commit(actor=head, batch=second)
    assert (report.counts["updated"], report.counts["new"], report.counts["unchanged"]) == (1, 1, 3)
    wang = Person.objects.get(name="王建国")
    assert phone_of(wang) == "13800009999"
    assert ImportChange.objects.filter(batch=second, person=wang).exists()
    # An edit form opened before the import is stale now, and again after the undo.
    assert wang.version == version_before + 1

    importing.undo(actor=head, batch=second)
    wang.refresh_from_db()
    assert phone_of(wang) == "13800001111"
    assert wang.version == version_before + 2
    assert not Person.objects.filter(name="王小红").exists()
    assert search(head, "9999") == []
    second.refresh_from_db()
    assert second.status == BatchStatus.UNDONE
    assert AuditEntry.objects.filter(action="undo_import").count() == 1


@pytest.mark.django_db
def test_undo_removes_everything_the_batch_created(personas: dict, grid_a: Any,
                                                   building3: Building) -> None:
    head = personas["head"]
    counts = (Person.objects.count(), Household.objects.count(), Dwelling.objects.count(),
              SearchKey.objects.count())
    batch = start(head, grid_a, FAMILIES)
    importing.commit(actor=head, batch=batch)
    assert Person.objects.count() == counts[0] + 4
    importing.undo(actor=head, batch=batch)
    assert (Person.objects.count(), Household.objects.count(), Dwelling.objects.count(),
            SearchKey.objects.count()) == counts
    with translation.override("en"), pytest.raises(importing.UndoBlocked, match="Only"):
        importing.undo(actor=head, batch=batch)


@pytest.mark.django_db
def test_undo_is_blocked_by_a_later_edit_and_names_it(personas: dict, grid_a: Any,
                                                      building3: Building) -> None:
    head = personas["head"]
    batch = start(head, grid_a, FAMILIES)
    importing.commit(actor=head, batch=batch)
    li = Person.objects.get(name="李梅")
    services.person_update(actor=head, person=li, occupation="教师")
    with translation.override("en"), pytest.raises(importing.UndoBlocked) as exc:
        importing.undo(actor=head, batch=batch)
    assert "cannot be undone" in str(exc.value)
    assert any("李梅" in label and url.endswith(f"/people/{li.pk}/")
               for label, url in exc.value.blockers)
    assert Person.objects.filter(import_batch_id=batch.pk).count() == 4


@pytest.mark.django_db
def test_undo_is_blocked_by_a_record_that_points_at_an_imported_household(
        personas: dict, grid_a: Any, building3: Building) -> None:
    from jiayuan.care.models import Duty

    head = personas["head"]
    batch = start(head, grid_a, FAMILIES)
    importing.commit(actor=head, batch=batch)
    household = Person.objects.get(name="赵磊").household
    Duty.objects.create(household=household, grid_id=household.grid_id, rule="hardship",
                        raised_on=date(2026, 11, 1), due=date(2026, 12, 1))
    with pytest.raises(importing.UndoBlocked) as exc:
        importing.undo(actor=head, batch=batch)
    assert exc.value.blockers
    assert Person.objects.filter(import_batch_id=batch.pk).count() == 4


@pytest.mark.django_db
def test_each_bad_row_is_named_with_its_row_column_and_reason(personas: dict, grid_a: Any,
                                                              building3: Building) -> None:
    bad_check = WANG[:17] + ("0" if WANG[17] != "0" else "1")
    rows = [
        ["孙 丽", "女", "", bad_check, "", "3", "1", "601", "户主", "户籍"],        # row 3
        ["周强", "女", "", ZHAO, "", "3", "1", "602", "户主",
         "户籍"],                                                                 # row 4: sex
        ["吴芳", "女", "1990-01-01", "", "12345", "3", "1", "603", "户主", "户籍"],  # row 5: phone
        ["郑华", "男", "1990-01-01", "", "123", "99", "1", "604", "户主", "户籍"],  # row 6: 2
        ["冯云", "女", "1990-01-01", "", "", "3", "1", "605", "妻", ""],           # row 7: no head
        ["", "男", "1990-01-01", "", "", "3", "1", "606", "户主", "户籍"],         # row 8: name
        ["陈晨", "男", "1990-01-01", ZHAO, "", "3", "1", "607", "户主", "户籍"],   # row 9: id
    ]
    with translation.override("en"):
        report = importing.check(actor=personas["head"],
                                batch=start(personas["head"], grid_a, rows))
    found = problems(report)
    assert set(found) == {3, 4, 5, 6, 7, 8, 9}, found
    assert found[3][0][0] == "身份证号" and "check digit" in found[3][0][1]
    assert found[4][0][0] == "性别" and "man's" in found[4][0][1]
    assert found[5][0][0] == "联系电话"
    assert [c for c, _r in found[6]] == ["联系电话", "楼栋"]  # every problem at once
    assert "Building 99" in found[6][1][1]
    assert "No head of household" in found[7][0][1]
    assert found[8][0][0] == "姓名" and "missing" in found[8][0][1]
    assert report.counts["rejected"] == 7
    assert Person.objects.count() == 0


@pytest.mark.django_db
def test_the_same_id_twice_in_a_file_rejects_the_second(personas: dict, grid_a: Any,
                                                        building3: Building) -> None:
    rows = FAMILIES + [["王建国", "男", "", WANG, "", "3", "2", "102", "户主", "常住"]]
    with translation.override("en"):
        report = importing.check(actor=personas["head"],
                                batch=start(personas["head"], grid_a, rows))
    assert problems(report)[7] == [("身份证号", "The same ID number as row 3.")]


@pytest.mark.django_db
def test_a_registered_person_elsewhere_is_not_moved(personas: dict, grid_a: Any,
                                                    household: Household) -> None:
    rows = [["鄭容哲", "男", "", ZHENG_ID, "", "3", "1", "701", "户主", "常住"]]
    with translation.override("en"):
        report = importing.check(actor=personas["head"],
                                batch=start(personas["head"], grid_a, rows))
    (reason,) = [p.reason for p in report.rows[0].problems]
    assert "Already registered at 3-2-302" in reason


@pytest.mark.django_db
def test_rows_without_id_matching_someone_elsewhere_are_possible_duplicates(
        personas: dict, grid_a: Any, household: Household) -> None:
    head = personas["head"]
    rows = [["金英姬", "女", "1960-05-02", "", "", "3", "1", "702", "户主", "常住"]]
    batch = start(head, grid_a, rows)
    report = importing.check(actor=head, batch=batch)
    assert report.counts["duplicate"] == 1 and report.rows[0].outcome == "duplicate"
    assert "3-2-302" in report.rows[0].note
    batch.accepted = [3]
    batch.save()
    report = importing.commit(actor=head, batch=batch)
    assert report.counts["new"] == 1
    assert Person.objects.filter(name="金英姬").count() == 2
    # Imported again: of the two namesakes, the one at the row's own dwelling is
    # the row (the other, registered first, is found first).
    report = importing.check(actor=head, batch=start(head, grid_a, rows))
    assert report.counts["unchanged"] == 1, problems(report)


@pytest.mark.django_db
def test_a_grid_worker_cannot_import_into_or_match_people_of_another_grid(
        personas: dict, grid_a: Any, grid_b: Any, building3: Building,
        household_b: Household) -> None:
    worker = personas["gridworker"]
    with pytest.raises(Http404):
        start(worker, grid_b, FAMILIES)
    header = [*HEADER, "网格"]
    rows = [[*FAMILIES[0], grid_b.code]]
    with translation.override("en"):
        report = importing.check(actor=worker, batch=start(worker, grid_a, rows, header=header))
    assert "not a grid you work in" in report.rows[0].problems[0].reason


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["mediator", "coordinator", "auditor", "admin"])
def test_roles_without_the_import_permission_are_refused(personas: dict, grid_a: Any,
                                                         role: str) -> None:
    with pytest.raises(PermissionDenied):
        start(personas[role], grid_a, FAMILIES)


@pytest.mark.django_db
def test_ethnic_group_is_imported_only_with_consent_evidence(personas: dict, grid_a: Any,
                                                             building3: Building) -> None:
    head = personas["head"]
    header = [*HEADER, "民族"]
    rows = [[*FAMILIES[0], "维族"], [*FAMILIES[2], "维吾尔"]]
    with translation.override("en"):
        report = importing.commit(actor=head, batch=start(head, grid_a, rows, header=header))
    assert report.notices and "ethnic group" in report.notices[0]
    assert set(Person.objects.values_list("ethnicity", flat=True)) == {""}
    assert not Consent.objects.exists()

    Person.objects.all().delete()
    Household.objects.all().delete()
    batch = start(head, grid_a, rows, header=header)
    batch.consent_evidence = "登记表签字"
    batch.save()
    importing.commit(actor=head, batch=batch)
    wang = Person.objects.get(name="王建国")
    child = Person.objects.get(name="王小宝")
    assert wang.ethnicity == child.ethnicity == "05"
    assert Consent.objects.get(person=wang, purpose="sensitive").evidence.startswith("登记表签字")
    assert Consent.objects.get(person=child).guardian_id == wang.pk
    importing.undo(actor=head, batch=batch)
    assert not Consent.objects.exists() and not Person.objects.exists()


@pytest.mark.django_db
def test_a_commit_that_fails_half_way_writes_nothing(personas: dict, grid_a: Any,
                                                     building3: Building,
                                                     monkeypatch: Any) -> None:
    head = personas["head"]
    batch = start(head, grid_a, FAMILIES)
    counts = (Person.objects.count(), Household.objects.count(), Dwelling.objects.count(),
              AuditEntry.objects.count())

    def boom(self: Any, report: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(write._Writer, "_update_people", boom)
    with pytest.raises(RuntimeError):
        importing.commit(actor=head, batch=batch)
    assert (Person.objects.count(), Household.objects.count(), Dwelling.objects.count(),
            AuditEntry.objects.count()) == counts
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DRAFT


@pytest.mark.django_db
def test_a_batch_is_imported_once(personas: dict, grid_a: Any, building3: Building) -> None:
    head = personas["head"]
    batch = start(head, grid_a, FAMILIES)
    importing.commit(actor=head, batch=batch)
    with translation.override("en"), pytest.raises(importing.ImportFailed, match="already"):
        importing.commit(actor=head, batch=batch)


@pytest.mark.django_db
def test_gbk_csv_and_the_command_line(personas: dict, grid_a: Any, building3: Building,
                                      tmp_path: Any) -> None:
    path = tmp_path / "roster.csv"
    bad = ["钱七", "男", "1990-01-01", "", "", "9", "1", "101", "户主", "常住"]
    path.write_bytes(csv_bytes([*FAMILIES, bad], encoding="gbk"))
    out = io.StringIO()
    call_command("import_roster", str(path), "--grid", grid_a.code, "--dry-run", "--json",
                 "--language", "en", stdout=out)
    data = json.loads(out.getvalue())
    assert data["dry_run"] and data["counts"]["new"] == 4
    assert data["problems"][0]["row"] == 7
    assert "Building 9" in data["problems"][0]["problems"][0]["reason"]
    assert Person.objects.count() == 0
    call_command("import_roster", str(path), "--grid", grid_a.code, stdout=io.StringIO())
    assert Person.objects.count() == 4


@pytest.mark.django_db
def test_a_row_with_an_id_completes_the_same_person_registered_without_one(
        personas: dict, grid_a: Any, household: Household) -> None:
    head = personas["head"]
    jin_id = make_id_number("222401", date(1960, 5, 2), 42)  # even: a woman's
    rows = [["金英姬", "女", "1960-05-02", jin_id, "", "3", "2", "302", "妻", ""]]
    batch = start(head, grid_a, rows)
    report = importing.commit(actor=head, batch=batch)
    assert report.counts["updated"] == 1, problems(report)
    jin = Person.objects.get(name="金英姬")
    assert jin.id_number_mask and jin.household_id == household.pk
    assert Person.objects.filter(name="金英姬").count() == 1
    importing.undo(actor=head, batch=batch)
    jin.refresh_from_db()
    assert jin.id_number_hash is None and jin.id_number_mask == ""


@pytest.mark.django_db
def test_another_family_at_a_registered_dwelling_waits_as_a_whole(
        personas: dict, grid_a: Any, household: Household) -> None:
    rows = [["张三", "男", "1990-01-01", "", "", "3", "2", "302", "户主", "流动"],
            ["张小三", "男", "2015-01-01", "", "", "3", "2", "302", "子", ""]]
    with translation.override("en"):
        report = importing.check(actor=personas["head"],
                                batch=start(personas["head"], grid_a, rows))
    assert report.counts["rejected"] == 2 and report.counts["new"] == 0
    assert "another head" in report.rows[1].problems[0].reason
