"""Staff desk pages: access for every role and an outsider, intake to closure
through the forms, conflicts and bad input, query counts on the queues."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jiayuan.core.models import AuditEntry
from jiayuan.desk import services
from jiayuan.desk.choices import Status
from jiayuan.desk.models import Case
from jiayuan.desk.selectors import QUEUES

VIEWERS = {"head", "caseworker", "gridworker", "mediator", "auditor"}
WORKERS = {"head", "caseworker", "gridworker", "mediator", "outsider"}
ROLES = ["head", "caseworker", "gridworker", "mediator", "coordinator", "auditor", "admin",
         "outsider"]


def client_for(user: Any, lang: str = "") -> Client:
    client = Client()
    client.force_login(user)
    if lang:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    return client


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(role: str, personas: dict, case: Case) -> None:
    client = client_for(personas[role])
    sees_desk = role in VIEWERS or role == "outsider"
    assert client.get(reverse("desk")).status_code == (200 if sees_desk else 403)
    # The grid-A case: the outsider (grid B) gets a 404, exactly as if it did not
    # exist; roles without the desk are refused first (403, core.access.get_for).
    expected = 200 if role in VIEWERS else 404 if role == "outsider" else 403
    assert client.get(reverse("case_detail", args=[case.pk])).status_code == expected
    assert client.get(reverse("case_detail", args=[999999])).status_code == (
        404 if sees_desk else 403)
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


def test_it_offers_one_as_the_number_when_resolving(personas: dict, case: Case) -> None:
    page = client_for(personas["caseworker"], "en").get(
        reverse("case_detail", args=[case.pk])).content.decode()
    assert re.search(r'<input type="number" name="outcome_quantity" value="1"', page)
    assert "Needed for the outcomes the reports count: Job found, School place" in page


def test_it_asks_for_the_number_of_a_counted_outcome_and_saves_nothing(
        personas: dict, case: Case) -> None:
    client = client_for(personas["caseworker"], "en")
    url = reverse("case_transition", args=[case.pk])
    response = client.post(url, {"action": "resolve", "version": case.version,
                                 "outcome": "job", "outcome_quantity": ""})
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_outcome_quantity_error"' in page
    assert "“Job found” is counted in the reports: say how many, at least 1." in page
    case.refresh_from_db()
    assert case.status == Status.NEW and case.outcome == "" and case.version == 1
    response = client.post(url, {"action": "resolve", "version": case.version,
                                 "outcome": "job", "outcome_quantity": "2"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.outcome, case.outcome_quantity) == (Status.RESOLVED, "job", 2)


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
    # Refused with who changed it; the second worker's input is kept on the
    # form, now carrying the version on record (core.versioning).
    assert stale.status_code == 409
    body = stale.content.decode()
    assert "changed this case" in body or "修改了此个案" in body or "乙的修改" in body
    assert "乙的修改" in body
    assert stale.context["form"]["version"].value() == str(version + 1)
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


PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def document(personas: dict, case: Case) -> Any:
    return services.add_document(actor=personas["caseworker"], case=case,
                                 upload=SimpleUploadedFile("证明.pdf", PDF), note="在读证明")


def test_it_gives_documents_no_public_url(document: Any, settings: Any) -> None:
    with pytest.raises(ValueError, match="no public URL"):
        document.file.url  # noqa: B018 - the property raises
    stored = Path(document.file.path).resolve()
    assert Path(settings.PRIVATE_MEDIA_ROOT).resolve() in stored.parents
    assert Path(settings.STATIC_ROOT).resolve() not in stored.parents
    # Neither the static files nor a /media/ address leads to it.
    anonymous = Client()
    for url in (f"/{settings.STATIC_URL.strip('/')}/{document.file.name}",
                f"/media/{document.file.name}", f"/{document.file.name}"):
        response = anonymous.get(url)
        assert response.status_code in (302, 404), url
        assert PDF not in b"".join(getattr(response, "streaming_content", [response.content]))


def test_it_sends_an_anonymous_visitor_to_the_login_page_not_the_document(
        case: Case, document: Any) -> None:
    response = Client().get(reverse("case_document_download", args=[case.pk, document.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not AuditEntry.objects.filter(action="export").exists()


@pytest.mark.parametrize(("role", "expected"), [
    ("outsider", 404), ("coordinator", 403), ("admin", 403)])
def test_it_answers_404_to_accounts_that_may_not_see_the_case(
        role: str, expected: int, personas: dict, case: Case, document: Any) -> None:
    response = client_for(personas[role]).get(
        reverse("case_document_download", args=[case.pk, document.pk]))
    assert response.status_code == expected
    assert not AuditEntry.objects.filter(action="export").exists()


def test_it_does_not_serve_a_document_through_another_case(
        personas: dict, case: Case, document: Any, make_case: Any, household: Any) -> None:
    """The grid worker may see both cases; the document belongs to only one."""
    other = make_case(person=household.head)
    client = client_for(personas["gridworker"])
    assert client.get(reverse("case_document_download",
                              args=[case.pk, document.pk])).status_code == 200
    assert client.get(reverse("case_document_download",
                              args=[other.pk, document.pk])).status_code == 404


def _stored_files(settings: Any) -> list[Path]:
    return [p for p in Path(settings.PRIVATE_MEDIA_ROOT).rglob("*") if p.is_file()]


def test_it_refuses_an_oversize_upload_on_the_case_page(personas: dict, case: Case,
                                                        settings: Any) -> None:
    settings.DESK_UPLOAD_MAX_BYTES = 1024 * 1024
    before = set(_stored_files(settings))
    big = SimpleUploadedFile("扫描件.pdf", PDF + b"0" * (1024 * 1024))
    response = client_for(personas["caseworker"], "en").post(
        reverse("case_document", args=[case.pk]), {"file": big, "note": "太大了"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "the limit is 1.0 MB" in page and 'id="id_file_error"' in page
    assert not case.documents.exists()
    assert not case.events.filter(kind="document").exists()
    assert set(_stored_files(settings)) == before
    assert not AuditEntry.objects.filter(object_id=str(case.pk),
                                         changes__has_key="document").exists()


@pytest.mark.parametrize(("name", "content", "message"), [
    ("page.html", b"<script>alert(1)</script>", "are not accepted"),
    ("setup.exe", b"MZ\x90\x00", "are not accepted"),
    ("renamed.pdf", b"PK\x03\x04 not a pdf", "may be damaged or renamed"),
    ("empty.pdf", b"", "file is empty"),
])
def test_it_refuses_a_wrong_type_on_the_case_page(personas: dict, case: Case, settings: Any,
                                                  name: str, content: bytes,
                                                  message: str) -> None:
    before = set(_stored_files(settings))
    response = client_for(personas["caseworker"], "en").post(
        reverse("case_document", args=[case.pk]),
        {"file": SimpleUploadedFile(name, content, "application/pdf")})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not case.documents.exists()
    assert not case.events.filter(kind="document").exists()
    assert set(_stored_files(settings)) == before


def test_it_refuses_an_onsite_contact_from_before_the_request_on_the_case_page(
        personas: dict, make_case: Any, household: Any, onsite_item: Any) -> None:
    case = make_case(person=household.head, item=onsite_item)
    events = case.events.count()
    earlier = timezone.localtime(case.opened_at - timedelta(days=2))
    response = client_for(personas["caseworker"], "en").post(reverse("case_note",
                                                                    args=[case.pk]), {
        "kind": "onsite", "text": "上门查看了漏水", "at": earlier.strftime("%Y-%m-%dT%H:%M")})
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_at_error"' in page and "before the request was received" in page
    case.refresh_from_db()
    assert case.onsite_at is None and case.events.count() == events


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


class QueueFiller:
    """Adds one case to every work queue per round, with owners, services and
    requesters that vary, so a query per row (an owner, a service, a person not
    fetched with the list) shows as more queries when rows are added."""

    def __init__(self, personas: dict, household: Any, make_case: Any, community: Any,
                 items: list[Any]) -> None:
        self.head, self.cw = personas["head"], personas["caseworker"]
        self.owners = [personas["head"], personas["caseworker"], personas["mediator"]]
        self.people = list(household.members.order_by("pk"))
        self.make_case, self.community, self.items = make_case, community, items
        self.round = 0

    def _act(self, case: Case, action: str, **data: Any) -> Case:
        case.refresh_from_db()
        return services.transition(actor=self.cw, case=case, action=action,
                                   version=case.version, **data)

    def add_round(self) -> None:
        r, now = self.round, timezone.now()
        self.round += 1
        item = self.items[r % len(self.items)]
        person = self.people[r % len(self.people)]
        owner = self.owners[r % len(self.owners)]

        def new(**fields: Any) -> Case:
            fields.setdefault("person", person)
            fields.setdefault("owner", owner)
            return self.make_case(item=item, summary=f"第{r}轮", **fields)

        new(owner=self.head)  # mine
        new(owner=None)  # unassigned
        new(person=None, caller_name=f"来电{r}", channel="hotline", owner=None)
        new(opened_at=now - timedelta(days=30))  # overdue
        due_today = new()
        end_of_day = timezone.localtime(now).replace(hour=23, minute=59, second=59)
        Case.objects.filter(pk=due_today.pk).update(due=now + (end_of_day - now) / 2)
        waiting = self._act(new(), "start")
        self._act(waiting, "wait_department", note="等教育局回复")
        services.portal_create(item=item, summary=f"网上申请{r}", details="",
                               caller_name="网上居民", caller_phone="13912345678",
                               community=self.community, source=f"test-source-{r}",
                               contact_consent=True)
        self._act(new(), "resolve", outcome="job", outcome_quantity=r + 1)  # follow-up due
        closed = self._act(new(), "resolve", outcome="answered")
        services.record_follow_up(actor=self.cw, case=closed, reached=True, satisfaction=4)
        self._act(new(), "withdraw", note="居民撤回")


def _queue_rows(client: Client, code: str) -> tuple[int, int]:
    """(queries, rows shown) of one queue page."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("desk_queue", args=[code]))
    assert response.status_code == 200
    return len(queries), len(response.context["page"].object_list)


