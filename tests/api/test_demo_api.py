"""The demo's year of the API: staff tokens (one revoked), the hotline's Open311
key, and a department's case system subscribed to its referrals' answers."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.utils import timezone

from jiayuan.api.models import ApiToken, Open311Key
from jiayuan.api.webhooks.models import DeliveryOutcome, WebhookDelivery, WebhookSubscription
from jiayuan.core.audit import verify_chain
from jiayuan.desk.models import Referral
from jiayuan.registry.models import Person
from tests.conftest import DEMO_TODAY
from tests.shared_data import demo_once

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_today")]

demo_loaded = demo_once(seed=1)


class TestTheDemosApiYear:
    def test_staff_made_tokens_over_the_year_and_revoked_one(self, demo_loaded: Any) -> None:
        made = ApiToken.objects.all()
        assert made.count() == 4
        assert made.filter(revoked_at__isnull=False).count() == 1
        for token in made:  # all before the demo's day ended, each used after it was made
            assert timezone.localdate(token.created_at) <= DEMO_TODAY
            assert len(token.key_hash) == 64
            assert token.last_used_at is None or (
                token.created_at <= token.last_used_at
                and timezone.localdate(token.last_used_at) <= DEMO_TODAY)
        assert {t.user.username for t in made} == {"head", "caseworker", "gridworker"}

    def test_the_hotline_has_a_key_and_the_department_its_deliveries(self,
                                                                     demo_loaded: Any) -> None:
        assert Open311Key.objects.filter(revoked_at__isnull=True).count() == 1
        sub = WebhookSubscription.objects.get()
        deliveries = WebhookDelivery.objects.filter(subscription=sub)
        answered = Referral.objects.filter(department=sub.department, answered_at__isnull=False,
                                           answered_at__gte=sub.created_at)
        assert deliveries.count() == answered.count() > 0
        delivered = deliveries.filter(outcome=DeliveryOutcome.DELIVERED).count()
        assert delivered >= 0.8 * deliveries.count()
        assert set(deliveries.values_list("case_id", flat=True)) == set(
            answered.values_list("case_id", flat=True))

    def test_no_delivery_carries_a_name_or_a_number(self, demo_loaded: Any) -> None:
        names = set(Person.objects.values_list("name", flat=True))
        for delivery in WebhookDelivery.objects.select_related("case"):
            text = json.dumps(delivery.payload, ensure_ascii=False)
            assert delivery.case.ref in text
            assert not any(name in text for name in names if len(name) >= 2)
            assert "phone" not in text and "name" not in text

    def test_the_chain_holds(self, demo_loaded: Any) -> None:
        assert verify_chain().ok
