"""The import of a large file in the background: the Import button queues it (once,
however often pressed), the tick job `import_commits` imports it as the account
that pressed it, a refusal is stored and can be tried again; small files still
import in the request."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import translation

from jiayuan.core.audit import verify_chain
from jiayuan.core.models import AuditAction, AuditEntry
from jiayuan.core.roles import Role
from jiayuan.registry.models import Person
from jiayuan.sheets.importing import write as write_mod
from jiayuan.sheets.jobs import step_import_checks, step_import_commits
from jiayuan.sheets.models import BatchStatus, CheckState, CommitState, ImportBatch
from tests.conftest import station_moment
from tests.sheets.test_import_cost import building3  # noqa: F401 (fixture)
from tests.sheets.test_import_views import client_for, mapping_post, page, uploaded, url
from tests.sheets.test_importer import FAMILIES, csv_bytes

NOW = station_moment(date(2026, 12, 1))


@pytest.fixture
def small_background(settings: Any) -> None:
    settings.IMPORT_BACKGROUND_ROWS = 2


def checked(client: Any, grid: Any) -> ImportBatch:
    """A large batch (4 rows), its check run by the tick job."""
    batch = uploaded(client, grid, data=csv_bytes(FAMILIES))
    assert step_import_checks(NOW) == 1
    batch.refresh_from_db()
    assert batch.check_state == CheckState.DONE
    return batch


def no_commit(*a: Any, **kw: Any) -> Any:
    raise AssertionError("the import ran in the request")


def test_a_large_import_is_queued_then_the_job_imports_it_as_the_user(
        personas, grid_a, building3, small_background, monkeypatch):  # noqa: F811
    worker = personas["gridworker"]
    client = client_for(worker)
    batch = checked(client, grid_a)
    real = write_mod.commit
    monkeypatch.setattr("jiayuan.sheets.importing.committing.commit", no_commit)
    response = client.post(url("import_commit", batch))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DRAFT and batch.commit_state == CommitState.QUEUED
    assert batch.commit_requested_by == worker and not Person.objects.exists()
    html = page(client.get(url("import_detail", batch)))
    assert "Importing in the background…" in html and 'id="commit-progress"' in html
    assert f'hx-get="{url("import_progress", batch)}"' in html
    assert 'action="' + url("import_commit", batch) not in html  # no second button
    progress = client.get(url("import_progress", batch))
    assert "Importing in the background…" in page(progress) and "HX-Refresh" not in progress

    monkeypatch.setattr("jiayuan.sheets.importing.committing.commit", real)
    assert step_import_commits(NOW) == 1
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED and batch.commit_state == CommitState.NONE
    assert Person.objects.filter(import_batch_id=batch.pk).count() == len(FAMILIES)
    entry = AuditEntry.objects.get(action=AuditAction.IMPORT, object_id=str(batch.pk))
    assert entry.actor_id == worker.pk and entry.actor_username == worker.username
    assert verify_chain().ok
    assert client.get(url("import_progress", batch))["HX-Refresh"] == "true"
    html = page(client.get(url("import_detail", batch)))
    assert "What this import did" in html and "Undo this import" in html
    assert step_import_commits(NOW) == 0  # nothing left
    # The undo is the in-request one.
    assert client.post(url("import_undo", batch)).status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.UNDONE and not Person.objects.exists()


def test_pressing_import_again_queues_it_once(personas, grid_a, building3,  # noqa: F811
                                             small_background, monkeypatch):
    client = client_for(personas["gridworker"])
    batch = checked(client, grid_a)
    client.post(url("import_commit", batch))
    batch.refresh_from_db()
    first = batch.commit_requested_at
    other = client_for(personas["head"])
    for c in (client, other):
        assert c.post(url("import_commit", batch)).status_code == 302
    batch.refresh_from_db()
    assert batch.commit_state == CommitState.QUEUED
    assert batch.commit_requested_by == personas["gridworker"]
    assert batch.commit_requested_at == first
    assert ImportBatch.objects.filter(commit_state=CommitState.QUEUED).count() == 1
    # Nor can the draft change meanwhile.
    response = client.post(url("import_mapping", batch), mapping_post(batch), follow=True)
    assert "being imported in the background" in page(response)
    assert step_import_commits(NOW) == 1 and step_import_commits(NOW) == 0
    assert Person.objects.count() == len(FAMILIES)


def test_an_account_that_lost_the_right_fails_the_import_nothing_written(
        personas, grid_a, building3, small_background):  # noqa: F811
    worker = personas["gridworker"]
    client = client_for(worker)
    batch = checked(client, grid_a)
    client.post(url("import_commit", batch))
    worker.role = Role.MEDIATOR  # may no longer import
    worker.save(update_fields=["role"])
    before = AuditEntry.objects.filter(action=AuditAction.IMPORT).count()
    assert step_import_commits(NOW) == 1
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DRAFT and batch.commit_state == CommitState.FAILED
    assert batch.commit_error_msg["msgid"].startswith("The account that asked for this import")
    assert not Person.objects.exists()
    assert AuditEntry.objects.filter(action=AuditAction.IMPORT).count() == before
    head = client_for(personas["head"])
    html = page(head.get(url("import_detail", batch)))
    assert "may no longer import into this grid" in html and "Press Import below" in html
    with translation.override("zh-hans"):
        assert "The account" not in batch.commit_error_text()
    # Tried again by someone who may: queued again, imported as them.
    head.post(url("import_commit", batch))
    batch.refresh_from_db()
    assert batch.commit_state == CommitState.QUEUED and batch.commit_error_msg is None
    call_command("tick", "--only", "import_commits", "--quiet")
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED
    assert AuditEntry.objects.get(action=AuditAction.IMPORT).actor_id == personas["head"].pk


def test_a_small_batch_still_imports_in_the_request(personas, grid_a, building3):  # noqa: F811
    client = client_for(personas["gridworker"])
    batch = uploaded(client, grid_a, data=csv_bytes(FAMILIES))
    client.post(url("import_commit", batch))
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED and batch.commit_state == CommitState.NONE
    assert Person.objects.count() == len(FAMILIES)
    assert step_import_commits(NOW) == 0
