"""A referral made while its consent is withdrawn: the consent's row is locked
before the case's (desk.referral_create, registry.consent_withdraw), so the
referral is either refused or withdrawn with the consent, never left sent."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from jiayuan.desk import services
from jiayuan.desk.models import Referral
from jiayuan.desk.services import referrals
from jiayuan.registry import services as registry_services
from jiayuan.registry.signals import consent_withdrawn
from tests.locking import Meeting, needs_postgres, run_together


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_referral_made_while_its_consent_is_withdrawn_is_not_left_sent(
        make_case, household, education, personas, monkeypatch):
    case = make_case(person=household.head)
    consent = registry_services.consent_record(
        actor=personas["head"], person=household.head, purpose="referral",
        recorded_on=date(2026, 1, 5), department=education)
    # The referral meets the withdrawal once it has its consent, the
    # withdrawal once it has looked for referrals to withdraw: without the
    # consent's lock the referral saw it given, the withdrawal found nothing.
    meeting, real = Meeting(), referrals.referral_consent

    def found(*args: Any, **kwargs: Any) -> Any:
        consent = real(*args, **kwargs)
        meeting.arrive()
        return consent

    def withdrawn(**kwargs: Any) -> None:
        meeting.arrive()

    monkeypatch.setattr(referrals, "referral_consent", found)
    consent_withdrawn.connect(withdrawn, dispatch_uid="test-referral-race")
    try:
        case.refresh_from_db()
        _results, errors = run_together(
            lambda: services.referral_create(actor=personas["caseworker"], case=case,
                                             department=education, message="请安排孩子入学",
                                             version=case.version),
            lambda: registry_services.consent_withdraw(actor=personas["head"],
                                                       consent=consent, on=date(2026, 2, 1)))
    finally:
        consent_withdrawn.disconnect(dispatch_uid="test-referral-race")
    assert all(isinstance(e, ValidationError) for e in errors), errors
    consent.refresh_from_db()
    assert consent.status == "withdrawn"
    assert not Referral.objects.filter(case=case, status="sent").exists()
