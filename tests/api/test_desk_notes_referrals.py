"""The desk's API: a case's notes and referrals, through the page's services
(consent, the head's override with a reason)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from jiayuan.core.audit import verify_chain
from jiayuan.core.models import AuditEntry
from jiayuan.desk.choices import Status
from jiayuan.desk.models import Case, CaseEvent, Referral
from jiayuan.registry import services as registry_services

pytestmark = pytest.mark.django_db

ROLES = ["head", "caseworker", "gridworker", "mediator", "coordinator", "auditor", "admin",
         "outsider"]
VIEWERS = {"head", "caseworker", "gridworker", "mediator", "auditor"}
WORKERS = {"head", "caseworker", "gridworker", "mediator"}
REFERRERS = {"head", "caseworker"}


def notes(case: Case) -> str:
    return reverse("api_case_notes", args=[case.pk])


def referrals(case: Case) -> str:
    return reverse("api_case_referrals", args=[case.pk])


@pytest.mark.parametrize("role", ROLES)
def test_notes_by_role_and_scope(role: str, personas: dict, case: Case, api_for: Any) -> None:
    client = api_for(personas[role])
    read = client.get(notes(case))
    assert read.status_code == (200 if role in VIEWERS else 404 if role == "outsider" else 403)
    write = client.post(notes(case), {"kind": "call", "text": "打电话了"}, format="json")
    assert write.status_code == (201 if role in WORKERS else 404 if role == "outsider"
                                 else 403)
    assert CaseEvent.objects.filter(case=case, kind="call").count() == (
        1 if role in WORKERS else 0)
    if role in WORKERS:
        listed = client.get(notes(case)).json()
        assert [(n["kind"], n["text"]) for n in listed] == [("call", "打电话了")]
    assert client.get(reverse("api_case_notes", args=[2**31 - 1])).status_code == (
        404 if role in VIEWERS | {"outsider"} else 403)


def test_note_audit_parity_and_onsite(personas: dict, make_case: Any, household: Any,
                                      api_for: Any) -> None:
    by_page, by_api = (make_case(person=household.head) for _ in range(2))
    page = Client()
    page.force_login(personas["caseworker"])
    page.post(reverse("case_note", args=[by_page.pk]), {"kind": "onsite", "text": "上门看了"})
    response = api_for(personas["caseworker"]).post(notes(by_api), {
        "kind": "onsite", "text": "上门看了"}, format="json")
    assert response.status_code == 201
    a, b = (AuditEntry.objects.get(object_type="desk.case", object_id=str(c.pk),
                                   action="update") for c in (by_page, by_api))
    assert a.changes == b.changes
    by_api.refresh_from_db()
    assert by_api.onsite_at is not None
    assert verify_chain().ok


@pytest.mark.parametrize(("body", "field"), [
    ({"kind": "gossip", "text": "x"}, "kind"),
    ({"kind": "note", "text": ""}, "text"),
    ({"kind": "note", "text": "x", "public": True, "extra": 1}, "extra"),
    ({"kind": "note", "text": "x", "at": "2999-01-01T00:00:00+08:00"}, "at"),
])
def test_bad_note_bodies(body: dict, field: str, personas: dict, case: Case,
                         api_for: Any) -> None:
    response = api_for(personas["caseworker"]).post(notes(case), body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not CaseEvent.objects.filter(case=case, kind__in=["note", "call", "onsite"]).exists()


@pytest.fixture
def consent(head: Any, household: Any, education: Any) -> Any:
    return registry_services.consent_record(actor=head, person=household.head,
                                            purpose="referral", recorded_on=date(2026, 1, 5),
                                            department=education)


@pytest.mark.parametrize("role", ROLES)
def test_referrals_by_role_and_scope(role: str, personas: dict, case: Case, consent: Any,
                                     education: Any, api_for: Any) -> None:
    client = api_for(personas[role])
    assert client.get(referrals(case)).status_code == (
        200 if role in VIEWERS else 404 if role == "outsider" else 403)
    response = client.post(referrals(case), {
        "department": education.pk, "message": "请安排孩子入学", "version": case.version},
        format="json")
    expected = 201 if role in REFERRERS else 403  # the outsider may not refer at all
    assert response.status_code == expected
    assert Referral.objects.count() == (1 if expected == 201 else 0)
    if expected == 201:
        data = response.json()
        assert data["with_consent"] and data["department"]["code"] == "education"
        assert data["reply_url"]
        case.refresh_from_db()
        assert case.status == Status.WAITING_DEPARTMENT
        assert [r["id"] for r in client.get(referrals(case)).json()] == [data["id"]]


def test_without_consent_only_the_head_overrides_with_a_reason(
        personas: dict, case: Case, education: Any, api_for: Any) -> None:
    body = {"department": education.pk, "message": "请安排孩子入学", "version": case.version}
    refused = api_for(personas["caseworker"]).post(referrals(case), body, format="json")
    assert refused.status_code == 400
    assert "department" in refused.json()["error"]["fields"]
    not_head = api_for(personas["caseworker"]).post(referrals(case), {
        **body, "override_reason": "紧急"}, format="json")
    assert not_head.status_code == 403
    assert not Referral.objects.exists()
    head = api_for(personas["head"]).post(referrals(case), {
        **body, "override_reason": "孩子下周开学，来不及"}, format="json")
    assert head.status_code == 201
    assert head.json()["with_consent"] is False
    assert head.json()["override_reason"] == "孩子下周开学，来不及"
    entry = AuditEntry.objects.get(object_type="desk.referral", action="create")
    assert entry.changes["override_reason"] == "孩子下周开学，来不及"
    assert verify_chain().ok


def test_consent_and_refer_in_one_step(personas: dict, case: Case, education: Any,
                                       api_for: Any) -> None:
    response = api_for(personas["caseworker"]).post(referrals(case), {
        "department": education.pk, "message": "请安排孩子入学", "version": case.version,
        "consent_evidence": "签字同意书 2026-041"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["with_consent"] is True
    assert verify_chain().ok


def test_referral_stale_version_and_bad_bodies(personas: dict, case: Case, consent: Any,
                                               education: Any, api_for: Any) -> None:
    client = api_for(personas["caseworker"])
    good = {"department": education.pk, "message": "请安排孩子入学", "version": case.version}
    client.post(reverse("api_case_transition", args=[case.pk]),
                {"action": "acknowledge", "version": case.version}, format="json")
    stale = client.post(referrals(case), good, format="json")
    assert stale.status_code == 409
    for body, field in (({**good, "department": 2**31 - 1}, "department"),
                        ({**good, "cc": "x"}, "cc"), ({**good, "message": ""}, "message")):
        response = client.post(referrals(case), body, format="json")
        assert response.status_code == 400 and field in response.json()["error"]["fields"]
    assert not Referral.objects.exists()
    response = api_for(personas["caseworker"], read_only=True).post(
        referrals(case), good, format="json")
    assert response.status_code == 403
    assert not Referral.objects.exists()
