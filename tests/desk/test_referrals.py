"""Referrals: the consent gate, the letter, the department's reply link, access."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.conf import settings as conf
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jiayuan.core.models import AuditEntry
from jiayuan.desk import services
from jiayuan.desk.models import Case, CaseEvent, Referral
from jiayuan.desk.referrals.views import referrals_for_case
from jiayuan.registry import services as registry_services
from jiayuan.registry.models import Consent

SECRET_DETAILS = "邻居纠纷的内部细节"


def client_for(user: Any, lang: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=lang)
    client.force_login(user)
    return client


@pytest.fixture
def referral_case(make_case: Any, household: Any) -> Case:
    """郑容哲's school-place request, with details that must never leave the station."""
    return make_case(person=household.head, details=SECRET_DETAILS)


def give_consent(head: Any, person: Any, department: Any) -> Any:
    return registry_services.consent_record(actor=head, person=person, purpose="referral",
                                            recorded_on=date(2026, 1, 5),
                                            department=department)


@pytest.fixture
def consent(head: Any, household: Any, education: Any) -> Any:
    return give_consent(head, household.head, education)


@pytest.fixture
def referral(referral_case: Case, consent: Any, education: Any, personas: Any) -> Referral:
    return services.referral_create(actor=personas["caseworker"], case=referral_case,
                                    department=education, message="请安排孩子入学",
                                    version=referral_case.version)


def new_url(case: Case) -> str:
    return reverse("referral_new", args=[case.pk])


def form_data(case: Case, dept: Any, **extra: Any) -> dict[str, Any]:
    data = {"department": dept.pk, "message": "请协助安排入学", "share_contact": "on",
            "version": case.version}
    data.update(extra)
    return data


def reply_url(referral: Referral) -> str:
    return reverse("referral_reply", args=[services.referral_token(referral)])


# --- the consent gate ----------------------------------------------------------

def test_it_refers_with_consent_and_the_case_waits_on_the_department(
        referral_case, consent, education, personas):
    response = client_for(personas["caseworker"]).post(new_url(referral_case),
                                                       form_data(referral_case, education))
    assert response.status_code == 302
    assert response["Location"].startswith(f"/desk/cases/{referral_case.pk}/")
    referral = Referral.objects.get(case=referral_case)
    assert referral.consent == consent and referral.override_reason == ""
    assert referral.message == "请协助安排入学" and referral.share_contact
    referral_case.refresh_from_db()
    assert referral_case.status == "waiting_department"
    assert CaseEvent.objects.filter(case=referral_case, kind="referral").exists()


def test_it_refuses_without_consent_and_changes_nothing(referral_case, education, personas):
    version = referral_case.version
    response = client_for(personas["caseworker"]).post(new_url(referral_case),
                                                       form_data(referral_case, education))
    assert response.status_code == 200
    assert "has not consented to sharing with District Education Bureau" in response.content.decode()
    assert not Referral.objects.exists()
    referral_case.refresh_from_db()
    assert referral_case.status == "new" and referral_case.version == version


def test_the_refusal_records_the_consent_and_refers_in_one_step(referral_case, education,
                                                                personas):
    client = client_for(personas["caseworker"])
    refused = client.post(new_url(referral_case), form_data(referral_case, education))
    body = refused.content.decode()
    assert 'name="action" value="consent_and_refer"' in body
    assert "Record the consent and refer to District Education Bureau" in body

    data = form_data(referral_case, education, action="consent_and_refer")
    missing = client.post(new_url(referral_case), {**data, "consent-evidence": " "})
    assert missing.status_code == 200 and "Say how the resident consented" in (
        missing.content.decode())
    assert not Referral.objects.exists()
    assert not Consent.objects.filter(purpose="referral").exists()

    done = client.post(new_url(referral_case), {**data, "consent-evidence": "窗口口头同意"})
    assert done.status_code == 302
    referral = Referral.objects.get()
    consent = Consent.objects.get(purpose="referral")
    assert referral.consent == consent and consent.department == education
    assert consent.person_id == referral_case.person_id and consent.evidence == "窗口口头同意"
    assert AuditEntry.objects.filter(object_type__endswith="consent", action="create").exists()


def test_a_stale_form_with_consent_records_nothing(referral_case, education, personas):
    data = form_data(referral_case, education, action="consent_and_refer",
                     version=referral_case.version - 1)
    response = client_for(personas["caseworker"]).post(
        new_url(referral_case), {**data, "consent-evidence": "签字"})
    assert response.status_code == 200
    assert not Consent.objects.filter(purpose="referral").exists()
    assert not Referral.objects.exists()


