"""The desk's API: the catalogue, the case list and a case, taking a request.
Per endpoint × role × scope; masking as the case page masks; due dates on a fixed clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from jiayuan.core.audit import verify_chain
from jiayuan.core.models import AuditEntry
from jiayuan.desk.models import Case

pytestmark = pytest.mark.django_db

VIEWERS = {"head", "caseworker", "gridworker", "mediator", "auditor"}
WORKERS = {"head", "caseworker", "gridworker", "mediator"}
ROLES = ["head", "caseworker", "gridworker", "mediator", "coordinator", "auditor", "admin",
         "outsider"]
SHANGHAI = ZoneInfo("Asia/Shanghai")


def detail(pk: int) -> str:
    return reverse("api_case_detail", args=[pk])


@pytest.mark.parametrize("role", ROLES)
def test_case_detail_by_role_and_scope(role: str, personas: dict, case: Case,
                                       api_for: Any) -> None:
    client = api_for(personas[role])
    response = client.get(detail(case.pk))
    expected = (200 if role in VIEWERS else 404 if role == "outsider" else 403)
    assert response.status_code == expected
    if expected == 200:
        assert response.json()["ref"] == case.ref
        assert response.json()["version"] == case.version
    else:
        assert response.json()["error"]["status"] == expected
        assert AuditEntry.objects.filter(action="denied").exists()
    missing = client.get(detail(2**31 - 1))
    assert missing.status_code == (404 if role in VIEWERS | {"outsider"} else 403)


def test_anonymous_gets_401_in_the_error_shape(case: Case) -> None:
    response = APIClient().get(detail(case.pk))
    assert response.status_code == 401
    assert response.json()["error"]["status"] == 401
    assert APIClient().get(reverse("api_cases_list")).status_code == 401
    assert APIClient().post(reverse("api_cases_list"), {}, format="json").status_code == 401


def test_a_huge_id_is_a_404_not_a_500(personas: dict, api_for: Any) -> None:
    response = api_for(personas["head"]).get(f"/api/v1/cases/{10**30}/")
    assert response.status_code == 404


def test_transitions_offered_follow_the_role(personas: dict, case: Case,
                                             api_for: Any) -> None:
    worker = api_for(personas["caseworker"]).get(detail(case.pk)).json()
    assert {t["action"] for t in worker["transitions"]} == {
        "acknowledge", "start", "wait_department", "resolve", "cancel_duplicate", "withdraw"}
    reader = api_for(personas["auditor"]).get(detail(case.pk)).json()
    assert reader["transitions"] == []


def test_caller_phone_is_masked_as_on_the_case_page(personas: dict, make_case: Any,
                                                    api_for: Any) -> None:
    case = make_case()  # an unregistered caller, 13912345678
    data = api_for(personas["head"]).get(detail(case.pk)).json()
    page = Client()
    page.force_login(personas["head"])
    html = page.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert data["requester"]["caller_phone"] == case.caller_phone_mask
    assert data["requester"]["caller_phone"] in html
    assert "13912345678" not in str(data) and "13912345678" not in html
    assert data["requester"]["name"] == "王先生"


def test_a_registered_requester_shows_no_identifier(personas: dict, case: Case,
                                                    api_for: Any) -> None:
    data = api_for(personas["head"]).get(detail(case.pk)).json()
    text = str(data)
    assert "13812345678" not in text and case.person.id_number_mask not in text
    assert data["requester"] == {"name": case.person.name, "person_id": case.person_id,
                                 "household_id": case.household_id, "caller_phone": ""}


def test_list_in_scope_and_filters(personas: dict, make_case: Any, household: Any,
                                   household_b: Any, api_for: Any) -> None:
    mine = make_case(person=household.head, actor=personas["gridworker"],
                     owner=personas["gridworker"])
    other = make_case(person=household_b.head, owner=None)
    url = reverse("api_cases_list")
    grid = api_for(personas["gridworker"])
    refs = {c["ref"] for c in grid.get(url).json()["results"]}
    assert mine.ref in refs and other.ref not in refs
    head = api_for(personas["head"])
    assert {c["ref"] for c in head.get(url).json()["results"]} >= {mine.ref, other.ref}
    assert [c["ref"] for c in head.get(url, {"queue": "unassigned"}).json()["results"]] == [
        other.ref]
    assert [c["ref"] for c in grid.get(url, {"queue": "mine"}).json()["results"]] == [mine.ref]
    assert [c["ref"] for c in head.get(url, {"household": household_b.pk}).json()[
        "results"]] == [other.ref]
    assert head.get(url, {"status": "closed"}).json()["count"] == 0
    assert head.get(url, {"service": "school-place"}).json()["count"] == 2
    assert head.get(url, {"service": "nothing"}).json()["count"] == 0
    future = (datetime.now(SHANGHAI) + timedelta(days=1)).isoformat()
    assert head.get(url, {"updated_since": future}).json()["count"] == 0
    page = head.get(url, {"limit": 1}).json()
    assert page["count"] == 2 and len(page["results"]) == 1 and page["next"]
    for bad in ({"queue": "nope"}, {"status": "nope"}, {"household": "x"},
                {"updated_since": "yesterday"}):
        response = head.get(url, bad)
        assert response.status_code == 400, bad
        assert set(response.json()["error"]["fields"]) == set(bad)
    assert api_for(personas["coordinator"]).get(url).status_code == 403


def test_services_in_the_readers_language(personas: dict, school_item: Any,
                                          onsite_item: Any, api_for: Any) -> None:
    onsite_item.active = False
    onsite_item.save()
    client = api_for(personas["caseworker"])
    zh = client.get(reverse("api_services_list")).json()
    assert [s["code"] for s in zh] == ["school-place"]
    assert zh[0]["name"] == "随迁子女入学"
    assert zh[0]["department"]["code"] == "education"
    assert (zh[0]["response_hours"], zh[0]["resolution_days"]) == (48, 20)
    en = client.get(reverse("api_services_list"), HTTP_ACCEPT_LANGUAGE="en").json()
    assert en[0]["name"] == "School place for a migrant child"
    assert api_for(personas["coordinator"]).get(reverse("api_services_list")).status_code == 403
    assert client.post(reverse("api_services_list"), {}, format="json").status_code == 405


def test_create_with_fixed_clock_sets_due_dates_and_audits(personas: dict, household: Any,
                                                           school_item: Any,
                                                           api_for: Any) -> None:
    moment = datetime(2026, 12, 7, 10, 0, tzinfo=SHANGHAI)
    client = api_for(personas["gridworker"])
    with time_machine.travel(moment, tick=False):
        response = client.post(reverse("api_cases_list"), {
            "service": "school-place", "summary": "孩子需要入学", "person": household.head.pk,
            "channel": "hotline"}, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    case = Case.objects.get(pk=data["id"])
    assert datetime.fromisoformat(data["response_due"]) == moment + timedelta(hours=48)
    assert datetime.fromisoformat(data["due"]) == moment + timedelta(days=20)
    assert data["owner"]["id"] == personas["gridworker"].pk  # as the intake form proposes
    assert data["status"] == "new" and case.channel == "hotline"
    entry = AuditEntry.objects.get(action="create", object_type="desk.case",
                                   object_id=str(case.pk))
    assert entry.actor_id == personas["gridworker"].pk
    assert verify_chain().ok


def test_create_same_audit_as_the_intake_page(personas: dict, household: Any,
                                              school_item: Any, api_for: Any) -> None:
    body = {"item": school_item.pk, "summary": "孩子需要入学", "person": household.head.pk,
            "channel": "walk_in", "priority": "normal", "owner": ""}
    page = Client()
    page.force_login(personas["caseworker"])
    page.post(reverse("case_new"), body)
    response = api_for(personas["caseworker"]).post(reverse("api_cases_list"), {
        "service": "school-place", "summary": "孩子需要入学", "person": household.head.pk,
        "owner": None}, format="json")
    assert response.status_code == 201
    entries = list(AuditEntry.objects.filter(action="create", object_type="desk.case")
                   .order_by("seq"))
    assert len(entries) == 2
    assert set(entries[0].changes) == set(entries[1].changes)
    assert verify_chain().ok


@pytest.mark.parametrize(("body", "field"), [
    ({"service": "school-place", "summary": "x", "caller_name": "王", "colour": "red"}, "colour"),
    ({"service": "nothing", "summary": "x", "caller_name": "王"}, "service"),
    ({"service": "school-place", "summary": "x"}, "caller_name"),
    ({"service": "school-place", "summary": "x", "caller_name": "王", "channel": "portal"},
     "channel"),
    ({"service": "school-place", "summary": "x", "caller_name": "王", "caller_phone": "12"},
     "caller_phone"),
    ({"service": "school-place", "summary": "x", "caller_name": "王", "owner": 2**40},
     "owner"),
    ({"service": "school-place", "summary": "x", "person": 2**70}, "person"),
    ({"service": "school-place", "summary": "x\x00", "caller_name": "王"}, "summary"),
])
def test_create_refuses_bad_bodies(body: dict, field: str, personas: dict, school_item: Any,
                                   api_for: Any) -> None:
    response = api_for(personas["caseworker"]).post(reverse("api_cases_list"), body,
                                                    format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["error"]["fields"]
    assert not Case.objects.exists()


def test_create_person_out_of_scope_is_refused(personas: dict, household_b: Any,
                                               school_item: Any, api_for: Any) -> None:
    response = api_for(personas["gridworker"]).post(reverse("api_cases_list"), {
        "service": "school-place", "summary": "x", "person": household_b.head.pk},
        format="json")
    assert response.status_code == 400
    assert "person" in response.json()["error"]["fields"]
    assert not Case.objects.exists()


def test_create_malformed_json_and_read_only_token(personas: dict, school_item: Any,
                                                   api_for: Any) -> None:
    url = reverse("api_cases_list")
    response = api_for(personas["caseworker"]).post(url, "{not json", content_type=
                                                    "application/json")
    assert response.status_code == 400
    assert response.json()["error"]["status"] == 400
    read_only = api_for(personas["caseworker"], read_only=True)
    response = read_only.post(url, {"service": "school-place", "summary": "x",
                                    "caller_name": "王"}, format="json")
    assert response.status_code == 403
    assert not Case.objects.exists()
    assert read_only.get(url).status_code == 200
    assert api_for(personas["auditor"]).post(url, {}, format="json").status_code == 403
