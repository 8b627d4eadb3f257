"""GET/POST /api/v1/suggestions/ and GET /api/v1/suggestions/{id}/: residents'
suggestions over the pages' selectors and the staff entry service (scope,
masking, audit parity with the page)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from jiayuan.civic.choices import Stage
from jiayuan.civic.models import Suggestion
from jiayuan.civic.suggestions import services
from jiayuan.civic.suggestions.selectors import status_for_stage
from jiayuan.core.audit import verify_chain
from jiayuan.core.models import AuditEntry
from jiayuan.core.roles import Perm

ROLES = ("head", "caseworker", "gridworker", "mediator", "coordinator", "auditor", "admin",
         "outsider")
LIST = reverse("api_suggestion_list")


def detail(pk: Any) -> str:
    return reverse("api_suggestion_detail", args=[pk])


@pytest.fixture
def idea(personas: dict, household: Any) -> Suggestion:
    return services.suggestion_create(actor=personas["head"], title="楼道扶手",
                                      body="3号楼装扶手", category="accessibility",
                                      person=household.head)


@pytest.fixture
def idea_b(personas: dict, grid_b: Any) -> Suggestion:
    return services.suggestion_create(actor=personas["head"], title="B网格停车",
                                      body="停车难", category="parking", grid=grid_b)


def _denied(user: Any) -> bool:
    return AuditEntry.objects.filter(action="denied", actor_id=user.pk).exists()


# --- reads ---------------------------------------------------------------------------

def test_anonymous_gets_401_in_the_error_shape(db: Any) -> None:
    for url in (LIST, detail(1)):
        response = APIClient().get(url)
        assert response.status_code == 401
        assert response.json()["error"]["status"] == 401


@pytest.mark.parametrize("role", ROLES)
def test_the_list_shows_the_suggestions_in_scope(api_for: Any, personas: dict, idea: Any,
                                                 idea_b: Any, role: str) -> None:
    user = personas[role]
    response = api_for(user).get(LIST)
    if not user.has(Perm.VIEW_CIVIC):
        assert response.status_code == 403
        assert _denied(user)
        return
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    expected = {"gridworker": {idea.pk}, "outsider": {idea_b.pk}}.get(role, {idea.pk, idea_b.pk})
    assert ids == expected
    for row in response.json()["results"]:  # the card shows nothing of the resident
        assert "person" not in row and "contact_name" not in row and "body" not in row


def test_the_list_filters_as_the_page(api_for: Any, personas: dict, idea: Any,
                                      idea_b: Any) -> None:
    head = personas["head"]
    services.suggestion_set_status(actor=head, suggestion=idea_b,
                                   status=status_for_stage(idea_b.community_id, Stage.DONE),
                                   public_reason="已完成")
    client = api_for(head)
    rows = client.get(LIST, {"stage": "done"}).json()["results"]
    assert [r["id"] for r in rows] == [idea_b.pk]
    assert rows[0]["status"]["stage"] == "done"
    assert [r["id"] for r in client.get(LIST, {"open": "true"}).json()["results"]] == [idea.pk]
    assert [r["id"] for r in client.get(LIST, {"q": "扶手"}).json()["results"]] == [idea.pk]
    assert [r["id"] for r in client.get(LIST, {"q": idea_b.ref}).json()["results"]] == [
        idea_b.pk]
    assert client.get(LIST, {"source": "staff"}).json()["count"] == 2


@pytest.mark.parametrize("query", [{"stage": "nope"}, {"source": "x"}, {"open": "maybe"},
                                   {"q": "x" * 61}, {"limit": "abc"}])
def test_a_bad_filter_is_a_400(api_for: Any, personas: dict, query: dict) -> None:
    response = api_for(personas["head"]).get(LIST, query)
    if "limit" in query:  # DRF's pagination ignores a bad limit
        assert response.status_code == 200
        return
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


@pytest.mark.parametrize("role", ROLES)
def test_one_suggestion_in_scope_or_404(api_for: Any, personas: dict, idea: Any,
                                        role: str) -> None:
    user = personas[role]
    response = api_for(user).get(detail(idea.pk))
    if not user.has(Perm.VIEW_CIVIC):
        assert response.status_code == 403
        assert _denied(user)
    elif role == "outsider":
        assert response.status_code == 404
    else:
        assert response.status_code == 200
        data = response.json()
        assert data["ref"] == idea.ref and data["body"] == "3号楼装扶手"
        assert data["person"] == {"id": idea.person_id, "name": idea.person.name}
        assert data["grid"]["id"] == idea.grid_id


def test_missing_and_huge_ids_are_404(api_for: Any, personas: dict) -> None:
    client = api_for(personas["head"])
    for pk in ("999999", str(2**80), "abc", "1%00"):
        response = client.get(detail(pk))
        assert response.status_code == 404, pk
        assert response.json()["error"]["code"] == "not_found"


def test_the_contact_phone_is_masked_as_on_the_page(api_for: Any, personas: dict,
                                                   grid_a: Any) -> None:
    s = services.suggestion_create(actor=personas["head"], title="路灯", body="坏了",
                                   category="other", grid=grid_a)
    Suggestion.objects.filter(pk=s.pk).update(contact_name="张先生",
                                              contact_phone_mask="138****5678",
                                              contact_phone_enc="secret")
    data = api_for(personas["head"]).get(detail(s.pk)).json()
    assert data["contact_name"] == "张先生"
    assert data["contact_phone"] == "138****5678"
    assert "secret" not in str(data)


def test_changes_and_merges_are_shown(api_for: Any, personas: dict, idea: Any,
                                      grid_a: Any) -> None:
    head = personas["head"]
    dup = services.suggestion_create(actor=head, title="扶手2", body="同上",
                                     category="accessibility", grid=grid_a)
    services.suggestion_merge(actor=head, suggestion=dup, into=idea, public_reason="重复")
    data = api_for(head).get(detail(idea.pk)).json()
    assert data["merged"] == [{"id": dup.pk, "ref": dup.ref}]
    assert data["supporters"] == 2
    dup_data = api_for(head).get(detail(dup.pk)).json()
    assert dup_data["merged_into"] == {"id": idea.pk, "ref": idea.ref}
    assert dup_data["changes"][-1]["public_reason"] == "重复"
    assert dup_data["changes"][-1]["by"]["id"] == head.pk


# --- entering one --------------------------------------------------------------------

def _entries(action: str = "create") -> list[tuple[Any, ...]]:
    return list(AuditEntry.objects.filter(action=action, object_type__endswith="suggestion")
                .order_by("pk").values_list("actor_id", "changes"))


def _normal(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return [(a, {k: v for k, v in c.items() if k not in ("id",)}) for a, c in rows]


def test_entering_one_writes_what_the_page_writes(api_for: Any, personas: dict,
                                                  household: Any) -> None:
    worker = personas["gridworker"]
    page = Client()
    page.force_login(worker)
    form = {"person": household.head.pk, "category": "parking", "title": "停车",
            "body": "晚上没车位", "grid": "", "meeting": "", "received_on": ""}
    assert page.post(reverse("suggestion_new"), form).status_code == 302
    by_page = _entries()
    response = api_for(worker).post(LIST, {"person": household.head.pk, "category": "parking",
                                           "title": "停车", "body": "晚上没车位"},
                                    format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["grid"]["id"] == household.grid_id and data["source"] == "staff"
    assert data["person"]["id"] == household.head.pk
    by_api = _entries()[len(by_page):]
    assert len(by_page) == len(by_api) == 1
    assert _normal(by_page) == _normal(by_api)
    assert Suggestion.objects.filter(title="停车").count() == 2
    assert verify_chain().ok


def test_a_resident_out_of_scope_is_a_400_without_a_record(
        api_for: Any, personas: dict, household_b: Any) -> None:
    response = api_for(personas["gridworker"]).post(
        LIST, {"person": household_b.head.pk, "title": "x", "body": "y"}, format="json")
    assert response.status_code == 400
    assert "person" in response.json()["error"]["fields"]
    assert not Suggestion.objects.exists()


def test_a_grid_out_of_scope_is_a_400(api_for: Any, personas: dict, grid_b: Any) -> None:
    response = api_for(personas["gridworker"]).post(
        LIST, {"grid": grid_b.pk, "title": "x", "body": "y"}, format="json")
    assert response.status_code == 400
    assert "grid" in response.json()["error"]["fields"]


@pytest.mark.parametrize("payload", [
    {"title": "x", "body": "y", "nickname": "z"},
    {"title": "x"},
    {"title": "x", "body": "y", "category": "nope"},
    {"title": "x", "body": "y", "person": 2**40},
    {"title": "x", "body": "y", "received_on": "2999-01-01"},
    {"title": "x\x00", "body": "y"},
    ["not", "an", "object"],
])
def test_bad_bodies_are_400(api_for: Any, personas: dict, grid_a: Any, payload: Any) -> None:
    if isinstance(payload, dict):
        payload = {"grid": grid_a.pk, **payload}
    response = api_for(personas["head"]).post(LIST, payload, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["status"] == 400
    assert not Suggestion.objects.exists()


def test_malformed_json_is_a_400(api_for: Any, personas: dict) -> None:
    response = api_for(personas["head"]).post(LIST, "{nope", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["status"] == 400


def test_a_read_only_token_may_not_enter_one(api_for: Any, personas: dict, grid_a: Any) -> None:
    response = api_for(personas["head"], read_only=True).post(
        LIST, {"grid": grid_a.pk, "title": "x", "body": "y"}, format="json")
    assert response.status_code == 403
    assert not Suggestion.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_only_roles_that_handle_suggestions_enter_them(api_for: Any, personas: dict,
                                                       grid_a: Any, role: str) -> None:
    user = personas[role]
    response = api_for(user).post(LIST, {"grid": grid_a.pk, "title": "x", "body": "y"},
                                  format="json")
    if not user.has(Perm.HANDLE_SUGGESTIONS):
        assert response.status_code == 403
        assert _denied(user)
    elif role == "outsider":  # grid A is not theirs
        assert response.status_code == 400
    else:
        assert response.status_code == 201, response.content
    assert verify_chain().ok
