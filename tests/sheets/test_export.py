"""Exports: escaping, columns per role, scope, reasons, audit, formats, queries."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from openpyxl import load_workbook

from jiayuan.care import services as care_services
from jiayuan.care.models import Visit
from jiayuan.core.models import AuditEntry
from jiayuan.desk.models import Case
from jiayuan.places.models import Building, Dwelling
from jiayuan.registry import services
from jiayuan.registry.identifiers import set_id_number, set_phone
from jiayuan.registry.models import Household, Person
from jiayuan.sheets import export, export_datasets
from jiayuan.sheets.export import Spec, run
from jiayuan.sheets.forms_export import ExportForm
from jiayuan.sheets.xlsx import SheetWriter, csv_chunks, escape, open_workbook
from tests.conftest import ZHENG_ID

DANGEROUS = ["=1+2", "+1", "-1+2", "@SUM(A1)", "\tx", "\rx", "\nx", "\x00=cmd",
             '=HYPERLINK("http://evil.example","点我")', "=cmd|' /C calc'!A0"]


# --- helpers ----------------------------------------------------------------------

def exports() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="export").order_by("seq"))


def read_csv(result: export.Export) -> list[list[str]]:
    data = b"".join(result.content)
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def read_xlsx(result: export.Export) -> Any:
    try:
        book = load_workbook(io.BytesIO(result.content.read()))
    finally:
        result.content.close()
    return book.worksheets[0]


def xlsx_rows(result: export.Export) -> list[list[Any]]:
    return [list(r) for r in read_xlsx(result).iter_rows(values_only=True)]


def table(result: export.Export) -> list[dict[str, Any]]:
    rows = read_csv(result) if result.content_type.startswith("text/csv") else xlsx_rows(result)
    keys = [c.key for c in result.columns]
    assert len(rows[0]) == len(keys)
    return [dict(zip(keys, r, strict=True)) for r in rows[1:]]


def go(actor: Any, dataset: str = "people", fmt: str = "csv", **kw: Any) -> export.Export:
    with translation.override("en"):
        return run(actor=actor, spec=Spec(dataset=dataset, format=fmt, **kw))


REASON = "Subsidy renewal list for the civil affairs office"


@pytest.fixture
def visit(household: Household, personas: dict[str, Any]) -> Visit:
    v, _ = care_services.visit_log(
        actor=personas["gridworker"], households=[household], mode="home", purpose="routine",
        found="老人腿脚不便", needs="需要扶手", sensitive_note="透析每周三次")
    return v


# --- escaping ---------------------------------------------------------------------

@pytest.mark.parametrize("text", DANGEROUS)
def test_it_escapes_text_a_spreadsheet_would_run(text):
    safe = escape(text)
    assert safe.startswith("'")
    assert "\x00" not in safe
    assert safe[1:] == text.replace("\x00", "")


@pytest.mark.parametrize("value", ["郑容哲", "3-2-302", "a=b", "", "'quoted", " =x", -5, 3.5,
                                   None, True, date(2020, 1, 1)])
def test_it_leaves_harmless_values_and_numbers_alone(value):
    assert escape(value) == value


def test_it_removes_control_characters_xlsx_cannot_hold():
    assert escape("a\x01b\x1fc\x0bd") == "abcd"
    assert escape("line\nbreak\ttab") == "line\nbreak\ttab"


def test_the_xlsx_sheet_stores_escaped_text_not_formulas(tmp_path):
    path = tmp_path / "t.xlsx"
    book = open_workbook(str(path))
    sheet = SheetWriter(book, "t")
    sheet.header(["v"])
    for text in DANGEROUS:
        sheet.write_row([text])
    sheet.write_row([-7, date(2024, 5, 1)])
    book.close()
    ws = load_workbook(path).worksheets[0]
    cells = [ws.cell(row=i + 2, column=1) for i in range(len(DANGEROUS))]
    # Line breaks in an xlsx cell are LF.
    assert [c.value for c in cells] == [escape(t).replace("\r", "\n") for t in DANGEROUS]
    assert all(c.data_type == "s" for c in cells)
    last = len(DANGEROUS) + 2
    assert ws.cell(row=last, column=1).value == -7
    assert ws.cell(row=last, column=2).is_date


def test_csv_chunks_escape_every_text_cell():
    data = b"".join(csv_chunks(["=h"], iter([[t] for t in DANGEROUS] + [[-3]]), "en"))
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["'=h"]
    assert [r[0] for r in rows[1:-1]] == [escape(t) for t in DANGEROUS]
    assert rows[-1] == ["-3"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_resident_named_like_a_formula_is_exported_as_text(household, head, fmt):
    services.person_create(actor=head, household=household, name="=1+2", sex="F",
                           relation="child", id_number="", phone="",
                           occupation='@SUM(1)')
    rows = table(go(head, fmt=fmt))
    row = next(r for r in rows if r["occupation"] == "'@SUM(1)")
    assert row["name"] == "'=1+2"


# --- columns per role -------------------------------------------------------------

def keys(columns: list[export.Column]) -> set[str]:
    return {c.key for c in columns}


def test_the_auditor_is_offered_no_sensitive_column(personas):
    for dataset in export.DATASETS.values():
        assert export.sensitive_columns(personas["auditor"], dataset) == []


def test_a_grid_worker_may_have_phones_and_circumstances_but_no_id_numbers(personas):
    offered = keys(export.sensitive_columns(personas["gridworker"], export_datasets.PEOPLE))
    assert offered == {"phone_whole", "circumstances"}


def test_the_head_is_offered_every_sensitive_column(personas):
    offered = keys(export.sensitive_columns(personas["head"], export_datasets.PEOPLE))
    assert offered == {"id_number_whole", "phone_whole", "circumstances"}


def test_identity_attributes_are_never_exported(personas):
    """Ethnic group, languages and festivals: not even for the head, with a reason."""
    for dataset in export.DATASETS.values():
        every = {c.key for c in dataset.columns}
        assert not {"ethnicity", "languages", "festivals"} & every


def test_roles_without_the_permission_may_export_nothing(personas):
    for role in ("mediator", "coordinator", "admin"):
        assert export.datasets_for(personas[role]) == []
        with pytest.raises(PermissionDenied):
            go(personas[role])
    assert AuditEntry.objects.filter(action="denied", object_id="export_data").count() == 3
    assert exports() == []


def test_without_ticks_ids_and_phones_are_masked_and_sensitive_columns_absent(household,
                                                                             head):
    rows = table(go(head))
    zheng = next(r for r in rows if r["name"] == "鄭容哲")
    assert zheng["id_number"] == household.head.id_number_mask != ZHENG_ID
    assert "*" in zheng["phone"]
    assert not {"ethnicity", "languages", "circumstances", "id_number_whole"} & set(zheng)


def test_ticked_whole_numbers_take_the_place_of_the_masked_ones(household, head):
    result = go(head, sensitive=("id_number_whole", "phone_whole"), reason=REASON)
    names = [c.key for c in result.columns]
    assert "id_number" not in names and "phone" not in names
    assert names.index("id_number_whole") == 6  # where the masked column was
    zheng = next(r for r in table(result) if r["name"] == "鄭容哲")
    assert zheng["id_number_whole"] == ZHENG_ID
    assert zheng["phone_whole"] == "13812345678"


def test_ticked_sensitive_columns_are_written(household, head):
    services.circumstance_add(actor=head, household=household, person=household.head,
                              kind="serious_illness", started=date(2025, 1, 1),
                              sensitive_consent=True)
    rows = table(go(head, sensitive=("circumstances",), reason=REASON))
    zheng = next(r for r in rows if r["name"] == "鄭容哲")
    assert zheng["circumstances"] == "Serious illness"
    assert "ethnicity" not in zheng and "Korean" not in str(zheng)


def test_the_export_form_has_no_filter_on_any_sensitive_attribute(personas):
    for dataset in export.DATASETS:
        form = ExportForm(actor=personas["head"], dataset=dataset)
        assert set(form.fields) <= {"dataset", "format", "grid", "include_moved_out", "since",
                                    "until", "sensitive", "reason"}
    assert set(Spec.__dataclass_fields__) == {"dataset", "format", "grid",
                                              "include_moved_out", "since", "until",
                                              "sensitive", "reason"}


# --- refusals: nothing exported, nothing audited ------------------------------------

def test_a_sensitive_column_needs_a_reason(household, head):
    for reason in ("", "   ", "because"):
        with pytest.raises(ValidationError) as exc:
            go(head, sensitive=("circumstances",), reason=reason)
        assert "reason" in exc.value.error_dict
    assert exports() == []


def test_a_column_the_role_may_not_see_is_refused(household, personas):
    for role, column in (("auditor", "circumstances"), ("gridworker", "id_number_whole"),
                         ("head", "no_such_column"), ("head", "ethnicity")):
        with pytest.raises(ValidationError) as exc:
            go(personas[role], sensitive=(column,), reason=REASON)
        assert "sensitive" in exc.value.error_dict
    assert exports() == []


def test_a_forged_dataset_or_format_is_refused(head):
    for kw in ({"dataset": "users"}, {"fmt": "pdf"}):
        with pytest.raises(ValidationError):
            go(head, **kw)
    assert exports() == []


def test_a_grid_outside_the_scope_is_refused(household, grid_a, personas):
    with pytest.raises(ValidationError) as exc:
        go(personas["outsider"], grid=grid_a)
    assert "grid" in exc.value.error_dict
    assert exports() == []


def test_too_many_rows_for_one_excel_sheet_are_refused(household, head, monkeypatch):
    monkeypatch.setattr(export, "MAX_ROWS", 3)
    with pytest.raises(ValidationError) as exc:
        go(head, fmt="xlsx")
    assert "format" in exc.value.error_dict
    assert exports() == []
    assert len(table(go(head, fmt="csv"))) == 3


# --- scope ------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_grid_worker_exports_only_their_grid(household, household_b, personas, fmt):
    names = {r["name"] for r in table(go(personas["gridworker"], fmt=fmt))}
    assert names == {"鄭容哲", "金英姬", "郑民浩"}
    names = {r["name"] for r in table(go(personas["outsider"], fmt=fmt))}
    assert names == {"马忠华"}


def test_a_community_account_may_narrow_to_one_grid(household, household_b, head, grid_b):
    assert [r["name"] for r in table(go(head, grid=grid_b))] == ["马忠华"]
    assert len(table(go(head))) == 4


def test_households_that_moved_out_are_left_out_unless_asked_for(household, household_b,
                                                                 head):
    services.household_move_out(actor=head, household=household_b, on=date(2025, 1, 1))
    assert {r["dwelling"] for r in table(go(head, "households"))} == {"3-2-302"}
    rows = table(go(head, "households", include_moved_out=True))
    assert {r["dwelling"] for r in rows} == {"3-2-302", "7-1-502"}
    assert {r["name"] for r in table(go(head))} == {"鄭容哲", "金英姬", "郑民浩"}
    assert len(table(go(head, include_moved_out=True))) == 4


def test_household_rows_count_current_members(household, head):
    row = table(go(head, "households"))[0]
    assert row["members"] == "3" and row["head"] == "鄭容哲"
    assert row["household_no"] == str(household.pk)


def test_cases_of_another_grid_are_not_exported(household, household_b, personas, make_case):
    make_case(person=household.head, summary="孩子入学")
    make_case(person=household_b.head, summary="另一个网格的诉求")
    summaries = {r["summary"] for r in table(go(personas["gridworker"], "cases"))}
    assert summaries == {"孩子入学"}
    summaries = {r["summary"] for r in table(go(personas["head"], "cases"))}
    assert summaries == {"孩子入学", "另一个网格的诉求"}


def test_cases_are_filtered_by_the_day_they_were_received(household, head, make_case):
    now = timezone.now()
    make_case(person=household.head, summary="old", opened_at=now - timedelta(days=40))
    make_case(person=household.head, summary="new")
    today = timezone.localdate()
    rows = table(go(head, "cases", since=today - timedelta(days=7), until=today))
    assert [r["summary"] for r in rows] == ["new"]
    rows = table(go(head, "cases", until=today - timedelta(days=30)))
    assert [r["summary"] for r in rows] == ["old"]


def test_a_case_phone_is_masked_unless_whole_numbers_are_ticked(household, head, make_case):
    make_case(caller_name="王先生", caller_phone="13912345678")
    assert table(go(head, "cases"))[0]["phone"] != "13912345678"
    row = table(go(head, "cases", sensitive=("phone_whole",), reason=REASON))[0]
    assert row["phone_whole"] == "13912345678"


def test_a_visits_sensitive_note_needs_its_tick(visit, personas):
    row = table(go(personas["head"], "visits"))[0]
    assert row["found"] == "老人腿脚不便" and "sensitive_note" not in row
    assert row["households"] == "3-2-302 鄭容哲"
    row = table(go(personas["head"], "visits", sensitive=("sensitive_note",),
                   reason=REASON))[0]
    assert row["sensitive_note"] == "透析每周三次"
    assert table(go(personas["outsider"], "visits")) == []
    with pytest.raises(ValidationError):
        go(personas["auditor"], "visits", sensitive=("sensitive_note",), reason=REASON)


# --- audit ------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_export_is_audited_with_counts_and_no_values(household, household_b, head,
                                                           grid_a, fmt):
    result = go(head, fmt=fmt, grid=grid_a,
                sensitive=("id_number_whole", "phone_whole", "circumstances"),
                reason="  " + REASON + " ")
    rows = table(result)
    assert len(rows) == 3
    (entry,) = exports()
    assert entry == result.entry and entry.actor_username == "head"
    assert entry.object_type == "sheets.export" and entry.object_id == "people"
    changes = entry.changes
    assert changes["dataset"] == "people" and changes["format"] == fmt
    assert changes["rows"] == 3 and changes["grid"] == "G1"
    assert changes["sensitive_columns"] == ["id_number_whole", "phone_whole", "circumstances"]
    assert changes["reason"] == REASON
    logged = json.dumps(changes, ensure_ascii=False) + entry.object_repr
    for value in (ZHENG_ID, "13812345678", "Korean", "朝鲜族", "鄭容哲"):
        assert value not in logged


def test_an_export_without_sensitive_columns_is_audited_too(household, personas):
    table(go(personas["auditor"], "households"))
    (entry,) = exports()
    assert entry.changes["sensitive_columns"] == [] and entry.changes["rows"] == 1
    assert entry.actor_role == "auditor"


# --- formats ----------------------------------------------------------------------

def test_the_csv_is_utf8_with_a_bom_and_a_header_in_the_users_language(household, head):
    with translation.override("zh-hans"):
        result = run(actor=head, spec=Spec(dataset="people", format="csv"))
    rows = read_csv(result)
    assert rows[0][1:4] == ["网格", "住房", "姓名"]
    assert result.filename == f"jiayuan-people-{timezone.localdate():%Y-%m-%d}.csv"
    assert len(rows) == 4


def test_the_xlsx_has_dates_as_dates_and_numbers_as_text(household, head):
    result = go(head, fmt="xlsx", sensitive=("id_number_whole",), reason=REASON)
    assert result.filename.endswith(".xlsx") and result.filename.isascii()
    ws = read_xlsx(result)
    header = [c.value for c in ws[1]]
    assert header[:6] == ["Household no.", "Grid", "Dwelling", "Name", "Sex", "Birth date"]
    assert header[6] == "ID-card number"
    zheng = next(r for r in ws.iter_rows(min_row=2) if r[3].value == "鄭容哲")
    assert zheng[5].is_date and zheng[5].value == datetime(1958, 3, 14)
    assert zheng[6].data_type == "s" and zheng[6].value == ZHENG_ID
    assert zheng[0].value == household.pk
    assert ws.freeze_panes == "A2"


def test_the_xlsx_header_follows_the_language(household, head):
    with translation.override("zh-hans"):
        result = run(actor=head, spec=Spec(dataset="people", format="xlsx"))
    header = [c.value for c in read_xlsx(result)[1]]
    assert header[3] == "姓名" and header[1] == "网格"


# --- queries ----------------------------------------------------------------------

def _bulk_people(household: Household, n: int) -> None:
    people = []
    for i in range(n):
        p = Person(household=household, grid_id=household.grid_id, name=f"王{i}", sex="M",
                   birth_date=date(1990, 1, 1), relation="child", ethnicity="01")
        set_phone(p, f"139{i:08d}")
        set_id_number(p, "")
        p.id_number_hash = None
        people.append(p)
    Person.objects.bulk_create(people)


def _bulk_households(grid: Any, n: int) -> None:
    building = Building.objects.create(grid=grid, number="99")
    dwellings = Dwelling.objects.bulk_create(
        [Dwelling(building=building, unit="1", room=str(i), code=f"99-1-{i}", grid=grid)
         for i in range(n)])
    Household.objects.bulk_create(
        [Household(dwelling=d, grid=grid, residency="registered", moved_in=date(2020, 1, 1),
                   festivals=["spring_festival"]) for d in dwellings])


def _bulk_cases(case: Case, n: int) -> None:
    fields = {f.attname: getattr(case, f.attname) for f in Case._meta.concrete_fields
              if f.attname not in ("id", "ref", "public_token")}
    Case.objects.bulk_create([Case(**fields, ref=f"T-{i}", public_token=f"t{i}")
                              for i in range(n)])


def _bulk_visits(visit: Visit, n: int) -> None:
    made = Visit.objects.bulk_create(
        [Visit(community_id=visit.community_id, grid_id=visit.grid_id, mode="home",
               purpose="routine", created_by_id=visit.created_by_id,
               visited_at=visit.visited_at) for _ in range(n)])
    through = Visit.households.through
    through.objects.bulk_create([through(visit_id=v.pk, household_id=h.pk)
                                 for v in made for h in visit.households.all()])
    vis = Visit.visitors.through
    vis.objects.bulk_create([vis(visit_id=v.pk, user_id=visit.created_by_id) for v in made])


def _count(actor: Any, dataset: str, sensitive: tuple[str, ...]) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        rows = table(go(actor, dataset, fmt="xlsx", sensitive=sensitive,
                        reason=REASON if sensitive else ""))
    return len(rows), len(ctx.captured_queries)


SENSITIVE = {"people": ("circumstances", "phone_whole"),
             "households": ("circumstances", "phone_whole"),
             "cases": ("phone_whole",), "visits": ("sensitive_note",)}


@pytest.mark.parametrize("dataset", ["people", "households", "cases", "visits"])
def test_queries_do_not_grow_with_rows(household, head, grid_a, make_case, visit, dataset,
                                       django_assert_max_num_queries):
    grow = {"people": lambda n: _bulk_people(household, n),
            "households": lambda n: _bulk_households(grid_a, n) if n else None,
            "cases": lambda n: _bulk_cases(make_case(person=household.head), n),
            "visits": lambda n: _bulk_visits(visit, n)}[dataset]
    grow(0)
    few_rows, few = _count(head, dataset, SENSITIVE[dataset])
    grow(200)
    with django_assert_max_num_queries(few):
        many_rows, _ = _count(head, dataset, SENSITIVE[dataset])
    assert many_rows >= few_rows + 200
    assert few <= 12