def test_consent_for_another_department_does_not_count(referral_case, education, household,
                                                       legal_partner, head, personas):
    give_consent(head, household.head, legal_partner)
    response = client_for(personas["caseworker"]).post(new_url(referral_case),
                                                       form_data(referral_case, education))
    assert "has not consented" in response.content.decode()
    assert not Referral.objects.exists()


def test_a_withdrawn_consent_does_not_count(referral_case, consent, education, head, personas):
    registry_services.consent_withdraw(actor=head, consent=consent, on=date(2026, 2, 1))
    response = client_for(personas["caseworker"]).post(new_url(referral_case),
                                                       form_data(referral_case, education))
    assert "has not consented" in response.content.decode()
    assert not Referral.objects.exists()
    referral_case.refresh_from_db()
    assert referral_case.status == "new"


def test_the_form_says_per_department_whether_consent_is_on_record(
        referral_case, consent, education, legal_partner, personas):
    body = client_for(personas["caseworker"]).get(new_url(referral_case)).content.decode()
    assert "District Education Bureau · consent on record (2026-01-05)" in body
    assert "Community law clinic · no consent on record" in body
    assert "Government department" in body and "Partner organisation" in body
    # Prefilled from the case: the service and the summary.
    assert "孩子需要入学" in body


def test_a_head_may_override_with_a_reason_and_it_is_audited(referral_case, education,
                                                              personas):
    client = client_for(personas["head"])
    assert 'name="override_reason"' in client.get(new_url(referral_case)).content.decode()
    response = client.post(new_url(referral_case), form_data(
        referral_case, education, override_reason="孩子失学，家长联系不上"))
    assert response.status_code == 302
    referral = Referral.objects.get(case=referral_case)
    assert referral.consent is None and referral.override_reason == "孩子失学，家长联系不上"
    entry = AuditEntry.objects.get(action="create", object_type="desk.referral")
    assert entry.actor_username == "head"
    assert entry.changes["override_reason"] == "孩子失学，家长联系不上"


def test_a_caseworker_cannot_override(referral_case, education, personas):
    client = client_for(personas["caseworker"])
    assert 'name="override_reason"' not in client.get(new_url(referral_case)).content.decode()
    response = client.post(new_url(referral_case), form_data(
        referral_case, education, override_reason="我觉得可以"))
    assert response.status_code == 200 and "has not consented" in response.content.decode()
    assert not Referral.objects.exists()
    with pytest.raises(PermissionDenied):
        services.referral_create(actor=personas["caseworker"], case=referral_case,
                                 department=education, message="x",
                                 version=referral_case.version, override_reason="我觉得可以")
    assert not Referral.objects.exists()


def test_a_stale_version_is_refused_as_a_conflict(referral_case, consent, education,
                                                 personas):
    response = client_for(personas["caseworker"]).post(new_url(referral_case), form_data(
        referral_case, education, version=referral_case.version - 1 or 99))
    assert response.status_code == 200
    assert "changed this case" in response.content.decode()
    assert not Referral.objects.exists()


def test_an_empty_message_and_unknown_department_are_named(referral_case, consent, education,
                                                          personas):
    client = client_for(personas["caseworker"])
    body = client.post(new_url(referral_case), form_data(referral_case, education,
                                                         message="")).content.decode()
    assert "This field is required" in body
    body = client.post(new_url(referral_case), form_data(referral_case, education,
                                                         department=98765)).content.decode()
    assert "Select a valid choice" in body or "Choose a department" in body
    assert not Referral.objects.exists()


# --- the letter --------------------------------------------------------------

def pdf_text(data: bytes, tmp_path: Any) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "letter.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True,
                          capture_output=True).stdout.decode()


