"""What one upload may cost: the cell bound refused at upload, the stored check
that page views read instead of the file, and large checks in the background
(queued, run by the tick job with their progress, failures shown and retried)."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest
import xlsxwriter
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from jiayuan.places.models import Building
from jiayuan.registry.models import Person
from jiayuan.sheets.importing import checking
from jiayuan.sheets.importing import plan as plan_mod
from jiayuan.sheets.importing import upload as upload_mod
from jiayuan.sheets.jobs import step_import_checks
from jiayuan.sheets.models import CheckState, ImportBatch, ImportCheckRow
from tests.conftest import station_moment
from tests.sheets.test_import_views import client_for, mapping_post, page, upload, uploaded, url
from tests.sheets.test_importer import FAMILIES, HEADER, csv_bytes

pytestmark = pytest.mark.django_db
NOW = station_moment(date(2026, 12, 1))  # when the tick job runs (its stamps only)


@pytest.fixture
def building3(grid_a: Any) -> Building:
    return Building.objects.get_or_create(grid=grid_a, number="3")[0]


def xlsx_bytes(rows: list[list[Any]], header: list[str] = HEADER) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("花名册")
    for r, row in enumerate([header, *rows]):
        sheet.write_row(r, 0, row)
    book.close()
    return out.getvalue()


def no_reading(*a: Any, **kw: Any) -> Any:
    raise AssertionError("the file was read again")


# --- the cell bound ---------------------------------------------------------------

@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_it_refuses_a_file_over_the_cell_bound_naming_the_numbers(personas, grid_a, settings,
                                                                  kind):
    settings.IMPORT_MAX_CELLS = 40
    data = xlsx_bytes(FAMILIES) if kind == "xlsx" else csv_bytes(FAMILIES)
    response = upload(client_for(personas["gridworker"]), grid_a, data=data,
                      name=f"roster.{kind}")
    assert response.status_code == 400
    message = response.context["form"].errors["file"][0]
    rows = len(FAMILIES) + (1 if kind == "xlsx" else 2)  # the header (and the csv's title)
    assert message == (f"A sheet in this file uses {rows} rows × 10 columns ({rows * 10} cells); "
                       "at most 40 cells can be imported at once. Delete the columns the import "
                       "does not need, or split the roster into smaller files.")
    assert message in page(response)
    assert not ImportBatch.objects.exists() and not ImportCheckRow.objects.exists()


def test_a_file_within_the_bound_is_read(personas, grid_a, building3, settings):
    settings.IMPORT_MAX_CELLS = (len(FAMILIES) + 1) * len(HEADER)  # exactly the sheet
    batch = uploaded(client_for(personas["gridworker"]), grid_a, data=xlsx_bytes(FAMILIES),
                     name="roster.xlsx")
    batch.refresh_from_db()
    assert batch.check_state == CheckState.DONE
    assert batch.check_counts["new"] == len(FAMILIES)


def test_the_xlsx_extent_counts_single_letter_columns_exactly(personas, grid_a, settings):
    # 10 columns (A…J) and 5 rows: 50 cells, not 5 × 26.
    settings.IMPORT_MAX_CELLS = 50
    response = upload(client_for(personas["gridworker"]), grid_a, data=xlsx_bytes(FAMILIES),
                      name="roster.xlsx")
    assert response.status_code == 302


# --- the stored check ---------------------------------------------------------------

def test_the_check_is_stored_once_and_a_page_view_reads_it(personas, grid_a, building3,
                                                           monkeypatch):
    client = client_for(personas["gridworker"])
    batch = uploaded(client, grid_a, data=csv_bytes(FAMILIES))
    batch.refresh_from_db()
    assert batch.check_state == CheckState.DONE
    stored = list(batch.check_rows.values_list("number", "outcome", "name"))
    assert [n for n, _o, _name in stored] == list(range(3, len(FAMILIES) + 3))  # title, header
    monkeypatch.setattr(upload_mod, "read_sheets", no_reading)
    monkeypatch.setattr(upload_mod, "read_sheet", no_reading)
    monkeypatch.setattr(plan_mod._Planner, "plan", no_reading)
    for _i in range(2):
        html = page(client.get(url("import_detail", batch)))
        assert all(name in html for _n, _o, name in stored)
    assert batch.check_rows.count() == len(FAMILIES)


def test_a_mapping_change_checks_again_with_the_new_mapping(personas, grid_a, building3):
    client = client_for(personas["gridworker"])
    batch = uploaded(client, grid_a, data=csv_bytes(FAMILIES))
    # The sex column set to "do not import": the ID numbers still give the sex.
    sex = next(i for i, key in batch.mapping.items() if key == "phone")
    response = client.post(url("import_mapping", batch), mapping_post(batch, **{f"col_{sex}": ""}))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.check_state == CheckState.DONE and "phone" not in batch.mapping.values()
    assert batch.check_rows.count() == len(FAMILIES)


def test_the_import_forgets_the_stored_rows(personas, grid_a, building3):
    client = client_for(personas["head"])
    batch = uploaded(client, grid_a, data=csv_bytes(FAMILIES))
    client.post(url("import_commit", batch))
    batch.refresh_from_db()
    assert batch.status == "committed" and not batch.check_rows.exists()
    assert Person.objects.count() == len(FAMILIES)


# --- large checks in the background -----------------------------------------------

@pytest.fixture
def small_background(settings: Any) -> None:
    settings.IMPORT_BACKGROUND_ROWS = 2


def test_a_large_check_is_queued_and_the_page_says_so(personas, grid_a, building3,
                                                      small_background, monkeypatch):
    client = client_for(personas["gridworker"])
    monkeypatch.setattr(plan_mod._Planner, "plan", no_reading)  # not in the request
    batch = uploaded(client, grid_a, data=csv_bytes(FAMILIES))
    batch.refresh_from_db()
    assert batch.check_state == CheckState.QUEUED and batch.check_total == len(FAMILIES)
    html = page(client.get(url("import_detail", batch)))
    assert "it is checked in the background" in html
    assert f'hx-get="{url("import_progress", batch)}"' in html and 'hx-trigger="every 3s"' in html
    progress = client.get(url("import_progress", batch))
    assert progress.status_code == 200 and "HX-Refresh" not in progress


def test_the_tick_job_runs_it_recording_progress_and_the_page_shows_the_result(
        personas, grid_a, building3, small_background, monkeypatch):
    client = client_for(personas["gridworker"])
    batch = uploaded(client, grid_a, data=csv_bytes(FAMILIES))
    monkeypatch.setattr(checking, "PROGRESS_EVERY", 1)
    seen: list[int] = []
    real = plan_mod._Planner.resolve_places

    def after_reading(self: Any) -> None:  # step 2: every row has been read
        seen.append(ImportBatch.objects.get(pk=batch.pk).check_done)
        real(self)

    monkeypatch.setattr(plan_mod._Planner, "resolve_places", after_reading)
    now = NOW
    assert step_import_checks(now) == 1
    assert seen == [len(FAMILIES)]
    batch.refresh_from_db()
    assert batch.check_state == CheckState.DONE and batch.check_finished_at == now
    assert batch.check_counts["new"] == len(FAMILIES)
    assert step_import_checks(now) == 0  # nothing left to do
    progress = client.get(url("import_progress", batch))
    assert progress["HX-Refresh"] == "true"
    html = page(client.get(url("import_detail", batch)))
    assert "What the import would do" in html and "hx-get" not in html.split('id="check"')[1]
    assert html.count('class="outcome-new"') == len(FAMILIES)


def test_the_page_shows_a_running_checks_progress(personas, grid_a, building3, small_background):
    client = client_for(personas["gridworker"])
    batch = uploaded(client, grid_a, data=csv_bytes(FAMILIES))
    ImportBatch.objects.filter(pk=batch.pk).update(check_state=CheckState.RUNNING,
                                                   check_started_at=timezone.now(),
                                                   check_done=2)
    html = page(client.get(url("import_progress", batch)))
    assert len(FAMILIES) == 4
    assert "Checking: 2 of about 4 rows read." in html
    assert '<progress max="100" value="50">' in html


def test_the_tick_command_runs_the_job(personas, grid_a, building3, small_background):
    batch = uploaded(client_for(personas["gridworker"]), grid_a, data=csv_bytes(FAMILIES))
    call_command("tick", "--only", "import_checks", "--quiet")
    batch.refresh_from_db()
    assert batch.check_state == CheckState.DONE


def test_a_failed_check_says_why_and_can_be_tried_again(personas, grid_a, building3,
                                                        small_background):
    client = client_for(personas["gridworker"])
    batch = uploaded(client, grid_a, data=csv_bytes(FAMILIES))
    good = batch.mapping
    ImportBatch.objects.filter(pk=batch.pk).update(mapping={"1": "sex"})  # no name column
    step_import_checks(NOW)
    batch.refresh_from_db()
    assert batch.check_state == CheckState.FAILED
    html = page(client.get(url("import_detail", batch)))
    assert "No column is mapped to the name" in html
    assert f'action="{url("import_recheck", batch)}"' in html
    ImportBatch.objects.filter(pk=batch.pk).update(mapping=good)
    response = client.post(url("import_recheck", batch))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.check_state == CheckState.QUEUED


def test_an_unexpected_error_fails_the_check_and_the_others_still_run(
        personas, grid_a, building3, small_background, monkeypatch):
    client = client_for(personas["gridworker"])
    first = uploaded(client, grid_a, data=csv_bytes(FAMILIES))
    second = uploaded(client, grid_a, data=csv_bytes(FAMILIES[:3]), name="b.csv")
    real = plan_mod._Planner.plan

    def broken(self: Any) -> Any:
        if self.batch.pk == first.pk:
            raise RuntimeError("bug")
        return real(self)

    monkeypatch.setattr(plan_mod._Planner, "plan", broken)
    from jiayuan.core.scheduler import JobIncomplete

    with pytest.raises(JobIncomplete):
        step_import_checks(NOW)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.check_state == CheckState.FAILED and "station's log" in first.check_error_text()
    assert second.check_state == CheckState.DONE


def test_a_check_left_running_is_queued_again(personas, grid_a, building3, small_background):
    batch = uploaded(client_for(personas["gridworker"]), grid_a, data=csv_bytes(FAMILIES))
    now = NOW
    ImportBatch.objects.filter(pk=batch.pk).update(check_state=CheckState.RUNNING,
                                                   check_started_at=now - timedelta(hours=2))
    step_import_checks(now)
    batch.refresh_from_db()
    assert batch.check_state == CheckState.DONE and batch.check_started_at == now


def test_a_result_for_an_older_request_is_not_stored(personas, grid_a, building3,
                                                     small_background, monkeypatch):
    client = client_for(personas["gridworker"])
    batch = uploaded(client, grid_a, data=csv_bytes(FAMILIES))
    real = plan_mod._Planner.plan

    def mapping_changed_meanwhile(self: Any) -> Any:
        report = real(self)
        ImportBatch.objects.filter(pk=batch.pk).update(check_state=CheckState.QUEUED,
                                                       check_started_at=None)
        return report

    monkeypatch.setattr(plan_mod._Planner, "plan", mapping_changed_meanwhile)
    step_import_checks(NOW)
    batch.refresh_from_db()
    assert batch.check_state == CheckState.QUEUED and not batch.check_rows.exists()


@pytest.mark.parametrize("view", ["import_progress", "import_recheck"])
def test_the_new_views_refuse_other_grids_and_roles(personas, grid_a, building3, view):
    batch = uploaded(client_for(personas["head"]), grid_a)
    do = "post" if view == "import_recheck" else "get"
    assert getattr(client_for(personas["outsider"]), do)(url(view, batch)).status_code == 404
    assert getattr(client_for(personas["mediator"]), do)(url(view, batch)).status_code == 403
    assert client_for(personas["head"]).post(reverse("import_recheck", args=[999999])) \
        .status_code == 404
