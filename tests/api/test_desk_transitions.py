"""The desk's API: transitions through the workflow service. Audit parity with
the case page, stale versions (409, nothing written), invalid transitions (400)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from jiayuan.core.audit import verify_chain
from jiayuan.core.models import AuditEntry
from jiayuan.desk.choices import Status
from jiayuan.desk.models import Case, CaseEvent

pytestmark = pytest.mark.django_db

ROLES = ["head", "caseworker", "gridworker", "mediator", "coordinator", "auditor", "admin",
         "outsider"]
WORKERS = {"head", "caseworker", "gridworker", "mediator"}


def url(case: Case) -> str:
    return reverse("api_case_transition", args=[case.pk])


def entries(case: Case) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(object_type="desk.case", object_id=str(case.pk),
                                          action="update").order_by("seq"))


@pytest.mark.parametrize("role", ROLES)
def test_transition_by_role_and_scope(role: str, personas: dict, case: Case,
                                      api_for: Any) -> None:
    response = api_for(personas[role]).post(url(case), {
        "action": "start", "version": case.version}, format="json")
    expected = 200 if role in WORKERS else 404 if role == "outsider" else 403
    assert response.status_code == expected, response.json()
    case.refresh_from_db()
    assert case.status == (Status.IN_PROGRESS if expected == 200 else Status.NEW)
    if expected == 200:
        assert response.json()["status"] == "in_progress"
        assert response.json()["version"] == case.version
    missing = api_for(personas[role]).post(reverse("api_case_transition", args=[2**31 - 1]),
                                           {"action": "start", "version": 1}, format="json")
    assert missing.status_code == (404 if role in WORKERS | {"outsider"} else 403)


def test_audit_parity_with_the_case_page(personas: dict, make_case: Any, household: Any,
                                         api_for: Any) -> None:
    by_page, by_api = (make_case(person=household.head) for _ in range(2))
    page = Client()
    page.force_login(personas["caseworker"])
    client = api_for(personas["caseworker"])
    for action, extra in (("start", {}), ("wait_department", {"note": "等教育局回复"}),
                          ("resume", {}),
                          ("resolve", {"outcome": "school_place", "outcome_quantity": 1})):
        by_page.refresh_from_db()
        by_api.refresh_from_db()
        page.post(reverse("case_transition", args=[by_page.pk]),
                  {"action": action, "version": by_page.version, **extra})
        response = client.post(url(by_api), {"action": action, "version": by_api.version,
                                             **extra}, format="json")
        assert response.status_code == 200, response.json()
    by_page.refresh_from_db()
    by_api.refresh_from_db()
    assert by_page.status == by_api.status == Status.RESOLVED
    page_log, api_log = entries(by_page), entries(by_api)
    assert len(page_log) == len(api_log) == 4
    for a, b in zip(page_log, api_log, strict=True):
        assert (a.action, a.object_type) == (b.action, b.object_type)
        assert a.changes == b.changes
    assert verify_chain().ok


def test_stale_version_is_409_and_nothing_written(personas: dict, case: Case,
                                                  api_for: Any) -> None:
    stale = case.version
    client = api_for(personas["caseworker"])
    assert client.post(url(case), {"action": "acknowledge", "version": stale},
                       format="json").status_code == 200
    case.refresh_from_db()
    before = (case.status, case.version, CaseEvent.objects.count(), AuditEntry.objects.filter(
        action="update").count())
    response = client.post(url(case), {"action": "start", "version": stale}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    case.refresh_from_db()
    assert (case.status, case.version, CaseEvent.objects.count(), AuditEntry.objects.filter(
        action="update").count()) == before
    assert verify_chain().ok


def test_transition_not_allowed_from_the_status_is_400_naming_it(personas: dict, case: Case,
                                                                  api_for: Any) -> None:
    response = api_for(personas["caseworker"]).post(url(case), {
        "action": "resume", "version": case.version}, format="json",
        HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert "Resume work" in message and "New" in message, message
    case.refresh_from_db()
    assert case.status == Status.NEW and not entries(case)


@pytest.mark.parametrize(("body", "field"), [
    ({"action": "fly", "version": 1}, "action"),
    ({"action": "start"}, "version"),
    ({"action": "start", "version": "one"}, "version"),
    ({"action": "start", "version": 2**80}, "version"),
    ({"action": "start", "version": 1, "colour": "red"}, "colour"),
    ({"action": "withdraw", "version": 1}, "note"),
    ({"action": "resolve", "version": 1}, "outcome"),
    ({"action": "cancel_duplicate", "version": 1, "duplicate_ref": "ZJJ-1900-00001"},
     "duplicate_ref"),
])
def test_bad_bodies_are_400_and_change_nothing(body: dict, field: str, personas: dict,
                                               case: Case, api_for: Any) -> None:
    response = api_for(personas["caseworker"]).post(url(case), body, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["error"].get("fields", {}), response.json()
    case.refresh_from_db()
    assert case.status == Status.NEW and not entries(case)


def test_malformed_json_and_read_only_token(personas: dict, case: Case, api_for: Any) -> None:
    response = api_for(personas["caseworker"]).post(url(case), "{\"action\":",
                                                    content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["status"] == 400
    response = api_for(personas["caseworker"], read_only=True).post(url(case), {
        "action": "start", "version": case.version}, format="json")
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.status == Status.NEW


def test_detail_offers_what_the_status_allows_next(personas: dict, case: Case,
                                                   api_for: Any) -> None:
    client = api_for(personas["caseworker"])
    client.post(url(case), {"action": "start", "version": case.version}, format="json")
    data = client.get(reverse("api_case_detail", args=[case.pk])).json()
    assert "resume" not in {t["action"] for t in data["transitions"]}
    assert {"wait_department", "resolve"} <= {t["action"] for t in data["transitions"]}
    assert verify_chain().ok
