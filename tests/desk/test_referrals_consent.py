"""A referral sent under a consent stops when the resident withdraws that consent
(issue 18); one sent on a head's override is left alone."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from jiayuan.core.models import AuditEntry
from jiayuan.desk import services
from jiayuan.desk.models import Case, CaseEvent, Referral
from jiayuan.registry import services as registry_services
from jiayuan.registry.models import Consent


@pytest.fixture
def referral_case(make_case: Any, household: Any) -> Case:
    return make_case(person=household.head)


@pytest.fixture
def consent(head: Any, household: Any, education: Any) -> Consent:
    return registry_services.consent_record(actor=head, person=household.head,
                                            purpose="referral", recorded_on=date(2026, 1, 5),
                                            department=education)


def refer(actor: Any, case: Case, department: Any, **extra: Any) -> Referral:
    case.refresh_from_db()
    return services.referral_create(actor=actor, case=case, department=department,
                                    message="请安排孩子入学", version=case.version, **extra)


def reply(referral: Referral) -> Any:
    url = reverse("referral_reply", args=[services.referral_token(referral)])
    return Client(HTTP_ACCEPT_LANGUAGE="en").post(url, {
        "action": "answer", "answer-name": "李老师", "answer-answer": "已安排"})


def test_it_withdraws_the_referral_when_its_consent_is_withdrawn(
        referral_case, consent, education, personas):
    referral = refer(personas["caseworker"], referral_case, education)
    referral_case.refresh_from_db()
    assert referral_case.status == "waiting_department"
    # A grid worker may withdraw a consent, though not refer: the withdrawal is
    # the authority that stops what relied on it.
    registry_services.consent_withdraw(actor=personas["gridworker"], consent=consent,
                                       on=date(2026, 2, 1))
    referral.refresh_from_db()
    assert referral.status == "withdrawn"
    response = reply(referral)
    assert response.status_code == 410 and "withdrawn" in response.content.decode()
    referral.refresh_from_db()
    assert referral.answer == ""
    event = CaseEvent.objects.get(case=referral_case, code="referral_consent_withdrawn")
    assert event.actor == personas["gridworker"]
    referral_case.refresh_from_db()
    # Nothing left to wait on: the case is back with the station.
    assert referral_case.status != "waiting_department"
    entry = AuditEntry.objects.get(object_type="desk.referral", object_id=str(referral.pk),
                                   action="update")
    assert entry.changes["reason"] == "consent withdrawn"
    assert entry.changes["status"] == ["sent", "withdrawn"]
    assert entry.actor_username == "gridworker"


def test_the_timeline_says_why_in_the_readers_language(referral_case, consent, education,
                                                       personas):
    refer(personas["caseworker"], referral_case, education)
    registry_services.consent_withdraw(actor=personas["head"], consent=consent,
                                       on=date(2026, 2, 1))
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(personas["caseworker"])
    body = client.get(reverse("case_detail", args=[referral_case.pk])).content.decode()
    assert "withdrew their consent to sharing" in body


def test_a_referral_made_by_override_is_untouched(referral_case, consent, education,
                                                   legal_partner, personas):
    # The consent covers education only; the law clinic was referred on the
    # head's override, which no consent's withdrawal can undo.
    by_consent = refer(personas["caseworker"], referral_case, education)
    by_override = refer(personas["head"], referral_case, legal_partner,
                        override_reason="紧急：当事人无法联系")
    assert by_override.consent is None
    registry_services.consent_withdraw(actor=personas["head"], consent=consent,
                                       on=date(2026, 2, 1))
    by_consent.refresh_from_db()
    by_override.refresh_from_db()
    assert (by_consent.status, by_override.status) == ("withdrawn", "sent")
    assert reply(by_override).status_code != 410
    by_override.refresh_from_db()
    assert by_override.status == "answered"


def test_an_answered_referral_stays_answered(referral_case, consent, education, personas):
    referral = refer(personas["caseworker"], referral_case, education)
    reply(referral)
    registry_services.consent_withdraw(actor=personas["head"], consent=consent,
                                       on=date(2026, 2, 1))
    referral.refresh_from_db()
    assert referral.status == "answered" and referral.answer == "已安排"
    assert not CaseEvent.objects.filter(code="referral_consent_withdrawn").exists()


def test_a_refused_withdrawal_changes_no_referral(referral_case, consent, education,
                                                  personas):
    referral = refer(personas["caseworker"], referral_case, education)
    with pytest.raises(Exception):  # noqa: B017, PT011 - PermissionDenied
        registry_services.consent_withdraw(actor=personas["coordinator"], consent=consent,
                                           on=date(2026, 2, 1))
    referral.refresh_from_db()
    consent.refresh_from_db()
    assert (referral.status, consent.status) == ("sent", "given")