def test_it_runs_as_many_queries_on_every_queue_whatever_its_size(
        personas: dict, make_case: Any, household: Any, community: Any, school_item: Any,
        green_item: Any) -> None:
    filler = QueueFiller(personas, household, make_case, community, [school_item, green_item])
    filler.add_round()
    client = client_for(personas["head"])
    client.get(reverse("desk"))  # session, permissions: warm once
    counts = client.get(reverse("desk")).context["counts"]
    assert all(counts[q.code] >= 1 for q in QUEUES if q.code != "all"), counts
    small = {q.code: _queue_rows(client, q.code) for q in QUEUES}
    for _ in range(3):
        filler.add_round()
    large = {q.code: _queue_rows(client, q.code) for q in QUEUES}
    for code, (queries, rows) in small.items():
        assert 1 <= rows < large[code][1], (code, rows, large[code][1])
        assert queries <= 20, (code, queries)
        assert large[code][0] <= queries, (code, queries, large[code][0])


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


def test_the_requester_picker_offers_current_residents_and_a_dwellings_head(
        personas: dict, household: Any, household_b: Any) -> None:
    from datetime import date

    from jiayuan.registry import services as registry

    client = client_for(personas["gridworker"])
    url = reverse("requester_search")
    answer = client.post(url, {"q": "金英姬"})
    spouse = household.members.get(name="金英姬")
    assert f"?pick={spouse.pk}" in answer.content.decode()
    assert "HX-Request" in answer["Vary"]
    # A household found by its dwelling offers its head.
    assert f"?pick={household.head_id}" in client.post(
        url, {"q": household.dwelling.code}).content.decode()
    chosen = client.get(url, {"pick": household.head_id}).content.decode()
    assert f'name="person" value="{household.head_id}"' in chosen and "hx-swap-oob" in chosen
    # Out of scope, or gone: not offered, and not taken when asked for by id.
    assert client.get(url, {"pick": household_b.head_id}).status_code == 404
    registry.person_leave(actor=personas["head"], person=spouse, on=date(2025, 1, 1))
    assert f"?pick={spouse.pk}" not in client.post(url, {"q": "金英姬"}).content.decode()
    assert client.get(url, {"pick": spouse.pk}).status_code == 404


def test_the_status_link_handed_to_the_resident_is_the_public_address(
        personas: dict, case: Case, settings: Any) -> None:
    """Staff on the station's internal host still read the public link."""
    settings.SITE_URL = "https://jiayuan.example.org"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "10.0.0.5"]
    client = Client(HTTP_HOST="10.0.0.5:8000")
    client.force_login(personas["caseworker"])
    page = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    link = "https://jiayuan.example.org" + reverse("portal_status",
                                                   args=[case.ref, case.public_token])
    assert f'<code class="wrap">{link}</code>' in page and "10.0.0.5" not in page
