"""Hostile values in the care forms and lists: a clear refusal, never a 500.

An account id past the database's integer range used to overflow SQLite in
the staff tick-boxes (visitors of a visit, mediators of a dispute)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from jiayuan.care.models import Dispute, Visit
from tests.care.test_disputes import open_dispute

HOSTILE = ["²", "-1", "0", "1e99", str(10**24), str(2**63), "'", ""]


@pytest.fixture
def head_client(client: Any, personas: dict) -> Any:
    client.force_login(personas["head"])
    return client


@pytest.mark.parametrize("value", HOSTILE)
def test_it_refuses_a_forged_visitor_with_the_form_again(
        head_client: Any, household: Any, value: str) -> None:
    response = head_client.post(reverse("visit_new"), {
        "idempotency_key": "6d1f0c52-8a61-4cb3-9d44-2f8d3b1e7a10", "households": [household.pk],
        "visited_at": "2026-01-05T10:00", "mode": "home", "purpose": "routine",
        "visitors": [value]})
    assert response.status_code == 400
    assert not Visit.objects.exists()


@pytest.mark.parametrize("value", HOSTILE)
def test_it_refuses_a_forged_mediator_when_opening_a_dispute(
        head_client: Any, grid_a: Any, value: str) -> None:
    response = head_client.post(reverse("dispute_new"), {
        "kind": "family", "source": "walk_in", "summary": "争执", "grid": grid_a.pk,
        "opened_on": "2026-01-05", "mediators": [value]})
    assert response.status_code == 400
    assert not Dispute.objects.exists()


@pytest.mark.parametrize("value", HOSTILE)
def test_it_refuses_a_forged_mediator_when_editing_a_dispute(
        head_client: Any, personas: dict, grid_a: Any, value: str) -> None:
    dispute = open_dispute(personas["head"], grid_a)
    response = head_client.post(reverse("dispute_edit", args=[dispute.pk]), {
        "version": dispute.version, "kind": "family", "source": "walk_in",
        "summary": "改过的", "mediators": [value]})
    assert response.status_code == 400
    dispute.refresh_from_db()
    assert dispute.summary == "楼上漏水" and dispute.version == 1


@pytest.mark.parametrize("param", ["page", "tab", "kind"])
def test_the_dispute_lists_take_any_query_string(head_client: Any, param: str) -> None:
    for name in ("dispute_list", "dispute_followups"):
        for value in HOSTILE:
            url = reverse(name)
            assert head_client.get(url, {param: value}).status_code == 200
            assert head_client.get(f"{url}?{param}={value}&{param}=2").status_code == 200
