"""The import pages: upload, mapping, dry run, commit, undo and the error report,
for every persona and for forged posts."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from jiayuan.core.models import AuditEntry
from jiayuan.places.models import Building
from jiayuan.registry import services
from jiayuan.registry.models import Household, Person
from jiayuan.sheets import importing
from jiayuan.sheets.columns import FIELDS, header_key
from jiayuan.sheets.forms_import import UploadForm
from jiayuan.sheets.importing import plan as plan_mod
from jiayuan.sheets.importing import upload as upload_mod
from jiayuan.sheets.models import BatchStatus, ImportBatch, MappingTemplate
from tests.sheets.test_importer import FAMILIES, HEADER, csv_bytes

ALLOWED = {"head", "caseworker", "gridworker"}
REFUSED = {"mediator", "coordinator", "auditor", "admin"}
BAD_PHONE = ["吴芳", "女", "1990-01-01", "", "12345", "3", "1", "603", "户主", "户籍"]  # row 7


@pytest.fixture
def building3(grid_a: Any) -> Building:
    return Building.objects.get_or_create(grid=grid_a, number="3")[0]


def client_for(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def upload(client: Client, grid: Any, data: bytes | None = None, name: str = "roster.csv",
           **extra: Any) -> Any:
    payload = {"grid": grid.pk if grid is not None else "",
               "file": SimpleUploadedFile(name, csv_bytes(FAMILIES) if data is None else data),
               **extra}
    return client.post(reverse("import_list"), payload)


def uploaded(client: Client, grid: Any, **kw: Any) -> ImportBatch:
    response = upload(client, grid, **kw)
    assert response.status_code == 302, response.content.decode()[:2000]
    batch = ImportBatch.objects.latest("pk")
    assert response["Location"] == reverse("import_detail", args=[batch.pk])
    return batch


def url(name: str, batch: ImportBatch) -> str:
    return reverse(name, args=[batch.pk])


def mapping_post(batch: ImportBatch, **changes: str) -> dict[str, str]:
    """The mapping form as the page would post it, with some columns changed."""
    data = {f"col_{i}": key for i, key in batch.mapping.items()}
    width = max([len(HEADER), *(int(i) + 1 for i in batch.mapping)])
    for i in range(width):
        data.setdefault(f"col_{i}", "")
    data.update(changes)
    data.setdefault("consent_evidence", "")
    data.setdefault("template_name", "")
    return data


def page(response: Any) -> str:
    return response.content.decode()


def followed_messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- upload and the dry run -----------------------------------------------------------

def test_it_uploads_a_roster_and_shows_the_dry_run(personas, grid_a, building3):
    client = client_for(personas["gridworker"])
    listing = client.get(reverse("import_list"))
    assert listing.status_code == 200
    form = listing.context["form"]
    assert list(form.fields["grid"].queryset) == [grid_a]  # the worker's only grid
    assert form.fields["grid"].initial == grid_a.pk
    assert "25 MB" in page(listing) and "200,000 rows" in page(listing)

    batch = uploaded(client, grid_a)
    assert batch.status == BatchStatus.DRAFT and batch.created_by == personas["gridworker"]
    response = client.get(url("import_detail", batch))
    assert response.status_code == 200
    html = page(response)
    assert {k: n for k, _label, n in response.context["counts"]}["new"] == 4
    assert "Import 4 rows" in html
    assert 'name="col_0"' in html and "王建国" in html and "3-1-501" in html
    assert "138•" in html and "13800001111" not in html  # samples are masked
    assert Person.objects.count() == 0

    listing = page(client.get(reverse("import_list")))
    assert "roster.csv" in listing and "Checked, not imported" in listing


def test_it_names_each_bad_row_with_its_column_and_reason(personas, grid_a, building3):
    client = client_for(personas["gridworker"])
    batch = uploaded(client, grid_a, data=csv_bytes([*FAMILIES, BAD_PHONE]))
    response = client.get(url("import_detail", batch) + "?show=rejected")
    html = page(response)
    counts = {k: n for k, _label, n in response.context["counts"]}
    assert counts["rejected"] == 1 and counts["new"] == 4
    with translation.override("en"):
        report = importing.check(actor=personas["gridworker"], batch=batch)
    (bad,) = list(report.problems())
    assert bad.number == 7 and bad.problems[0].column == "联系电话"
    assert "Row 7" in html and "联系电话" in html
    assert str(bad.problems[0].reason) in html
    assert "王建国" not in html.split('id="rows"')[1]  # the tab shows only rejected rows
    assert url("import_errors", batch) in html


def test_the_check_runs_once_at_upload_and_pages_never_read_the_file(personas, grid_a,
                                                                       building3, monkeypatch):
    names = [a + b for a in "王李张刘陈" for b in "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"]
    rows = [[name, "男", "1980-01-01", "", "", "3", "1", str(1000 + i), "户主", "户籍"]
            for i, name in enumerate(names)]
    client = client_for(personas["head"])
    batch = uploaded(client, grid_a, data=csv_bytes(rows))
    batch.refresh_from_db()
    assert batch.check_state == "done" and batch.check_counts["new"] == 120
    assert batch.check_rows.count() == 120

    def no_reading(*a: Any, **kw: Any) -> Any:
        raise AssertionError("a page view read the file")

    monkeypatch.setattr(upload_mod, "read_sheets", no_reading)
    monkeypatch.setattr(upload_mod, "read_sheet", no_reading)
    monkeypatch.setattr(plan_mod._Planner, "plan", no_reading)
    html = page(client.get(url("import_detail", batch)))
    assert html.count('class="outcome-new"') == 50
    assert "Page 1 of 3" in html
    html = page(client.get(url("import_detail", batch) + "?show=new&page=3"))
    assert html.count('class="outcome-new"') == 20 and names[-1] in html


def test_a_corrupt_file_is_refused_with_the_reason_and_nothing_saved(personas, grid_a):
    response = upload(client_for(personas["gridworker"]), grid_a, data=b"garbage",
                      name="roster.xlsx")
    assert response.status_code == 400
    errors = response.context["form"].errors["file"]
    assert errors and errors[0] in page(response)
    assert not ImportBatch.objects.exists()


def test_a_file_without_a_header_row_is_refused(personas, grid_a):
    data = "\n".join(["1,2,3", "4,5,6"]).encode()
    response = upload(client_for(personas["gridworker"]), grid_a, data=data)
    assert response.status_code == 400
    assert "No header row" in response.context["form"].errors["file"][0]
    assert not ImportBatch.objects.exists()


def test_an_oversized_file_is_refused_before_it_is_read(personas, grid_a, settings):
    settings.IMPORT_MAX_BYTES = 100
    response = upload(client_for(personas["gridworker"]), grid_a)
    assert response.status_code == 400
    assert "larger than" in response.context["form"].errors["file"][0]
    assert not ImportBatch.objects.exists()


def test_the_upload_form_checks_the_size_too(personas, settings):
    settings.IMPORT_MAX_BYTES = 10
    with translation.override("en"):
        form = UploadForm({"grid": ""}, {"file": SimpleUploadedFile("r.csv", b"x" * 11)},
                          actor=personas["head"])
        assert not form.is_valid() and "larger than" in form.errors["file"][0]


def test_a_worker_cannot_upload_into_another_grid(personas, grid_a, grid_b):
    client = client_for(personas["outsider"])
    form = client.get(reverse("import_list")).context["form"]
    assert list(form.fields["grid"].queryset) == [grid_b]
    response = upload(client, grid_a)
    assert response.status_code == 400
    assert "not one of yours" in response.context["form"].errors["grid"][0]
    assert not ImportBatch.objects.exists()


# --- the mapping ----------------------------------------------------------------------

def test_a_forged_field_name_is_refused_and_changes_nothing(personas, grid_a, building3):
    client = client_for(personas["gridworker"])
    batch = uploaded(client, grid_a)
    before = dict(batch.mapping)
    response = client.post(url("import_mapping", batch), mapping_post(batch, col_4="is_staff"))
    assert response.status_code == 400
    assert "is not a field of the registry" in page(response)
    batch.refresh_from_db()
    assert batch.mapping == before


def test_a_field_mapped_twice_is_refused_naming_it(personas, grid_a, building3):
    client = client_for(personas["gridworker"])
    batch = uploaded(client, grid_a)
    before = dict(batch.mapping)
    response = client.post(url("import_mapping", batch), mapping_post(batch, col_4="name"))
    assert response.status_code == 400
    with translation.override("en"):
        label = str(FIELDS["name"].label)
    assert f"“{label}” is already the field of column “姓名”" in page(response)
    batch.refresh_from_db()
    assert batch.mapping == before


def test_the_name_must_be_mapped(personas, grid_a, building3):
    client = client_for(personas["gridworker"])
    batch = uploaded(client, grid_a)
    response = client.post(url("import_mapping", batch), mapping_post(batch, col_0=""))
    assert response.status_code == 400
    assert "holds the name" in page(response)


def test_the_mapping_is_saved_and_used_by_the_check(personas, grid_a, building3):
    client = client_for(personas["gridworker"])
    batch = uploaded(client, grid_a)
    assert batch.mapping["4"] == "phone"
    response = client.post(url("import_mapping", batch),
                           mapping_post(batch, col_4="", consent_evidence=" 登记表签字 "),
                           follow=True)
    assert response.status_code == 200
    batch.refresh_from_db()
    assert "4" not in batch.mapping and batch.consent_evidence == "登记表签字"
    assert "Column mapping saved" in " ".join(followed_messages(response))
    assert response.context["form"]["col_4"].value() in ("", None)


def test_a_template_is_saved_and_applied_to_the_next_upload(personas, grid_a, building3):
    header = [*HEADER[:8], "家里的角色", "人员类别"]
    data = csv_bytes(FAMILIES, header=header)
    client = client_for(personas["gridworker"])
    batch = uploaded(client, grid_a, data=data)
    assert batch.mapping.get("8") != "relation"  # not recognised by its name
    response = client.post(url("import_mapping", batch),
                           mapping_post(batch, col_8="relation", template_name="一网格花名册"),
                           follow=True)
    assert "Template “一网格花名册” saved." in followed_messages(response)
    template = MappingTemplate.objects.get()
    assert template.columns[header_key("家里的角色")] == "relation"
    assert template.created_by == personas["gridworker"]

    form = client.get(reverse("import_list")).context["form"]
    assert list(form.fields["template"].queryset) == [template]
    second = uploaded(client, grid_a, data=data, template=template.pk)
    assert second.mapping["8"] == "relation"
    html = page(client.get(url("import_detail", second)))
    assert "Import 4 rows" in html

    # The same name again updates the template; another worker's name is refused.
    response = client.post(url("import_mapping", second),
                           mapping_post(second, col_4="", template_name="一网格花名册"),
                           follow=True)
    assert "Template “一网格花名册” updated with this mapping." in followed_messages(response)
    assert MappingTemplate.objects.count() == 1
    assert header_key("联系电话") not in MappingTemplate.objects.get().columns
    other = client_for(personas["head"])
    response = other.post(url("import_mapping", second),
                          mapping_post(second, template_name="一网格花名册"))
    assert response.status_code == 400 and "already saved a template" in page(response)


def test_a_forged_template_is_refused(personas, grid_a, community):
    from jiayuan.places.models import Community

    elsewhere = Community.objects.create(name="别的社区", code="OTH")
    theirs = MappingTemplate.objects.create(community=elsewhere, name="x", columns={},
                                            created_by=personas["head"])
    MappingTemplate.objects.create(community=community, name="ours", columns={},
                                   created_by=personas["head"])
    response = upload(client_for(personas["gridworker"]), grid_a, template=theirs.pk)
    assert response.status_code == 400 and "template" in response.context["form"].errors
    assert not ImportBatch.objects.exists()


# --- commit, re-import, undo ----------------------------------------------------------

def test_commit_imports_and_says_how_many(personas, grid_a, building3):
    client = client_for(personas["gridworker"])
    batch = uploaded(client, grid_a, data=csv_bytes([*FAMILIES, BAD_PHONE]))
    response = client.post(url("import_commit", batch), follow=True)
    assert response.status_code == 200
    assert ("Sheet “roster”: Imported: 4 new, 0 updated, 0 unchanged. 1 row was not "
            "imported: it is listed below; fix it and upload it again."
            in followed_messages(response))
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED and batch.counts["new"] == 4
    assert Person.objects.filter(import_batch_id=batch.pk).count() == 4
    html = page(response)
    assert url("import_undo", batch) in html and "Yes, undo the import" in html
    assert url("import_commit", batch) not in html

    # A second post does not import twice.
    response = client.post(url("import_commit", batch), follow=True)
    assert "already been imported" in " ".join(followed_messages(response))
    assert Person.objects.count() == 4


def test_reimporting_the_same_file_finds_everything_unchanged(personas, grid_a, building3):
    client = client_for(personas["gridworker"])
    client.post(url("import_commit", uploaded(client, grid_a)))
    assert Person.objects.count() == 4
    again = uploaded(client, grid_a)
    response = client.get(url("import_detail", again))
    counts = {k: n for k, _label, n in response.context["counts"]}
    assert counts["unchanged"] == 4 and counts["new"] == counts["updated"] == 0
    assert "Nothing to import" in page(response)


def test_ticked_possible_duplicates_are_imported(personas, grid_a, household):
    Building.objects.get_or_create(grid=grid_a, number="3")
    rows = [["金英姬", "女", "1960-05-02", "", "", "3", "1", "702", "户主", "常住"]]
    client = client_for(personas["gridworker"])
    batch = uploaded(client, grid_a, data=csv_bytes(rows))
    html = page(client.get(url("import_detail", batch)))
    assert 'name="accept" value="3"' in html, html.split('id="check"')[-1][:3000]
    assert "3-2-302" in html

    assert client.post(url("import_commit", batch), {"accept": "x3"}).status_code == 400
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DRAFT and batch.accepted == []

    client.post(url("import_commit", batch), {"accept": ["3", "3"]})
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED and batch.accepted == [3]
    assert Person.objects.filter(name="金英姬").count() == 2


def test_undo_from_the_page(personas, grid_a, building3):
    client = client_for(personas["gridworker"])
    batch = uploaded(client, grid_a)
    client.post(url("import_commit", batch))
    response = client.post(url("import_undo", batch), follow=True)
    assert response.status_code == 200
    batch.refresh_from_db()
    assert batch.status == BatchStatus.UNDONE and batch.undone_by == personas["gridworker"]
    assert Person.objects.count() == 0 and Household.objects.count() == 0
    assert any("Import undone" in m for m in followed_messages(response))
    assert "Undone by" in page(response) and url("import_undo", batch) not in page(response)


def test_a_blocked_undo_names_the_records_in_the_way(personas, grid_a, building3):
    client = client_for(personas["gridworker"])
    batch = uploaded(client, grid_a)
    client.post(url("import_commit", batch))
    li = Person.objects.get(name="李梅")
    services.person_update(actor=personas["head"], person=li, occupation="教师")
    response = client.post(url("import_undo", batch))
    assert response.status_code == 409
    html = page(response)
    assert "cannot be undone" in html
    assert f'href="{reverse("person_detail", args=[li.pk])}"' in html and "李梅" in html
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED
    assert Person.objects.filter(import_batch_id=batch.pk).count() == 4


# --- the error report -----------------------------------------------------------------

def test_the_error_report_lists_the_rows_to_fix_with_the_reason(personas, grid_a, building3):
    client = client_for(personas["gridworker"])
    batch = uploaded(client, grid_a, data=csv_bytes([*FAMILIES, BAD_PHONE]))
    response = client.get(url("import_errors", batch))
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="roster-errors-{batch.pk}.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Row in your file", "Sheet", "What to fix", "姓名")
    assert len(rows) == 2 and rows[1][0] == 7 and rows[1][2].startswith("联系电话: ")
    assert rows[1][1] == "roster" and rows[1][3] == "吴芳"
    entry = AuditEntry.objects.get(action="export")
    assert entry.object_id == str(batch.pk) and entry.changes["rows"] == 1
    assert Person.objects.count() == 0


# --- access ---------------------------------------------------------------------------

def test_each_persona_gets_the_pages_or_403(personas, grid_a, building3):
    batch = uploaded(client_for(personas["gridworker"]), grid_a)
    for role, user in personas.items():
        client = client_for(user)
        status = client.get(reverse("import_list")).status_code
        assert status == (403 if role in REFUSED else 200), role
        expected = 200 if role in ALLOWED else 403 if role in REFUSED else 404
        assert client.get(url("import_detail", batch)).status_code == expected, role
        assert client.get(url("import_errors", batch)).status_code == expected, role
        for name in ("import_mapping", "import_sheets", "import_commit", "import_undo"):
            if role not in ALLOWED:
                assert client.post(url(name, batch), mapping_post(batch)).status_code \
                    == expected, (role, name)
    denied = AuditEntry.objects.filter(action="denied")
    assert set(denied.filter(object_id="import_roster").values_list(
        "actor_username", flat=True)) == REFUSED
    assert denied.filter(actor_username="outsider", object_type="sheets.importbatch",
                         object_id=str(batch.pk)).count() == 6
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DRAFT and Person.objects.count() == 0


def test_the_list_shows_only_batches_of_the_accounts_grids(personas, grid_a, grid_b,
                                                           building3):
    ours = uploaded(client_for(personas["gridworker"]), grid_a, name="ours.csv")
    theirs = uploaded(client_for(personas["head"]), grid_b, name="theirs.csv")
    html = page(client_for(personas["gridworker"]).get(reverse("import_list")))
    assert "ours.csv" in html and "theirs.csv" not in html
    html = page(client_for(personas["head"]).get(reverse("import_list")))
    assert html.index("theirs.csv") < html.index("ours.csv")  # newest first
    assert ours.pk < theirs.pk


def test_post_only_views_refuse_get_and_strangers_are_sent_to_login(personas, grid_a,
                                                                    building3):
    batch = uploaded(client_for(personas["gridworker"]), grid_a)
    client = client_for(personas["gridworker"])
    for name in ("import_mapping", "import_sheets", "import_commit", "import_undo"):
        assert client.get(url(name, batch)).status_code == 405, name
    for target in (reverse("import_list"), url("import_detail", batch),
                   url("import_errors", batch)):
        response = Client().get(target)
        assert response.status_code == 302 and "/login/" in response["Location"]
    response = Client().post(reverse("import_list"), {})
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_upload_needs_the_csrf_token(personas, grid_a):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(personas["gridworker"])
    response = client.post(reverse("import_list"), {
        "grid": grid_a.pk, "file": SimpleUploadedFile("roster.csv", csv_bytes(FAMILIES))})
    assert response.status_code == 403
    assert not ImportBatch.objects.exists()


def test_a_committed_batchs_columns_cannot_be_changed(personas, grid_a, building3):
    client = client_for(personas["gridworker"])
    batch = uploaded(client, grid_a)
    client.post(url("import_commit", batch))
    batch.refresh_from_db()
    mapping = dict(batch.mapping)
    response = client.post(url("import_mapping", batch), mapping_post(batch, col_4=""),
                           follow=True)
    assert "can no longer be changed" in " ".join(followed_messages(response))
    batch.refresh_from_db()
    assert batch.mapping == mapping