def test_the_letter_is_a_chinese_pdf_with_the_reply_link(referral, personas, tmp_path,
                                                         settings):
    settings.STATION_NAME = "测试社区服务站"
    response = client_for(personas["caseworker"]).get(
        reverse("referral_letter", args=[referral.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert AuditEntry.objects.filter(action="print", object_type="desk.referral",
                                     object_id=str(referral.pk),
                                     actor_username="caseworker").exists()
    text = pdf_text(response.content, tmp_path)
    flat = "".join(text.split())
    assert "测试社区服务站" in text and "区教育局" in text and "请安排孩子入学" in text
    assert referral.case.ref in text and "随迁子女入学" in text
    assert "2026-01-05" in text  # the consent's date: the basis for sharing
    assert "鄭容哲" in text and "13812345678" in flat  # shared: name and phone in clear
    # The link is printed whole on one line, and it opens the reply page.
    links = [line.strip() for line in text.splitlines()
             if line.strip().startswith(settings.SITE_URL + "/reply/")]
    assert len(links) == 1, text
    assert links[0].endswith("/")
    page = Client().get(links[0].removeprefix(settings.SITE_URL))
    assert page.status_code == 200 and "请安排孩子入学" in page.content.decode()
    assert SECRET_DETAILS not in text
    # "To" is the addressee, not the end of a date range (a shared msgid once
    # printed 结束日期 here).
    assert "致" in text and "结束日期" not in text and "起始日期" not in text


def test_the_reply_page_labels_sender_and_addressee_not_dates(referral):
    body = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(reply_url(referral)).content.decode()
    assert "<dt>来自</dt>" in body and "<dt>致</dt>" in body
    assert "起始日期" not in body and "结束日期" not in body


def test_the_referral_form_has_no_version_label(referral_case, personas):
    body = client_for(personas["caseworker"]).get(new_url(referral_case)).content.decode()
    assert 'name="version"' in body and ">Version" not in body
    edit = client_for(personas["caseworker"]).get(
        reverse("case_edit", args=[referral_case.pk])).content.decode()
    assert 'name="version"' in edit and ">Version" not in edit


def test_the_letter_leaves_out_the_contact_when_not_shared(referral_case, consent, education,
                                                          personas, tmp_path):
    referral = services.referral_create(actor=personas["caseworker"], case=referral_case,
                                        department=education, message="请回复",
                                        version=referral_case.version, share_contact=False)
    data = client_for(personas["caseworker"]).get(
        reverse("referral_letter", args=[referral.pk])).content
    text = pdf_text(data, tmp_path)
    assert "鄭容哲" not in text and "13812345678" not in "".join(text.split())
    assert "请回复" in text


# --- the reply link ----------------------------------------------------------

def test_the_reply_page_shows_the_referral_and_not_the_case(referral):
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get(reply_url(referral))
    assert response.status_code == 200
    body = response.content.decode()
    assert "请安排孩子入学" in body and referral.case.ref in body
    assert "School place for a migrant child" in body
    assert "鄭容哲" in body and "13812345678" in body
    assert SECRET_DETAILS not in body and "孩子需要入学" not in body  # details, summary
    assert "金英姬" not in body  # nobody else from the household
    assert "no-store" in response["Cache-Control"]
    assert "noindex" in response["X-Robots-Tag"]
    # same-origin: the token never reaches another site, and the page's own
    # forms still carry a real Origin, so Django's CSRF check passes them.
    assert response["Referrer-Policy"] == "same-origin"
    assert '<meta name="referrer" content="same-origin">' in body
    assert 'name="csrfmiddlewaretoken"' in body
    entry = AuditEntry.objects.get(action="view_sensitive", object_type="desk.referral")
    assert entry.actor_username == "dept:education" and entry.actor_id is None


def test_the_reply_page_hides_the_contact_when_not_shared(referral_case, consent, education,
                                                         personas):
    referral = services.referral_create(actor=personas["caseworker"], case=referral_case,
                                        department=education, message="请回复",
                                        version=referral_case.version, share_contact=False)
    body = Client().get(reply_url(referral)).content.decode()
    assert "鄭容哲" not in body and "13812345678" not in body


def test_a_tampered_link_is_refused_and_changes_nothing(referral):
    token = services.referral_token(referral)
    bad = token[:-1] + ("A" if token[-1] != "A" else "B")
    url = reverse("referral_reply", args=[bad])
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.get(url).status_code == 404
    response = client.post(url, {"action": "answer", "answer-name": "李老师",
                                 "answer-answer": "已安排"})
    assert response.status_code == 404
    assert "not valid" in response.content.decode()
    assert "请安排孩子入学" not in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == "sent" and referral.answer == ""


def test_an_expired_link_is_refused(referral):
    Referral.objects.filter(pk=referral.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1))
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.get(reply_url(referral))
    assert response.status_code == 410 and "expired" in response.content.decode()
    response = client.post(reply_url(referral), {"action": "acknowledge", "ack-name": "李"})
    assert response.status_code == 410
    referral.refresh_from_db()
    assert referral.status == "sent" and referral.acknowledged_at is None


def test_a_link_older_than_its_lifetime_is_refused(referral, settings):
    url = reply_url(referral)
    settings.DESK_REFERRAL_LINK_DAYS = 1  # the signature's own age limit
    # A day and a minute later (the stored expiry, from the longer default, is not
    # reached): the signature's age alone refuses it, whatever second the test runs in.
    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1), tick=False):
        response = Client(HTTP_ACCEPT_LANGUAGE="en").get(url)
        assert referral.expires_at > timezone.now()
    assert response.status_code == 410 and "expired" in response.content.decode()


