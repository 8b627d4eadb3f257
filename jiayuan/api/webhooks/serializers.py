"""Webhook subscription and delivery bodies."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from jiayuan.api.serializers import StrictSerializer
from jiayuan.api.webhooks.models import DeliveryOutcome, WebhookEvent


class SubscriptionIn(StrictSerializer):
    url = serializers.CharField(max_length=500)
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices),
                                   min_length=1, max_length=len(WebhookEvent.values))
    department = serializers.CharField(max_length=40, required=False, allow_null=True,
                                       help_text="A department's code: only its cases "
                                                 "(and its referrals' answers).")


class SubscriptionOut(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()
    events = serializers.ListField(child=serializers.CharField())
    department = serializers.CharField(allow_null=True, source="department_code")
    created_at = serializers.DateTimeField()

    def to_representation(self, instance: Any) -> Any:
        instance.department_code = instance.department.code if instance.department else None
        return super().to_representation(instance)


class SubscriptionCreated(SubscriptionOut):
    secret = serializers.CharField(help_text="Shown once: sign checks use it.")


class DeliveryOut(serializers.Serializer):
    id = serializers.UUIDField(source="uid")
    event = serializers.CharField()
    created_at = serializers.DateTimeField()
    attempts = serializers.IntegerField()
    last_status_code = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField()
    last_attempt_at = serializers.DateTimeField(allow_null=True)
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    outcome = serializers.ChoiceField(choices=DeliveryOutcome.choices)
