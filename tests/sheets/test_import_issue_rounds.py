"""What made a roster take several rounds: the database's own column limits at the
check, every disagreement of a row at once, the sheet chosen and named, the rows
not imported listed after the import, ID and phone columns kept as text in the
rows-to-fix file, and the registry's own rules (consent guardian, identifiers)."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
import xlsxwriter
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from jiayuan.core.models import AuditEntry
from jiayuan.lib.idcard import make_id_number
from jiayuan.places.models import Building, Dwelling
from jiayuan.registry.consent_rules import check_consent_guardian
from jiayuan.registry.identifiers import (
    id_number_columns,
    phone_columns,
    set_id_number,
    set_phone,
)
from jiayuan.registry.models import Consent, Person
from jiayuan.sheets import importing
from jiayuan.sheets.importing.read import SheetError
from jiayuan.sheets.limits import STORED_IN, limits_for
from jiayuan.sheets.models import BatchStatus
from tests.sheets.test_importer import FAMILIES, HEADER, WANG, building3, start

__all__ = ["building3"]

INSTRUCTIONS = [["填表说明"], ["1. 每人一行。"], ["2. 身份证号请填写18位。"]]


def xlsx(sheets: list[tuple[str, list[list[Any]]]], *, id_as_number: bool = False) -> bytes:
    """A workbook with these sheets, in this order (text cells stay text)."""
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False})
    for name, rows in sheets:
        ws = book.add_worksheet(name)
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                if id_as_number and isinstance(value, str) and value.isdigit() \
                        and len(value) == 18:
                    ws.write_number(i, j, float(value))
                elif value not in (None, ""):
                    ws.write(i, j, value)
    book.close()
    return buf.getvalue()


def client_for(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def column_format(sheet: Any, col: int) -> str:
    """The number format of a whole column (1-based), as Excel applies it to a
    cell typed into later (<col min max style>, adjacent columns grouped)."""
    return next((d.number_format for d in sheet.column_dimensions.values()
                 if d.min <= col <= d.max), "General")


def problems(report: importing.Report, number: int) -> list[tuple[str, str]]:
    row = next(r for r in report.rows if r.number == number)
    return [(p.column, str(p.reason)) for p in row.problems]


# --- 1. the database's limits at the check ---------------------------------------------

def test_the_limits_are_the_model_fields_own() -> None:
    assert limits_for("occupation").max_length == Person._meta.get_field("occupation").max_length
    assert limits_for("permit_number").max_length == \
        Person._meta.get_field("permit_number").max_length
    assert limits_for("unit").max_length == Dwelling._meta.get_field("unit").max_length
    assert limits_for("building").max_length == Building._meta.get_field("number").max_length
    assert limits_for("sex").choices == {"M", "F"}
    assert set(STORED_IN) >= {"name", "occupation", "permit_number", "unit", "room", "building"}


@pytest.mark.django_db
def test_values_too_long_for_the_database_are_refused_at_the_check(
        personas: dict, grid_a: Any, building3: Building) -> None:
    head = personas["head"]
    header = [*HEADER, "职业", "居住证号"]
    long_unit = "1" * (Dwelling._meta.get_field("unit").max_length + 1)
    rows = [[*FAMILIES[0], "", ""],
            [*FAMILIES[1], "工程师" * 34, ""],  # 102 characters
            [*FAMILIES[2][:6], long_unit, *FAMILIES[2][7:], "", "P" * 41]]
    rows[2][8] = "户主"
    rows[2][9] = "常住"
    with translation.override("en"):
        batch = start(head, grid_a, rows, header=header)
        report = importing.check(actor=head, batch=batch)
        assert problems(report, 4) == [(
            "职业", "Row 4, column “职业”: at most 100 characters fit in the registry, this "
            "has 102. Shorten it.")]
        found = problems(report, 5)
        assert ("单元", "Row 5, column “单元”: at most 10 characters fit in the registry, "
                "this has 11. Shorten it.") in found
        assert ("居住证号", "Row 5, column “居住证号”: at most 40 characters fit in the "
                "registry, this has 41. Shorten it.") in found
        # The commit (on PostgreSQL too) writes what the check allowed, and no more.
        done = importing.commit(actor=head, batch=batch)
    assert done.counts["rejected"] == 2 and done.counts["new"] == 1
    assert Person.objects.get().name == "王建国"


# --- 3. every disagreement of a row in one round ----------------------------------------

@pytest.mark.django_db
def test_a_wrong_birth_date_and_a_wrong_sex_are_both_reported(
        personas: dict, grid_a: Any, building3: Building) -> None:
    head = personas["head"]
    wrong = [*FAMILIES[0]]
    wrong[1], wrong[2] = "女", "1980-01-01"
    with translation.override("en"):
        report = importing.check(actor=head, batch=start(head, grid_a, [wrong]))
    assert [column for column, _reason in problems(report, 3)] == ["出生日期", "性别"]


# --- 2. the sheet read -------------------------------------------------------------------

@pytest.mark.django_db
def test_an_instructions_sheet_first_is_passed_over_and_named(
        personas: dict, grid_a: Any, building3: Building) -> None:
    head = personas["head"]
    data = xlsx([("填表说明", INSTRUCTIONS), ("花名册", [HEADER, *FAMILIES])])
    batch = importing.start(actor=head, grid=grid_a, data=data, filename="roster.xlsx")
    assert batch.sheet_name == "花名册" and batch.sheets == ["花名册"] and batch.header_row == 1
    assert [(e["name"], e["header_row"], e["rows"]) for e in batch.book] == [
        ("填表说明", None, 3), ("花名册", 1, 4)]
    report = importing.check(actor=head, batch=batch)
    assert report.sheets == ["花名册"] and report.counts["new"] == 4
    with translation.override("en"):
        page = client_for(head).get(reverse("import_detail", args=[batch.pk])).content.decode()
    assert "Reading sheet “花名册”." in page
    assert "no header row: not a roster" in page


@pytest.mark.django_db
def test_a_workbook_without_a_roster_names_the_sheets_it_read(
        personas: dict, grid_a: Any) -> None:
    data = xlsx([("填表说明", INSTRUCTIONS), ("备注", [["无"]])])
    with translation.override("en"), pytest.raises(SheetError) as caught:
        importing.start(actor=personas["head"], grid=grid_a, data=data, filename="x.xlsx")
    assert "any sheet (“填表说明”, “备注”)" in str(caught.value)


@pytest.mark.django_db
def test_sheets_with_the_same_header_are_imported_together(
        personas: dict, grid_a: Any, building3: Building) -> None:
    head = personas["head"]
    data = xlsx([("填表说明", INSTRUCTIONS), ("1单元", [HEADER, *FAMILIES[:3]]),
                 ("2单元", [HEADER, FAMILIES[3]])])
    batch = importing.start(actor=head, grid=grid_a, data=data, filename="roster.xlsx")
    assert batch.sheets == ["1单元"]
    client = client_for(head)
    with translation.override("en"):
        page = client.get(reverse("import_detail", args=[batch.pk])).content.decode()
    assert "All 2 sheets with the same columns: “1单元”, “2单元”" in page
    # The options: 1单元, 2单元, both.
    response = client.post(reverse("import_sheets", args=[batch.pk]), {"sheets": "2"})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.sheets == ["1单元", "2单元"]
    report = importing.check(actor=head, batch=batch)
    assert report.counts["new"] == 4
    assert {(r.sheet, r.number) for r in report.rows} == {
        ("1单元", 2), ("1单元", 3), ("1单元", 4), ("2单元", 2)}
    # A sheet without a header, and a forged choice, are refused with a message.
    with pytest.raises(SheetError):
        importing.choose_sheets(actor=head, batch=batch, names=["填表说明"])
    assert client.post(reverse("import_sheets", args=[batch.pk]),
                       {"sheets": "99"}).status_code == 400
    assert client.post(reverse("import_sheets", args=[batch.pk]),
                       {"sheets": "²"}).status_code == 400
    done = importing.commit(actor=head, batch=batch)
    assert done.counts["new"] == 4 and Person.objects.count() == 4


@pytest.mark.django_db
def test_the_same_id_on_two_sheets_names_the_other_sheet(
        personas: dict, grid_a: Any, building3: Building) -> None:
    head = personas["head"]
    data = xlsx([("A", [HEADER, FAMILIES[0]]), ("B", [HEADER, FAMILIES[0]])])
    batch = importing.start(actor=head, grid=grid_a, data=data, filename="roster.xlsx")
    importing.choose_sheets(actor=head, batch=batch, names=["A", "B"])
    with translation.override("en"):
        report = importing.check(actor=head, batch=batch)
    row = next(r for r in report.rows if r.sheet == "B")
    assert str(row.problems[0].reason) == "The same ID number as row 2 of sheet “A”."


# --- 4. the rows-to-fix file keeps IDs and phones as text -------------------------------

@pytest.mark.django_db
def test_the_rows_to_fix_file_writes_id_and_phone_columns_as_text(
        personas: dict, grid_a: Any, building3: Building) -> None:
    head = personas["head"]
    bad = [*FAMILIES[0]]
    bad[1] = "女"
    data = xlsx([("花名册", [HEADER, bad])], id_as_number=True)
    batch = importing.start(actor=head, grid=grid_a, data=data, filename="roster.xlsx")
    response = client_for(head).get(reverse("import_errors", args=[batch.pk]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    id_col, phone_col = header.index("身份证号") + 1, header.index("联系电话") + 1
    for col in (id_col, phone_col):
        assert sheet.cell(row=2, column=col).number_format == "@"
        # The whole column, so that a cell typed into later is text too.
        assert column_format(sheet, col) == "@"
    assert isinstance(sheet.cell(row=2, column=id_col).value, str)
    assert sheet.cell(row=2, column=header.index("姓名") + 1).number_format == "General"


# --- 5. the rows not imported, after the import ------------------------------------------

@pytest.mark.django_db
def test_the_rows_not_imported_are_listed_after_the_import(
        personas: dict, grid_a: Any, building3: Building) -> None:
    head = personas["head"]
    bad = [*FAMILIES[3]]
    bad[4] = "12345"
    batch = start(head, grid_a, [*FAMILIES[:3], bad])
    client = client_for(head)
    with translation.override("en"):
        response = client.post(reverse("import_commit", args=[batch.pk]), follow=True)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED
    assert [(e["sheet"], e["row"], e["name"]) for e in batch.not_imported] == [
        ("roster", 6, "赵磊")]
    html = response.content.decode()
    assert 'id="not-imported"' in html and "1 row not imported" in html
    assert "赵磊" in html and ">roster<" in html and "Row 6" in html
    assert reverse("import_errors", args=[batch.pk]) in html
    response = client.get(reverse("import_errors", args=[batch.pk]))
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][:2] == (6, "roster") and "联系电话" in rows[1][2] and rows[1][3] == "赵  磊"
    assert AuditEntry.objects.filter(action="export", object_id=str(batch.pk)).exists()


# --- 6. the registry's rules -------------------------------------------------------------

def test_the_guardian_rule_is_the_registrys() -> None:
    check_consent_guardian(age=14, guardian=None)
    check_consent_guardian(age=None, guardian=None)
    check_consent_guardian(age=5, guardian=None, guardian_name="张三")
    with pytest.raises(ValidationError):
        check_consent_guardian(age=13, guardian=None)


@pytest.mark.django_db
def test_a_child_under_14_without_a_guardian_keeps_the_ethnic_group_out(
        personas: dict, grid_a: Any, building3: Building) -> None:
    head = personas["head"]
    child_id = make_id_number("650102", date(2016, 3, 1), 15)
    alone = ["王小宝", "男", "2016-03-01", child_id, "", "3", "2", "808", "户主", "常住", "汉族"]
    family = [[*FAMILIES[0], "汉族"], [*FAMILIES[2], "汉族"]]
    batch = start(head, grid_a, [*family, alone], header=[*HEADER, "民族"])
    batch.consent_evidence = "登记表签字"
    batch.save()
    with translation.override("en"):
        report = importing.commit(actor=head, batch=batch)
    reasons = problems(report, 5)
    assert reasons and reasons[0][0] == "民族" and "under 14" in reasons[0][1]
    child = Person.objects.get(name="王小宝")
    assert Consent.objects.get(person=child).guardian.name == "王建国"
    assert report.counts["new"] == 2


def test_the_importer_writes_identifiers_as_the_registry_does() -> None:
    person = Person()
    set_id_number(person, WANG)
    set_phone(person, "13800001111")
    columns = {**id_number_columns(WANG), **phone_columns("13800001111")}
    for name, value in columns.items():
        if name.endswith("_enc"):
            continue  # encrypted with a fresh nonce each time
        assert getattr(person, name) == value, name
    assert id_number_columns("") == {"id_number_enc": id_number_columns("")["id_number_enc"],
                                     "id_number_hash": None, "id_number_mask": ""}


def test_survey_lists_every_sheet_and_read_sheets_reads_the_chosen(settings: Any) -> None:
    from jiayuan.sheets.importing.read import HEAD_ROWS, read_sheets, survey

    long = [HEADER, *([FAMILIES[0]] * (HEAD_ROWS + 10))]
    data = xlsx([("填表说明", INSTRUCTIONS), ("A", long), ("B", [HEADER, FAMILIES[3]])])
    found = survey(data, "x.xlsx")
    assert [(s.name, s.filled, len(s.rows)) for s in found] == [
        ("填表说明", 3, 3), ("A", HEAD_ROWS + 11, HEAD_ROWS), ("B", 2, 2)]
    sheets = read_sheets(data, "x.xlsx", ["B", "A"])
    assert [(s.name, len(s.rows)) for s in sheets] == [("B", 2), ("A", HEAD_ROWS + 11)]
    with pytest.raises(SheetError) as caught:
        read_sheets(data, "x.xlsx", ["C"])
    assert caught.value.code == "no_sheet"
    # The sheets read together count against the row limit together.
    settings.IMPORT_MAX_ROWS = HEAD_ROWS + 12
    with pytest.raises(SheetError) as caught:
        read_sheets(data, "x.xlsx", ["A", "B"])
    assert caught.value.code == "too_many_rows"
    csv = survey("姓名,性别\n王,男\n".encode(), "名单.csv")
    assert [(s.name, s.filled) for s in csv] == [("名单", 2)]


@pytest.mark.django_db
def test_a_problem_with_the_file_names_the_sheet_read(personas: dict, grid_a: Any) -> None:
    head = personas["head"]
    batch = start(head, grid_a, FAMILIES)
    batch.mapping = {"1": "sex"}
    batch.save()
    html = client_for(head).get(reverse("import_detail", args=[batch.pk])).content.decode()
    assert "Sheet “roster”: No column is mapped to the name" in html


@pytest.mark.django_db
def test_the_command_reads_the_sheets_it_is_given(personas: dict, grid_a: Any,
                                                  building3: Building, tmp_path: Any) -> None:
    import json

    from django.core.management import call_command

    path = tmp_path / "roster.xlsx"
    path.write_bytes(xlsx([("填表说明", INSTRUCTIONS), ("1单元", [HEADER, *FAMILIES[:3]]),
                           ("2单元", [HEADER, FAMILIES[3]])]))
    out = io.StringIO()
    call_command("import_roster", str(path), "--grid", grid_a.code, "--dry-run", "--json",
                 "--sheet", "1单元", "--sheet", "2单元", "--language", "en", stdout=out)
    data = json.loads(out.getvalue())
    assert data["sheets"] == ["1单元", "2单元"] and data["counts"]["new"] == 4
    out = io.StringIO()
    call_command("import_roster", str(path), "--grid", grid_a.code, "--dry-run",
                 "--language", "en", stdout=out)
    assert out.getvalue().startswith("Checked (batch ") and "sheet “1单元”): new 3" in \
        out.getvalue()
