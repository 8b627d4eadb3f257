"""Every element id on a page is unique (a label's `for` must find its field).

The dispute page carries eight small forms, the case page several: each form
has its own `auto_id`, so two "note" fields are not both `id_note`.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from jiayuan.care import services as care
from jiayuan.care.choices import DisputeOutcome  # noqa: F401  (the model's choices load)


def duplicate_ids(html: str) -> list[str]:
    ids = Counter(re.findall(r'\sid="([^"]+)"', html))
    return sorted(i for i, n in ids.items() if n > 1)


@pytest.fixture
def dispute(personas: dict, household: Any, grid_a: Any) -> Any:
    d = care.dispute_create(actor=personas["head"], grid=grid_a, kind="neighbours",
                            source="walk_in", summary="楼上漏水",
                            mediators=[personas["mediator"]],
                            opened_on=timezone.localdate() - timedelta(days=60))
    care.party_add(actor=personas["head"], dispute=d, role="applicant", person=household.head)
    return d


def test_the_dispute_page_has_unique_ids(client: Any, personas: dict, dispute: Any) -> None:
    client.force_login(personas["head"])
    html = client.get(reverse("dispute_detail", args=[dispute.pk])).content.decode()
    assert "textarea" in html
    assert duplicate_ids(html) == []


def test_the_case_page_has_unique_ids(client: Any, personas: dict, case: Any) -> None:
    client.force_login(personas["head"])
    html = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert duplicate_ids(html) == []


def test_the_household_and_person_pages_have_unique_ids(client: Any, personas: dict,
                                                         household: Any) -> None:
    client.force_login(personas["head"])
    for url in (reverse("household_detail", args=[household.pk]),
                reverse("person_detail", args=[household.head_id])):
        assert duplicate_ids(client.get(url).content.decode()) == [], url
