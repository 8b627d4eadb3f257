"""Webhook subscriptions and their outbox.

A subscription belongs to one account and receives only what that account may
read: the desk's events write one `WebhookDelivery` per matching subscription
in the same transaction as the change (a rolled-back change sends nothing),
and the `webhooks` tick job sends them, re-checking at send time that the
account still sees the case. The signing secret is kept encrypted
(jiayuan.core.crypto, like the phone numbers): it must be usable to sign.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["DeliveryOutcome", "WebhookDelivery", "WebhookEvent", "WebhookSubscription"]


class WebhookEvent(models.TextChoices):
    CASE_CREATED = "case.created", _("A case was created")
    CASE_STATUS_CHANGED = "case.status_changed", _("A case's status changed")
    REFERRAL_ANSWERED = "referral.answered", _("A department answered a referral")


class WebhookSubscription(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="webhook_subscriptions", verbose_name=_("account"))
    url = models.URLField(_("address"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    department = models.ForeignKey("directory.Department", on_delete=models.CASCADE, null=True,
                                   blank=True, related_name="+",
                                   verbose_name=_("department"))
    secret_encrypted = models.TextField()
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.url


class DeliveryOutcome(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed after every retry")
    DROPPED = "dropped", _("Dropped: the account may no longer see the case")


class WebhookDelivery(models.Model):
    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE,
                                     related_name="deliveries")
    # The id the receiver dedupes on (X-Jiayuan-Delivery).
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event = models.CharField(max_length=40, choices=WebhookEvent.choices)
    case = models.ForeignKey("desk.Case", on_delete=models.CASCADE, related_name="+")
    payload = models.JSONField()
    created_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=80, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=12, choices=DeliveryOutcome.choices,
                               default=DeliveryOutcome.PENDING)
    # One entry per attempt: {"at", "status", "error", "outcome"}.
    log = models.JSONField(default=list)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["outcome", "next_attempt_at"],
                                name="webhook_due")]