def test_the_department_acknowledges_receipt(referral):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(reply_url(referral), {"action": "acknowledge", "ack-name": ""})
    assert response.status_code == 200 and "Give your name" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == "sent"
    response = client.post(reply_url(referral), {"action": "acknowledge",
                                                 "ack-name": "李老师"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == "acknowledged" and referral.acknowledged_at is not None
    event = CaseEvent.objects.filter(case=referral.case, kind="reply").get()
    assert event.actor_name.endswith(" · 李老师")
    assert "Receipt confirmed" in client.get(reply_url(referral)).content.decode()


def test_the_answer_lands_on_the_timeline_and_hands_the_case_back(referral):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(reply_url(referral), {"action": "answer", "answer-name": "李老师",
                                                 "answer-answer": "已安排到实验小学"})
    assert response.status_code == 200 and "Thank you" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == "answered" and referral.answer == "已安排到实验小学"
    assert referral.answered_by == "李老师"
    assert CaseEvent.objects.filter(case=referral.case, kind="reply",
                                    text="已安排到实验小学").exists()
    case = Case.objects.get(pk=referral.case_id)
    assert case.status == "in_progress"

    assert CaseEvent.objects.filter(case=referral.case, kind="reply").count() == 1


def resolve(case: Case, actor: Any) -> None:
    services.transition(actor=actor, case=case, action="resolve", version=case.version,
                        outcome="school_place", outcome_quantity=1)


def test_the_department_corrects_its_answer_until_the_case_is_resolved(referral, personas):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.post(reply_url(referral), {"action": "answer", "answer-name": "李老师",
                                      "answer-answer": "已安排到实验小学"})
    page = client.get(reply_url(referral))
    body = page.content.decode()
    assert page.status_code == 200 and "Correct the answer" in body
    assert "已安排到实验小学" in body and "Send the corrected answer" in body
    answered_at = Referral.objects.get(pk=referral.pk).answered_at

    same = client.post(reply_url(referral), {"action": "answer", "answer-name": "李老师",
                                             "answer-answer": "已安排到实验小学"})
    assert same.status_code == 200 and "already has" in same.content.decode()
    empty = client.post(reply_url(referral), {"action": "answer", "answer-name": "李老师",
                                              "answer-answer": " "})
    assert "Write the department" in empty.content.decode()
    assert CaseEvent.objects.filter(case=referral.case, kind="reply").count() == 1

    fixed = client.post(reply_url(referral), {"action": "answer", "answer-name": "王老师",
                                              "answer-answer": "已安排到第二实验小学"})
    assert fixed.status_code == 200 and "corrected answer" in fixed.content.decode()
    referral.refresh_from_db()
    assert referral.answer == "已安排到第二实验小学" and referral.answered_by == "王老师"
    assert referral.answered_at == answered_at  # response times count from the first
    texts = [e.display_text for e in CaseEvent.objects.filter(case=referral.case, kind="reply")
             .order_by("id")]
    assert texts[0] == "已安排到实验小学" and "已安排到第二实验小学" in texts[1]
    assert AuditEntry.objects.filter(actor_username=f"dept:{referral.department.code}",
                                     changes__answer="corrected").count() == 1

    case = Case.objects.get(pk=referral.case_id)
    resolve(case, personas["caseworker"])
    again = client.post(reply_url(referral), {"action": "answer", "answer-name": "王",
                                              "answer-answer": "改主意了"})
    assert again.status_code == 410 and "already been answered" in again.content.decode()
    assert client.get(reply_url(referral)).status_code == 410
    referral.refresh_from_db()
    assert referral.answer == "已安排到第二实验小学"
    assert CaseEvent.objects.filter(case=referral.case, kind="reply").count() == 2


def test_an_empty_answer_is_named_and_changes_nothing(referral):
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post(reply_url(referral), {
        "action": "answer", "answer-name": "李老师", "answer-answer": "  "})
    assert response.status_code == 200
    assert "Write the department" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == "sent" and not CaseEvent.objects.filter(kind="reply").exists()


def test_a_withdrawn_referral_refuses_its_link(referral, personas):
    client = client_for(personas["caseworker"])
    url = reverse("referral_withdraw", args=[referral.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == "sent"
    client.post(url, {"reason": "家长已自行联系学校"})
    referral.refresh_from_db()
    assert referral.status == "withdrawn"
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post(reply_url(referral), {
        "action": "answer", "answer-name": "李老师", "answer-answer": "已安排"})
    assert response.status_code == 410 and "withdrawn" in response.content.decode()
    referral.refresh_from_db()
    assert referral.answer == ""


# --- access ------------------------------------------------------------------

@pytest.mark.parametrize(("role", "expected"), [
    ("outsider", 403), ("coordinator", 403), ("admin", 403)])
def test_people_who_may_not_refer_are_refused(referral, personas, role, expected):
    # Access is one call (core.access.get_for): a role that may not refer (the
    # outsider is a grid worker) is refused before the case is looked up (403).
    client = client_for(personas[role])
    case_pk = referral.case_id
    assert client.get(reverse("referral_new", args=[case_pk])).status_code == expected
    assert client.get(reverse("referral_letter", args=[referral.pk])).status_code == expected
    assert client.post(reverse("referral_withdraw", args=[referral.pk]),
                       {"reason": "x"}).status_code == expected
    referral.refresh_from_db()
    assert referral.status == "sent"
    assert not AuditEntry.objects.filter(action="print").exists()


def test_the_auditor_sees_referrals_but_cannot_send_or_print(referral, education, personas):
    client = client_for(personas["auditor"])
    assert client.get(reverse("referral_new", args=[referral.case_id])).status_code == 403
    response = client.post(reverse("referral_new", args=[referral.case_id]),
                           form_data(referral.case, education))
    assert response.status_code == 403
    assert client.get(reverse("referral_letter", args=[referral.pk])).status_code == 403
    assert Referral.objects.count() == 1
    assert client.get(reverse("referral_list")).status_code == 200


def test_anonymous_visitors_are_sent_to_login(referral):
    response = Client().get(reverse("referral_letter", args=[referral.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_list_filters_and_shows_response_times(referral, referral_case, legal_partner,
                                                   head, personas):
    client = client_for(personas["caseworker"])
    body = client.get(reverse("referral_list")).content.decode()
    assert referral_case.ref in body and "District Education Bureau" in body
    assert f"/desk/cases/{referral_case.pk}/" in body
    body = client.get(reverse("referral_list"), {"status": "answered"}).content.decode()
    assert "0 referrals" in body
    body = client.get(reverse("referral_list"),
                      {"department": legal_partner.pk}).content.decode()
    assert "0 referrals" in body
    body = client.get(reverse("referral_list"), {"status": "sent"}).content.decode()
    assert "1 referral" in body
    # The outsider (grid B) sees neither the referral nor its department's row.
    body = client_for(personas["outsider"]).get(reverse("referral_list")).content.decode()
    assert referral_case.ref not in body and "0 referrals" in body
    assert client_for(personas["coordinator"]).get(reverse("referral_list")).status_code == 403


def test_the_fragment_shows_the_reply_link_only_to_those_who_may_refer(referral, personas,
                                                                       rf):
    case = referral.case
    for role, shown in (("caseworker", True), ("auditor", False)):
        user = personas[role]
        request = rf.get("/")
        request.user = user
        html = render_to_string("desk/_referrals.html", {
            "case": case, "referrals": referrals_for_case(user, case),
            "can": {"refer": user.has("refer")}}, request=request)
        assert "District Education Bureau" in html or "区教育局" in html
        # The token signs the second it was made: read it back from the page
        # rather than compare it with one computed in another second.
        prefix = conf.SITE_URL + reverse("referral_reply", args=["TOKEN"]).replace(
            "TOKEN/", "")
        links = re.findall(re.escape(prefix) + r'([^/"]+)/', html)
        assert bool(links) is shown
        assert all(services.referral_from_token(token) == referral for token in links)
        assert (reverse("referral_letter", args=[referral.pk]) in html) is shown


def test_the_list_costs_the_same_queries_for_one_referral_or_many(
        referral, make_case, household, education, personas, django_assert_max_num_queries):
    client = client_for(personas["caseworker"])
    with django_assert_max_num_queries(12) as one:
        client.get(reverse("referral_list"))
    for _ in range(4):
        case = make_case(person=household.head)
        services.referral_create(actor=personas["caseworker"], case=case,
                                 department=education, message="再次转介",
                                 version=case.version)
    with django_assert_max_num_queries(len(one.captured_queries)):
        body = client.get(reverse("referral_list")).content.decode()
    assert "5 referrals" in body
