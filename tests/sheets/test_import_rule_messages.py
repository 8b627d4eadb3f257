"""A registry rule's message in a check's reasons (the consent guardian rule) is
stored as a message, not as the words of whoever checked: read later, it is in
the reader's language."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.utils import translation

from jiayuan.lib.idcard import make_id_number
from jiayuan.places.models import Building
from jiayuan.sheets import importing
from jiayuan.sheets.models import CheckState, ImportCheckRow
from tests.sheets.test_importer import HEADER, building3, start

__all__ = ["building3"]


@pytest.mark.django_db
def test_the_guardian_rule_checked_in_chinese_reads_in_english(
        personas: dict, grid_a: Any, building3: Building) -> None:
    head = personas["head"]
    child_id = make_id_number("650102", date(2016, 3, 1), 15)
    alone = ["王小宝", "男", "2016-03-01", child_id, "", "3", "2", "808", "户主", "常住", "汉族"]
    batch = start(head, grid_a, [alone], header=[*HEADER, "民族"])
    batch.consent_evidence = "登记表签字"
    batch.save()
    with translation.override("zh-hans"):
        batch = importing.check_request(actor=head, batch=batch)
    assert batch.check_state == CheckState.DONE
    row = ImportCheckRow.objects.get(batch=batch, outcome=importing.REJECTED)
    stored = json.dumps(row.problems, ensure_ascii=False)
    assert "This person is under 14" in stored  # the msgid, never the words shown
    with translation.override("en"):
        [reason] = row.reasons()
    assert "under 14" in reason and "Leave the ethnic group empty" in reason
    with translation.override("zh-hans"):
        [reason] = row.reasons()
    assert "under 14" not in reason and "14" in reason
