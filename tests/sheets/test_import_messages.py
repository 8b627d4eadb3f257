"""A check's and an import's reasons are stored as messages (msgid + params) and
shown in the language of whoever reads them, not of whoever checked."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from jiayuan.places.models import Building
from jiayuan.sheets import importing, messages
from jiayuan.sheets.models import CheckState, ImportBatch, ImportCheckRow
from tests.sheets.test_importer import FAMILIES, WANG, start

BAD_CHECK = WANG[:17] + ("0" if WANG[17] != "0" else "1")
ROWS = [
    FAMILIES[0],
    ["孙 丽", "女", "", BAD_CHECK, "", "3", "1", "601", "户主", "户籍"],  # row 4: check digit
    ["", "男", "1990-01-01", "", "", "3", "1", "606", "户主", "户籍"],     # row 5: no name
    ["郑华", "男", "1990-01-01", "", "", "99", "1", "604", "户主", "户籍"],  # row 6: building 99
]


@pytest.fixture
def building3(grid_a: Any) -> Building:
    return Building.objects.get_or_create(grid=grid_a, number="3")[0]


def _checked(actor: Any, grid: Any, language: str) -> ImportBatch:
    with translation.override(language):
        batch = importing.check_request(actor=actor, batch=start(actor, grid, ROWS))
    assert batch.check_state == CheckState.DONE
    return batch


def _reasons(batch: ImportBatch) -> dict[int, list[str]]:
    return {r.number: r.reasons() for r in ImportCheckRow.objects.filter(
        batch=batch, outcome=importing.REJECTED)}


@pytest.mark.django_db
def test_checked_in_english_read_in_chinese(personas: dict, grid_a: Any,
                                            building3: Building) -> None:
    batch = _checked(personas["head"], grid_a, "en")
    stored = json.dumps([r.problems for r in ImportCheckRow.objects.filter(batch=batch)],
                        ensure_ascii=False)
    # What is stored is the msgid and its parameters, never the words shown.
    assert "Building %(building)s" in stored and "Building 99" not in stored
    with translation.override("zh-hans"):
        found = _reasons(batch)
    assert set(found) == {4, 5, 6}
    assert "校验码" in found[4][0] and "check digit" not in found[4][0]
    assert "姓名" in found[5][0] and "missing" not in found[5][0]
    assert "99" in found[6][-1] and "Building" not in found[6][-1]
    with translation.override("en"):
        assert "Building 99 is not in" in _reasons(batch)[6][-1]


@pytest.mark.django_db
def test_checked_in_chinese_read_in_english_on_the_page(personas: dict, grid_a: Any,
                                                        building3: Building) -> None:
    head = personas["head"]
    batch = _checked(head, grid_a, "zh-hans")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(head)
    page = client.get(reverse("import_detail", args=[batch.pk]) + "?show=rejected")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Building 99 is not in" in text and "check digit" in text
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(head)
    text = client.get(reverse("import_detail", args=[batch.pk]) + "?show=rejected") \
        .content.decode()
    assert "Building 99 is not in" not in text and "校验码" in text


@pytest.mark.django_db
def test_an_imports_rows_left_out_are_read_in_the_readers_language(
        personas: dict, grid_a: Any, building3: Building) -> None:
    head = personas["head"]
    with translation.override("en"):
        report = importing.commit(actor=head, batch=start(head, grid_a, ROWS))
    assert report.counts["rejected"] == 3
    batch = ImportBatch.objects.latest("pk")
    assert "Building 99" not in json.dumps(batch.not_imported, ensure_ascii=False)
    with translation.override("zh-hans"):
        rows = {e["row"]: e["reasons"] for e in batch.not_imported_rows()}
    assert "校验码" in rows[4][0]
    with translation.override("en"):
        rows = {e["row"]: e["reasons"] for e in batch.not_imported_rows()}
    assert "check digit" in rows[4][0]


@pytest.mark.django_db
def test_a_failed_check_says_why_in_the_readers_language(personas: dict, grid_a: Any) -> None:
    head = personas["head"]
    with translation.override("en"):
        batch = start(head, grid_a, ROWS)
        batch.mapping = {k: v for k, v in batch.mapping.items() if v != "name"}
        batch.save()
        batch = importing.check_request(actor=head, batch=batch)
    assert batch.check_state == CheckState.FAILED and batch.check_error == ""
    with translation.override("zh-hans"):
        assert "姓名" in batch.check_error_text() and "mapped" not in batch.check_error_text()
    with translation.override("en"):
        assert "No column is mapped" in batch.check_error_text()


@pytest.mark.django_db
def test_rows_stored_before_messages_read_as_they_were(personas: dict, grid_a: Any,
                                                       building3: Building) -> None:
    batch = _checked(personas["head"], grid_a, "en")
    row = ImportCheckRow.objects.filter(batch=batch).first()
    assert row is not None
    row.problems, row.note, row.note_msg = [{"column": "姓名", "reason": "旧的原因"}], "旧", None
    row.outcome = importing.DUPLICATE
    row.save()
    with translation.override("en"):
        reasons = row.reasons()
    assert reasons[0] == "姓名: 旧的原因" and reasons[1].startswith("旧 Import it anyway")
    ImportBatch.objects.filter(pk=batch.pk).update(
        check_error="老的失败原因", check_error_msg=None,
        check_finished_at=timezone.now() + timedelta(0))
    batch.refresh_from_db()
    assert batch.check_error_text() == "老的失败原因"
    assert messages.entry_reasons({"reasons": ["a: b"]}) == ["a: b"]
