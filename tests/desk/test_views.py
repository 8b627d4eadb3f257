"""Staff desk pages: access for every role and an outsider, intake to closure
through the forms, conflicts and bad input, query counts on the queues."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from jiayuan.core.models import AuditEntry
from jiayuan.desk import services
from jiayuan.desk.choices import Status
from jiayuan.desk.models import Case
from jiayuan.desk.selectors import QUEUES

VIEWERS = {"head", "caseworker", "gridworker", "mediator", "auditor"}
WORKERS = {"head", "caseworker", "gridworker", "mediator", "outsider"}
ROLES = ["head", "caseworker", "gridworker", "mediator", "coordinator", "auditor", "admin",
         "outsider"]


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(role: str, personas: dict, case: Case) -> None:
    client = client_for(personas[role])
    sees_desk = role in VIEWERS or role == "outsider"
    assert client.get(reverse("desk")).status_code == (200 if sees_desk else 403)
    # The grid-A case: the outsider (grid B) and roles without the desk get a 404,
    # exactly as if it did not exist.
    expected = 200 if role in VIEWERS else 404
    assert client.get(reverse("case_detail", args=[case.pk])).status_code == expected
    assert client.get(reverse("case_detail", args=[999999])).status_code == 404
    assert client.get(reverse("case_new")).status_code == (200 if role in WORKERS else 403)
    edit = client.get(reverse("case_edit", args=[case.pk])).status_code
    assert edit == (200 if role in WORKERS - {"outsider"} else 404 if role == "outsider"
                    else 403)


def test_outsider_cannot_act_on_or_see_case_in_queues(personas: dict, case: Case) -> None:
    client = client_for(personas["outsider"])
    response = client.post(reverse("case_transition", args=[case.pk]),
                           {"action": "start", "version": case.version})
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.status == Status.NEW
    page = client.get(reverse("desk_queue", args=["all"]))
    assert case.ref not in page.content.decode()
    assert AuditEntry.objects.filter(action="denied", object_id=str(case.pk)).exists()


def test_unmatched_requests_visible_to_grid_workers_of_the_community(
        personas: dict, make_case: Any) -> None:
    caller = make_case(caller_name="热线来电", caller_phone="13800001111")
    for role in ("gridworker", "outsider"):
        page = client_for(personas[role]).get(reverse("desk_queue", args=["unassigned"]))
        assert caller.ref in page.content.decode()


def test_anonymous_redirected_to_login(case: Case) -> None:
    response = Client().get(reverse("case_detail", args=[case.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_walk_in_from_intake_to_closure(personas: dict, household: Any,
                                       school_item: Any) -> None:
    client = client_for(personas["caseworker"])
    head = household.head
    response = client.post(reverse("case_new"), {
        "person": head.pk, "channel": "walk_in", "item": school_item.pk,
        "summary": "孙子要上小学", "details": "明年九月入学", "priority": "normal",
        "owner": personas["caseworker"].pk})
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("case_detail", args=[case.pk])
    assert (case.person, case.household, case.grid_id) == (head, household, household.grid_id)
    page = client.get(response["Location"]).content.decode()
    assert case.ref in page and "孙子要上小学" in page

    def act(action: str, **data: Any) -> Any:
        case.refresh_from_db()
        return client.post(reverse("case_transition", args=[case.pk]),
                           {"action": action, "version": case.version, **data})

    assert act("acknowledge").status_code == 302
    assert act("start").status_code == 302
    client.post(reverse("case_note", args=[case.pk]),
                {"kind": "call", "text": "已联系学校", "public": "on"})
    assert act("resolve", outcome="school_place", outcome_quantity="1").status_code == 302
    case.refresh_from_db()
    assert case.status == Status.RESOLVED
    response = client.post(reverse("case_follow_up", args=[case.pk]),
                           {"reached": "1", "satisfaction": "5", "comment": "很满意"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    household_page = client.get(reverse("household_detail", args=[household.pk]))
    assert case.ref in household_page.content.decode()


def test_forbidden_transition_shows_message_and_changes_nothing(personas: dict,
                                                                case: Case) -> None:
    client = client_for(personas["caseworker"])
    response = client.post(reverse("case_transition", args=[case.pk]),
                           {"action": "resume", "version": case.version})
    assert response.status_code == 400
    assert "cannot be" in response.content.decode() or "不能" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Status.NEW


def test_stale_form_refused_with_message(personas: dict, case: Case) -> None:
    a, b = client_for(personas["caseworker"]), client_for(personas["head"])
    version = case.version
    ok = a.post(reverse("case_edit", args=[case.pk]), {
        "version": version, "item": case.item_id, "summary": "甲的修改",
        "priority": "normal", "owner": ""})
    assert ok.status_code == 302
    stale = b.post(reverse("case_edit", args=[case.pk]), {
        "version": version, "item": case.item_id, "summary": "乙的修改",
        "priority": "urgent", "owner": ""})
    assert stale.status_code == 400
    assert "reload" in stale.content.decode() or "刷新" in stale.content.decode()
    case.refresh_from_db()
    assert (case.summary, case.priority) == ("甲的修改", "normal")


def test_forged_duplicate_reference_refused(personas: dict, case: Case, make_case: Any,
                                            household_b: Any) -> None:
    other_grid = make_case(person=household_b.head, actor=personas["head"])
    client = client_for(personas["gridworker"])  # grid A only
    response = client.post(reverse("case_transition", args=[case.pk]), {
        "action": "cancel_duplicate", "version": case.version, "duplicate_ref": other_grid.ref})
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.status == Status.NEW and case.duplicate_of is None


def test_intake_field_errors(personas: dict, school_item: Any, household_b: Any) -> None:
    client = client_for(personas["gridworker"])
    response = client.post(reverse("case_new"), {
        "channel": "hotline", "item": school_item.pk, "summary": "",
        "caller_phone": "12345", "priority": "normal"})
    body = response.content.decode()
    assert response.status_code == 200 and not Case.objects.exists()
    assert 'id="id_summary_error"' in body and 'id="id_caller_phone_error"' in body
    assert 'id="id_caller_name_error"' in body
    # A resident outside the worker's grids cannot be named as the requester.
    response = client.post(reverse("case_new"), {
        "person": household_b.head.pk, "channel": "walk_in", "item": school_item.pk,
        "summary": "x", "priority": "normal"})
    assert not Case.objects.exists()
    assert response.status_code == 200


def test_document_download_access_checked(personas: dict, case: Case) -> None:
    client = client_for(personas["caseworker"])
    pdf = SimpleUploadedFile("证明.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    assert client.post(reverse("case_document", args=[case.pk]),
                       {"file": pdf, "note": "在读证明"}).status_code == 302
    doc = case.documents.get()
    url = reverse("case_document_download", args=[case.pk, doc.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]
    assert client_for(personas["outsider"]).get(url).status_code == 404
    bad = client.post(reverse("case_document", args=[case.pk]),
                      {"file": SimpleUploadedFile("x.html", b"<script>")})
    assert bad.status_code == 400 and case.documents.count() == 1


def test_match_portal_request_to_registry(personas: dict, make_case: Any,
                                         household: Any) -> None:
    case = make_case(caller_name="郑先生", channel="hotline")
    client = client_for(personas["caseworker"])
    response = client.post(reverse("case_match", args=[case.pk]),
                           {"version": case.version, "person": household.head.pk})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.household == household and case.grid_id == household.grid_id


def test_caller_phone_reveal_audited(personas: dict, make_case: Any) -> None:
    case = make_case(caller_name="李女士", caller_phone="13912345678")
    response = client_for(personas["caseworker"]).post(
        reverse("caller_phone_reveal", args=[case.pk]))
    assert "13912345678" in response.content.decode()
    assert AuditEntry.objects.filter(action="reveal", object_id=str(case.pk)).exists()
    refused = client_for(personas["coordinator"]).post(
        reverse("caller_phone_reveal", args=[case.pk]))
    assert refused.status_code == 403


@pytest.mark.parametrize("code", [q.code for q in QUEUES])
def test_queue_query_count_does_not_grow(code: str, personas: dict, make_case: Any,
                                         household: Any, django_assert_max_num_queries:
                                         Any) -> None:
    head = personas["head"]
    for i in range(3):
        make_case(person=household.head, owner=head, summary=f"请求 {i}")
    client = client_for(head)
    url = reverse("desk_queue", args=[code])
    client.get(url)
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for i in range(12):
        make_case(person=household.head, owner=head, summary=f"更多 {i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_case_page_query_count_bounded(personas: dict, case: Case,
                                       django_assert_max_num_queries: Any) -> None:
    cw = personas["caseworker"]
    client = client_for(cw)
    url = reverse("case_detail", args=[case.pk])
    client.get(url)
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    for i in range(10):
        services.add_note(actor=cw, case=case, kind="note", text=f"记录 {i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)
