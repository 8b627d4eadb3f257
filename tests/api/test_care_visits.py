"""GET/POST /api/v1/visits/ and GET /api/v1/visits/{id}/: the visit diary over
the pages' selectors and the visit service (duties fulfilled, audit parity)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from jiayuan.care import services as care
from jiayuan.care.choices import DutyRule, DutyStatus
from jiayuan.care.models import Duty, Visit
from jiayuan.core.audit import verify_chain
from jiayuan.core.models import AuditEntry

VIEWERS = ("head", "caseworker", "gridworker", "mediator", "coordinator", "auditor")
LOGGERS = ("head", "caseworker", "gridworker", "mediator", "coordinator")
NOTE = "家中有重病患者"
LIST = reverse("api_visit_list")


def detail(pk: Any) -> str:
    return reverse("api_visit_detail", args=[pk])


def log(actor: Any, household: Any, **fields: Any) -> Visit:
    fields.setdefault("mode", "home")
    fields.setdefault("purpose", "routine")
    visit, _created = care.visit_log(actor=actor, households=[household], **fields)
    return visit


@pytest.fixture
def visit(personas: dict, household: Any) -> Visit:
    return log(personas["gridworker"], household, found="身体还好", sensitive_note=NOTE)


@pytest.fixture
def visit_b(personas: dict, household_b: Any) -> Visit:
    return log(personas["outsider"], household_b, found="B网格")


def body(household: Any, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "households": [household.pk], "visited_at": timezone.now().isoformat(),
        "mode": "home", "purpose": "routine", "found": "老人腿脚不便",
        "idempotency_key": str(uuid.uuid4())}
    data.update(extra)
    return data


# --- access --------------------------------------------------------------------------

def test_anonymous_gets_401_in_the_error_shape(db: Any) -> None:
    response = APIClient().get(LIST)
    assert response.status_code == 401
    assert response.json()["error"]["status"] == 401


@pytest.mark.parametrize("role", [*VIEWERS, "admin", "outsider"])
def test_the_list_shows_the_visits_in_scope(api_for: Any, personas: dict, visit: Visit,
                                            visit_b: Visit, role: str) -> None:
    response = api_for(personas[role]).get(LIST)
    if role == "admin":
        assert response.status_code == 403
        assert AuditEntry.objects.filter(action="denied", actor_id=personas[role].pk).exists()
        return
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    expected = {"gridworker": {visit.pk}, "outsider": {visit_b.pk}}.get(
        role, {visit.pk, visit_b.pk})
    assert ids == expected


@pytest.mark.parametrize("role", [*VIEWERS, "admin", "outsider"])
def test_the_detail_answers_by_role_and_scope(api_for: Any, personas: dict, visit: Visit,
                                              role: str) -> None:
    response = api_for(personas[role]).get(detail(visit.pk))
    expected = {"admin": 403, "outsider": 404}.get(role, 200)
    assert response.status_code == expected
    if role == "outsider":
        assert AuditEntry.objects.filter(action="denied", object_type="care.visit",
                                         object_id=str(visit.pk)).exists()


@pytest.mark.parametrize("raw", ["999999", "abc", str(10**30)])
def test_a_missing_or_malformed_id_is_404(api_for: Any, personas: dict, raw: str) -> None:
    response = api_for(personas["head"]).get(f"/api/v1/visits/{raw}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


# --- the list's filters ---------------------------------------------------------------

def test_filters_by_household_worker_and_dates(api_for: Any, personas: dict, household: Any,
                                               visit: Visit, visit_b: Visit) -> None:
    old = log(personas["head"], household,
              visited_at=timezone.now() - timedelta(days=40))
    api = api_for(personas["head"])
    got = api.get(LIST, {"household": household.pk}).json()["results"]
    assert [r["id"] for r in got] == [visit.pk, old.pk]
    got = api.get(LIST, {"worker": personas["gridworker"].pk}).json()["results"]
    assert [r["id"] for r in got] == [visit.pk]
    since = (timezone.localdate() - timedelta(days=10)).isoformat()
    got = api.get(LIST, {"from": since}).json()["results"]
    assert {r["id"] for r in got} == {visit.pk, visit_b.pk}
    until = (timezone.localdate() - timedelta(days=30)).isoformat()
    got = api.get(LIST, {"to": until}).json()["results"]
    assert [r["id"] for r in got] == [old.pk]


def test_a_household_out_of_scope_is_404_as_on_the_page(api_for: Any, personas: dict,
                                                        household_b: Any) -> None:
    response = api_for(personas["gridworker"]).get(LIST, {"household": household_b.pk})
    assert response.status_code == 404
    assert AuditEntry.objects.filter(action="denied", object_type="registry.household",
                                     object_id=str(household_b.pk)).exists()


@pytest.mark.parametrize("query", [{"from": "2026-13-45"}, {"household": "x"},
                                   {"worker": str(10**30)}])
def test_a_bad_filter_is_400(api_for: Any, personas: dict, query: dict) -> None:
    response = api_for(personas["head"]).get(LIST, query)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_a_nul_in_the_query_is_refused(api_for: Any, personas: dict) -> None:
    # Refused before the API by jiayuan.core.middleware (a plain 400 page).
    assert api_for(personas["head"]).get(LIST, {"to": "nul\x00"}).status_code == 400


def test_the_list_paginates(api_for: Any, personas: dict, household: Any) -> None:
    for _n in range(3):
        log(personas["head"], household)
    page = api_for(personas["head"]).get(LIST, {"limit": 2}).json()
    assert page["count"] == 3
    assert len(page["results"]) == 2
    assert page["next"]


# --- the sensitive note -------------------------------------------------------------------

def test_the_sensitive_note_is_shown_and_audited_only_for_roles_that_may_see_it(
        api_for: Any, personas: dict, visit: Visit) -> None:
    shown = api_for(personas["gridworker"]).get(detail(visit.pk)).json()
    assert shown["sensitive_note"] == NOTE
    assert AuditEntry.objects.filter(action="view_sensitive", object_type="care.visit",
                                     object_id=str(visit.pk),
                                     actor_id=personas["gridworker"].pk).count() == 1
    hidden = api_for(personas["mediator"]).get(detail(visit.pk)).json()
    assert hidden["sensitive_note"] is None
    assert not AuditEntry.objects.filter(action="view_sensitive",
                                         actor_id=personas["mediator"].pk).exists()
    listed = api_for(personas["gridworker"]).get(LIST).json()["results"][0]
    assert "sensitive_note" not in listed
    assert verify_chain().ok


# --- logging a visit ---------------------------------------------------------------------

def test_logging_a_visit_fulfils_the_duty_and_audits_as_the_page(
        api_for: Any, personas: dict, household: Any) -> None:
    today = timezone.localdate()
    duty = Duty.objects.create(household=household, grid_id=household.grid_id,
                               rule=DutyRule.DISABILITY, key="api", raised_on=today,
                               due=today + timedelta(days=5), assignee=personas["gridworker"])
    api = api_for(personas["gridworker"])
    sent = body(household)
    response = api.post(LIST, sent, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["created"] is True
    assert data["duties_closed"] == 1
    visit = Visit.objects.get(pk=data["visit"]["id"])
    duty.refresh_from_db()
    assert duty.status == DutyStatus.DONE and duty.visit_id == visit.pk
    entry = AuditEntry.objects.get(action="create", object_type="care.visit")
    assert entry.object_id == str(visit.pk)
    assert entry.actor_id == personas["gridworker"].pk
    assert entry.changes["households"] == [household.pk]
    assert entry.changes["duties_closed"] == 1
    # The same key again: the first visit, nothing recorded twice.
    again = api.post(LIST, sent, format="json")
    assert again.status_code == 200
    assert again.json()["created"] is False
    assert Visit.objects.count() == 1
    assert AuditEntry.objects.filter(action="create", object_type="care.visit").count() == 1
    assert verify_chain().ok


@pytest.mark.parametrize("role", ["auditor", "admin"])
def test_a_role_that_may_not_log_visits_gets_403(api_for: Any, personas: dict,
                                                  household: Any, role: str) -> None:
    response = api_for(personas[role]).post(LIST, body(household), format="json")
    assert response.status_code == 403
    assert not Visit.objects.exists()


def test_a_read_only_token_may_not_log(api_for: Any, personas: dict, household: Any) -> None:
    response = api_for(personas["head"], read_only=True).post(LIST, body(household),
                                                              format="json")
    assert response.status_code == 403
    assert not Visit.objects.exists()


def test_a_household_out_of_scope_is_refused(api_for: Any, personas: dict,
                                             household_b: Any) -> None:
    response = api_for(personas["gridworker"]).post(LIST, body(household_b), format="json")
    assert response.status_code == 400
    assert "households" in response.json()["error"]["fields"]
    assert not Visit.objects.exists()


@pytest.mark.parametrize("change", [
    {"colour": "red"},                       # unknown field
    {"mode": "teleport"},                    # not a choice
    {"households": ["x"]},                   # wrong type
    {"households": [], "business": None},    # neither households nor a business
    {"visited_at": "2099-01-01T00:00:00+08:00"},  # in the future (the service)
    {"households": [2**62]},                 # huge id
    {"found": "a\x00b"},                     # NUL
])
def test_bad_bodies_are_400(api_for: Any, personas: dict, household: Any,
                            change: dict) -> None:
    response = api_for(personas["head"]).post(LIST, body(household, **change), format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["status"] == 400
    assert not Visit.objects.exists()


def test_malformed_json_is_400(api_for: Any, personas: dict) -> None:
    response = api_for(personas["head"]).post(LIST, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["status"] == 400


def test_a_role_without_sensitive_access_may_not_send_a_note(
        api_for: Any, personas: dict, household: Any) -> None:
    response = api_for(personas["mediator"]).post(
        LIST, body(household, sensitive_note="秘密"), format="json")
    assert response.status_code == 400
    assert "sensitive_note" in response.json()["error"]["fields"]
