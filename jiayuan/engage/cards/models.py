"""Contact cards (联系卡): a short link per grid worker or per station to the
portal, signed and revocable, printed in batches whose numbers are counted."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_code() -> str:
    return secrets.token_urlsafe(6)


class CardLink(models.Model):
    """What one card's QR code opens: the portal, for a grid worker (`user`)
    or for the station (no user). Revoked when staff change: the link then
    answers with a clear page naming the station's hotline, never a 500."""

    community = models.ForeignKey("places.Community", models.PROTECT, related_name="+",
                                  verbose_name=_("community"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                             related_name="+", verbose_name=_("grid worker"))
    code = models.CharField(max_length=16, default=new_code, unique=True, editable=False)
    # Printed on the card (no resident data).
    role = models.CharField(_("role on the card"), max_length=60, blank=True)
    office_hours = models.CharField(_("office hours"), max_length=120, blank=True)
    hotline = models.CharField(_("hotline"), max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   blank=True, related_name="+")

    AUDIT_FIELDS = ("user_id", "role", "office_hours", "hotline", "revoked_at")

    class Meta:
        verbose_name = _("contact card link")
        verbose_name_plural = _("contact card links")
        ordering = ["community", "user", "-created_at"]
        constraints = [models.UniqueConstraint(
            fields=["community", "user"], condition=Q(revoked_at__isnull=True),
            name="cardlink_one_live")]

    def __str__(self) -> str:
        return self.code


class CardBatch(models.Model):
    """One printing: which cards and how many of each (counted in reports)."""

    community = models.ForeignKey("places.Community", models.PROTECT, related_name="+",
                                  verbose_name=_("community"))
    note = models.CharField(_("note"), max_length=120, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   blank=True, related_name="+")

    class Meta:
        verbose_name = _("card batch")
        verbose_name_plural = _("card batches")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.pk}"


class CardBatchLine(models.Model):
    batch = models.ForeignKey(CardBatch, models.CASCADE, related_name="lines")
    link = models.ForeignKey(CardLink, models.PROTECT, related_name="printed")
    copies = models.PositiveIntegerField(_("copies"))

    class Meta:
        verbose_name = _("cards printed")
        verbose_name_plural = _("cards printed")

    def __str__(self) -> str:
        return f"{self.batch_id}: {self.copies}"
