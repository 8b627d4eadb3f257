"""Two saves of a column template under one name at once (PostgreSQL): the
station's templates are checked and saved one save at a time
(locks.MAPPING_TEMPLATES), so a colleague's template made meanwhile is
refused in words, never overwritten (the last writer used to win)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from jiayuan.core import locks
from jiayuan.places.models import Building
from jiayuan.sheets import services
from jiayuan.sheets.columns import template_columns
from jiayuan.sheets.models import MappingTemplate
from tests.locking import needs_postgres, waits_for
from tests.sheets.test_importer import FAMILIES, building3, start  # noqa: F401 (a fixture)

pytestmark = [needs_postgres, pytest.mark.django_db(transaction=True)]


def test_a_template_saved_by_a_colleague_meanwhile_is_not_overwritten(
        personas: dict, grid_a: Any, building3: Building) -> None:  # noqa: F811
    head, colleague = personas["head"], personas["caseworker"]
    batch = start(colleague, grid_a, FAMILIES)
    outcome = waits_for(
        lambda: locks.hold(locks.per_community(locks.MAPPING_TEMPLATES, head.community_id)),
        lambda: services.mapping_save(actor=colleague, batch=batch,
                                      mapping={0: "name"}, consent_evidence="",
                                      template_name="常用", header=["姓名"]),
        # The head saves a template of that name while the colleague's save waits.
        then=lambda: MappingTemplate.objects.create(
            community_id=head.community_id, name="常用", created_by=head,
            columns=template_columns(["姓名", "性别"], {0: "name", 1: "sex"})))
    assert outcome.waited
    assert isinstance(outcome.error, ValidationError), outcome.error
    assert "template_name" in outcome.error.message_dict
    template = MappingTemplate.objects.get(name="常用")
    assert template.created_by == head and len(template.columns) == 2
    batch.refresh_from_db()
    assert batch.mapping != {"0": "name"}  # nothing saved
